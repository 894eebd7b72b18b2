//! A local emulator of the four services, so code built on this crate can be tested offline
//! against a real HTTP server that answers, checks and fails the way the vendors do.
//!
//! One server on `127.0.0.1` serves every API under one base URL, at the paths its spec gives:
//!
//! | API | paths |
//! |---|---|
//! | ACS Chat | `POST /chat/threads/{chatThreadId}/images` |
//! | RBM | `POST /upload/v1/files`, `POST /v1/files` |
//! | AI Agents | `POST /files`, `GET /files/{fileId}` (also under `/api/projects/{project}`, as a project endpoint) |
//! | MaiAgent | under `/api/` (and `/api/v1/`, as MaiAgent's examples use) |
//! | S3-style storage | `POST /s3/{bucket}` (presigned POST), `GET /s3/{bucket}/{key}` |
//! | inspection | `GET /_emulator/requests`, `POST /_emulator/faults`, `GET /_emulator/objects/{id}` |
//!
//! Every request is checked against this crate's own `specs/*.yaml` (credential scheme, required
//! parameters, content type, JSON body schema, multipart part names) and the limits the clients
//! enforce; a violation gets the status and error body that vendor uses. The presigned flow is
//! signed with a real SigV4 POST policy that storage checks as S3 does. Faults (error statuses
//! with `Retry-After`, resets before or after the upload is stored, stalls, slow and huge
//! answers) can be injected per route, and every recorded request says which fault it got.
//!
//! For soak tests, [`EmulatorBuilder::chaos`] gives each request a seeded random fault (the same
//! seed and the same requests in the same order get the same faults), and
//! [`EmulatorBuilder::rate_limit`] refuses requests beyond N per second with 429 and both
//! `retry-after-ms` and `Retry-After`. A `reset-after` fault drops the answer of an upload the
//! service kept: [`RecordedRequest::created`] and [`RecordedRequest::answer_lost`] count them.
//!
//! Bodies stream to a directory (a temporary one unless [`EmulatorBuilder::data_dir`] names
//! one): a 1 GiB upload is never held in memory.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use upload_clients_emulator::{Emulator, Fault};
//! use upload_clients::{AiAgentsClient, UploadSource, auth::Credential};
//!
//! let emu = Emulator::start().await?;
//! // The first upload gets a 503 with `Retry-After: 1`, which the client retries.
//! emu.fail_next("ai-agents.uploadFile".parse()?, "503,retry-after=1".parse()?, 1);
//! let agents = AiAgentsClient::new(&emu.base_url(), Credential::bearer("any-token"))?;
//! let file = UploadSource::from_bytes(b"hello".to_vec(), "notes.md");
//! let info = agents.upload(&file, "assistants".into()).await?;
//! assert_eq!(info.bytes, 5);
//! let requests = emu.requests();
//! assert_eq!(requests.len(), 2);
//! // purpose, filename, then the file part, its name as sent.
//! assert_eq!(requests[1].parts[2].filename.as_deref(), Some("notes.md"));
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod body;
mod chaos;
mod faults;
mod form;
mod inspect;
mod objects;
mod rate_limit;
mod record;
mod reply;
mod route;
mod s3_post_policy;
pub mod serve;
mod server;
mod spec_check;
mod state;
mod storage;
mod vendors;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use upload_clients::Limits;

pub use faults::{Fault, FaultRule, RetryAfter};
pub use record::{RecordedPart, RecordedRequest};
pub use route::Route;
pub use spec_check::{ApiId, check_answer};

use chaos::Chaos;
use rate_limit::RateLimit;
use state::State;

/// How long an explicit [`Fault::Stall`] holds a request unless
/// [`EmulatorBuilder::stall_for`] says otherwise.
pub(crate) const DEFAULT_STALL: Duration = Duration::from_secs(300);

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The port could not be bound.
    #[error(
        "cannot listen on 127.0.0.1:{port}: {source}; choose another port (0 picks a free one)"
    )]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// The data directory could not be created.
    #[error("cannot use {path} as the data directory: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The embedded specs could not be read (a build of this crate with a broken spec).
    #[error("cannot read the embedded specs: {0}")]
    Specs(String),
    /// [`EmulatorBuilder::chaos`] was given a probability outside 0..=1 (or NaN).
    #[error(
        "the chaos probability {probability} is not a number from 0 to 1 (0: no faults, 1: a fault on every request)"
    )]
    ChaosProbability {
        /// The probability given.
        probability: f64,
    },
    /// [`EmulatorBuilder::rate_limit`] was given 0 requests per second.
    #[error("a rate limit of 0 requests per second would refuse every request; give at least 1")]
    ZeroRateLimit,
}

/// How an emulator runs: port, data directory, processing time, limits. Start it with
/// [`EmulatorBuilder::start`]. Its `Debug` never shows the credential it accepts.
#[derive(Clone)]
pub struct EmulatorBuilder {
    pub(crate) port: u16,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) processing_time: Duration,
    pub(crate) processing_error: Option<String>,
    pub(crate) presign_lifetime: chrono::Duration,
    pub(crate) credential: Option<String>,
    pub(crate) limits: Vec<(ApiId, Limits)>,
    pub(crate) stall_for: Option<Duration>,
    pub(crate) chaos: Option<(f64, u64)>,
    pub(crate) rate_limit: Option<u32>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            data_dir: None,
            processing_time: Duration::from_millis(600),
            processing_error: None,
            presign_lifetime: chrono::Duration::hours(1),
            credential: None,
            limits: vec![
                (ApiId::AcsChat, Limits::acs_chat_images()),
                (ApiId::Rbm, Limits::rbm_files()),
                (ApiId::AiAgents, Limits::ai_agents_files()),
                (ApiId::MaiAgent, Limits::maiagent_attachments()),
            ],
            stall_for: None,
            chaos: None,
            rate_limit: None,
        }
    }
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("processing_time", &self.processing_time)
            .field("processing_error", &self.processing_error)
            .field("presign_lifetime", &self.presign_lifetime)
            .field(
                "credential",
                &self.credential.as_ref().map(|_| "<redacted>"),
            )
            .field("limits", &self.limits)
            .field("stall_for", &self.stall_for)
            .field("chaos", &self.chaos)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

impl EmulatorBuilder {
    /// The port to listen on (default 0: a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Keep uploaded objects under `dir` (created if missing) instead of a temporary directory
    /// removed when the emulator stops.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// How long an AI Agents file takes from `uploaded` through `pending` and `running` to
    /// `processed` (default 600 ms; zero: `processed` at once).
    pub fn processing_time(mut self, time: Duration) -> Self {
        self.processing_time = time;
        self
    }

    /// AI Agents files end in `error` with these `status_details` instead of `processed`.
    pub fn processing_error(mut self, details: impl Into<String>) -> Self {
        self.processing_error = Some(details.into());
        self
    }

    /// How long a MaiAgent presigned POST stays valid (default one hour; a negative duration
    /// hands out policies that have already expired).
    pub fn presign_lifetime(mut self, lifetime: chrono::Duration) -> Self {
        self.presign_lifetime = lifetime;
        self
    }

    /// Accept only this token or API key (default: any non-empty one in the right scheme).
    pub fn credential(mut self, credential: impl Into<String>) -> Self {
        self.credential = Some(credential.into());
        self
    }

    /// What `api` accepts (default: the limits its client enforces, [`Limits`]). The size applies
    /// to every API; ACS also checks the image type its bytes show, MaiAgent the file's
    /// extension or type; RBM's and AI Agents' types are what their specs accept.
    pub fn limits(mut self, api: ApiId, limits: Limits) -> Self {
        self.limits.retain(|(a, _)| *a != api);
        self.limits.push((api, limits));
        self
    }

    /// No limits on size, type or extension for any API (benchmarks of large files).
    pub fn without_limits(mut self) -> Self {
        for (_, limits) in &mut self.limits {
            *limits = Limits::none();
        }
        self
    }

    /// How long a [`Fault::Stall`] holds a request before closing it (default five minutes for
    /// a stall set with [`Emulator::fail_next`] or `--fault`, two seconds for one chaos mode
    /// draws).
    pub fn stall_for(mut self, time: Duration) -> Self {
        self.stall_for = Some(time);
        self
    }

    /// Chaos mode, for soak tests of clients: with `probability` (from 0 to 1) each request to
    /// an API route or `storage.post` gets one fault, each of these as likely:
    ///
    /// - `reset`: the connection is reset in the middle of the body (nothing stored);
    /// - `reset-after` ([`Fault::ResetAfterStore`]): handled completely, the upload stored, then
    ///   the connection dropped without an answer;
    /// - `503,retry-after=1`;
    /// - `429,retry-after-ms=200,retry-after=1` (both headers, as Azure sends them);
    /// - `stall`: nothing more read nor answered for [`stall_for`](Self::stall_for) (two seconds
    ///   unless set), then the connection closed.
    ///
    /// The decisions come from a random number generator seeded with `seed`, one per request in
    /// the order they arrive: the same seed and the same requests in the same order get the same
    /// faults. A fault set with [`Emulator::fail_next`] goes first; `/_emulator/` requests and
    /// `storage.get` get none. [`RecordedRequest::fault`] says which one each request got. A
    /// probability outside 0..=1, or NaN, is [`EmulatorError::ChaosProbability`] at
    /// [`start`](Self::start).
    pub fn chaos(mut self, probability: f64, seed: u64) -> Self {
        self.chaos = Some((probability, seed));
        self
    }

    /// At most `requests_per_second` requests per second over all API and storage routes, as a
    /// token bucket (capacity `requests_per_second`, refilled at that rate, on Tokio's clock). A
    /// request beyond it is answered at once (its body read, nothing done) with 429 and its API's
    /// error body, or S3's `503 SlowDown` for storage, with `retry-after-ms` (until the next token,
    /// at least 1) and `Retry-After` (that, rounded up to whole seconds). It is recorded with its
    /// status and no fault, and comes before any fault. Zero is [`EmulatorError::ZeroRateLimit`]
    /// at [`start`](Self::start).
    pub fn rate_limit(mut self, requests_per_second: u32) -> Self {
        self.rate_limit = Some(requests_per_second);
        self
    }

    /// Binds `127.0.0.1:port` and serves until the returned [`Emulator`] is dropped. Needs a
    /// Tokio runtime.
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        let chaos = self
            .chaos
            .map(|(probability, seed)| Chaos::new(probability, seed))
            .transpose()?;
        let rate_limit = self.rate_limit.map(RateLimit::new).transpose()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .map_err(|source| EmulatorError::Bind {
                port: self.port,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                port: self.port,
                source,
            })?;
        let state = Arc::new(State::new(self, addr, chaos, rate_limit)?);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&state)));
        Ok(Emulator { addr, state, task })
    }
}

/// A running emulator; it stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// An emulator with the defaults on a free port.
    pub async fn start() -> Result<Self, EmulatorError> {
        EmulatorBuilder::default().start().await
    }

    /// How to configure one before starting it.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, the base URL of every API (MaiAgent's is this plus `/api`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, in the order they ended (credentials redacted).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.records.all()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        self.state.records.clear();
    }

    /// The next `times` requests to `route` get `fault` instead of their answer.
    pub fn fail_next(&self, route: Route, fault: Fault, times: u32) {
        self.state.faults.add(FaultRule {
            route,
            fault,
            times,
        });
    }

    /// The bytes of a stored object: an upload's id (`files/…`, `assistant-…`, an ACS image
    /// id, a MaiAgent attachment id) or a storage object as `s3/{bucket}/{key}`.
    pub async fn object(&self, id: &str) -> std::io::Result<Option<Vec<u8>>> {
        self.state.objects.read(id).await
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The README's examples, compiled as doctests so they cannot rot (here, where both the library
/// and the emulator they use are available).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
