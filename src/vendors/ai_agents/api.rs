//! AI Agents as the shared core sees it: its name, generated client and error body
//! ([`Api`]), and what it accepts (its [`Limits`] constructors).

use crate::Limits;
use crate::body::limits::MB;
use crate::error::ApiErrorBody;
use crate::service::api::Api;

/// Azure AI Foundry Agents, Files.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AiAgents;

impl Api for AiAgents {
    const NAME: &'static str = crate::generated::ai_agents_files::API_NAME;
    type Client = crate::generated::ai_agents_files::Client;
    type ErrorBody = crate::generated::ai_agents_files::types::AgentV1Error;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::AiAgents(body)
    }
    fn default_limits() -> Limits {
        Limits::ai_agents_files()
    }
}

impl Limits {
    /// Azure AI Agents files: any type, at most 512 MiB (the service's documented limit).
    pub fn ai_agents_files() -> Self {
        Self::new([] as [&str; 0], [] as [&str; 0], Some(512 * MB))
    }
}
