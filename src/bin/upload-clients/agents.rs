//! `upload-clients agents`: files for Azure AI Foundry Agents, optionally waiting until the
//! service has processed them.

use clap::Subcommand;
use serde_json::json;
use upload_clients::ai_agents::{FilePurpose, WaitOptions, parse_purpose};
use upload_clients::checks::check_id;
use upload_clients::{AiAgentsClient, Error};

use crate::args::{Context, Files};
use crate::credentials::agents_credential;
use crate::files::sources;
use crate::output::{Outcome, Output, outcomes};

#[derive(Subcommand)]
pub enum AgentsCommand {
    /// Upload a file (at most 512 MiB).
    Upload {
        #[command(flatten)]
        files: Files,
        /// The project endpoint, https://<resource>.services.ai.azure.com/api/projects/<project>.
        #[arg(long)]
        endpoint: String,
        /// What the file is for: assistants, assistants_output, vision, batch or fine-tune.
        #[arg(long, required_unless_present = "custom_purpose")]
        purpose: Option<String>,
        /// A purpose the service added that --purpose does not list yet, sent as it is.
        #[arg(long, conflicts_with = "purpose", value_name = "PURPOSE")]
        custom_purpose: Option<String>,
        /// The file name to send (default: the file's name; one file only).
        #[arg(long)]
        filename: Option<String>,
        /// Wait until the service has processed the file.
        #[arg(long)]
        wait: bool,
    },
}

pub async fn run(command: AgentsCommand, ctx: &Context<'_>) -> Result<Vec<Outcome>, Error> {
    let AgentsCommand::Upload {
        files,
        endpoint,
        purpose,
        custom_purpose,
        filename,
        wait,
    } = command;
    let purpose = match (purpose, custom_purpose) {
        (Some(purpose), _) => parse_purpose(&purpose)?,
        (None, Some(custom)) => {
            check_id("--custom-purpose", &custom)?;
            FilePurpose::String(custom)
        }
        (None, None) => return Err(Error::InvalidInput("give --purpose".into())),
    };
    let credential = agents_credential(ctx.common)?;
    let agents = AiAgentsClient::new(&endpoint, credential)?
        .with_http_client(ctx.http.clone())
        .with_retry(ctx.retry)
        .with_timeouts(ctx.timeouts);
    let sources = sources(&files, filename, ctx.common).await?;
    let results = if wait {
        let options = WaitOptions::default();
        agents
            .upload_and_wait_many(&sources.1, purpose, options, files.concurrency)
            .await
    } else {
        agents
            .upload_many(&sources.1, purpose, files.concurrency)
            .await
    };
    Ok(outcomes(&sources, results, |_, info| Output {
        human: format!(
            "uploaded {} as file {} ({} bytes, status {})",
            info.filename,
            info.id,
            info.bytes,
            info.status
                .as_ref()
                .map_or_else(|| "unknown".to_string(), ToString::to_string)
        ),
        json: json!(info),
    }))
}
