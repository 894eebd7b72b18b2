//! S3-style presigned POST: send a file to a storage URL as a `multipart/form-data` form holding
//! every field the presigner returned, in its order, and the file last.
//!
//! The storage host gets no credential of any API: the form is sent with a plain client and
//! only the fields authorise it. The file streams from its source with an exact
//! `Content-Length` (S3 refuses chunked POSTs), its MD5 computed as it goes and compared with
//! the `ETag` storage answers (a mismatch is [`Error::Integrity`]). S3's XML errors become
//! [`StorageError`]s.

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::body::multipart::Form;
use crate::body::sent_digest::{SentDigest, etag_md5, is_not_md5_by_encryption};
use crate::error::StorageError;
use crate::transport::redact::{is_secret_field, redact_values};
use crate::transport::response::{read_capped, request_id};
use crate::{Error, UploadSource};

/// A presigned POST: where to send the form and the fields to send with the file.
///
/// ```
/// use upload_clients::maiagent::presigned_post::PresignedPost;
///
/// let post = PresignedPost::new(
///     "https://s3.example.com/bucket",
///     [("key", "uploads/${filename}"), ("policy", "c2VjcmV0"), ("x-amz-signature", "abc")],
/// );
/// let shown = format!("{post:?}");
/// assert!(shown.contains("uploads/${filename}") && !shown.contains("c2VjcmV0"));
/// ```
#[derive(Clone)]
pub struct PresignedPost {
    /// The storage URL to POST to.
    pub url: String,
    /// The form fields, in the order they must be sent.
    pub fields: IndexMap<String, String>,
}

impl PresignedPost {
    /// A presigned POST from its URL and fields (kept in the given order).
    pub fn new<K: Into<String>, V: Into<String>>(
        url: impl Into<String>,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            url: url.into(),
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The storage key the object will have: the `key` field with `${filename}` replaced, as S3
    /// does, by the file part's name as the form sends it
    /// ([`file_name::multipart_value`](crate::body::file_name::multipart_value): `"`, CR and LF
    /// percent-encoded, everything else as it is). Give the name as it is sent, which for an
    /// upload is [`UploadSource::file_name`] (in NFC unless the source keeps its bytes).
    ///
    /// ```
    /// use upload_clients::maiagent::presigned_post::PresignedPost;
    ///
    /// let post = PresignedPost::new("https://s3.example.com/b", [("key", "media/${filename}")]);
    /// assert_eq!(post.key_for("見積書.pdf").as_deref(), Some("media/見積書.pdf"));
    /// assert_eq!(post.key_for("a\"b.pdf").as_deref(), Some("media/a%22b.pdf"));
    /// ```
    pub fn key_for(&self, file_name: &str) -> Option<String> {
        self.fields.get("key").map(|k| {
            k.replace(
                "${filename}",
                &crate::body::file_name::multipart_value(file_name),
            )
        })
    }
}

impl PresignedPost {
    /// The one check of a presigned POST, before anything goes to storage: its URL is an
    /// `http(s)://` URL with a host and it has form fields. The error says which failed; the
    /// caller says whose fault it is (the API's answer, or the caller's input).
    pub fn storage_url(&self) -> Result<url::Url, String> {
        let url = crate::transport::checks::check_public_url("the presigned POST url", &self.url)
            .map_err(|_| {
            format!(
                "the presigned POST url {:?} is not an http:// or https:// URL",
                crate::transport::redact::shown_url_text(&self.url)
            )
        })?;
        if self.fields.is_empty() {
            return Err("the presigned POST has no form fields".into());
        }
        Ok(url)
    }
}

impl fmt::Debug for PresignedPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(k, v)| {
                let secret = is_secret_field(k);
                (k.as_str(), if secret { "<redacted>" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("PresignedPost")
            .field("url", &crate::transport::redact::shown_url_text(&self.url))
            .field("fields", &fields)
            .finish()
    }
}

/// What storage said when it accepted a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The storage key of the object (from the `key` field).
    pub key: Option<String>,
    /// The HTTP status storage answered (200, 201 or 204).
    pub status: u16,
    /// The `Location` header, when storage sent one.
    pub location: Option<String>,
    /// The `ETag` header, when storage sent one.
    pub etag: Option<String>,
    /// The MD5 of the bytes sent (32 lowercase hex digits), computed as they streamed (when
    /// verifying).
    pub md5: Option<String>,
}

/// Refuses an object whose `ETag` states an MD5 other than the one of the bytes sent (S3
/// answers a single-part object's MD5 as its `ETag`). An `ETag` that states no MD5 (none, a
/// multipart `…-N`, SSE-KMS or SSE-C encryption) checks nothing.
fn check_etag(stored: &StoredObject, headers: &reqwest::header::HeaderMap) -> Result<(), Error> {
    let (Some(sent), Some(etag)) = (&stored.md5, &stored.etag) else {
        return Ok(());
    };
    let Some(received) = etag_md5(etag).filter(|_| !is_not_md5_by_encryption(headers)) else {
        return Ok(());
    };
    if received == *sent {
        return Ok(());
    }
    Err(Error::Integrity {
        what: match &stored.key {
            Some(key) => format!("the object storage stored as `{key}`"),
            None => "the object storage stored".into(),
        },
        check: "MD5 (storage's ETag)",
        sent: sent.clone(),
        received,
        next: "the file is sent again under the same key; if this repeats, something between this machine and storage changes the bytes",
    })
}

/// S3's XML error body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct S3Error {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

/// Sends `source` to storage as the presigned form `post`, with `http` (which must carry no
/// API credential). Every field goes first, in order; the file goes last as the `file` field.
///
/// With `verify`, the MD5 of the bytes is computed as they stream and compared with the `ETag`
/// storage answers when that states an MD5 (a plain one: not a multipart `…-N` one, nor one
/// of SSE-KMS or SSE-C): a mismatch is [`Error::Integrity`].
///
/// Fails before sending when the URL is not http(s), when there are no fields, or when the
/// source's length is unknown (storage needs a `Content-Length`).
///
/// ```no_run
/// use upload_clients::maiagent::presigned_post::{PresignedPost, upload};
/// use upload_clients::UploadSource;
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let post = PresignedPost::new("https://bucket.s3.amazonaws.com/", [("key", "a/${filename}")]);
/// let source = UploadSource::from_path("report.pdf").await?;
/// let stored = upload(&reqwest::Client::new(), &post, &source, true).await?;
/// println!("stored as {:?}", stored.key);
/// # Ok(()) }
/// ```
pub async fn upload(
    http: &reqwest::Client,
    post: &PresignedPost,
    source: &UploadSource,
    verify: bool,
) -> Result<StoredObject, Error> {
    let url = post.storage_url().map_err(Error::InvalidInput)?;
    if source.len().is_none() {
        return Err(Error::InvalidInput(
            "a presigned POST needs the file's length (storage refuses chunked uploads); give the stream's length"
                .into(),
        ));
    }
    let mut form = Form::new();
    for (name, value) in &post.fields {
        form = form.text(name.clone(), value.clone());
    }
    let sent = SentDigest::default();
    let (content_type, body) = form
        .part("file", source.part(verify.then_some(&sent)).await?)
        .into_body();
    tracing::debug!(url = %crate::transport::redact::shown_url(&url), fields = post.fields.len(), "posting form to storage");
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .map_err(Error::from_reqwest)?;
    let status = response.status().as_u16();
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if matches!(status, 200 | 201 | 204) {
        let stored = StoredObject {
            key: post.key_for(source.file_name()),
            status,
            location: header(reqwest::header::LOCATION),
            etag: header(reqwest::header::ETAG),
            md5: sent.md5_hex().await,
        };
        check_etag(&stored, response.headers())?;
        return Ok(stored);
    }
    let request_id = request_id(response.headers());
    let body = read_capped(response).await;
    Err(Error::Storage(Box::new(storage_error(
        status, request_id, &body, post,
    ))))
}

/// The error for a refused POST from storage's body: S3's XML `Code`, `Message` and
/// `RequestId`, else the raw (already capped) body when it is not an XML `<Error>`.
///
/// S3 echoes the policy (`StringToSign`, `StringToSignBytes`) and the signature
/// (`SignatureProvided`) in a `SignatureDoesNotMatch` body, which is often longer than the cap:
/// cut short, it does not parse, so its elements are picked out one by one and the raw XML is
/// never kept. The values of the form's secret fields are also cut out of any message.
fn storage_error(
    status: u16,
    request_id: Option<String>,
    body: &str,
    post: &PresignedPost,
) -> StorageError {
    let (parsed, raw) = match quick_xml::de::from_str::<S3Error>(body) {
        Ok(parsed) => (parsed, None),
        Err(_) if body.contains("<Error>") => (
            S3Error {
                code: xml_element(body, "Code"),
                message: xml_element(body, "Message"),
                request_id: xml_element(body, "RequestId"),
            },
            None,
        ),
        Err(_) => (S3Error::default(), Some(body)),
    };
    let message = parsed
        .message
        .or_else(|| raw.filter(|b| !b.trim().is_empty()).map(str::to_owned))
        .map(|message| {
            let secrets = post.fields.iter().filter(|(name, _)| is_secret_field(name));
            redact_values(message, secrets.map(|(_, value)| value.as_str()))
        });
    StorageError {
        status,
        code: parsed.code,
        message,
        request_id: parsed.request_id.or(request_id),
    }
}

/// The unescaped text of the first complete `<name>…</name>` in `body`.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let start = body.find(&format!("<{name}>"))? + name.len() + 2;
    let len = body[start..].find(&format!("</{name}>"))?;
    let text = quick_xml::escape::unescape(&body[start..start + len]).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    fn post(policy: &str, signature: &str) -> PresignedPost {
        PresignedPost::new(
            "https://bucket.s3.example.com/",
            [
                ("key", "media/${filename}"),
                ("policy", policy),
                ("x-amz-signature", signature),
            ],
        )
    }

    /// S3's answer to a form whose signature does not match: it echoes the policy as
    /// `StringToSign` and the signature as `SignatureProvided`.
    fn signature_does_not_match(policy: &str, signature: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId><StringToSign>{policy}</StringToSign><SignatureProvided>{signature}</SignatureProvided><StringToSignBytes>{}</StringToSignBytes><RequestId>R1</RequestId></Error>",
            policy
                .bytes()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    }

    #[test]
    fn an_echoed_policy_and_signature_never_reach_the_message() {
        let policy = "eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbXX0=";
        let signature = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let whole = signature_does_not_match(policy, signature);
        let parsed = storage_error(403, None, &whole, &post(policy, signature));
        assert_eq!(parsed.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(parsed.request_id.as_deref(), Some("R1"));
        assert_eq!(
            parsed.message.as_deref(),
            Some(
                "The request signature we calculated does not match the signature you provided. Check your key and signing method."
            )
        );
        // Cut where the policy is half sent, as a long body is cut by the 2 KiB cap: the XML
        // no longer parses, and its elements are picked out instead of keeping the raw text.
        let cut = whole.find(policy).expect("echoed") + policy.len() / 2;
        let truncated = storage_error(403, None, &whole[..cut], &post(policy, signature));
        assert_eq!(truncated.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(truncated.message, parsed.message);
        assert_eq!(truncated.request_id, None);
        // A body that is not XML is kept raw, with the secret values cut out, even a cut one.
        let text = format!("denied: policy {policy} signature {}", &signature[..20]);
        let raw = storage_error(403, None, &text, &post(policy, signature));
        assert_eq!(
            raw.message.as_deref(),
            Some("denied: policy <redacted> signature <redacted>")
        );
    }

    proptest! {
        #[test]
        fn any_body_is_parsed_without_panicking(
            status in any::<u16>(),
            body in any::<String>(),
            policy in any::<String>(),
        ) {
            let error = storage_error(status, None, &body, &post(&policy, "sig"));
            prop_assert_eq!(error.status, status);
            let _ = error.to_string();
        }

        #[test]
        fn xml_like_bodies_are_parsed_without_panicking(
            body in r#"(<\??[A-Za-z]{0,12}( [a-z]+="[^"]{0,8}")?/?>|</?[A-Za-z]{0,12}>|[^<]{0,20}|&[a-z#0-9]{0,6};?|<!\[CDATA\[[^\]]{0,10}\]\]>|<!--.{0,10}-->){0,30}"#,
        ) {
            let _ = storage_error(400, Some("h".into()), &body, &post("p", "s"));
        }

        #[test]
        fn s3_error_fields_are_read_back(
            code in "[A-Za-z]{1,40}",
            message in "[A-Za-z0-9.,;:!?()'-][A-Za-z0-9 .,;:!?()'-]{0,200}[A-Za-z0-9.]",
            request_id in "[A-Z0-9]{1,32}",
        ) {
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId><HostId>x</HostId></Error>"
            );
            let error = storage_error(400, Some("from-header".into()), &body, &post("p", "s"));
            prop_assert_eq!(error.code, Some(code));
            prop_assert_eq!(error.message, Some(message));
            prop_assert_eq!(error.request_id, Some(request_id));
        }

        #[test]
        fn echoed_secrets_are_cut_out_wherever_the_body_ends(
            policy in "[A-Za-z0-9+/]{9,120}={0,2}",
            signature in "[0-9a-f]{64}",
            end in any::<prop::sample::Index>(),
        ) {
            let whole = signature_does_not_match(&policy, &signature);
            let body = &whole[..=end.index(whole.len())];
            let error = storage_error(403, None, body, &post(&policy, &signature));
            let shown = format!("{error} {error:?}");
            prop_assert!(!shown.contains(&policy[..8]), "{}", shown);
            prop_assert!(!shown.contains(&signature[..8]), "{}", shown);
            let hex: Vec<String> = policy.bytes().take(4).map(|b| format!("{b:02x}")).collect();
            prop_assert!(!shown.contains(&hex.join(" ")), "{}", shown);
        }
    }
}
