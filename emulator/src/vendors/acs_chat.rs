//! ACS Chat's Upload Chat Image, as the service answers it: the image body streamed and checked
//! against the limits the client enforces, then `201` with a *relative* `Location` and
//! `attachmentType: "inlineImage"`, as in Microsoft's own sample.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use serde_json::json;

use crate::body::BodyStream;
use crate::reply::{self, Reply};
use crate::server::Call;
use crate::spec_check::ApiId;

/// What a path segment cannot carry as it is (RFC 3986 `pchar` keeps `:` and `@`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `uploadChatImage`.
pub(crate) async fn handle(call: Call<'_>, mut body: BodyStream) -> Reply {
    let limits = call.state.limits(ApiId::AcsChat);
    let stored = match call.store(&mut body, limits.max_bytes, "image").await {
        Ok(stored) => stored,
        Err(reply) => return reply,
    };
    let kind = infer::get(&stored.head).map(|kind| kind.mime_type());
    let accepted = !limits.content_types.is_empty();
    if stored.bytes == 0 || (accepted && !kind.is_some_and(|k| limits.accepts_type(k))) {
        call.state.objects.discard(stored).await;
        return call.error(
            400,
            "the body is not an image of an accepted format (jpeg, png, gif, heic, webp)",
            None,
        );
    }
    let thread = call
        .op
        .path_param("chatThreadId")
        .unwrap_or_default()
        .to_owned();
    let image_id = format!("0-eus-d2-{}", uuid::Uuid::new_v4().simple());
    let name = call.head.headers.get("image-filename").map(|v| {
        percent_decode_str(&String::from_utf8_lossy(v.as_bytes()))
            .decode_utf8_lossy()
            .into_owned()
    });
    call.state.objects.keep(image_id.clone(), stored);
    call.record.created = Some(image_id.clone());
    let location = format!(
        "/chat/threads/{}/images/{image_id}",
        utf8_percent_encode(&thread, SEGMENT)
    );
    let mut body = json!({ "id": image_id, "attachmentType": "inlineImage" });
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    let mut reply = reply::json(201, &body);
    if let Ok(location) = http::HeaderValue::from_str(&location) {
        reply.headers_mut().insert(http::header::LOCATION, location);
    }
    reply
}
