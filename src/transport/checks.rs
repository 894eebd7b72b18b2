//! The checks every facade makes on what a caller gives before anything is sent: endpoints
//! (`https://`, or `http://` on loopback only), ids that go into paths and queries, and URLs a
//! service is asked to fetch.

use url::Url;

use crate::Error;
use crate::transport::redact::{shown_url, shown_url_text};

/// Parses an API endpoint: an absolute `https://` URL, or `http://` on a loopback host only
/// (`localhost`, `127.0.0.0/8`, `[::1]`), so credentials never cross a network in clear text.
/// The result has no trailing slash, ready to be a generated client's base URL.
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

#[cfg(test)]
mod doc_examples {
    /// What the doc of `parse_endpoint` says, run.
    #[test]
    fn parse_endpoint_does_what_its_doc_says() {
        use super::parse_endpoint;
        assert_eq!(
            parse_endpoint("https://example.com/api/").unwrap(),
            "https://example.com/api"
        );
        assert!(parse_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(parse_endpoint("http://example.com").is_err());
        assert!(parse_endpoint("not a url").is_err());
    }

    /// What the doc of `check_public_url` says, run.
    #[test]
    fn check_public_url_does_what_its_doc_says() {
        use super::check_public_url;
        assert!(check_public_url("fileUrl", "https://example.com/cat.jpg").is_ok());
        assert!(check_public_url("fileUrl", "ftp://example.com/cat.jpg").is_err());
        // An error never shows a query's values: a signed URL carries its signature there.
        for bad in [
            "ftp://example.com/t.png?sig=s3cr3t",
            "https://[::1/t.png?sig=s3cr3t",
        ] {
            let message = check_public_url("thumbnailUrl", bad)
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("thumbnailUrl") && !message.contains("s3cr3t"),
                "{message}"
            );
        }
    }
}
