//! The state every generated client carries (`with_inner_type` in `build.rs`) and the
//! `ClientHooks` that use it: credentials added to each request just before it is sent (so a
//! token can be refreshed between requests), and a `tracing` span per operation.
//!
//! Credentials are added here, per request, rather than as default headers of the shared
//! `reqwest::Client`: the same connection pool also talks to storage hosts (the presigned
//! POST), which must never receive them.

use std::sync::Arc;

use crate::auth::Credential;

/// What a generated client needs beyond its base URL: the credential for its API.
///
/// ```
/// # #[cfg(feature = "maiagent")] {
/// use upload_clients::auth::Credential;
/// use upload_clients::generated::maiagent_attachments::Client;
/// use upload_clients::auth::ClientAuth;
///
/// let auth = ClientAuth::new(Credential::api_key("my-key"));
/// let client = Client::new_with_client("https://api.maiagent.ai", reqwest::Client::new(), auth);
/// # let _ = client; }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    credential: Option<Arc<Credential>>,
}

impl ClientAuth {
    /// The credential `credential`, added to every request.
    pub fn new(credential: Credential) -> Self {
        Self {
            credential: Some(Arc::new(credential)),
        }
    }

    /// No credential (a local mock, or a caller that authenticates otherwise).
    pub fn unauthenticated() -> Self {
        Self::default()
    }

    pub(crate) async fn authorize(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<(), crate::auth::AuthError> {
        if let Some(credential) = &self.credential {
            let (name, value) = credential.header().await?;
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }
}

/// A generated client, built from its parts (implemented for each in [`crate::generated`]).
pub trait GeneratedClient:
    progenitor_client::ClientInfo<ClientAuth> + Clone + std::fmt::Debug
{
    /// The client for `base` that sends with `http` and authenticates with `hooks`.
    fn from_parts(base: &str, http: reqwest::Client, hooks: ClientAuth) -> Self;
}

/// Implements the hooks for the generated `Client` in scope (invoked in each module of
/// [`crate::generated`], so this module does not depend on the generated code).
macro_rules! client_hooks {
    () => {
        impl crate::auth::hooks::GeneratedClient for Client {
            fn from_parts(base: &str, http: reqwest::Client, hooks: crate::auth::hooks::ClientAuth) -> Self {
                Client::new_with_client(base, http, hooks)
            }
        }

        impl progenitor_client::ClientHooks<crate::auth::hooks::ClientAuth> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                tracing::debug!(
                    api = API_NAME,
                    operation = info.operation_id,
                    method = %request.method(),
                    url = %crate::transport::redact::shown_url(request.url()),
                    "sending request"
                );
                // progenitor 0.15 adds `api-version: <info.version>` to every request; the real
                // APIs carry their version in the query, or not at all.
                let version = <Self as progenitor_client::ClientInfo<crate::auth::hooks::ClientAuth>>::api_version();
                if request.headers().get("api-version").is_some_and(|v| v == version) {
                    request.headers_mut().remove("api-version");
                }
                // progenitor takes only text here; the attempt keeps the error whole.
                progenitor_client::ClientInfo::inner(self)
                    .authorize(request)
                    .await
                    .map_err(|e| progenitor_client::Error::Custom(crate::service::attempt::Attempt::record_credential_error(e)))
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                _info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                let response = progenitor_client::ClientInfo::client(self).execute(request).await?;
                Ok(crate::transport::response::cap_response(response))
            }

            async fn post<E>(
                &self,
                result: &reqwest::Result<reqwest::Response>,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                // The status and headers let an error body that is not the vendor's JSON still be
                // told with its status, request id and wait.
                match result {
                    Ok(response) => crate::service::attempt::Attempt::record_response(
                        response.status().as_u16(),
                        response.headers(),
                    ),
                    Err(_) => crate::service::attempt::Attempt::touch_current(),
                }
                match result {
                    Ok(response) => tracing::debug!(
                        api = API_NAME,
                        operation = info.operation_id,
                        status = response.status().as_u16(),
                        "response"
                    ),
                    Err(error) => tracing::debug!(
                        api = API_NAME,
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

pub(crate) use client_hooks;
