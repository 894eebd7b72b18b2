//! `upload-clients maiagent`: attachments, uploaded directly, to `/attachments/`, or through
//! the presigned flow.

use clap::Subcommand;
use serde_json::json;
use upload_clients::auth::Credential;
use upload_clients::checks::check_id;
use upload_clients::maiagent::Attachment;
use upload_clients::{Error, MaiAgentClient};

use crate::args::{Context, Files};
use crate::credentials::token_only;
use crate::files::sources;
use crate::output::{Outcome, Output, outcomes};

#[derive(Subcommand)]
pub enum MaiAgentCommand {
    /// Upload an attachment (doc, docx, txt, pdf, md, xls, xlsx, csv, ppt, pptx, json, jsonl, images).
    Upload {
        #[command(flatten)]
        files: Files,
        /// Use the presigned flow: presign, send to storage, register.
        #[arg(long)]
        presigned: bool,
        /// Upload to POST /attachments/ as MaiAgent's official examples do; prints the
        /// attachment id.
        #[arg(long, conflicts_with = "presigned")]
        attachments: bool,
        /// Register the attachment on this conversation (presigned flow).
        #[arg(long, requires = "presigned")]
        conversation: Option<String>,
        /// The attachment `type` sent on registration (presigned flow): image, video, audio,
        /// sticker or other. Default: null, as in the example of MaiAgent's page.
        #[arg(long = "type", requires = "presigned", value_name = "TYPE")]
        attachment_type: Option<String>,
        /// The API base URL, base path included. MaiAgent's official examples use
        /// https://api.maiagent.ai/api/v1.
        #[arg(long, default_value = upload_clients::maiagent::DEFAULT_BASE_URL)]
        endpoint: String,
    },
}

pub async fn run(command: MaiAgentCommand, ctx: &Context<'_>) -> Result<Vec<Outcome>, Error> {
    let MaiAgentCommand::Upload {
        files,
        presigned,
        attachments,
        conversation,
        attachment_type,
        endpoint,
    } = command;
    let credential = Credential::ApiKey(token_only(ctx.common, "maiagent", "MAIAGENT_API_KEY")?);
    let mut mai = MaiAgentClient::new(credential)?
        .with_base_url(&endpoint)?
        .with_http_client(ctx.http.clone())
        .with_retry(ctx.retry)
        .with_timeouts(ctx.timeouts);
    if let Some(attachment_type) = attachment_type {
        check_id("--type", &attachment_type)?;
        mai = mai.with_attachment_type(attachment_type);
    }
    let sources = sources(&files, None, ctx.common).await?;
    if presigned {
        let results = mai
            .upload_presigned_many(&sources.1, conversation.as_deref(), files.concurrency)
            .await;
        Ok(outcomes(&sources, results, |_, a| attachment_output(a)))
    } else if attachments {
        let results = mai
            .upload_attachment_many(&sources.1, files.concurrency)
            .await;
        Ok(outcomes(&sources, results, |_, a| attachment_output(a)))
    } else {
        let results = mai.upload_many(&sources.1, files.concurrency).await;
        Ok(outcomes(
            &sources,
            results,
            |source, attachment| match attachment {
                Some(attachment) => attachment_output(attachment),
                None => Output {
                    human: format!("uploaded {}", source.file_name()),
                    json: json!({"uploaded": true, "filename": source.file_name(), "bytes": source.len()}),
                },
            },
        ))
    }
}

/// What an uploaded attachment prints.
fn attachment_output(attachment: Attachment) -> Output {
    Output {
        human: format!(
            "uploaded {} as attachment {}",
            attachment.filename, attachment.id
        ),
        json: json!(attachment),
    }
}
