//! Typed clients for the file-upload APIs of four chat and agent platforms, generated at build
//! time from hand-written OpenAPI specs.
//!
//! | API | spec | generated module | operations |
//! |---|---|---|---|
//! | Azure Communication Services Chat, Upload Chat Image (2024-03-15-preview) | `specs/acs-chat.yaml` | [`generated::acs_chat`] | `uploadChatImage` |
//! | Google RCS Business Messaging `files.create` | `specs/rbm-files.yaml` | [`generated::rbm_files`] | `uploadFile` (binary), `createFile` (`fileUrl`) |
//! | Azure AI Foundry Agents, Files (api-version v1) | `specs/ai-agents-files.yaml` | [`generated::ai_agents_files`] | `uploadFile` (multipart), `getFile` |
//! | MaiAgent attachments | `specs/maiagent-attachments.yaml` | [`generated::maiagent_attachments`] | `createAttachmentUpload` (multipart), `createUploadPresignedUrl`, `createAttachment`, `createConversationAttachment` |
//!
//! # Layout
//!
//! `specs/*.yaml` (one OpenAPI 3.0 document per API, a faithful English transcription of its
//! vendor's page) → `build.rs` (adapted for progenitor, generated, formatted) → [`generated`]
//! (never edited) → the `ext` of the APIs that need one (the operations progenitor cannot
//! generate, such as [`ai_agents::AiAgentsFilesExt`]) → one facade per API ([`AcsChatClient`],
//! [`RbmClient`], [`AiAgentsClient`], [`MaiAgentClient`]) built on one core, with one
//! [`Error`]. The module map, and where one upload travels, is ARCHITECTURE.md
//! in the repository: it is the one place they are written.
//!
//! # Regenerating
//!
//! Edit a spec and build again: `build.rs` reruns whenever a file in `specs/` changes (or one is
//! added), so `cargo build` or `cargo doc` shows the new client and its docs. A spec that cannot
//! be parsed or generated fails the build with the file name and the reason.
//!
//! # Features
//!
//! `acs-chat`, `rbm`, `ai-agents` and `maiagent` (all on by default) each compile one API.
//! `google-adc` adds Google Application Default Credentials (`google-cloud-auth`) and
//! `azure-identity` Microsoft Entra ID tokens (`azure_identity`).
//!
//! # The emulator and the CLI
//!
//! Two crates of the same workspace, built on this one's public API:
//!
//! - `upload-clients-emulator`: `Emulator::start().await?` serves all four APIs on 127.0.0.1,
//!   checks each request against the specs this crate was generated from (each generated
//!   module's `SPEC`), answers and fails like the vendors, and records what it received, so
//!   code built on this crate is tested without an account. Its binary serves the same for
//!   tests in any language.
//! - `upload-clients-cli`: the `upload-clients` command, one subcommand per API (`acs-chat`,
//!   `rbm`, `agents`, `maiagent`) uploading files, directories and many files at once, plus
//!   `upload-clients emulator`.
//!
//! # Example
//!
//! With the facade:
//!
//! ```no_run
//! # #[cfg(feature = "acs-chat")]
//! # async fn run() -> Result<(), upload_clients::Error> {
//! use upload_clients::{AcsChatClient, UploadSource, auth::Credential};
//!
//! let acs = AcsChatClient::new(
//!     "https://contoso.westus.communications.azure.com",
//!     Credential::bearer("<ACS user access token>"),
//! )?;
//! let source = UploadSource::from_path("sample.png").await?.on_progress(|p| {
//!     eprintln!("{} of {:?} bytes", p.sent, p.total);
//! });
//! let image = acs.upload_image("19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2", &source).await?;
//! println!("image {} at {:?}", image.id, image.url);
//! # Ok(()) }
//! ```
//!
//! With a generated client directly (every operation of the spec, nothing added):
//!
//! ```no_run
//! # #[cfg(feature = "acs-chat")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use upload_clients::auth::Credential;
//! use upload_clients::generated::acs_chat::Client;
//! use upload_clients::auth::ClientAuth;
//!
//! let client = Client::new_with_client(
//!     "https://contoso.westus.communications.azure.com",
//!     upload_clients::transport::client_builder().build()?,
//!     ClientAuth::new(Credential::bearer("<ACS user access token>")),
//! );
//! let uploaded = client
//!     .upload_chat_image()
//!     .chat_thread_id("19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2")
//!     .api_version("2024-03-15-preview")
//!     .image_filename("sample.png")
//!     .body(std::fs::read("sample.png")?)
//!     .send()
//!     .await?;
//! println!("image id {}", uploaded.id);
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

// The public modules: the four APIs, the generated clients, credentials, the request body,
// runs of many files, retries and pacing, and the HTTP client. ARCHITECTURE.md has the map.
pub mod auth;
pub mod body;
pub mod bulk;
pub mod generated;
pub mod policy;
pub mod transport;
#[cfg(feature = "acs-chat")]
pub use vendors::acs_chat;
#[cfg(feature = "ai-agents")]
pub use vendors::ai_agents;
#[cfg(feature = "maiagent")]
pub use vendors::maiagent;
#[cfg(feature = "rbm")]
pub use vendors::rbm;

mod error;
mod service;
mod vendors;

#[cfg(feature = "acs-chat")]
pub use acs_chat::AcsChatClient;
#[cfg(feature = "ai-agents")]
pub use ai_agents::AiAgentsClient;
pub use body::{Limits, Progress, UploadSource};
pub use error::{ApiError, ApiErrorBody, Error, StorageError, causes, is_certificate_error};
#[cfg(feature = "maiagent")]
pub use maiagent::MaiAgentClient;
#[cfg(feature = "rbm")]
pub use rbm::RbmClient;
