//! The typed clients generated from `specs/*.yaml` at build time, one module per spec.
//!
//! `build.rs` runs progenitor on each spec and writes `$OUT_DIR/<module>.rs`; the modules here
//! only include those files. Nothing in them is written by hand: to change a client, edit its
//! spec (or the adaptation step in `build.rs`) and build again.
//!
//! Each module holds a `Client` (builder-style operations, one method per `operationId`), a
//! `types` module with the request and response schemas, and a `facade_operations` module that
//! describes the operations progenitor cannot generate (multipart and media bodies), which the
//! hand-written facade sends.

/// Where a parameter of a [`FacadeOperation`] travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    /// In the query string.
    Query,
    /// In a request header.
    Header,
    /// In the path template.
    Path,
    /// In a cookie.
    Cookie,
}

/// A parameter of an operation the facade sends by hand, as its spec states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacadeParameter {
    /// The wire name, e.g. `api-version` or `agentId`.
    pub name: &'static str,
    /// Where it travels.
    pub location: ParameterLocation,
    /// Whether the spec marks it required.
    pub required: bool,
    /// The spec's default value, if any.
    pub default: Option<&'static str>,
}

/// An operation whose request body progenitor 0.15 cannot generate (a multipart form, or a
/// media type such as `image/png`), described from its spec so that the facade can send it.
///
/// ```
/// # #[cfg(feature = "ai-agents")] {
/// use upload_clients::generated::ai_agents_files::facade_operations::UPLOAD_FILE;
/// assert_eq!(UPLOAD_FILE.method, "POST");
/// assert_eq!(UPLOAD_FILE.path, "/files");
/// assert_eq!(UPLOAD_FILE.content_types, ["multipart/form-data"]);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacadeOperation {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/files` or `/chat/threads/{chatThreadId}/images`.
    pub path: &'static str,
    /// The request body media types the spec lists.
    pub content_types: &'static [&'static str],
    /// The operation's parameters.
    pub parameters: &'static [FacadeParameter],
    /// The 2xx statuses the spec answers with.
    pub success_statuses: &'static [u16],
    /// The statuses the spec answers with its error body, as inclusive ranges.
    pub error_statuses: &'static [(u16, u16)],
}

impl FacadeOperation {
    /// Whether the spec answers `status` with success.
    pub fn is_success(&self, status: u16) -> bool {
        self.success_statuses.contains(&status)
    }

    /// Whether the spec answers `status` with its error body.
    pub fn is_error(&self, status: u16) -> bool {
        self.error_statuses
            .iter()
            .any(|&(from, to)| (from..=to).contains(&status))
    }

    /// The spec's default for the parameter `name`, if it has one.
    ///
    /// ```
    /// # #[cfg(feature = "ai-agents")] {
    /// use upload_clients::generated::ai_agents_files::facade_operations::UPLOAD_FILE;
    /// assert_eq!(UPLOAD_FILE.default_of("api-version"), Some("v1"));
    /// # }
    /// ```
    pub fn default_of(&self, name: &str) -> Option<&'static str> {
        self.parameters
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.default)
    }
}

/// Azure Communication Services Chat: Upload Chat Image (`specs/acs-chat.yaml`, API version
/// 2024-03-15-preview).
#[allow(missing_docs, unused_qualifications)] // progenitor's output documents what the spec does
#[cfg(feature = "acs-chat")]
pub mod acs_chat {
    include!(concat!(env!("OUT_DIR"), "/acs_chat.rs"));
    /// The text of `specs/acs-chat.yaml`, the spec this module was generated from (the emulator
    /// checks requests against exactly this).
    pub const SPEC: &str = include_str!("../specs/acs-chat.yaml");
    /// The API's name in errors and logs.
    pub const API_NAME: &str = "acs-chat";
    crate::auth::hooks::client_hooks!();
}

/// Google RCS Business Messaging: `files.create` (`specs/rbm-files.yaml`), both the Upload URI
/// (binary media) and the Metadata URI (`fileUrl`).
#[allow(missing_docs, unused_qualifications)] // progenitor's output documents what the spec does
#[cfg(feature = "rbm")]
pub mod rbm_files {
    include!(concat!(env!("OUT_DIR"), "/rbm_files.rs"));
    /// The text of `specs/rbm-files.yaml`, the spec this module was generated from (the emulator
    /// checks requests against exactly this).
    pub const SPEC: &str = include_str!("../specs/rbm-files.yaml");
    /// The API's name in errors and logs.
    pub const API_NAME: &str = "rbm";
    crate::auth::hooks::client_hooks!();
}

/// Azure AI Foundry Agents: Files - Upload File and Get File (`specs/ai-agents-files.yaml`,
/// api-version v1).
#[allow(missing_docs, unused_qualifications)] // progenitor's output documents what the spec does
#[cfg(feature = "ai-agents")]
pub mod ai_agents_files {
    include!(concat!(env!("OUT_DIR"), "/ai_agents_files.rs"));
    /// The text of `specs/ai-agents-files.yaml`, the spec this module was generated from (the emulator
    /// checks requests against exactly this).
    pub const SPEC: &str = include_str!("../specs/ai-agents-files.yaml");
    /// The API's name in errors and logs.
    pub const API_NAME: &str = "ai-agents";
    crate::auth::hooks::client_hooks!();
}

/// MaiAgent: attachments, presigned upload URLs and conversation attachments
/// (`specs/maiagent-attachments.yaml`).
#[allow(missing_docs, unused_qualifications)] // progenitor's output documents what the spec does
#[cfg(feature = "maiagent")]
pub mod maiagent_attachments {
    include!(concat!(env!("OUT_DIR"), "/maiagent_attachments.rs"));
    /// The text of `specs/maiagent-attachments.yaml`, the spec this module was generated from (the emulator
    /// checks requests against exactly this).
    pub const SPEC: &str = include_str!("../specs/maiagent-attachments.yaml");
    /// The API's name in errors and logs.
    pub const API_NAME: &str = "maiagent";
    crate::auth::hooks::client_hooks!();
}
