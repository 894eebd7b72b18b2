//! The errors a service answered: an API's error status with its vendor's body, and storage's
//! refusal of a presigned POST.

use std::fmt;

/// An error status from an API, with the vendor's error body.
#[derive(Debug)]
pub struct ApiError {
    /// Which API answered (`acs-chat`, `rbm`, `ai-agents`, `maiagent`).
    pub api: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The request id header, when the response carried one.
    pub request_id: Option<String>,
    /// How long the server asked the client to wait before trying again.
    pub retry_after: Option<std::time::Duration>,
    /// The vendor's error body.
    pub body: ApiErrorBody,
}

/// The vendor's error body, typed when it parsed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiErrorBody {
    /// ACS `ErrorResponse`.
    #[cfg(feature = "acs-chat")]
    AcsChat(crate::generated::acs_chat::types::ErrorResponse),
    /// Google's `google.rpc.Status` error.
    #[cfg(feature = "rbm")]
    Rbm(crate::generated::rbm_files::types::GoogleErrorResponse),
    /// Azure AI Agents `AgentV1Error`.
    #[cfg(feature = "ai-agents")]
    AiAgents(crate::generated::ai_agents_files::types::AgentV1Error),
    /// MaiAgent's (Django REST framework) error object.
    #[cfg(feature = "maiagent")]
    MaiAgent(crate::generated::maiagent_attachments::types::MaiAgentError),
    /// A body that did not parse, cut to 2 KiB.
    Raw(String),
}

impl ApiErrorBody {
    /// The vendor's human-readable message, if the body has one.
    pub fn message(&self) -> Option<String> {
        match self {
            #[cfg(feature = "acs-chat")]
            Self::AcsChat(e) => e.error.as_ref().and_then(|e| e.message.clone()),
            #[cfg(feature = "rbm")]
            Self::Rbm(e) => e.error.as_ref().and_then(|e| e.message.clone()),
            #[cfg(feature = "ai-agents")]
            Self::AiAgents(e) => e.error.as_ref().and_then(|e| e.message.clone()),
            #[cfg(feature = "maiagent")]
            Self::MaiAgent(e) => match e.get("detail") {
                Some(serde_json::Value::String(detail)) => Some(detail.clone()),
                _ if e.is_empty() => None,
                _ => Some(serde_json::Value::Object(e.0.clone()).to_string()),
            },
            Self::Raw(body) if body.trim().is_empty() => None,
            Self::Raw(body) => Some(body.clone()),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered HTTP {}", self.api, self.status)?;
        if let Some(message) = self.body.message() {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        f.write_str(match self.status {
            401 => "; check the credential (token expired or wrong?)",
            403 => "; the credential is not allowed to do this",
            404 => "; check the endpoint URL and the ids",
            413 => "; the file is too large for the service",
            408 | 429 | 500..=599 => "; the service is busy or failing, try again later",
            _ => "",
        })
    }
}

/// A storage host's refusal of a presigned POST, from S3's XML error body when there is one.
#[derive(Debug)]
pub struct StorageError {
    /// The HTTP status.
    pub status: u16,
    /// S3's error `Code` (`EntityTooLarge`, `AccessDenied`, …).
    pub code: Option<String>,
    /// S3's error `Message`, or a short raw body.
    pub message: Option<String>,
    /// The request id header, when present.
    pub request_id: Option<String>,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage refused the upload with HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        f.write_str(match self.code.as_deref() {
            Some("EntityTooLarge") => "; the file is larger than the presigned policy allows",
            Some("EntityTooSmall") => "; the file is smaller than the presigned policy allows",
            Some("AccessDenied")
                if self
                    .message
                    .as_deref()
                    .is_some_and(|m| m.contains("xpired")) =>
            {
                "; the presigned POST expired, ask for a new one"
            }
            Some("AccessDenied") => "; the presigned POST was refused (expired or fields changed?)",
            _ => "",
        })
    }
}
