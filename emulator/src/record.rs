//! What the emulator remembers of each request, for tests to inspect: never a credential,
//! never a body, only their shape (lengths, SHA-256, part names and file names as sent).

use std::sync::Mutex;

use serde::Serialize;

/// One request as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// The route it matched (`rbm.uploadFile`, `storage.post`, …), if any.
    pub route: Option<String>,
    /// The method.
    pub method: String,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The query string as sent, if any, with the values of credential parameters
    /// (`access_token`, `key`, `sig`, `X-Amz-Signature`, …) replaced by `<redacted>`.
    pub query: Option<String>,
    /// The headers in the order sent; `authorization` and other credentials keep only their
    /// scheme (`Bearer <redacted>`). Values that are not UTF-8 are shown lossily.
    pub headers: Vec<(String, String)>,
    /// How many body bytes were read.
    pub body_bytes: u64,
    /// The SHA-256 of those bytes, in lower-case hex.
    pub body_sha256: String,
    /// The parts of a `multipart/form-data` body, in order.
    pub parts: Vec<RecordedPart>,
    /// The status answered (0 when the connection was dropped instead).
    pub status: u16,
    /// The fault this request got, in the text form `--fault` takes (`reset-after`,
    /// `503,retry-after=1`, `stall`, …): one set with [`Emulator::fail_next`](super::Emulator::fail_next)
    /// or `--fault`, or one chaos mode drew. `None` for none (a rate limit's refusal is not a
    /// fault: it is a 429, or storage's 503, with no fault).
    pub fault: Option<String>,
    /// What the request created at the service, when it created something: the id of the
    /// stored upload (`files/…`, `assistant-…`, an ACS image id, a MaiAgent attachment id, or
    /// `s3/{bucket}/{key}` for storage), readable with
    /// [`Emulator::object`](super::Emulator::object); for RBM's `createFile` (a `fileUrl`) the
    /// file's name, and for a MaiAgent registration the attachment's id. Set also when a
    /// `reset-after` fault then dropped the answer.
    pub created: Option<String>,
}

impl RecordedRequest {
    /// Whether the service kept what this request created but its answer was lost (a
    /// `reset-after` fault): the one outcome a client cannot tell from a failure. Count these,
    /// with the successes, to know what the service holds:
    ///
    /// ```no_run
    /// # fn count(emu: &upload_clients_emulator::Emulator) {
    /// let requests = emu.requests();
    /// let stored = requests.iter().filter(|r| r.created.is_some()).count();
    /// let unanswered = requests.iter().filter(|r| r.answer_lost()).count();
    /// # }
    /// ```
    pub fn answer_lost(&self) -> bool {
        self.status == 0 && self.created.is_some()
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedPart {
    /// The part's `name`.
    pub name: String,
    /// Its `filename` exactly as the part header carried it (no decoding), if any.
    pub filename: Option<String>,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Its length in bytes (of what was read: storage ignores parts after the file).
    pub bytes: u64,
}

/// Headers whose values are credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "cookie",
    "ocp-apim-subscription-key",
    "x-amz-security-token",
];

/// `headers` as recorded: credentials replaced by their scheme and `<redacted>`.
pub(crate) fn recorded_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let shown = match name.as_str() {
                "authorization" | "proxy-authorization" => match text.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} <redacted>"),
                    None => "<redacted>".to_owned(),
                },
                secret if SECRET_HEADERS.contains(&secret) => "<redacted>".to_owned(),
                _ => text,
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

/// `query` as recorded: the value of every parameter that carries a credential
/// ([`is_secret_query_param`](upload_clients::transport::is_secret_query_param)) replaced by `<redacted>`.
pub(crate) fn recorded_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            if pair.contains('=') && upload_clients::transport::is_secret_query_param(&decoded) {
                format!("{name}=<redacted>")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Every request so far.
#[derive(Debug, Default)]
pub(crate) struct Records(Mutex<Vec<RecordedRequest>>);

impl Records {
    pub(crate) fn push(&self, request: RecordedRequest) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request);
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_keep_only_their_scheme() {
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", "Api-Key s3cr3t-key".parse().unwrap());
        headers.insert("x-api-key", "s3cr3t".parse().unwrap());
        headers.insert("content-type", "image/png".parse().unwrap());
        headers.insert("cookie", "session=s3cr3t; theme=dark".parse().unwrap());
        let shown = format!("{:?}", recorded_headers(&headers));
        assert!(shown.contains("Api-Key <redacted>"), "{shown}");
        assert!(shown.contains("(\"cookie\", \"<redacted>\")"), "{shown}");
        assert!(shown.contains("image/png"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn credential_query_parameters_are_redacted() {
        assert_eq!(
            recorded_query(
                "agentId=a&access_token=s3cr3t&X-Amz-Signature=abc&filename=%E7%8C%AB.png"
            ),
            "agentId=a&access_token=<redacted>&X-Amz-Signature=<redacted>&filename=%E7%8C%AB.png"
        );
    }
}
