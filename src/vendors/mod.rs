//! One folder per API: its facade, the operations progenitor cannot generate (`ext`), and its
//! extras (RBM's upload cache, MaiAgent's presigned flow). Adding an API is adding a folder
//! here and a spec in `specs/`.

#[cfg(feature = "acs-chat")]
pub mod acs_chat;
#[cfg(feature = "ai-agents")]
pub mod ai_agents;
#[cfg(feature = "maiagent")]
pub mod maiagent;
#[cfg(feature = "rbm")]
pub mod rbm;
