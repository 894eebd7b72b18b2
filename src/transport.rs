//! The `reqwest` client that generated clients are built on, with timeouts that suit large
//! uploads (progenitor's own `Client::new` stops any request after 15 s), and the checks every
//! facade makes on endpoints, ids and URLs before sending anything. Credentials are not set
//! here but per request by [`crate::hooks`], so storage hosts never receive them.

use std::time::Duration;

use url::Url;

use crate::Error;

/// How long to wait for a TCP/TLS connection before giving up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most of an API response body the generated clients read. The APIs answer with small
/// JSON documents; a larger body (a misbehaving proxy, a wrong endpoint) fails the request with
/// [`Error::InvalidResponse`] after this much instead of being read whole into memory.
pub const RESPONSE_BODY_LIMIT: usize = 1024 * 1024;

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

/// Parses an API endpoint: an absolute `https://` URL, or `http://` on a loopback host only
/// (`localhost`, `127.0.0.0/8`, `[::1]`), so credentials never cross a network in clear text.
/// The result has no trailing slash, ready to be a generated client's base URL.
///
/// ```
/// use upload_clients::transport::parse_endpoint;
/// assert_eq!(parse_endpoint("https://example.com/api/").unwrap(), "https://example.com/api");
/// assert!(parse_endpoint("http://127.0.0.1:8080").is_ok());
/// assert!(parse_endpoint("http://example.com").is_err());
/// assert!(parse_endpoint("not a url").is_err());
/// ```
pub fn parse_endpoint(endpoint: &str) -> Result<String, Error> {
    let url = Url::parse(endpoint.trim()).map_err(|e| {
        Error::InvalidInput(format!("endpoint {endpoint:?} is not a valid URL: {e}"))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::InvalidInput(format!(
                "endpoint {endpoint:?} uses http:// on a non-loopback host; use https://"
            )));
        }
        other => {
            return Err(Error::InvalidInput(format!(
                "endpoint {endpoint:?} has scheme {other:?}; use https://"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidInput(format!(
            "endpoint {endpoint:?} has no host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidInput(format!(
            "endpoint {endpoint:?} must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// True for `localhost`, `127.0.0.0/8` and `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks an id that goes into a path or query (thread, agent, conversation, file ids): not
/// empty, no whitespace or control characters, at most 1024 bytes.
///
/// ```
/// use upload_clients::transport::check_id;
/// assert!(check_id("thread id", "19:abc-def@thread.v2").is_ok());
/// assert!(check_id("thread id", "").is_err());
/// assert!(check_id("agent id", "a b").is_err());
/// ```
pub fn check_id(what: &str, id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::InvalidInput(format!("the {what} is empty")));
    }
    if id.len() > 1024 {
        return Err(Error::InvalidInput(format!(
            "the {what} is longer than 1024 bytes"
        )));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidInput(format!(
            "the {what} {id:?} holds whitespace or control characters"
        )));
    }
    Ok(())
}

/// Checks a URL given to a service to fetch (RBM `fileUrl`, `thumbnailUrl`): absolute
/// `http(s)://` with a host.
///
/// ```
/// use upload_clients::transport::check_public_url;
/// assert!(check_public_url("fileUrl", "https://example.com/cat.jpg").is_ok());
/// assert!(check_public_url("fileUrl", "ftp://example.com/cat.jpg").is_err());
/// // An error never shows a query's values: a signed URL carries its signature there.
/// for bad in ["ftp://example.com/t.png?sig=s3cr3t", "https://[::1/t.png?sig=s3cr3t"] {
///     let message = check_public_url("thumbnailUrl", bad).unwrap_err().to_string();
///     assert!(message.contains("thumbnailUrl") && !message.contains("s3cr3t"), "{message}");
/// }
/// ```
pub fn check_public_url(what: &str, value: &str) -> Result<Url, Error> {
    let url = Url::parse(value).map_err(|e| {
        Error::InvalidInput(format!(
            "{what} {:?} is not a valid URL: {e}",
            shown_url_text(value)
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidInput(format!(
            "{what} {:?} must be an http:// or https:// URL",
            shown_url(&url)
        )));
    }
    Ok(url)
}

/// Query parameters whose values [`shown_url`] keeps: API versions and ids, never secrets.
const SHOWN_QUERY_KEYS: &[&str] = &["api-version", "agentId"];

/// `url` as logs and errors show it: without user name or password, without fragment, and with
/// the value of every query parameter except `api-version` and `agentId` replaced by `…`. A
/// signed URL (a presigned storage URL, a `thumbnailUrl` with a signature) carries its secret
/// in the query.
///
/// ```
/// use url::Url;
/// use upload_clients::transport::shown_url;
///
/// let url = Url::parse("https://u:pw@rbm.example/upload/v1/files?agentId=a1&thumbnailUrl=https%3A%2F%2Fcdn%2Ft.png%3FX-Amz-Signature%3Ds3cr3t#f").unwrap();
/// assert_eq!(shown_url(&url), "https://rbm.example/upload/v1/files?agentId=a1&thumbnailUrl=…");
/// ```
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    shown.set_query(None);
    let mut text = shown.to_string();
    let mut separator = '?';
    for (key, value) in url.query_pairs() {
        text.push(separator);
        separator = '&';
        let key: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
        text.push_str(&key);
        text.push('=');
        if SHOWN_QUERY_KEYS.contains(&key.as_str()) {
            text.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        } else {
            text.push('…');
        }
    }
    text
}

/// [`shown_url`] of a URL given as text; text that does not parse is shown up to its query or
/// fragment, where a signed URL carries its signature.
pub(crate) fn shown_url_text(text: &str) -> String {
    Url::parse(text).map_or_else(
        |_| {
            text.split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_string()
        },
        |url| shown_url(&url),
    )
}

/// The client the facades use when the caller gives none: [`client_builder`] with rustls.
pub(crate) fn default_client() -> Result<reqwest::Client, Error> {
    client_builder().build().map_err(Error::from_reqwest)
}

/// `response` with its body limited to [`RESPONSE_BODY_LIMIT`] bytes: reading past it fails.
pub(crate) fn cap_response(response: reqwest::Response) -> reqwest::Response {
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let body = http_body_util::Limited::new(body, RESPONSE_BODY_LIMIT);
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
}

/// True when `error` comes from reading past [`RESPONSE_BODY_LIMIT`].
pub(crate) fn is_over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        next = error.source();
    }
    false
}
