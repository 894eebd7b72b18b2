//! S3-style presigned POST: send a file to a storage URL as a `multipart/form-data` form holding
//! every field the presigner returned, in its order, and the file last.
//!
//! The storage host gets no credential of any API: the form is sent with a plain client and
//! only the fields authorise it. The file streams from its source with an exact
//! `Content-Length` (S3 refuses chunked POSTs). S3's XML errors become [`StorageError`]s.

use std::fmt;

use indexmap::IndexMap;
use reqwest::multipart::Form;
use serde::Deserialize;

use crate::error::{StorageError, read_capped, request_id};
use crate::{Error, UploadSource};

/// Fields whose values authorise the upload and are left out of `Debug` output.
const SECRET_FIELDS: &[&str] = &[
    "policy",
    "x-amz-signature",
    "signature",
    "x-amz-security-token",
];

/// A presigned POST: where to send the form and the fields to send with the file.
///
/// ```
/// use upload_clients::presigned_post::PresignedPost;
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

    /// The storage key the object will have: the `key` field with `${filename}` replaced by
    /// `file_name`, as S3 does.
    pub fn key_for(&self, file_name: &str) -> Option<String> {
        self.fields
            .get("key")
            .map(|k| k.replace("${filename}", file_name))
    }
}

impl fmt::Debug for PresignedPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(k, v)| {
                let secret = SECRET_FIELDS.contains(&k.to_ascii_lowercase().as_str());
                (k.as_str(), if secret { "<redacted>" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("PresignedPost")
            .field("url", &self.url)
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
/// Fails before sending when the URL is not http(s), when there are no fields, or when the
/// source's length is unknown (storage needs a `Content-Length`).
///
/// ```no_run
/// use upload_clients::presigned_post::{PresignedPost, upload};
/// use upload_clients::UploadSource;
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let post = PresignedPost::new("https://bucket.s3.amazonaws.com/", [("key", "a/${filename}")]);
/// let source = UploadSource::from_path("report.pdf").await?;
/// let stored = upload(&reqwest::Client::new(), &post, &source).await?;
/// println!("stored as {:?}", stored.key);
/// # Ok(()) }
/// ```
pub async fn upload(
    http: &reqwest::Client,
    post: &PresignedPost,
    source: &UploadSource,
) -> Result<StoredObject, Error> {
    crate::transport::check_public_url("presigned POST url", &post.url)?;
    if post.fields.is_empty() {
        return Err(Error::InvalidInput(
            "the presigned POST has no form fields".into(),
        ));
    }
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
    let form = form.part("file", source.part().await?);
    tracing::debug!(url = %post.url, fields = post.fields.len(), "posting form to storage");
    let response = http
        .post(&post.url)
        .multipart(form)
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
        return Ok(StoredObject {
            key: post.key_for(source.file_name()),
            status,
            location: header(reqwest::header::LOCATION),
            etag: header(reqwest::header::ETAG),
        });
    }
    let request_id = request_id(response.headers());
    let body = read_capped(response).await;
    let parsed: S3Error = quick_xml::de::from_str(&body).unwrap_or_default();
    let message = parsed
        .message
        .or_else(|| (!body.trim().is_empty()).then(|| body.clone()));
    Err(Error::Storage(Box::new(StorageError {
        status,
        code: parsed.code,
        message,
        request_id: parsed.request_id.or(request_id),
    })))
}
