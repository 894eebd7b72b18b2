//! `multipart/form-data` bodies written as the HTML standard writes them, with the file part
//! streamed: the one form encoder of the AI Agents and MaiAgent uploads and of presigned
//! storage forms.
//!
//! reqwest's own form escapes a file name with backslashes and leaves CR and LF in it, which a
//! lenient parser reads as a header of its own; here names go through
//! [`file_name::multipart_value`](crate::body::file_name::multipart_value) (`"` → `%22`, CR → `%0D`,
//! LF → `%0A`, UTF-8 as it is, never `filename*`). The body has an exact length whenever every
//! part has one, so the request carries `Content-Length` (storage refuses chunked forms), and a
//! form whose file is one buffer is sent as one buffer.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};

use crate::Error;
use crate::body::file_name::multipart_value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One part of a [`Form`]: a body (bytes or a stream) with an optional file name and type.
///
/// ```
/// use upload_clients::body::Part;
///
/// let part = Part::bytes(&b"%PDF-1.7"[..]).file_name("報告書.pdf").mime_str("application/pdf")?;
/// assert_eq!(part.len(), Some(8));
/// # Ok::<(), upload_clients::Error>(())
/// ```
#[derive(Debug)]
pub struct Part {
    body: reqwest::Body,
    len: Option<u64>,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl Part {
    /// A part holding `bytes`.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            len: Some(bytes.len() as u64),
            body: reqwest::Body::from(bytes),
            file_name: None,
            content_type: None,
        }
    }

    /// A part streamed from `body`, which holds exactly `len` bytes.
    pub fn stream_with_length(body: impl Into<reqwest::Body>, len: u64) -> Self {
        Self {
            body: body.into(),
            len: Some(len),
            file_name: None,
            content_type: None,
        }
    }

    /// A part streamed from `body` of unknown length: the form is then sent chunked.
    pub fn stream(body: impl Into<reqwest::Body>) -> Self {
        Self {
            body: body.into(),
            len: None,
            file_name: None,
            content_type: None,
        }
    }

    /// The file name sent in the part's `Content-Disposition` (encoded as the HTML standard
    /// does), its characters as given: this encoder does not normalise. The facades' parts
    /// carry [`UploadSource::file_name`](crate::UploadSource::file_name), already in NFC (or
    /// its exact bytes when the source keeps them).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type`; fails when it is not a valid media type.
    pub fn mime_str(mut self, content_type: &str) -> Result<Self, Error> {
        if content_type.parse::<mime_guess::Mime>().is_err() || content_type.contains(['\r', '\n'])
        {
            return Err(Error::InvalidInput(format!(
                "{content_type:?} is not a valid content type; set one such as `application/pdf`"
            )));
        }
        self.content_type = Some(content_type.to_string());
        Ok(self)
    }

    /// The length of the part's body, when known.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Option<u64> {
        self.len
    }
}

/// A `multipart/form-data` form: parts in the order they are added.
///
/// ```
/// use upload_clients::body::{Form, Part};
///
/// let form = Form::new()
///     .text("purpose", "assistants")
///     .part("file", Part::bytes(&b"hello"[..]).file_name("說明 \"v2\".txt"));
/// let (content_type, body) = form.into_body();
/// assert!(content_type.starts_with("multipart/form-data; boundary="));
/// let body = body.as_bytes().expect("one buffer");
/// let text = String::from_utf8_lossy(body);
/// assert!(text.contains("name=\"file\"; filename=\"說明 %22v2%22.txt\"\r\n"));
/// ```
#[derive(Debug, Default)]
pub struct Form {
    parts: Vec<(String, PartBody)>,
}

#[derive(Debug)]
enum PartBody {
    Text(String),
    File(Part),
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push((name.into(), PartBody::Text(value.into())));
        self
    }

    /// Adds a part (a file, usually last).
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Self {
        self.parts.push((name.into(), PartBody::File(part)));
        self
    }

    /// The request's `Content-Type` (with the boundary) and body. The body has an exact length
    /// when every part has one, and is one buffer when every part is.
    pub fn into_body(self) -> (String, reqwest::Body) {
        let boundary = self.boundary();
        let mut segments: VecDeque<Segment> = VecDeque::new();
        let mut head = BytesMut::new();
        for (name, body) in self.parts {
            head.extend_from_slice(b"--");
            head.extend_from_slice(boundary.as_bytes());
            head.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            head.extend_from_slice(multipart_value(&name).as_bytes());
            head.extend_from_slice(b"\"");
            match body {
                PartBody::Text(value) => {
                    head.extend_from_slice(b"\r\n\r\n");
                    head.extend_from_slice(value.as_bytes());
                }
                PartBody::File(part) => {
                    if let Some(file_name) = &part.file_name {
                        head.extend_from_slice(b"; filename=\"");
                        head.extend_from_slice(multipart_value(file_name).as_bytes());
                        head.extend_from_slice(b"\"");
                    }
                    if let Some(content_type) = &part.content_type {
                        head.extend_from_slice(b"\r\nContent-Type: ");
                        head.extend_from_slice(content_type.as_bytes());
                    }
                    head.extend_from_slice(b"\r\n\r\n");
                    match part.body.as_bytes() {
                        Some(bytes) => head.extend_from_slice(bytes),
                        None => {
                            segments.push_back(Segment::Bytes(head.split().freeze()));
                            segments.push_back(Segment::Stream(part.body, part.len));
                        }
                    }
                }
            }
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"--");
        head.extend_from_slice(boundary.as_bytes());
        head.extend_from_slice(b"--\r\n");
        segments.push_back(Segment::Bytes(head.freeze()));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        if let [Segment::Bytes(only)] = segments.make_contiguous() {
            return (content_type, reqwest::Body::from(only.clone()));
        }
        (content_type, reqwest::Body::wrap(FormBody { segments }))
    }

    /// A random boundary that no text field holds (a field's value could, by chance or on
    /// purpose, and would then end the part early).
    fn boundary(&self) -> String {
        loop {
            let boundary = format!(
                "{:016x}{:016x}{:016x}",
                fastrand::u64(..),
                fastrand::u64(..),
                fastrand::u64(..)
            );
            let clashes = self.parts.iter().any(|(name, body)| {
                name.contains(&boundary)
                    || matches!(body, PartBody::Text(value) if value.contains(&boundary))
            });
            if !clashes {
                return boundary;
            }
        }
    }
}

#[derive(Debug)]
enum Segment {
    Bytes(Bytes),
    Stream(reqwest::Body, Option<u64>),
}

/// The form's bytes and streamed parts, one after the other.
struct FormBody {
    segments: VecDeque<Segment>,
}

impl http_body::Body for FormBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        loop {
            match self.segments.front_mut() {
                None => return Poll::Ready(None),
                Some(Segment::Bytes(bytes)) => {
                    let bytes = std::mem::take(bytes);
                    self.segments.pop_front();
                    if !bytes.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(bytes))));
                    }
                }
                Some(Segment::Stream(body, len)) => {
                    match Pin::new(&mut *body).poll_frame(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(None) => {
                            self.segments.pop_front();
                        }
                        Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                        Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                            Ok(data) => {
                                if let Some(len) = len {
                                    *len = len.saturating_sub(data.len() as u64);
                                }
                                return Poll::Ready(Some(Ok(Frame::data(data))));
                            }
                            // Trailers have no place inside a form.
                            Err(_) => continue,
                        },
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        let mut total = 0u64;
        for segment in &self.segments {
            match segment {
                Segment::Bytes(bytes) => total += bytes.len() as u64,
                Segment::Stream(_, Some(len)) => total += len,
                Segment::Stream(_, None) => return SizeHint::default(),
            }
        }
        SizeHint::with_exact(total)
    }

    fn is_end_stream(&self) -> bool {
        self.segments.is_empty()
    }
}
