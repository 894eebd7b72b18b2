//! Google Application Default Credentials for RBM through Google's own `google-cloud-auth`
//! crate (feature `google-adc`): gcloud user credentials
//! (`gcloud auth application-default login`), impersonation, workload identity federation and
//! the metadata server on Google Cloud, with the RBM scope.
//!
//! A service-account key file is the one source the crate is not used for: it signs a JWT
//! and sends it as the token itself, never asking the key's `token_uri`, while RBM's own
//! samples exchange the key for an OAuth token there. [`google_credential`] sends key files to
//! this crate's grant ([`GoogleServiceAccount`]), which does that exchange, honours a key's own
//! `token_uri`, and can be tested against a local endpoint.

use std::path::{Path, PathBuf};

use google_cloud_auth::credentials::{AccessTokenCredentials, Builder};
use secrecy::SecretString;

use crate::Error;
use crate::auth::google::{GoogleServiceAccount, ServiceAccountKey};
use crate::auth::{AuthError, Credential, TokenFuture, TokenProvider};
use crate::error::causes;

/// Tokens from Google's Application Default Credentials. The crate caches them and refreshes
/// them in the background before they expire, one refresh for all callers.
pub struct GoogleAdc {
    credentials: AccessTokenCredentials,
}

impl std::fmt::Debug for GoogleAdc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GoogleAdc(<credentials>)")
    }
}

impl GoogleAdc {
    /// ADC with `scope` (e.g. [`RBM_SCOPE`](crate::auth::google::RBM_SCOPE)). Must be called
    /// inside a Tokio runtime: the credentials refresh on a task of their own.
    pub fn new(scope: &str) -> Result<Self, Error> {
        let credentials = Builder::default()
            .with_scopes([scope])
            .build_access_token_credentials()
            .map_err(|e| {
                Error::InvalidInput(format!(
                    "no usable Google Application Default Credentials: {}; run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, or run on Google Cloud",
                    causes(&e)
                ))
            })?;
        Ok(Self { credentials })
    }

    async fn fetch(&self) -> Result<SecretString, AuthError> {
        match self.credentials.access_token().await {
            Ok(token) => Ok(SecretString::from(token.token)),
            Err(e) if e.is_transient() => Err(AuthError::Unavailable {
                provider: "Google Application Default Credentials".into(),
                message: causes(&e),
            }),
            Err(e) => Err(AuthError::Refused(format!(
                "Google Application Default Credentials gave no token: {}",
                causes(&e)
            ))),
        }
    }
}

impl TokenProvider for GoogleAdc {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Where ADC finds a credentials file: `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's
/// `application_default_credentials.json` (under `CLOUDSDK_CONFIG` or `~/.config/gcloud`), if
/// it exists.
pub fn adc_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").filter(|p| !p.is_empty())
    {
        return Some(PathBuf::from(path));
    }
    let config = match std::env::var_os("CLOUDSDK_CONFIG") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config/gcloud"),
    };
    let file = config.join("application_default_credentials.json");
    file.exists().then_some(file)
}

/// The service-account key in the credentials file at `path`, if that is what it holds (read
/// once, whatever it holds).
async fn service_account_key(path: &Path) -> Result<Option<ServiceAccountKey>, Error> {
    let text = tokio::fs::read_to_string(path).await.map_err(|e| {
        Error::InvalidInput(format!(
            "cannot read the Google credentials file {}: {e}",
            path.display()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        Error::InvalidInput(format!(
            "the Google credentials file {} is not JSON",
            path.display()
        ))
    })?;
    if value["type"] != "service_account" {
        return Ok(None);
    }
    ServiceAccountKey::from_json(&text).map(Some)
}

/// The credential a Google user already has, for `scope`: a service-account key (from
/// `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's ADC file) through this crate's grant, anything
/// else through `google-cloud-auth`'s Application Default Credentials (gcloud user
/// credentials, impersonation, federation, the metadata server).
///
/// ```no_run
/// # async fn run() -> Result<(), upload_clients::Error> {
/// use upload_clients::RbmClient;
/// use upload_clients::auth::google_adc::google_credential;
/// use upload_clients::auth::google::RBM_SCOPE;
///
/// let rbm = RbmClient::new(google_credential(RBM_SCOPE).await?)?;
/// # Ok(()) }
/// ```
pub async fn google_credential(scope: &str) -> Result<Credential, Error> {
    if let Some(path) = adc_file()
        && let Some(key) = service_account_key(&path).await?
    {
        return Ok(Credential::provider(GoogleServiceAccount::new(key, scope)?));
    }
    Ok(Credential::provider(GoogleAdc::new(scope)?))
}
