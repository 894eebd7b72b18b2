//! `upload-clients maiagent`: attachments, uploaded directly, to `/attachments/`, or through
//! the presigned flow.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use upload_clients::auth::Credential;
use upload_clients::bulk::journal::Stage;
use upload_clients::maiagent::Attachment;
use upload_clients::transport::check_id;
use upload_clients::{Error, MaiAgentClient};

use crate::args::{Context, Files};
use crate::credentials::token_only;
use crate::output::Output;
use crate::run::{Job, Naming};

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
        /// Presigned flow: do not compute the MD5 of what is sent and compare it with storage's
        /// ETag (saves about 1.9 s of CPU per GiB).
        #[arg(long, requires = "presigned")]
        no_verify: bool,
        /// Send each file name's exact bytes instead of its Unicode NFC, the form people type
        /// (macOS gives many Korean, Japanese and accented names decomposed), for a service
        /// that must see them.
        #[arg(long)]
        keep_name_bytes: bool,
    },
}

pub async fn run(command: MaiAgentCommand, ctx: &Context<'_>) -> Result<ExitCode, Error> {
    let MaiAgentCommand::Upload {
        files,
        presigned,
        attachments,
        conversation,
        attachment_type,
        endpoint,
        no_verify,
        keep_name_bytes,
    } = command;
    let credential = Credential::ApiKey(token_only(ctx.common, "maiagent", "MAIAGENT_API_KEY")?);
    let mut mai = MaiAgentClient::new(credential)?
        .with_base_url(&endpoint)?
        .with_http_client(ctx.http.clone())
        .with_retry(ctx.retry)
        .with_timeouts(ctx.timeouts)
        .with_verify(!no_verify);
    if let Some(attachment_type) = &attachment_type {
        check_id("--type", attachment_type)?;
        mai = mai.with_attachment_type(attachment_type.clone());
    }
    if let Some(conversation) = &conversation {
        check_id("conversation id", conversation)?;
    }
    let how = match (presigned, attachments) {
        (true, _) => "presigned",
        (_, true) => "attachments",
        _ => "direct",
    };
    let target = format!(
        "maiagent {} {how} conversation={} type={}",
        mai.base_url(),
        conversation.as_deref().unwrap_or("-"),
        attachment_type.as_deref().unwrap_or("-"),
    );
    let (mai, conversation) = (&mai, conversation.as_deref());
    let naming = Naming {
        filename: None,
        keep_bytes: keep_name_bytes,
    };
    crate::run::run(ctx, &files, naming, target, |job: Job| async move {
        let source = &job.source;
        if presigned {
            let key = match job.resume {
                // In storage since an earlier run: register it, do not send it again.
                Some(Stage::Stored { key, .. }) => key,
                _ => {
                    let stored = mai.store_presigned(source).await?;
                    let key = stored.key.clone();
                    job.checkpoint
                        .reached(Stage::Stored {
                            key: stored.key,
                            md5: stored.md5,
                        })?;
                    key
                }
            };
            // The name as the source sends it (NFC, or its bytes with --keep-name-bytes), as
            // the presign request and storage got it.
            let attachment = mai
                .register_exact(&key, source.file_name(), conversation)
                .await
                .map_err(|error| Error::Registration {
                    key,
                    source: Box::new(error),
                })?;
            Ok(attachment_output(attachment))
        } else if attachments {
            Ok(attachment_output(mai.upload_attachment(source).await?))
        } else {
            Ok(match mai.upload(source).await? {
                Some(attachment) => attachment_output(attachment),
                None => Output {
                    human: format!("uploaded {}", source.file_name()),
                    json: json!({"uploaded": true, "filename": source.file_name(), "bytes": source.len()}),
                },
            })
        }
    })
    .await
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
