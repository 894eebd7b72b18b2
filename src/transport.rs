//! The `reqwest` client that generated clients are built on, with timeouts that suit large
//! uploads (progenitor's own `Client::new` stops any request after 15 s). Credentials are not
//! set here but per request by [`crate::hooks`], so storage hosts never receive them.

use std::time::Duration;

use crate::Error;

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

/// The client the facades use when the caller gives none: [`client_builder`] with rustls.
pub(crate) fn default_client() -> Result<reqwest::Client, Error> {
    client_builder().build().map_err(Error::from_reqwest)
}
