//! The state every generated client carries (`with_inner_type` in `build.rs`) and the
//! `ClientHooks` that use it: credentials added to each request just before it is sent (so a
//! token can be refreshed between requests), and a `tracing` span per operation.
//!
//! Credentials are added here, per request, rather than as default headers of the shared
//! `reqwest::Client`: the same connection pool also talks to storage hosts (the presigned
//! POST), which must never receive them.

use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::auth::Credential;

tokio::task_local! {
    /// The status and headers of the last response an operation received in this task, set by
    /// the `post` hook while the retry loop runs an attempt. It lets an error body that is not
    /// the JSON the spec promises still be reported with its status, request id and wait.
    pub(crate) static LAST_RESPONSE: std::cell::RefCell<Option<(u16, reqwest::header::HeaderMap)>>;
}

/// What a generated client needs beyond its base URL: the credential for its API.
///
/// ```
/// # #[cfg(feature = "maiagent")] {
/// use upload_clients::auth::Credential;
/// use upload_clients::generated::maiagent_attachments::Client;
/// use upload_clients::hooks::Hooks;
///
/// let hooks = Hooks::new(Credential::api_key("my-key"));
/// let client = Client::new_with_client("https://api.maiagent.ai", reqwest::Client::new(), hooks);
/// # let _ = client; }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    credential: Option<Arc<Credential>>,
}

impl Hooks {
    /// Hooks that authenticate every request with `credential`.
    pub fn new(credential: Credential) -> Self {
        Self {
            credential: Some(Arc::new(credential)),
        }
    }

    /// Hooks that add no credential (a local mock, or a caller that authenticates otherwise).
    pub fn unauthenticated() -> Self {
        Self::default()
    }

    async fn authorize(&self, request: &mut reqwest::Request) -> Result<(), crate::Error> {
        if let Some(credential) = &self.credential {
            let (name, value) = credential.header().await?;
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }
}

/// Implements the hooks for one generated client.
macro_rules! client_hooks {
    ($module:ident, $api:literal) => {
        impl ClientHooks<Hooks> for crate::generated::$module::Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &OperationInfo,
            ) -> Result<(), Error<E>> {
                tracing::debug!(
                    api = $api,
                    operation = info.operation_id,
                    method = %request.method(),
                    url = %crate::redact::shown_url(request.url()),
                    "sending request"
                );
                self.inner()
                    .authorize(request)
                    .await
                    .map_err(|e| Error::Custom(e.to_string()))
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                _info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                let response = self.client().execute(request).await?;
                Ok(crate::response::cap_response(response))
            }

            async fn post<E>(
                &self,
                result: &reqwest::Result<reqwest::Response>,
                info: &OperationInfo,
            ) -> Result<(), Error<E>> {
                crate::timeouts::Activity::touch_current();
                if let Ok(response) = result {
                    let _ = LAST_RESPONSE.try_with(|last| {
                        *last.borrow_mut() = Some((response.status().as_u16(), response.headers().clone()));
                    });
                }
                match result {
                    Ok(response) => tracing::debug!(
                        api = $api,
                        operation = info.operation_id,
                        status = response.status().as_u16(),
                        "response"
                    ),
                    Err(error) => tracing::debug!(
                        api = $api,
                        operation = info.operation_id,
                        error = %error,
                        "request failed"
                    ),
                }
                Ok(())
            }
        }
    };
}

#[cfg(feature = "acs-chat")]
client_hooks!(acs_chat, "acs-chat");
#[cfg(feature = "rbm")]
client_hooks!(rbm_files, "rbm");
#[cfg(feature = "ai-agents")]
client_hooks!(ai_agents_files, "ai-agents");
#[cfg(feature = "maiagent")]
client_hooks!(maiagent_attachments, "maiagent");
