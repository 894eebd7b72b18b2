//! The `reqwest` client that generated clients are built on: timeouts that suit large uploads
//! (progenitor's own `Client::new` stops any request after 15 s) and credentials sent as a
//! sensitive default header, since progenitor ignores a spec's security schemes.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// How long to wait for a TCP/TLS connection before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A client builder with this crate's defaults: a connect timeout, no whole-request timeout (a
/// large upload may take hours), TCP keep-alive, and this crate's `User-Agent`.
///
/// ```
/// let http = upload_clients::transport::client_builder().build()?;
/// # let _ = http; Ok::<(), reqwest::Error>(())
/// ```
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_keepalive(Duration::from_secs(30))
        .user_agent(USER_AGENT)
}

/// A client that sends `name: value` (for example `Authorization: Bearer …` or
/// `Authorization: Api-Key …`) with every request. The value is marked sensitive, so it is left
/// out of `Debug` output of requests and headers.
///
/// ```
/// let http = upload_clients::transport::client_with_auth("Authorization", "Api-Key secret")?;
/// # let _ = http; Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client_with_auth(name: &str, value: &str) -> Result<reqwest::Client, AuthHeaderError> {
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| AuthHeaderError::Name)?;
    let mut value = HeaderValue::from_str(value).map_err(|_| AuthHeaderError::Value)?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    client_builder()
        .default_headers(headers)
        .build()
        .map_err(AuthHeaderError::Client)
}

/// Why [`client_with_auth`] could not build a client. The credential itself is never part of
/// the message.
#[derive(Debug, thiserror::Error)]
pub enum AuthHeaderError {
    /// The header name is not a valid HTTP header name.
    #[error("the credential header name is not a valid HTTP header name")]
    Name,
    /// The credential holds characters an HTTP header cannot carry (such as a newline).
    #[error(
        "the credential holds characters an HTTP header cannot carry (e.g. a newline); check the token or key"
    )]
    Value,
    /// reqwest could not build the client (TLS setup).
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}
