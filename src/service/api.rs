//! Each API's identity, by type: its name in errors and logs, its generated client, its vendor
//! error body and what it accepts. The attempt, the hooks and the facades name an API by one of
//! these types, never by a string.

use progenitor_client::ResponseValue;

use crate::Limits;
use crate::error::{ApiErrorBody, Error};
use crate::service::attempt::Attempt;

/// One of the four APIs.
pub trait Api {
    /// The API's name in errors and logs.
    const NAME: &'static str;
    /// Its generated client.
    type Client: crate::auth::hooks::GeneratedClient;
    /// Its vendor's error body, as the generated client parses it.
    type ErrorBody;
    /// That body as the facade's [`ApiErrorBody`].
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody;
    /// What the API accepts, as its facade checks by default.
    fn default_limits() -> Limits;
}

/// Azure Communication Services Chat, Upload Chat Image.
#[cfg(feature = "acs-chat")]
#[derive(Debug, Clone, Copy)]
pub struct AcsChat;

#[cfg(feature = "acs-chat")]
impl Api for AcsChat {
    const NAME: &'static str = crate::generated::acs_chat::API_NAME;
    type Client = crate::generated::acs_chat::Client;
    type ErrorBody = crate::generated::acs_chat::types::ErrorResponse;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::AcsChat(body)
    }
    fn default_limits() -> Limits {
        Limits::acs_chat_images()
    }
}

/// Google RCS Business Messaging, files.create.
#[cfg(feature = "rbm")]
#[derive(Debug, Clone, Copy)]
pub struct Rbm;

#[cfg(feature = "rbm")]
impl Api for Rbm {
    const NAME: &'static str = crate::generated::rbm_files::API_NAME;
    type Client = crate::generated::rbm_files::Client;
    type ErrorBody = crate::generated::rbm_files::types::GoogleErrorResponse;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::Rbm(body)
    }
    fn default_limits() -> Limits {
        Limits::rbm_files()
    }
}

/// Azure AI Foundry Agents, Files.
#[cfg(feature = "ai-agents")]
#[derive(Debug, Clone, Copy)]
pub struct AiAgents;

#[cfg(feature = "ai-agents")]
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

/// MaiAgent attachments.
#[cfg(feature = "maiagent")]
#[derive(Debug, Clone, Copy)]
pub struct MaiAgent;

#[cfg(feature = "maiagent")]
impl Api for MaiAgent {
    const NAME: &'static str = crate::generated::maiagent_attachments::API_NAME;
    type Client = crate::generated::maiagent_attachments::Client;
    type ErrorBody = crate::generated::maiagent_attachments::types::MaiAgentError;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::MaiAgent(body)
    }
    fn default_limits() -> Limits {
        Limits::maiagent_attachments()
    }
}

/// The response of a generated operation of the API `A`, or the facade's error for its failure,
/// told with what the running attempt observed (an error status whose body is not the vendor's
/// JSON keeps its status; a credential's error is returned whole).
pub(crate) async fn result<A: Api, T>(
    result: Result<ResponseValue<T>, progenitor_client::Error<A::ErrorBody>>,
) -> Result<ResponseValue<T>, Error> {
    match result {
        Ok(response) => Ok(response),
        Err(error) => {
            Err(Error::from_generated(A::NAME, error, A::error_body, Attempt::observed()).await)
        }
    }
}
