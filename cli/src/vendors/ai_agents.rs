//! `upload-clients agents`: files for Azure AI Foundry Agents, optionally waiting until the
//! service has processed them.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use upload_clients::ai_agents::{FileInfo, FilePurpose, WaitOptions, parse_purpose};
use upload_clients::bulk::journal::Stage;
use upload_clients::transport::check_id;
use upload_clients::{AiAgentsClient, Error};

use crate::args::{Context, Files};
use crate::credentials::agents_credential;
use crate::output::Output;
use crate::run::{Job, Naming};

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
        /// Send each file name's exact bytes instead of its Unicode NFC, the form people type
        /// (macOS gives many Korean, Japanese and accented names decomposed), for a service
        /// that must see them.
        #[arg(long)]
        keep_name_bytes: bool,
        /// Wait until the service has processed the file.
        #[arg(long)]
        wait: bool,
        /// Do not check that the size the service reports is the file's.
        #[arg(long)]
        no_verify: bool,
    },
}

pub async fn run(command: AgentsCommand, ctx: &Context<'_>) -> Result<ExitCode, Error> {
    let AgentsCommand::Upload {
        files,
        endpoint,
        purpose,
        custom_purpose,
        filename,
        keep_name_bytes,
        wait,
        no_verify,
    } = command;
    let purpose = match (purpose, custom_purpose) {
        (Some(purpose), _) => {
            check_id("--purpose", &purpose)?;
            // Only an unknown purpose is left to refuse: say how to send it anyway.
            let known = upload_clients::ai_agents::KnownFilePurpose::VALUES.join(", ");
            parse_purpose(&purpose).map_err(|_| {
                Error::InvalidInput(format!(
                    "--purpose {purpose:?} is not a purpose the service knows (known: {known}); for one it added since, give --custom-purpose {purpose:?}"
                ))
            })?
        }
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
        .with_timeouts(ctx.timeouts)
        .with_verify(!no_verify);
    let target = format!("ai-agents {} purpose={purpose}", agents.base_url());
    let (agents, purpose) = (&agents, &purpose);
    let options = WaitOptions::default();
    let naming = Naming {
        filename,
        keep_bytes: keep_name_bytes,
    };
    crate::run::run(ctx, &files, naming, target, |job: Job| async move {
        let info = match (job.resume, wait) {
            // Uploaded by an earlier run that was waiting for it: wait, do not upload again.
            (Some(Stage::Uploaded { file_id }), true) => agents.wait_for(&file_id, options).await?,
            _ if wait => {
                let info = agents.upload(&job.source, purpose.clone()).await?;
                job.checkpoint.reached(Stage::Uploaded {
                    file_id: info.id.clone(),
                })?;
                agents.wait_until_processed(info, options).await?
            }
            _ => agents.upload(&job.source, purpose.clone()).await?,
        };
        Ok(file_output(info))
    })
    .await
}

fn file_output(info: FileInfo) -> Output {
    Output {
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
    }
}
