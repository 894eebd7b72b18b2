//! The Azure AI Foundry Agents facade: upload a file as a multipart form (the file streamed)
//! and, if asked, wait until the service has processed it.

mod api;
pub mod ext;

pub use ext::AiAgentsFilesExt;

use std::time::Duration;

use progenitor_client::ClientInfo;

use crate::auth::Credential;
use crate::auth::hooks::ClientAuth;
use crate::generated::ai_agents_files::{Client, types};
use crate::service::{Service, service_setters};
use crate::transport::checks::check_id;
use crate::{Error, UploadSource};
use api::AiAgents;

pub use types::{FileInfo, FilePurpose, FileState, KnownFilePurpose, KnownFileState};

/// How [`AiAgentsClient::upload_and_wait`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Time between two polls.
    pub interval: Duration,
    /// How long to wait for `processed` in all.
    pub deadline: Duration,
}

impl Default for WaitOptions {
    /// Poll every second for up to five minutes.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            deadline: Duration::from_secs(300),
        }
    }
}

/// Parses a purpose the page names (`assistants`, `assistants_output`, `vision`, `batch`,
/// `fine-tune`). Anything else is an error listing them, so a typo such as `assistant` sends
/// nothing; a purpose the service added later goes through the explicit escape
/// `FilePurpose::String`.
///
/// ```
/// use upload_clients::ai_agents::{FilePurpose, KnownFilePurpose, parse_purpose};
/// assert_eq!(parse_purpose("vision")?.known(), Some(&KnownFilePurpose::Vision));
/// assert_eq!(parse_purpose("fine-tune")?.to_string(), "fine-tune");
/// let typo = parse_purpose("assistant").unwrap_err().to_string();
/// assert!(typo.contains("assistants, assistants_output, vision, batch, fine-tune"), "{typo}");
/// let new_one = FilePurpose::String("evals".into());
/// # Ok::<(), upload_clients::Error>(())
/// ```
pub fn parse_purpose(purpose: &str) -> Result<FilePurpose, Error> {
    check_id("purpose", purpose)?;
    match purpose.parse::<KnownFilePurpose>() {
        Ok(known) => Ok(FilePurpose::KnownFilePurpose(known)),
        Err(_) => Err(Error::InvalidInput(format!(
            "{purpose:?} is not a purpose the service knows (known: {}); for one it added since, send it as FilePurpose::String",
            KnownFilePurpose::VALUES.join(", ")
        ))),
    }
}

/// Uploads files to an Azure AI Foundry project.
///
/// ```no_run
/// use upload_clients::ai_agents::{KnownFilePurpose, WaitOptions};
/// use upload_clients::{AiAgentsClient, UploadSource, auth::Credential};
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let agents = AiAgentsClient::new(
///     "https://my-resource.services.ai.azure.com/api/projects/my-project",
///     Credential::bearer("<Entra access token>"),
/// )?;
/// let source = UploadSource::from_path("handbook.pdf").await?;
/// let info = agents
///     .upload_and_wait(&source, KnownFilePurpose::Assistants.into(), WaitOptions::default())
///     .await?;
/// println!("{} is ready", info.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AiAgentsClient {
    service: Service<AiAgents>,
    api_version: String,
}

impl AiAgentsClient {
    /// A client for the project endpoint (https, or http on loopback).
    pub fn new(endpoint: &str, credential: Credential) -> Result<Self, Error> {
        Ok(Self {
            service: Service::new(endpoint, credential)?,
            // The spec's `info.version`, from the generated client.
            api_version: <Client as ClientInfo<ClientAuth>>::api_version().to_string(),
        })
    }

    /// Uses another `api-version`.
    pub fn with_api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = api_version.into();
        self
    }

    service_setters!("[`crate::Limits::ai_agents_files`]");

    /// Uploads `source` with `purpose`; the form's `filename` field and its file part carry the
    /// source's file name ([`UploadSource::file_name`]: in NFC unless the source keeps its
    /// bytes).
    ///
    /// The size the service reports (`bytes`) must be the size sent, else the upload fails
    /// with [`Error::Integrity`] naming the file the service kept (it is not uploaded again:
    /// delete that file first); [`with_verify`](Self::with_verify) turns this off.
    pub async fn upload(
        &self,
        source: &UploadSource,
        purpose: FilePurpose,
    ) -> Result<FileInfo, Error> {
        self.service.check_source(source)?;
        let info = self
            .service
            .run(Some(source), || self.upload_once(source, purpose.clone()))
            .await?;
        if self.service.verify {
            check_size(&info, source.len())?;
        }
        Ok(info)
    }

    /// Uploads every source with `purpose`, at most `concurrency` at a time over this client's
    /// connection pool. The results come in the order of `sources`; one failure does not stop
    /// the others.
    pub async fn upload_many(
        &self,
        sources: &[UploadSource],
        purpose: FilePurpose,
        concurrency: usize,
    ) -> Vec<Result<FileInfo, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| {
            self.upload(source, purpose.clone())
        })
        .await
    }

    /// Uploads every source with [`upload_and_wait`](Self::upload_and_wait), at most
    /// `concurrency` at a time; results in the order of `sources`, one failure not stopping the
    /// others.
    pub async fn upload_and_wait_many(
        &self,
        sources: &[UploadSource],
        purpose: FilePurpose,
        wait: WaitOptions,
        concurrency: usize,
    ) -> Vec<Result<FileInfo, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| {
            self.upload_and_wait(source, purpose.clone(), wait)
        })
        .await
    }

    async fn upload_once(
        &self,
        source: &UploadSource,
        purpose: FilePurpose,
    ) -> Result<FileInfo, Error> {
        let response = self
            .service
            .api
            .upload_file()
            .api_version(self.api_version.as_str())
            .purpose(purpose)
            .filename(source.file_name())
            .file(source.part(None).await?)
            .send()
            .await;
        let info = crate::service::api::result::<AiAgents, _>(response).await?;
        Ok(info.into_inner())
    }

    /// The current state of the file `file_id`.
    pub async fn get(&self, file_id: &str) -> Result<FileInfo, Error> {
        check_id("file id", file_id)?;
        self.service.run(None, || self.get_once(file_id)).await
    }

    async fn get_once(&self, file_id: &str) -> Result<FileInfo, Error> {
        let response = self
            .service
            .api
            .get_file()
            .file_id(file_id)
            .api_version(self.api_version.as_str())
            .send()
            .await;
        let info = crate::service::api::result::<AiAgents, _>(response).await?;
        Ok(info.into_inner())
    }

    /// Uploads `source`, then [`wait_for`](Self::wait_for) it to be processed.
    pub async fn upload_and_wait(
        &self,
        source: &UploadSource,
        purpose: FilePurpose,
        wait: WaitOptions,
    ) -> Result<FileInfo, Error> {
        let started = tokio::time::Instant::now();
        let info = self.upload(source, purpose).await?;
        self.poll(info, wait, started).await
    }

    /// Polls the file `info` describes (as [`upload`](Self::upload) returned it) the way
    /// [`wait_for`](Self::wait_for) does, without asking for its state first.
    pub async fn wait_until_processed(
        &self,
        info: FileInfo,
        wait: WaitOptions,
    ) -> Result<FileInfo, Error> {
        self.poll(info, wait, tokio::time::Instant::now()).await
    }

    /// Polls the file `file_id` until it is `processed` (returned), ends in `error` or
    /// `deleted` ([`Error::Processing`] with `status_details`), or `wait.deadline` passes
    /// ([`Error::Timeout`]). A file without a `status` is treated as ready. A run resuming
    /// from its [`journal`](crate::bulk::journal) waits for a file it uploaded before this way,
    /// instead of uploading it again.
    pub async fn wait_for(&self, file_id: &str, wait: WaitOptions) -> Result<FileInfo, Error> {
        let started = tokio::time::Instant::now();
        let info = self.get(file_id).await?;
        self.poll(info, wait, started).await
    }

    async fn poll(
        &self,
        mut info: FileInfo,
        wait: WaitOptions,
        started: tokio::time::Instant,
    ) -> Result<FileInfo, Error> {
        loop {
            match &info.status {
                None | Some(FileState::KnownFileState(KnownFileState::Processed)) => {
                    return Ok(info);
                }
                Some(FileState::KnownFileState(
                    KnownFileState::Error | KnownFileState::Deleted,
                )) => {
                    return Err(Error::Processing {
                        id: info.id,
                        details: info.status_details,
                    });
                }
                Some(_) => {}
            }
            if started.elapsed() + wait.interval > wait.deadline {
                return Err(Error::Timeout(format!(
                    "file {} was still {} after {:?}; raise the deadline or check it later with `get`",
                    info.id,
                    state_name(info.status.as_ref()),
                    wait.deadline
                )));
            }
            tokio::time::sleep(wait.interval).await;
            info = self.get(&info.id).await?;
        }
    }
}

/// The wire name of a state, e.g. `running`.
fn state_name(state: Option<&FileState>) -> String {
    match state.map(serde_json::to_value) {
        Some(Ok(serde_json::Value::String(name))) => name,
        _ => "without a status".to_string(),
    }
}

/// Refuses a file the service kept at another size than the `len` bytes sent.
fn check_size(info: &FileInfo, len: Option<u64>) -> Result<(), Error> {
    match len {
        Some(len) if i64::from(info.bytes) != i64::try_from(len).unwrap_or(i64::MAX) => {
            Err(Error::Integrity {
                what: format!("AI Agents file `{}`", info.id),
                check: "size in bytes",
                sent: len.to_string(),
                received: info.bytes.to_string(),
                next: "delete that file and upload it again",
            })
        }
        _ => Ok(()),
    }
}
