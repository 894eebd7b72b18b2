//! One folder per API: the API as the shared core sees it (`api`: its type and its limits), its
//! facade, the operations progenitor cannot generate (`ext`), and its extras (RBM's upload
//! cache, MaiAgent's presigned flow). Adding an API is adding a folder here, a spec in
//! `specs/`, its generated module and its error body's variant.

#[cfg(feature = "acs-chat")]
pub mod acs_chat;
#[cfg(feature = "ai-agents")]
pub mod ai_agents;
#[cfg(feature = "maiagent")]
pub mod maiagent;
#[cfg(feature = "rbm")]
pub mod rbm;
