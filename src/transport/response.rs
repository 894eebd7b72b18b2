//! What the crate reads of a response, and how much: API bodies capped at
//! [`RESPONSE_BODY_LIMIT`], error bodies kept to [`RAW_BODY_LIMIT`], and what the headers say
//! about an error (the vendor's request id, how long to wait before trying again).

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The most of an API response body the generated clients read. The APIs answer with small
/// JSON documents; a larger body (a misbehaving proxy, a wrong endpoint) fails the request with
/// [`Error::InvalidResponse`](crate::Error::InvalidResponse) after this much instead of being read whole into memory.
pub const RESPONSE_BODY_LIMIT: usize = 1024 * 1024;

/// How much of an unparsed error body an error keeps.
pub const RAW_BODY_LIMIT: usize = 2048;

/// Headers that carry a vendor's request id, in the order they are looked for.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-ms-request-id",
    "apim-request-id",
    "x-request-id",
    "x-amz-request-id",
    "x-goog-request-id",
];

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

/// The vendor's request id, from the first of [`REQUEST_ID_HEADERS`] present.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_owned))
}

/// At most [`RAW_BODY_LIMIT`] bytes of `bytes`, as text.
pub(crate) fn truncate(bytes: &[u8]) -> String {
    let end = bytes.len().min(RAW_BODY_LIMIT);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Reads at most [`RAW_BODY_LIMIT`] bytes of a body, never the whole of a large one.
pub(crate) async fn read_capped(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < RAW_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    truncate(&body)
}

/// The wait a response asks for: `retry-after-ms`, `x-ms-retry-after-ms`, then `Retry-After`
/// in seconds or as an HTTP-date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = header(name).and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    v.parse().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250"), ("retry-after", "9")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[("x-ms-retry-after-ms", "1500")])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        let in_two = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3));
        let wait = retry_after(&headers(&[("retry-after", &in_two)])).unwrap();
        assert!(
            wait <= Duration::from_secs(3) && wait >= Duration::from_secs(1),
            "{wait:?}"
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }
}
