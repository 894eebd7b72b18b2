//! The answers the emulator builds: JSON, XML, empty, or a streamed body, all one body type.

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};

/// The one response type of every handler.
pub(crate) type Reply = Response<UnsyncBoxBody<Bytes, std::io::Error>>;

fn with_body(status: u16, content_type: Option<&'static str>, body: Bytes) -> Reply {
    let mut reply = Response::new(
        Full::new(body)
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *reply.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(content_type) = content_type {
        reply
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    reply
}

/// `status` with a JSON body.
pub(crate) fn json(status: u16, body: &serde_json::Value) -> Reply {
    with_body(
        status,
        Some("application/json; charset=utf-8"),
        Bytes::from(body.to_string()),
    )
}

/// `status` with a JSON body already serialised (to keep an order serde_json would not).
pub(crate) fn json_text(status: u16, body: String) -> Reply {
    with_body(
        status,
        Some("application/json; charset=utf-8"),
        Bytes::from(body),
    )
}

/// `status` with an XML body (S3's errors and answers).
pub(crate) fn xml(status: u16, body: String) -> Reply {
    with_body(status, Some("application/xml"), Bytes::from(body))
}

/// `status` with no body.
pub(crate) fn empty(status: u16) -> Reply {
    let mut reply = Response::new(Empty::new().map_err(|never| match never {}).boxed_unsync());
    *reply.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    reply
}

/// `200` with a body streamed from `file`, of `len` bytes.
pub(crate) fn file(file: tokio::fs::File, len: u64, content_type: &'static str) -> Reply {
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024)
        .map(|chunk| chunk.map(http_body::Frame::data));
    let mut reply = Response::new(StreamBody::new(stream).boxed_unsync());
    reply
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    reply
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    reply
}

/// `200` with a JSON-looking body of `len` bytes that never ends properly: a server answering
/// far more than any client should read.
pub(crate) fn huge(len: u64) -> Reply {
    const CHUNK: usize = 64 * 1024;
    let filler = Bytes::from(vec![b'x'; CHUNK]);
    let head = Bytes::from_static(b"{\"data\":\"");
    let mut left = len.saturating_sub(head.len() as u64);
    let chunks = std::iter::once(head).chain(std::iter::from_fn(move || {
        (left > 0).then(|| {
            let n = left.min(CHUNK as u64) as usize;
            left -= n as u64;
            filler.slice(..n)
        })
    }));
    let stream = futures_util::stream::iter(chunks.map(|c| Ok(http_body::Frame::data(c))));
    let mut reply = Response::new(StreamBody::new(stream).boxed_unsync());
    reply.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reply
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len.max(9)));
    reply
}
