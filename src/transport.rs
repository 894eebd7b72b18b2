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
/// Its TLS settings are reqwest's own, except that the platform's root certificates (on Linux
/// every file in `/etc/ssl/certs`, several milliseconds of CPU) are loaded at its first HTTPS
/// handshake, once, not when it is built. The proxy settings (`HTTPS_PROXY`, …) are read when
/// it is built, `SSL_CERT_FILE` / `SSL_CERT_DIR` at the first handshake; a build that fails is
/// not kept, so the next call tries again and reports its own error. To change any setting,
/// build your own from [`client_builder`] and give it to a facade's `with_http_client`.
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
    let builder = match crate::lazy_roots::tls_config() {
        Ok(tls) => client_builder().tls_backend_preconfigured(tls),
        // A provider that cannot speak TLS 1.2 or 1.3: reqwest's own set-up reports it.
        Err(_) => client_builder(),
    };
    let built = builder.build().map_err(Error::from_reqwest)?;
    // Two first callers may both build; the first stored wins and the other is dropped.
    Ok(SHARED.get_or_init(|| built).clone())
}
