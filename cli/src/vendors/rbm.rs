//! `upload-clients rbm`: RCS Business Messaging files, from a binary or from a public URL.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::TypedValueParser as _;
use clap::{Args, Subcommand};
use serde_json::json;
use upload_clients::auth::Credential;
use upload_clients::rbm::cache::UploadCache;
use upload_clients::rbm::{RbmFile, Region};
use upload_clients::{Error, RbmClient};

use crate::args::{Context, Files};
use crate::credentials::rbm_credential;
use crate::output::{Ending, Outcome, Output, Reporter};
use crate::run::{Job, Naming};
use crate::stop::Level;

#[derive(Args)]
pub struct RbmEndpoint {
    /// Another endpoint (e.g. a test server).
    #[arg(long, conflicts_with = "region")]
    endpoint: Option<String>,
    /// A regional endpoint.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Region::ALL.map(Region::name))
              .try_map(|name| name.parse::<Region>()))]
    region: Option<Region>,
    /// Remember uploads in this file and reuse a file's name instead of uploading it again
    /// (entries are trusted for 55 days; RBM keeps files 60).
    #[arg(long, value_name = "FILE")]
    cache: Option<PathBuf>,
}

/// Where a file goes: the agent, its thumbnail and the endpoint.
#[derive(Args)]
pub struct RbmTarget {
    /// The agent's id.
    #[arg(long)]
    agent_id: String,
    /// A public URL of a thumbnail image.
    #[arg(long)]
    thumbnail_url: Option<String>,
    #[command(flatten)]
    endpoint: RbmEndpoint,
}

#[derive(Subcommand)]
pub enum RbmCommand {
    /// Upload a file binary (image, audio, video or pdf).
    Upload {
        #[command(flatten)]
        files: Files,
        #[command(flatten)]
        target: RbmTarget,
    },
    /// Create a file from a public URL that RBM fetches.
    UploadUrl {
        /// The file's public URL.
        #[arg(long)]
        file_url: String,
        #[command(flatten)]
        target: RbmTarget,
    },
}

pub async fn run(command: RbmCommand, ctx: &Context<'_>) -> Result<ExitCode, Error> {
    let credential = rbm_credential(ctx.common).await?;
    match command {
        RbmCommand::Upload { files, target } => {
            let RbmTarget {
                agent_id,
                thumbnail_url,
                endpoint,
            } = target;
            let rbm = client(&credential, ctx, &endpoint).await?;
            let journal_target = format!(
                "rbm {} agent={agent_id} thumbnail={}",
                rbm.base_url(),
                thumbnail_url.as_deref().unwrap_or("-")
            );
            let (rbm, agent_id, thumbnail_url) =
                (&rbm, agent_id.as_str(), thumbnail_url.as_deref());
            crate::run::run(
                ctx,
                &files,
                Naming::default(),
                journal_target,
                |job: Job| async move {
                    let file = rbm
                        .upload_file(agent_id, &job.source, thumbnail_url)
                        .await?;
                    Ok(file_output(file))
                },
            )
            .await
        }
        RbmCommand::UploadUrl { file_url, target } => {
            let RbmTarget {
                agent_id,
                thumbnail_url,
                endpoint,
            } = target;
            let rbm = client(&credential, ctx, &endpoint).await?;
            let created = rbm.create_from_url(&agent_id, &file_url, thumbnail_url.as_deref());
            let result = tokio::select! {
                result = created => result,
                () = ctx.stop.reached(Level::Stopping) => return Ok(ExitCode::from(130)),
            };
            let mut reporter = Reporter::new(ctx.common.json, 1, None);
            reporter.emit(Outcome {
                label: file_url,
                bytes: None,
                ending: match result {
                    Ok(file) => Ending::Uploaded(file_output(file)),
                    Err(error) => Ending::Failed(error),
                },
                was_in_flight: false,
            });
            Ok(reporter.finish(false))
        }
    }
}

fn file_output(file: RbmFile) -> Output {
    Output {
        human: format!("uploaded as {}", file.name),
        json: json!(file),
    }
}

/// The RBM client for the chosen endpoint or region, with the upload cache if asked for.
async fn client(
    credential: &Credential,
    ctx: &Context<'_>,
    options: &RbmEndpoint,
) -> Result<RbmClient, Error> {
    let rbm = RbmClient::new(credential.clone())?
        .with_http_client(ctx.http.clone())
        .with_retry(ctx.retry)
        .with_timeouts(ctx.timeouts);
    let rbm = match (&options.endpoint, options.region) {
        (Some(url), _) => rbm.with_base_url(url)?,
        (None, Some(region)) => rbm.with_region(region)?,
        (None, None) => rbm,
    };
    Ok(match &options.cache {
        Some(path) => rbm.with_cache(UploadCache::open(path).await?),
        None => rbm,
    })
}
