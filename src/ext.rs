//! Extension traits that add to each generated client the operations progenitor cannot
//! generate, with builders that mirror the generated ones.
//!
//! `build.rs` takes these operations out of the spec before generation (multipart forms and media
//! bodies such as `image/png` make progenitor 0.15 fail) and describes each one in the module's
//! `facade_operations`. The builders here send them from those descriptions, through the same
//! client hooks, and answer with the same `ResponseValue` / `Error` types as generated
//! operations, so a caller cannot tell the two apart:
//!
//! | client | method | operation |
//! |---|---|---|
//! | [`rbm_files::Client`](crate::generated::rbm_files::Client) | [`RbmFilesExt::upload_file`] | `POST /upload/v1/files` (media body) |
//! | [`ai_agents_files::Client`](crate::generated::ai_agents_files::Client) | [`AiAgentsFilesExt::upload_file`] | `POST /files` (multipart) |
//! | [`maiagent_attachments::Client`](crate::generated::maiagent_attachments::Client) | [`MaiAgentAttachmentsExt::create_attachment_upload`] | `POST /api/attachments-upload/` (multipart) |
//! | [`maiagent_attachments::Client`](crate::generated::maiagent_attachments::Client) | [`MaiAgentAttachmentsExt::create_attachment_with_file`] | `POST /api/attachments/` (multipart; its JSON form is generated) |

#[cfg(feature = "ai-agents")]
pub mod ai_agents_files;
#[cfg(feature = "maiagent")]
pub mod maiagent_attachments;
#[cfg(feature = "rbm")]
pub mod rbm_files;

#[cfg(feature = "ai-agents")]
pub use ai_agents_files::AiAgentsFilesExt;
#[cfg(feature = "maiagent")]
pub use maiagent_attachments::MaiAgentAttachmentsExt;
#[cfg(feature = "rbm")]
pub use rbm_files::RbmFilesExt;

#[cfg(any(feature = "rbm", feature = "ai-agents", feature = "maiagent"))]
mod send;
