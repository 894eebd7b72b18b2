//! The library's integration tests, one binary: each module is one concern, against httpmock,
//! raw local servers, a real S3-compatible server or the specs themselves. The tests that run the
//! emulator or the CLI live with those crates (`emulator/tests`, `cli/tests`).

mod common;

#[cfg(feature = "acs-chat")]
mod acs_chat;
#[cfg(feature = "ai-agents")]
mod ai_agents_files;
#[cfg(feature = "acs-chat")]
mod bulk;
#[cfg(all(
    feature = "acs-chat",
    feature = "rbm",
    feature = "ai-agents",
    feature = "maiagent"
))]
mod facade;
#[cfg(feature = "rbm")]
mod faults;
#[cfg(feature = "rbm")]
mod google_auth;
#[cfg(feature = "maiagent")]
mod maiagent_attachments;
#[cfg(feature = "maiagent")]
mod maiagent_official;
mod messages;
#[cfg(feature = "rbm")]
mod rbm_files;
#[cfg(feature = "rbm")]
mod retry;
#[cfg(feature = "maiagent")]
mod s3_presigned;
#[cfg(all(
    feature = "acs-chat",
    feature = "rbm",
    feature = "ai-agents",
    feature = "maiagent"
))]
mod secrets;
mod specs;
