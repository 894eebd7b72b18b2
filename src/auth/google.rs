//! Google service-account credentials for RBM: the key's JWT is exchanged for an access token
//! at the key's own `token_uri` (OAuth 2.0 JWT bearer grant, RFC 7523), cached, and exchanged
//! again five minutes before it expires ([`TokenCache`]).
//!
//! Why this grant and not `google-cloud-auth` (which the `google-adc` feature's `google_adc` uses for every other
//! source): for a service-account key that crate signs a JWT and sends it as the token itself,
//! never asking the key's `token_uri`. RBM's own samples exchange the key for an OAuth token,
//! a key's `token_uri` is honoured here (private endpoints, tests against a local one), and a
//! refused exchange is tried again on the next upload instead of leaving the credential dead.

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::Error;
use crate::auth::token_cache::{Fetched, TokenCache};
use crate::auth::{AuthError, TokenFuture, TokenProvider};

/// The OAuth scope RBM requires.
pub const RBM_SCOPE: &str = "https://www.googleapis.com/auth/rcsbusinessmessaging";

/// The lifetime asked for in the JWT (Google's maximum).
const ASSERTION_LIFETIME: u64 = 3600;

/// The parts of a service-account JSON key this crate uses.
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    /// The service account's e-mail, the JWT's issuer.
    pub client_email: String,
    /// The PEM private key that signs the JWT.
    pub private_key: SecretString,
    /// The key id, sent as the JWT's `kid`.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// Where the JWT is exchanged for an access token.
    pub token_uri: String,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key", &"<redacted>")
            .field("token_uri", &self.token_uri)
            .finish()
    }
}

impl ServiceAccountKey {
    /// Parses a key from its JSON text.
    ///
    /// ```
    /// let err = upload_clients::auth::google::ServiceAccountKey::from_json("{}").unwrap_err();
    /// assert!(err.to_string().contains("service-account key"));
    /// ```
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let key: Self = serde_json::from_str(json)
            .map_err(|e| Error::InvalidInput(format!("not a service-account key: {e}")))?;
        let uri = url::Url::parse(&key.token_uri)
            .map_err(|e| Error::InvalidInput(format!("the key's token_uri is not a URL: {e}")))?;
        if uri.scheme() != "https"
            && !(uri.scheme() == "http" && crate::transport::checks::is_loopback(&uri))
        {
            return Err(Error::InvalidInput(
                "the key's token_uri must be https:// (http:// only on loopback)".into(),
            ));
        }
        Ok(key)
    }

    /// Reads a key file (e.g. the one `GOOGLE_APPLICATION_CREDENTIALS` names).
    pub async fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = tokio::fs::read_to_string(path).await.map_err(|e| {
            Error::InvalidInput(format!("{}: cannot read the key: {e}", path.display()))
        })?;
        Self::from_json(&text).map_err(|e| match e {
            Error::InvalidInput(m) => Error::InvalidInput(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct TokenError {
    error: Option<String>,
    error_description: Option<String>,
}

/// A [`TokenProvider`] for a service account: exchanges, caches and refreshes tokens.
///
/// ```no_run
/// use upload_clients::auth::Credential;
/// use upload_clients::auth::google::{GoogleServiceAccount, RBM_SCOPE, ServiceAccountKey};
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let key = ServiceAccountKey::from_file("rbm-agent-key.json").await?;
/// let credential = Credential::provider(GoogleServiceAccount::new(key, RBM_SCOPE)?);
/// let rbm = upload_clients::RbmClient::new(credential)?;
/// # let _ = rbm; Ok(()) }
/// ```
pub struct GoogleServiceAccount {
    key: ServiceAccountKey,
    signer: jsonwebtoken::EncodingKey,
    scope: String,
    http: reqwest::Client,
    cache: TokenCache,
}

impl fmt::Debug for GoogleServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleServiceAccount")
            .field("client_email", &self.key.client_email)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl GoogleServiceAccount {
    /// A provider for `key` asking for `scope` (e.g. [`RBM_SCOPE`]).
    pub fn new(key: ServiceAccountKey, scope: &str) -> Result<Self, Error> {
        let signer =
            jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.expose_secret().as_bytes())
                .map_err(|_| {
                    Error::InvalidInput(
                        "the service-account key's private_key is not an RSA PEM key".into(),
                    )
                })?;
        Ok(Self {
            key,
            signer,
            scope: scope.to_string(),
            http: crate::transport::default_client()?,
            cache: TokenCache::default(),
        })
    }

    async fn fetch(&self) -> Result<Fetched, AuthError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = Claims {
            iss: &self.key.client_email,
            scope: &self.scope,
            aud: &self.key.token_uri,
            iat: now,
            exp: now + ASSERTION_LIFETIME,
        };
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = self.key.private_key_id.clone();
        let assertion = jsonwebtoken::encode(&header, &claims, &self.signer)
            .map_err(|e| AuthError::Refused(format!("cannot sign the service-account JWT: {e}")))?;
        let response = self
            .http
            .post(&self.key.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &assertion),
            ])
            .send()
            .await
            .map_err(|source| AuthError::Unreachable {
                url: self.key.token_uri.clone(),
                source: source.without_url(),
            })?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| AuthError::Refused(format!("cannot read the token response: {e}")))?;
        if !status.is_success() {
            let error: TokenError = serde_json::from_slice(&body).unwrap_or_default();
            return Err(AuthError::Refused(format!(
                "the token endpoint refused the service account {} with HTTP {}: {}; check the key and that it is enabled",
                self.key.client_email,
                status.as_u16(),
                error
                    .error_description
                    .or(error.error)
                    .unwrap_or_else(|| "no reason given".into())
            )));
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            AuthError::Refused(format!("the token endpoint sent no access_token: {e}"))
        })?;
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(ASSERTION_LIFETIME));
        tracing::debug!(client = %self.key.client_email, ?lifetime, "exchanged a service-account token");
        Ok(Fetched {
            token: token.access_token,
            lifetime,
        })
    }
}

impl TokenProvider for GoogleServiceAccount {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.cache.get(|| self.fetch()))
    }
}
