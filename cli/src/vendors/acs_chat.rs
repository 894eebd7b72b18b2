//! `upload-clients acs-chat`: chat images to an Azure Communication Services thread.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use upload_clients::{AcsChatClient, Error};

use crate::args::{Context, Files};
use crate::credentials::acs_credential;
use crate::output::Output;
use crate::run::{Job, Naming};

#[derive(Subcommand)]
pub enum AcsCommand {
    /// Upload an image (jpeg, png, gif, heic, webp; at most 20 MiB) to a chat thread.
    UploadImage {
        #[command(flatten)]
        files: Files,
        /// The Azure Communication resource endpoint.
        #[arg(long)]
        endpoint: String,
        /// The chat thread id, e.g. 19:…@thread.v2.
        #[arg(long)]
        thread_id: String,
        /// The file name to send (default: the file's name; one file only).
        #[arg(long)]
        filename: Option<String>,
        /// Send each file name's exact bytes instead of its Unicode NFC, the form people type
        /// (macOS gives many Korean, Japanese and accented names decomposed), for a service
        /// that must see them.
        #[arg(long)]
        keep_name_bytes: bool,
        /// The API version, sent as given (specs/acs-chat.yaml lists those known to carry the
        /// operation; the README says which to choose).
        #[arg(long, default_value = upload_clients::acs_chat::api_version())]
        api_version: String,
    },
}

pub async fn run(command: AcsCommand, ctx: &Context<'_>) -> Result<ExitCode, Error> {
    let AcsCommand::UploadImage {
        files,
        endpoint,
        thread_id,
        filename,
        keep_name_bytes,
        api_version,
    } = command;
    let credential = acs_credential(ctx.common)?;
    let acs = AcsChatClient::new(&endpoint, credential)?
        .with_http_client(ctx.http.clone())
        .with_api_version(api_version.clone())
        .with_retry(ctx.retry)
        .with_timeouts(ctx.timeouts);
    let target = format!(
        "acs-chat {} thread={thread_id} api-version={api_version}",
        acs.base_url()
    );
    let (acs, thread_id) = (&acs, thread_id.as_str());
    let naming = Naming {
        filename,
        keep_bytes: keep_name_bytes,
    };
    crate::run::run(ctx, &files, naming, target, |job: Job| async move {
        let image = acs.upload_image(thread_id, &job.source).await?;
        Ok(Output {
            human: format!(
                "uploaded {} as image {}{}",
                job.source.file_name(),
                image.id,
                image
                    .url
                    .as_ref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default()
            ),
            json: json!(image),
        })
    })
    .await
}
