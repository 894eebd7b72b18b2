//! The `reqwest` client that generated clients are built on, with timeouts that suit large
//! uploads (progenitor's own `Client::new` stops any request after 15 s). Credentials are not
//! set here but per request by [`crate::hooks`], so storage hosts never receive them.

use std::sync::OnceLock;
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

/// The client the facades use when the caller gives none: [`client_builder`] with rustls,
/// built once per process on first use and shared (clones share one connection pool).
///
/// Building a client loads the platform's root certificates (on Linux every file in
/// `/etc/ssl/certs`, several milliseconds of CPU), so a process that makes several clients,
/// or a facade then given its own client, pays for that once. The environment
/// (`SSL_CERT_FILE`, `HTTPS_PROXY`, …) is read when it is built; a build that fails is not
/// kept, so the next call tries again and reports its own error.
///
/// ```
/// let a = upload_clients::transport::shared_client()?;
/// let b = upload_clients::transport::shared_client()?; // the same pool, no second build
/// # let _ = (a, b); Ok::<(), upload_clients::Error>(())
/// ```
pub fn shared_client() -> Result<reqwest::Client, Error> {
    static SHARED: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = SHARED.get() {
        return Ok(client.clone());
    }
    let built = client_builder().build().map_err(Error::from_reqwest)?;
    // Two first callers may both build; the first stored wins and the other is dropped.
    Ok(SHARED.get_or_init(|| built).clone())
}
