//! `upload-clients`: upload a file to ACS Chat, RBM, Azure AI Agents or MaiAgent from the
//! command line. Arguments → facade → one human line or one `--json` object on stdout.
//!
//! Exit status: 0 on success, 2 for bad input or usage (nothing sent), 1 when the API, storage
//! or network failed, 130 on Ctrl-C. Errors are one line on stderr.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use upload_clients::ai_agents::{FilePurpose, WaitOptions, parse_purpose};
use upload_clients::auth::Credential;
use upload_clients::google_auth::{GoogleServiceAccount, RBM_SCOPE, ServiceAccountKey};
use upload_clients::rbm::Region;
use upload_clients::rbm_cache::UploadCache;
use upload_clients::retry::RetryPolicy;
use upload_clients::timeouts::Timeouts;
use upload_clients::transport::{check_id, client_builder};
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
    /// Give up on an attempt after SECS seconds in all (default: no limit, for large files).
    #[arg(long, global = true, value_name = "SECS")]
    timeout: Option<u64>,
    /// Give up on an attempt after SECS seconds without upload progress or a response
    /// (0: never).
    #[arg(long, global = true, value_name = "SECS", default_value_t = 120)]
    stall_timeout: u64,
    /// Attempts per request in all, the first included (1: no retry).
    #[arg(long, global = true, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    attempts: u32,
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

/// The files of an upload command.
#[derive(Args)]
struct Files {
    /// The files to upload.
    #[arg(value_name = "FILE", required_unless_present = "dir")]
    files: Vec<PathBuf>,
    /// Also upload every regular file directly in DIR (sorted by name; hidden files and
    /// subdirectories are skipped).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// How many files to upload at once.
    #[arg(long, value_name = "N", default_value_t = upload_clients::bulk::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=256).map(usize::from))]
    concurrency: usize,
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
        #[command(flatten)]
        files: Files,
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

#[derive(Subcommand)]
enum MaiAgentCommand {
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

/// A result to print: one human line and one JSON object.
struct Output {
    human: String,
    json: serde_json::Value,
}

/// One file's outcome in a run.
struct Outcome {
    /// The file as the user named it (or the URL for `upload-url`).
    label: String,
    /// Its size in bytes, when it has one.
    bytes: Option<u64>,
    result: Result<Output, Error>,
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
    let started = Instant::now();
    tokio::select! {
        result = run(cli) => match result {
            Ok(outcomes) => report(outcomes, json, started.elapsed()),
            Err(error) => fail(&error),
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

/// Prints an error that stopped the run before any upload, and its exit status.
fn fail(error: &Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(exit_status(error))
}

/// 2 for bad input (nothing was sent), 1 for everything else.
fn exit_status(error: &Error) -> u8 {
    if error.is_invalid_input() { 2 } else { 1 }
}

/// Prints the outcomes: one file as one line (or one JSON object); several as one line (or one
/// JSON line) per file in input order, then a summary. The exit status is 0 when every file was
/// uploaded, 1 when one failed at the API, storage or network, else 2.
fn report(outcomes: Vec<Outcome>, json: bool, elapsed: Duration) -> ExitCode {
    if let [single] = outcomes.as_slice() {
        return match &single.result {
            Ok(output) if json => {
                println!("{}", output.json);
                ExitCode::SUCCESS
            }
            Ok(output) => {
                println!("{}", output.human);
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        };
    }
    let (mut uploaded, mut failed, mut bytes, mut status) = (0, 0, 0, 0u8);
    for outcome in &outcomes {
        match &outcome.result {
            Ok(output) => {
                uploaded += 1;
                bytes += outcome.bytes.unwrap_or(0);
                if json {
                    println!(
                        "{}",
                        json!({"file": outcome.label, "ok": true, "result": output.json})
                    );
                } else {
                    println!("{}: {}", outcome.label, output.human);
                }
            }
            Err(error) => {
                failed += 1;
                status = match (status, exit_status(error)) {
                    (1, _) | (_, 1) => 1,
                    _ => 2,
                };
                if json {
                    println!(
                        "{}",
                        json!({"file": outcome.label, "ok": false, "error": error.to_string()})
                    );
                } else {
                    println!("{}: error: {error}", outcome.label);
                }
            }
        }
    }
    let secs = elapsed.as_secs_f64();
    let summary = format!(
        "{uploaded} uploaded, {failed} failed, {bytes} bytes in {secs:.2}s ({:.1} MiB/s)",
        bytes as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
    );
    // Under --json, stdout holds only the per-file lines.
    if json {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    ExitCode::from(status)
}

/// The retry policy and timeouts from the common flags.
fn policies(common: &Common) -> (RetryPolicy, Timeouts) {
    let retry = RetryPolicy {
        max_attempts: common.attempts,
        ..RetryPolicy::default()
    };
    let timeouts = Timeouts::default()
        .with_stall((common.stall_timeout > 0).then(|| Duration::from_secs(common.stall_timeout)))
        .with_request(common.timeout.map(Duration::from_secs));
    (retry, timeouts)
}

/// Pairs each source with its result, as outcomes.
fn outcomes<T>(
    (labels, sources): &(Vec<String>, Vec<UploadSource>),
    results: Vec<Result<T, Error>>,
    output: impl Fn(&UploadSource, T) -> Output,
) -> Vec<Outcome> {
    labels
        .iter()
        .zip(sources)
        .zip(results)
        .map(|((label, source), result)| Outcome {
            label: label.clone(),
            bytes: source.len(),
            result: result.map(|value| output(source, value)),
        })
        .collect()
}

async fn run(cli: Cli) -> Result<Vec<Outcome>, Error> {
    let common = &cli.common;
    let (retry, timeouts) = policies(common);
    let http = client_builder()
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
    match cli.command {
        Service::AcsChat(AcsCommand::UploadImage {
            files,
            endpoint,
            thread_id,
            filename,
            api_version,
        }) => {
            let credential = Credential::bearer(token(common, "ACS_ACCESS_TOKEN")?);
            let acs = AcsChatClient::new(&endpoint, credential)?
                .with_http_client(http)
                .with_api_version(api_version)
                .with_retry(retry)
                .with_timeouts(timeouts);
            let sources = sources(&files, filename, common).await?;
            let results = acs
                .upload_many(&thread_id, &sources.1, files.concurrency)
                .await;
            Ok(outcomes(&sources, results, |source, image| Output {
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
            }))
        }
        Service::Rbm(command) => {
            let credential = rbm_credential(common).await?;
            let file_output = |file: upload_clients::rbm::RbmFile| Output {
                human: format!("uploaded as {}", file.name),
                json: json!(file),
            };
            match command {
                RbmCommand::Upload {
                    files,
                    agent_id,
                    thumbnail_url,
                    endpoint,
                } => {
                    let rbm = rbm_client(&credential, &http, &endpoint)
                        .await?
                        .with_retry(retry)
                        .with_timeouts(timeouts);
                    let sources = sources(&files, None, common).await?;
                    let results = rbm
                        .upload_many(
                            &agent_id,
                            &sources.1,
                            thumbnail_url.as_deref(),
                            files.concurrency,
                        )
                        .await;
                    Ok(outcomes(&sources, results, |_, file| file_output(file)))
                }
                RbmCommand::UploadUrl {
                    file_url,
                    agent_id,
                    thumbnail_url,
                    endpoint,
                } => {
                    let result = rbm_client(&credential, &http, &endpoint)
                        .await?
                        .with_retry(retry)
                        .with_timeouts(timeouts)
                        .create_from_url(&agent_id, &file_url, thumbnail_url.as_deref())
                        .await;
                    Ok(vec![Outcome {
                        label: file_url,
                        bytes: None,
                        result: result.map(file_output),
                    }])
                }
            }
        }
        Service::Agents(AgentsCommand::Upload {
            files,
            endpoint,
            purpose,
            custom_purpose,
            filename,
            wait,
        }) => {
            let purpose = match (purpose, custom_purpose) {
                (Some(purpose), _) => parse_purpose(&purpose)?,
                (None, Some(custom)) => {
                    check_id("--custom-purpose", &custom)?;
                    FilePurpose::String(custom)
                }
                (None, None) => {
                    return Err(Error::InvalidInput("give --purpose".into()));
                }
            };
            let credential = Credential::bearer(token(common, "AZURE_AI_ACCESS_TOKEN")?);
            let agents = AiAgentsClient::new(&endpoint, credential)?
                .with_http_client(http)
                .with_retry(retry)
                .with_timeouts(timeouts);
            let sources = sources(&files, filename, common).await?;
            let results = upload_clients::bulk::for_each(&sources.1, files.concurrency, |source| {
                let (agents, purpose) = (&agents, purpose.clone());
                async move {
                    if wait {
                        let options = WaitOptions::default();
                        agents.upload_and_wait(source, purpose, options).await
                    } else {
                        agents.upload(source, purpose).await
                    }
                }
            })
            .await;
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
        Service::Maiagent(MaiAgentCommand::Upload {
            files,
            presigned,
            attachments,
            conversation,
            attachment_type,
            endpoint,
        }) => {
            let credential = Credential::api_key(token(common, "MAIAGENT_API_KEY")?);
            let mut mai = MaiAgentClient::new(credential)?
                .with_base_url(&endpoint)?
                .with_http_client(http)
                .with_retry(retry)
                .with_timeouts(timeouts);
            if let Some(attachment_type) = attachment_type {
                check_id("--type", &attachment_type)?;
                mai = mai.with_attachment_type(attachment_type);
            }
            let sources = sources(&files, None, common).await?;
            if presigned {
                let results = mai
                    .upload_presigned_many(&sources.1, conversation.as_deref(), files.concurrency)
                    .await;
                Ok(outcomes(&sources, results, |_, attachment| {
                    attachment_output(attachment)
                }))
            } else if attachments {
                let results = upload_clients::bulk::for_each(&sources.1, files.concurrency, |s| {
                    mai.upload_attachment(s)
                })
                .await;
                Ok(outcomes(&sources, results, |_, attachment| {
                    attachment_output(attachment)
                }))
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
    }
}

/// What an uploaded MaiAgent attachment prints.
fn attachment_output(attachment: upload_clients::maiagent::Attachment) -> Output {
    Output {
        human: format!(
            "uploaded {} as attachment {}",
            attachment.filename, attachment.id
        ),
        json: json!(attachment),
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

/// The paths named by `files`: the positional files, then the regular files directly in
/// `--dir` (sorted by name, hidden ones skipped).
async fn paths(files: &Files) -> Result<Vec<PathBuf>, Error> {
    let mut paths = files.files.clone();
    if let Some(dir) = &files.dir {
        let mut entries = tokio::fs::read_dir(dir).await.map_err(|e| {
            Error::InvalidInput(format!("{}: cannot list the directory: {e}", dir.display()))
        })?;
        let mut found = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(|e| {
            Error::InvalidInput(format!("{}: cannot list the directory: {e}", dir.display()))
        })? {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let is_file = entry.file_type().await.is_ok_and(|t| t.is_file());
            if is_file && !hidden {
                found.push(entry.path());
            }
        }
        if found.is_empty() {
            return Err(Error::InvalidInput(format!(
                "{}: the directory holds no files to upload",
                dir.display()
            )));
        }
        found.sort();
        paths.extend(found);
    }
    Ok(paths)
}

/// Opens every file before anything is sent (a missing, empty or unreadable one stops the
/// run with status 2), with one overall progress bar on a terminal unless `--no-progress`.
async fn sources(
    files: &Files,
    filename: Option<String>,
    common: &Common,
) -> Result<(Vec<String>, Vec<UploadSource>), Error> {
    let paths = paths(files).await?;
    if filename.is_some() && paths.len() > 1 {
        return Err(Error::InvalidInput(
            "--filename names one file; it cannot be used with several".into(),
        ));
    }
    let labels = paths.iter().map(|p| p.display().to_string()).collect();
    let mut sources = Vec::with_capacity(paths.len());
    for path in &paths {
        let mut source = UploadSource::from_path(path).await?;
        if let Some(name) = &filename {
            source = source.with_file_name(name.clone());
        }
        sources.push(source);
    }
    if common.no_progress {
        return Ok((labels, sources));
    }
    let total = sources.iter().filter_map(UploadSource::len).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta} {msg}")
    {
        bar.set_style(style);
    }
    let done = Arc::new(AtomicUsize::new(0));
    let count = sources.len();
    let sources = sources
        .into_iter()
        .map(|source| {
            let (bar, done) = (bar.clone(), done.clone());
            // This file's bytes counted so far: a retry starts again from 0.
            let counted = AtomicU64::new(0);
            source.on_progress(move |p| {
                let before = counted.swap(p.sent, Ordering::Relaxed);
                let position = (bar.position() + p.sent).saturating_sub(before);
                bar.set_position(position);
                if p.total == Some(p.sent) {
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    bar.set_message(format!("{finished}/{count} files"));
                    if finished == count {
                        bar.finish_and_clear();
                    }
                }
            })
        })
        .collect();
    Ok((labels, sources))
}
