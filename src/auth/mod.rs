//! Credentials for the four APIs, kept in redacting types (`secrecy`) so a token or key never
//! shows in `Debug`, `Display`, errors or logs.
//!
//! - ACS Chat: an ACS user access token, sent as `Authorization: Bearer <token>`.
//! - RBM: an OAuth access token with the `rcsbusinessmessaging` scope, `Bearer`.
//! - AI Agents: a Microsoft Entra access token for `https://ai.azure.com/.default`, `Bearer`.
//! - MaiAgent: an API key, sent as `Authorization: Api-Key <key>`.
//!
//! A token can be static or come from a [`TokenProvider`] the caller implements (asked before
//! every request, so it can refresh).

#[cfg(feature = "acs-chat")]
pub mod acs_identity;
#[cfg(feature = "azure-identity")]
pub mod entra;
#[cfg(feature = "rbm")]
pub mod google;
#[cfg(feature = "google-adc")]
pub mod google_adc;
pub mod hooks;
pub mod token_cache;

#[cfg(feature = "acs-chat")]
pub use acs_identity::AcsIdentityTokens;
#[cfg(feature = "azure-identity")]
pub use entra::EntraTokens;
#[cfg(feature = "rbm")]
pub use google::GoogleServiceAccount;
#[cfg(feature = "google-adc")]
pub use google_adc::GoogleAdc;
pub use hooks::ClientAuth;
pub use token_cache::TokenCache;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// Why a credential could not be had. Kept apart from [`crate::Error`] (which it becomes, as
/// `Error::Auth` or `Error::TokenEndpoint`) so that credentials do not depend on the error type
/// that carries the vendors' bodies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The credential was refused or cannot be used; trying again will not help.
    #[error("{0}")]
    Refused(String),
    /// The token endpoint could not be reached; retried like any network error.
    #[error("cannot reach the token endpoint {url}: {source}")]
    Unreachable {
        /// The token endpoint.
        url: String,
        /// Why it could not be reached.
        #[source]
        source: reqwest::Error,
    },
    /// The token service could not be reached or answered with a temporary failure (a network
    /// error, HTTP 429 or 5xx), as the credential crate that asked it reports; retried like any
    /// network error.
    #[error("{provider} could not get a token now: {message}")]
    Unavailable {
        /// Which credential asked (e.g. "Google Application Default Credentials").
        provider: String,
        /// What failed, with its causes.
        message: String,
    },
}

/// A future returned by [`TokenProvider::token`].
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SecretString, AuthError>> + Send + 'a>>;

/// Supplies a bearer token before each request; implement it to refresh tokens.
///
/// ```
/// use secrecy::SecretString;
/// use upload_clients::auth::{AuthError, Credential, TokenFuture, TokenProvider};
///
/// struct FromEnv;
/// impl TokenProvider for FromEnv {
///     fn token(&self) -> TokenFuture<'_> {
///         Box::pin(async {
///             std::env::var("ACS_ACCESS_TOKEN")
///                 .map(SecretString::from)
///                 .map_err(|_| AuthError::Refused("ACS_ACCESS_TOKEN is not set".into()))
///         })
///     }
/// }
/// let credential = Credential::provider(FromEnv);
/// assert_eq!(format!("{credential:?}"), "Credential::Bearer(<provider>)");
/// ```
pub trait TokenProvider: Send + Sync {
    /// The token to send now.
    fn token(&self) -> TokenFuture<'_>;
}

/// How requests to an API are authenticated.
#[derive(Clone)]
pub enum Credential {
    /// `Authorization: Bearer <token>` with a fixed token.
    Bearer(SecretString),
    /// `Authorization: Bearer <token>` with a token asked for before every request.
    BearerProvider(Arc<dyn TokenProvider>),
    /// `Authorization: Api-Key <key>` (MaiAgent).
    ApiKey(SecretString),
}

impl Credential {
    /// A fixed bearer token.
    ///
    /// ```
    /// let credential = upload_clients::auth::Credential::bearer("secret-token");
    /// assert!(!format!("{credential:?}").contains("secret-token"));
    /// ```
    pub fn bearer(token: impl Into<String>) -> Self {
        Self::Bearer(SecretString::from(token.into()))
    }

    /// A bearer token from `provider`, asked for before every request.
    pub fn provider(provider: impl TokenProvider + 'static) -> Self {
        Self::BearerProvider(Arc::new(provider))
    }

    /// A MaiAgent API key.
    ///
    /// ```
    /// let credential = upload_clients::auth::Credential::api_key("mai-key");
    /// assert_eq!(format!("{credential:?}"), "Credential::ApiKey(<redacted>)");
    /// ```
    pub fn api_key(key: impl Into<String>) -> Self {
        Self::ApiKey(SecretString::from(key.into()))
    }

    /// The header that carries the credential, its value marked sensitive.
    pub(crate) async fn header(&self) -> Result<(HeaderName, HeaderValue), AuthError> {
        let value = match self {
            Self::Bearer(token) => format!("Bearer {}", token.expose_secret()),
            Self::BearerProvider(provider) => {
                format!("Bearer {}", provider.token().await?.expose_secret())
            }
            Self::ApiKey(key) => format!("Api-Key {}", key.expose_secret()),
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            AuthError::Refused(
                "the credential holds characters an HTTP header cannot carry (e.g. a newline); check the token or key"
                    .into(),
            )
        })?;
        value.set_sensitive(true);
        Ok((AUTHORIZATION, value))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Credential::Bearer(<redacted>)"),
            Self::BearerProvider(_) => f.write_str("Credential::Bearer(<provider>)"),
            Self::ApiKey(_) => f.write_str("Credential::ApiKey(<redacted>)"),
        }
    }
}
