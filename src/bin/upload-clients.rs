//! `upload-clients`: upload a file to ACS Chat, RBM, Azure AI Agents or MaiAgent from the
//! command line. Arguments → facade → one human line or one `--json` object on stdout.
//!
//! Exit status: 0 on success, 2 for bad input or usage (nothing sent), 1 when the API, storage
//! or network failed, 130 on Ctrl-C. Errors are one line on stderr.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use upload_clients::ai_agents::{WaitOptions, parse_purpose};
use upload_clients::auth::Credential;
use upload_clients::google_auth::{GoogleServiceAccount, RBM_SCOPE, ServiceAccountKey};
use upload_clients::rbm::Region;
use upload_clients::rbm_cache::UploadCache;
use upload_clients::transport::client_builder;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

#[derive(Parser)]
#[command(
    name = "upload-clients",
    version,
    about = "Upload files to ACS Chat, RBM, Azure AI Agents and MaiAgent"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Service,
}

#[derive(Args)]
struct Common {
    /// Print exactly one JSON object (the result) on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Give up on a request after SECS seconds (default: no limit, for large files).
    #[arg(long, global = true, value_name = "SECS")]
    timeout: Option<u64>,
    /// Do not show a progress bar.
    #[arg(long, global = true)]
    no_progress: bool,
    /// Log requests to stderr (-v: debug, -vv: trace). Credentials are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// The access token or API key (default: the service's environment variable).
    #[arg(long, global = true, value_name = "TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// RBM: a Google service-account JSON key, exchanged for tokens (default:
    /// GOOGLE_APPLICATION_CREDENTIALS, when no token is given).
    #[arg(long, global = true, value_name = "KEY.json")]
    credentials: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Service {
    /// Azure Communication Services Chat (token: ACS_ACCESS_TOKEN).
    #[command(subcommand)]
    AcsChat(AcsCommand),
    /// Google RCS Business Messaging (token: RBM_ACCESS_TOKEN).
    #[command(subcommand)]
    Rbm(RbmCommand),
    /// Azure AI Foundry Agents files (token: AZURE_AI_ACCESS_TOKEN).
    #[command(subcommand)]
    Agents(AgentsCommand),
    /// MaiAgent attachments (API key: MAIAGENT_API_KEY).
    #[command(subcommand)]
    Maiagent(MaiAgentCommand),
}

#[derive(Subcommand)]
enum AcsCommand {
    /// Upload an image (jpeg, png, gif, heic, webp; at most 20 MiB) to a chat thread.
    UploadImage {
        /// The image file.
        file: PathBuf,
        /// The Azure Communication resource endpoint.
        #[arg(long)]
        endpoint: String,
        /// The chat thread id, e.g. 19:…@thread.v2.
        #[arg(long)]
        thread_id: String,
        /// The file name to send (default: the file's name).
        #[arg(long)]
        filename: Option<String>,
        /// The API version.
        #[arg(long, default_value = upload_clients::acs_chat::API_VERSION)]
        api_version: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RegionArg {
    Us,
    Europe,
    Asia,
}

#[derive(Args)]
struct RbmEndpoint {
    /// Another endpoint (e.g. a test server).
    #[arg(long, conflicts_with = "region")]
    endpoint: Option<String>,
    /// A regional endpoint.
    #[arg(long, value_enum)]
    region: Option<RegionArg>,
    /// Remember uploads in this file and reuse a file's name instead of uploading it again
    /// (entries are trusted for 55 days; RBM keeps files 60).
    #[arg(long, value_name = "FILE")]
    cache: Option<PathBuf>,
}

#[derive(Subcommand)]
enum RbmCommand {
    /// Upload a file binary (image, audio, video or pdf).
    Upload {
        /// The file.
        file: PathBuf,
        /// The agent's id.
        #[arg(long)]
        agent_id: String,
        /// A public URL of a thumbnail image.
        #[arg(long)]
        thumbnail_url: Option<String>,
        #[command(flatten)]
        endpoint: RbmEndpoint,
    },
    /// Create a file from a public URL that RBM fetches.
    UploadUrl {
        /// The file's public URL.
        #[arg(long)]
        file_url: String,
        /// The agent's id.
        #[arg(long)]
        agent_id: String,
        /// A public URL of a thumbnail image.
        #[arg(long)]
        thumbnail_url: Option<String>,
        #[command(flatten)]
        endpoint: RbmEndpoint,
    },
}

#[derive(Subcommand)]
enum AgentsCommand {
    /// Upload a file (at most 512 MiB).
    Upload {
        /// The file.
        file: PathBuf,
        /// The project endpoint, https://<resource>.services.ai.azure.com/api/projects/<project>.
        #[arg(long)]
        endpoint: String,
        /// assistants, assistants_output, vision (or another value the service accepts).
        #[arg(long)]
        purpose: String,
        /// The file name to send (default: the file's name).
        #[arg(long)]
        filename: Option<String>,
        /// Wait until the service has processed the file.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Subcommand)]
enum MaiAgentCommand {
    /// Upload an attachment (doc, docx, txt, pdf, md, xls, xlsx, csv, ppt, pptx, json, jsonl, images).
    Upload {
        /// The file.
        file: PathBuf,
        /// Use the presigned flow: presign, send to storage, register.
        #[arg(long)]
        presigned: bool,
        /// Register the attachment on this conversation (presigned flow).
        #[arg(long, requires = "presigned")]
        conversation: Option<String>,
        /// The API base URL, base path included.
        #[arg(long, default_value = upload_clients::maiagent::DEFAULT_BASE_URL)]
        endpoint: String,
    },
}

/// A result to print: one human line and one JSON object.
struct Output {
    human: String,
    json: serde_json::Value,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.common.verbose > 0 {
        let level = if cli.common.verbose > 1 {
            "trace"
        } else {
            "debug"
        };
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(format!("upload_clients={level}"))
            .init();
    }
    let json = cli.common.json;
    tokio::select! {
        result = run(cli) => match result {
            Ok(output) => {
                if json {
                    println!("{}", output.json);
                } else {
                    println!("{}", output.human);
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(if error.is_invalid_input() { 2 } else { 1 })
            }
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

async fn run(cli: Cli) -> Result<Output, Error> {
    let common = &cli.common;
    let mut http = client_builder();
    if let Some(secs) = common.timeout {
        http = http.timeout(Duration::from_secs(secs));
    }
    let http = http
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
    match cli.command {
        Service::AcsChat(AcsCommand::UploadImage {
            file,
            endpoint,
            thread_id,
            filename,
            api_version,
        }) => {
            let credential = Credential::bearer(token(common, "ACS_ACCESS_TOKEN")?);
            let acs = AcsChatClient::new(&endpoint, credential)?
                .with_http_client(http)
                .with_api_version(api_version);
            let source = source(&file, filename, common).await?;
            let image = acs.upload_image(&thread_id, &source).await?;
            Ok(Output {
                human: format!(
                    "uploaded {} as image {}{}",
                    source.file_name(),
                    image.id,
                    image
                        .url
                        .as_ref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                ),
                json: json!(image),
            })
        }
        Service::Rbm(command) => {
            let credential = rbm_credential(common).await?;
            let file = match command {
                RbmCommand::Upload {
                    file,
                    agent_id,
                    thumbnail_url,
                    endpoint,
                } => {
                    let rbm = rbm_client(&credential, &http, &endpoint).await?;
                    let source = source(&file, None, common).await?;
                    rbm.upload_file(&agent_id, &source, thumbnail_url.as_deref())
                        .await?
                }
                RbmCommand::UploadUrl {
                    file_url,
                    agent_id,
                    thumbnail_url,
                    endpoint,
                } => {
                    rbm_client(&credential, &http, &endpoint)
                        .await?
                        .create_from_url(&agent_id, &file_url, thumbnail_url.as_deref())
                        .await?
                }
            };
            Ok(Output {
                human: format!("uploaded as {}", file.name),
                json: json!(file),
            })
        }
        Service::Agents(AgentsCommand::Upload {
            file,
            endpoint,
            purpose,
            filename,
            wait,
        }) => {
            let credential = Credential::bearer(token(common, "AZURE_AI_ACCESS_TOKEN")?);
            let purpose = parse_purpose(&purpose)?;
            let agents = AiAgentsClient::new(&endpoint, credential)?.with_http_client(http);
            let source = source(&file, filename, common).await?;
            let info = if wait {
                agents
                    .upload_and_wait(&source, purpose, WaitOptions::default())
                    .await?
            } else {
                agents.upload(&source, purpose).await?
            };
            let status = serde_json::to_value(&info.status).unwrap_or_default();
            Ok(Output {
                human: format!(
                    "uploaded {} as file {} ({} bytes, status {})",
                    info.filename,
                    info.id,
                    info.bytes,
                    status.as_str().unwrap_or("unknown")
                ),
                json: json!(info),
            })
        }
        Service::Maiagent(MaiAgentCommand::Upload {
            file,
            presigned,
            conversation,
            endpoint,
        }) => {
            let credential = Credential::api_key(token(common, "MAIAGENT_API_KEY")?);
            let mai = MaiAgentClient::new(credential)?
                .with_base_url(&endpoint)?
                .with_http_client(http);
            let source = source(&file, None, common).await?;
            if presigned {
                let attachment = mai
                    .upload_presigned(&source, conversation.as_deref())
                    .await?;
                Ok(Output {
                    human: format!(
                        "uploaded {} as attachment {}",
                        attachment.filename, attachment.id
                    ),
                    json: json!(attachment),
                })
            } else {
                mai.upload(&source).await?;
                Ok(Output {
                    human: format!("uploaded {}", source.file_name()),
                    json: json!({"uploaded": true, "filename": source.file_name(), "bytes": source.len()}),
                })
            }
        }
    }
}

/// The RBM client for the chosen endpoint or region, with the upload cache if asked for.
async fn rbm_client(
    credential: &Credential,
    http: &reqwest::Client,
    options: &RbmEndpoint,
) -> Result<RbmClient, Error> {
    let rbm = RbmClient::new(credential.clone())?.with_http_client(http.clone());
    let rbm = match (&options.endpoint, options.region) {
        (Some(url), _) => rbm.with_endpoint(url)?,
        (None, Some(RegionArg::Us)) => rbm.with_region(Region::Us)?,
        (None, Some(RegionArg::Europe)) => rbm.with_region(Region::Europe)?,
        (None, Some(RegionArg::Asia)) => rbm.with_region(Region::Asia)?,
        (None, None) => rbm,
    };
    Ok(match &options.cache {
        Some(path) => rbm.with_cache(UploadCache::open(path).await?),
        None => rbm,
    })
}

/// RBM's credential: `--token` or `RBM_ACCESS_TOKEN`, else a service-account key from
/// `--credentials` or `GOOGLE_APPLICATION_CREDENTIALS`.
async fn rbm_credential(common: &Common) -> Result<Credential, Error> {
    let key_file = common
        .credentials
        .clone()
        .or_else(|| std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from));
    match (token(common, "RBM_ACCESS_TOKEN"), key_file) {
        (Ok(token), _) if common.credentials.is_none() => Ok(Credential::bearer(token)),
        (_, Some(path)) => {
            let key = ServiceAccountKey::from_file(&path).await?;
            Ok(Credential::provider(GoogleServiceAccount::new(key, RBM_SCOPE)?))
        }
        (Ok(token), None) => Ok(Credential::bearer(token)),
        (Err(_), None) => Err(Error::InvalidInput(
            "no credential: pass --token, set RBM_ACCESS_TOKEN, or give a service-account key with --credentials or GOOGLE_APPLICATION_CREDENTIALS".into(),
        )),
    }
}

/// `--token`, else the service's environment variable; a missing one is a usage error.
fn token(common: &Common, variable: &str) -> Result<String, Error> {
    common
        .token
        .clone()
        .or_else(|| std::env::var(variable).ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            Error::InvalidInput(format!("no credential: pass --token or set {variable}"))
        })
}

/// The upload source for `path`, with a progress bar on a terminal unless `--no-progress`.
async fn source(
    path: &std::path::Path,
    filename: Option<String>,
    common: &Common,
) -> Result<UploadSource, Error> {
    let mut source = UploadSource::from_path(path).await?;
    if let Some(name) = filename {
        source = source.with_file_name(name);
    }
    if common.no_progress {
        return Ok(source);
    }
    let bar = ProgressBar::with_draw_target(source.len(), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style);
    }
    Ok(source.on_progress(move |p| {
        bar.set_position(p.sent);
        if p.total == Some(p.sent) {
            bar.finish_and_clear();
        }
    }))
}
