//! The `reqwest` client that generated clients are built on, with timeouts that suit large
//! uploads (progenitor's own `Client::new` stops any request after 15 s). Credentials are not
//! set here but per request by [`crate::auth::hooks`], so storage hosts never receive them.

pub(crate) mod checks;
pub(crate) mod lazy_roots;
pub(crate) mod redact;
pub(crate) mod response;

pub use checks::check_id;
pub use redact::is_secret_query_param;
pub use response::RESPONSE_BODY_LIMIT;

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
///
/// Each call builds a new client (its own connection pool, so no connection is ever shared
/// between Tokio runtimes), but all of them share one set of TLS settings per process:
/// reqwest's own, except that the platform's root certificates (on Linux every file in
/// `/etc/ssl/certs`, several milliseconds of CPU) are loaded once, at the first HTTPS
/// handshake of the process, not at every build. So building one is
/// cheap, and a process that never speaks HTTPS never loads them. Proxy settings
/// (`HTTPS_PROXY`, …) are read at each build, `SSL_CERT_FILE` / `SSL_CERT_DIR` at the first
/// handshake. To change any setting, build your own from [`client_builder`] and give it to a
/// facade's `with_http_client`.
///
/// ```
/// let http = upload_clients::transport::default_client()?;
/// # let _ = http; Ok::<(), upload_clients::Error>(())
/// ```
pub fn default_client() -> Result<reqwest::Client, Error> {
    let builder = match lazy_roots::tls_config() {
        Ok(tls) => client_builder().tls_backend_preconfigured(tls),
        // A provider that cannot speak TLS 1.2 or 1.3: reqwest's own set-up reports it.
        Err(_) => client_builder(),
    };
    builder.build().map_err(Error::from_reqwest)
}
