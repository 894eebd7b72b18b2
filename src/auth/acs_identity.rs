//! ACS user access tokens issued from a Communication Services connection string, so a service
//! can upload chat images as its own ACS identity without another SDK: the identity API's
//! "create identity with token" and `:issueAccessToken`, each request signed with the
//! resource's access key (HMAC-SHA256), as Microsoft's identity SDKs do.
//!
//! Scopes: the provider asks for the scopes it is given; [`AcsIdentityTokens::chat`] asks for
//! `chat` only, which is what uploading a chat image needs. Tokens live 24 hours and are
//! replaced five minutes before they expire ([`crate::auth::token_cache`]).

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use url::Url;

use crate::Error;
use crate::auth::token_cache::{Fetched, TokenCache};
use crate::auth::{AuthError, TokenFuture, TokenProvider};

/// The identity API version the requests use.
pub const IDENTITY_API_VERSION: &str = "2023-10-01";

/// Issues and refreshes ACS user access tokens for one identity of a Communication Services
/// resource. The identity is created on first use unless one is given
/// ([`AcsIdentityTokens::for_identity`]).
///
/// ```
/// use upload_clients::auth::acs_identity::AcsIdentityTokens;
/// use upload_clients::auth::Credential;
///
/// let tokens = AcsIdentityTokens::chat(
///     "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0LWtleQ==",
/// )?;
/// assert!(!format!("{tokens:?}").contains("c2VjcmV0"));
/// let credential = Credential::provider(tokens);
/// # Ok::<(), upload_clients::Error>(())
/// ```
pub struct AcsIdentityTokens {
    endpoint: Url,
    key: SecretBox<Vec<u8>>,
    scopes: Vec<String>,
    identity: Mutex<Option<String>>,
    cache: TokenCache,
    http: reqwest::Client,
}

impl std::fmt::Debug for AcsIdentityTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcsIdentityTokens")
            .field("endpoint", &self.endpoint.as_str())
            .field("scopes", &self.scopes)
            .field("key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenBody {
    token: SecretString,
    #[serde(rename = "expiresOn")]
    expires_on: String,
}

#[derive(Deserialize)]
struct IdentityBody {
    id: String,
}

#[derive(Deserialize)]
struct CreatedBody {
    identity: IdentityBody,
    #[serde(rename = "accessToken")]
    access_token: TokenBody,
}

impl AcsIdentityTokens {
    /// Tokens with the scope `chat`, from a connection string
    /// (`endpoint=https://…;accesskey=…`, as the Azure portal shows it).
    pub fn chat(connection_string: &str) -> Result<Self, Error> {
        Self::from_connection_string(connection_string, &["chat"])
    }

    /// Tokens with `scopes` (`chat`, `voip`, `chat.join`, `chat.join.limited`, `voip.join`).
    pub fn from_connection_string(connection_string: &str, scopes: &[&str]) -> Result<Self, Error> {
        let (mut endpoint, mut key) = (None, None);
        for part in connection_string
            .split(';')
            .filter(|p| !p.trim().is_empty())
        {
            // Split at the first `=` only: the key's base64 ends in `=`.
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => endpoint = Some(value.trim().to_owned()),
                "accesskey" => key = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        let bad = |what: &str| {
            Error::InvalidInput(format!(
                "the ACS connection string has {what}; copy it from the resource's Keys page (endpoint=https://…;accesskey=…)"
            ))
        };
        let endpoint = endpoint.ok_or_else(|| bad("no endpoint"))?;
        let endpoint = crate::transport::checks::parse_endpoint(&endpoint)?;
        let endpoint = Url::parse(&format!("{}/", endpoint.trim_end_matches('/')))
            .map_err(|_| bad("an endpoint that is not a URL"))?;
        let key = key.ok_or_else(|| bad("no accesskey"))?;
        let key = BASE64
            .decode(key.as_bytes())
            .map_err(|_| bad("an accesskey that is not base64"))?;
        if scopes.is_empty() {
            return Err(Error::InvalidInput(
                "give at least one ACS token scope (e.g. chat)".into(),
            ));
        }
        Ok(Self {
            endpoint,
            key: SecretBox::new(Box::new(key)),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            identity: Mutex::new(None),
            cache: TokenCache::default(),
            http: crate::transport::default_client()?,
        })
    }

    /// Issue tokens for this existing identity (`8:acs:…`) instead of creating one.
    pub fn for_identity(self, id: impl Into<String>) -> Self {
        Self {
            identity: Mutex::new(Some(id.into())),
            ..self
        }
    }

    /// The identity tokens are issued for, once there is one.
    pub async fn identity(&self) -> Option<String> {
        self.identity.lock().await.clone()
    }

    /// A new token: for the identity, or with a new identity on first use.
    async fn issue(&self) -> Result<Fetched, AuthError> {
        let mut identity = self.identity.lock().await;
        let (token, id) = match identity.as_deref() {
            Some(id) => {
                let path = format!("identities/{}/:issueAccessToken", urlencode(id));
                let body = serde_json::json!({ "scopes": self.scopes });
                let token: TokenBody = self.post(&path, &body, 200).await?;
                (token, id.to_owned())
            }
            None => {
                let body = serde_json::json!({ "createTokenWithScopes": self.scopes });
                let created: CreatedBody = self.post("identities", &body, 201).await?;
                (created.access_token, created.identity.id)
            }
        };
        *identity = Some(id);
        let expires = chrono::DateTime::parse_from_rfc3339(&token.expires_on).map_err(|_| {
            AuthError::Refused(format!(
                "the ACS identity API sent an expiresOn that is not a date: {:?}",
                token.expires_on
            ))
        })?;
        let lifetime = (expires.to_utc() - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        Ok(Fetched {
            token: token.token,
            lifetime,
        })
    }

    /// POSTs `body` to `path` of the identity API, signed, expecting `status`.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        status: u16,
    ) -> Result<T, AuthError> {
        let mut url = self
            .endpoint
            .join(path)
            .map_err(|e| AuthError::Refused(format!("cannot build the identity API URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("api-version", IDENTITY_API_VERSION);
        let body = body.to_string();
        let headers = sign(
            &url,
            "POST",
            body.as_bytes(),
            self.key.expose_secret(),
            SystemTime::now(),
        );
        let mut request = self
            .http
            .post(url.clone())
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let shown = crate::transport::redact::shown_url(&url);
        let response =
            request
                .body(body)
                .send()
                .await
                .map_err(|source| AuthError::Unreachable {
                    url: shown.clone(),
                    source: source.without_url(),
                })?;
        let got = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        if got != status {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "no reason given".into());
            return Err(AuthError::Refused(format!(
                "the ACS identity API {shown} answered HTTP {got}: {message}; check the connection string's key and endpoint"
            )));
        }
        serde_json::from_str(&text).map_err(|e| {
            AuthError::Refused(format!(
                "the ACS identity API sent an unexpected answer: {e}"
            ))
        })
    }
}

impl TokenProvider for AcsIdentityTokens {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.cache.get(|| self.issue()))
    }
}

/// `id` as one path segment.
fn urlencode(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// The headers that sign a request to an ACS resource with its access key: `x-ms-date`,
/// `x-ms-content-sha256` and `Authorization: HMAC-SHA256 SignedHeaders=…&Signature=…` over
/// `VERB\npath?query\ndate;host;content-hash`.
pub fn sign(
    url: &Url,
    method: &str,
    body: &[u8],
    key: &[u8],
    now: SystemTime,
) -> Vec<(&'static str, String)> {
    let date = httpdate::fmt_http_date(now);
    let content = BASE64.encode(Sha256::digest(body));
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => String::new(),
    };
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let to_sign = format!("{method}\n{path_and_query}\n{date};{host};{content}");
    let signature = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(to_sign.as_bytes());
            BASE64.encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this arm is never taken.
        Err(_) => String::new(),
    };
    vec![
        ("x-ms-date", date),
        ("x-ms-content-sha256", content),
        (
            "authorization",
            format!(
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The known answers of Microsoft's own HMAC tests (azure-sdk-for-python's
    /// `communication` `test_hmac.py`): key `pw==`, a GET with an empty body.
    #[test]
    fn signs_as_microsofts_sdks_do() {
        let key = BASE64.decode("pw==").expect("key");
        let now = httpdate::parse_http_date("Wed, 13 Apr 2022 18:09:12 GMT").expect("date");
        for (path, expected) in [
            ("/", "88MDmJhUR3m5QhFxb8ztShsSwlGrg7g/6XPnWf7QEO4="),
            ("/testPath", "RoCrHjw7fb9fpHSbqvRUY2xa8RBS0YvI1cxI1x8AS38="),
            (
                "/testPath?testQuery=yes",
                "il99+rd6V5O136roX/zVePCNle78HmvC4B7tu9zRH3I=",
            ),
        ] {
            let url = Url::parse(&format!(
                "https://contoso.communicationservices.azure.com{path}"
            ))
            .expect("url");
            let headers = sign(&url, "GET", b"", &key, now);
            assert_eq!(headers[1].1, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
            assert!(
                headers[2].1.ends_with(&format!("Signature={expected}")),
                "{path}: {headers:?}"
            );
        }
    }

    #[test]
    fn refuses_bad_connection_strings_without_showing_the_key() {
        for bad in [
            "accesskey=c2VjcmV0",
            "endpoint=https://c.communication.azure.com/",
            "endpoint=https://c.communication.azure.com/;accesskey=not base64!",
            "endpoint=ftp://c/;accesskey=c2VjcmV0",
        ] {
            let error = AcsIdentityTokens::chat(bad).expect_err(bad).to_string();
            assert!(!error.contains("c2VjcmV0"), "{error}");
        }
    }
}
