//! MaiAgent's attachments, as the service answers them: direct multipart uploads, a presigned
//! POST signed with a real SigV4 policy for the emulator's storage, and registration `201`
//! with the attachment (only for a file storage really holds).

use serde_json::{Value, json};

use crate::body::BodyStream;
use crate::form::{self, FilePart};
use crate::reply::{self, Reply};
use crate::s3_post_policy::{FILENAME_VAR, sign_post};
use crate::server::Call;
use crate::spec_check::{ApiId, BodyKind};
use crate::state::BUCKET;
use upload_clients::Limits;

/// Every MaiAgent operation.
pub(crate) async fn handle(mut call: Call<'_>, mut body: BodyStream) -> Reply {
    if let BodyKind::Multipart { boundary } = call.kind.clone() {
        // createAttachmentUpload, and createAttachment with the file itself.
        let limits = call.state.limits(ApiId::MaiAgent);
        let form = match form::read(&mut call, body, &boundary, limits.max_bytes).await {
            Ok(form) => form,
            Err(reply) => return reply,
        };
        let Some(file) = form.file else {
            return call.error(400, "No file was submitted.", Some("file"));
        };
        if let Err(message) = accepted(
            &limits,
            file.filename.as_deref(),
            file.content_type.as_deref(),
        ) {
            call.state.objects.discard(file.stored).await;
            return call.error(400, &message, Some("file"));
        }
        return created(&mut call, file);
    }
    let request = match call.read_json(&mut body).await {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    match call.op.operation_id() {
        "createUploadPresignedUrl" => presign(&call, &request),
        _ => register(&mut call, &request),
    }
}

/// Whether `limits` accept a file of this name (by extension) or part content type.
fn accepted(
    limits: &Limits,
    filename: Option<&str>,
    content_type: Option<&str>,
) -> Result<(), String> {
    let extension = filename
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    if limits.accepts(extension.as_deref(), content_type) {
        return Ok(());
    }
    Err(format!(
        "Unsupported file type; accepted: {}.",
        limits.accepted()
    ))
}

/// `201` with the attachment of a file uploaded directly.
fn created(call: &mut Call<'_>, file: FilePart) -> Reply {
    let id = uuid::Uuid::new_v4().to_string();
    let url = format!("{}/_emulator/objects/{id}", call.state.base_url);
    let filename = file.filename.clone().unwrap_or_else(|| "file".into());
    call.state.objects.keep(id.clone(), file.stored);
    call.record.created = Some(id.clone());
    reply::json(
        201,
        &json!({ "id": id, "type": null, "filename": filename, "file": url }),
    )
}

/// `createUploadPresignedUrl`: a presigned POST to the emulator's storage, for `fileSize`
/// bytes, under the concrete key [`object_key`] builds from the `filename` the request names,
/// signed with an exact `key` condition: the key returned is the key stored, which is what a
/// client registers.
fn presign(call: &Call<'_>, request: &Value) -> Reply {
    let size = request.get("fileSize").and_then(Value::as_u64).unwrap_or(0);
    let limits = call.state.limits(ApiId::MaiAgent);
    if let Some(max) = limits.max_bytes.filter(|&max| size > max) {
        return call.error(
            400,
            &format!("Ensure the file is at most {max} bytes."),
            Some("fileSize"),
        );
    }
    let filename = request
        .get("filename")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| call.query("filename"));
    let guessed = filename
        .as_deref()
        .and_then(|name| mime_guess::from_path(name).first_raw());
    if let Some(name) = &filename
        && let Err(message) = accepted(&limits, Some(name), guessed)
    {
        return call.error(400, &message, Some("filename"));
    }
    let now = chrono::Utc::now();
    let key = object_key(
        &uuid::Uuid::new_v4().simple().to_string(),
        filename.as_deref(),
    );
    let fields = sign_post(
        &call.state.signing,
        BUCKET,
        &key,
        (0, size),
        now + call.state.config.presign_lifetime,
        now,
    );
    // serde_json's maps may sort their keys; the fields' order is part of the answer.
    let fields = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), json!(v)))
        .collect::<Vec<_>>()
        .join(",");
    let url = json!(format!("{}/s3/{BUCKET}", call.state.base_url));
    reply::json_text(200, format!("{{\"url\":{url},\"fields\":{{{fields}}}}}"))
}

/// The storage key of one presign: `media/chat/attachment/{id}/{name}`. MaiAgent's page shows
/// a concrete key built from the file's name (`media/chat/attachment/filename.pdf`), and
/// MaiAgent's own helper registers `fields["key"]` exactly as returned, so the key holds the
/// name the request gives; `id` (fresh per presign) keeps two uploads of one name apart.
///
/// The name is one path segment of the key, never more: it is cut to the text after its last
/// `/` or `\` (what S3 does to the file name it puts for `${filename}`, so the key is the one a
/// `${filename}` key gave); control characters become `_`; a name that is then empty, `.` or
/// `..` becomes `_`, `_` or `__` (no dot-segment that a URL would resolve); and a `${filename}`
/// in it becomes `_{filename}`, so that storage never replaces it. Anything else, Korean,
/// Japanese or Chinese included, is kept as it is (S3 keys are UTF-8).
///
/// Without a name the presign cannot know it: the key then ends in `${filename}`, which storage
/// fills with the file part's name, as S3 does.
fn object_key(id: &str, filename: Option<&str>) -> String {
    let Some(name) = filename.filter(|name| !name.is_empty()) else {
        return format!("media/chat/attachment/{id}/{FILENAME_VAR}");
    };
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let segment: String = base
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    let segment = match segment.as_str() {
        "" | "." => "_".to_owned(),
        ".." => "__".to_owned(),
        _ => segment.replace(FILENAME_VAR, "_{filename}"),
    };
    format!("media/chat/attachment/{id}/{segment}")
}

/// `createAttachment` / `createConversationAttachment` with JSON: registers a file storage
/// holds (`file` is its key, or its URL).
fn register(call: &mut Call<'_>, request: &Value) -> Reply {
    let conversation = call.op.path_param("conversationPk").map(str::to_owned);
    if let Some(pk) = &conversation
        && uuid::Uuid::parse_str(pk).is_err()
    {
        return call.error(404, "Not found.", None);
    }
    let file = request
        .get("file")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let storage_url = format!("{}/s3/{BUCKET}/", call.state.base_url);
    let key = file.strip_prefix(&storage_url).unwrap_or(file);
    if call
        .state
        .objects
        .get(&format!("s3/{BUCKET}/{key}"))
        .is_none()
    {
        return call.error(
            400,
            &format!(
                "The file `{key}` is not in storage; upload it with the presigned POST first."
            ),
            Some("file"),
        );
    }
    let id = uuid::Uuid::new_v4().to_string();
    call.record.created = Some(id.clone());
    let mut attachment = json!({
        "id": id,
        "type": request.get("type").cloned().unwrap_or(Value::Null),
        "filename": request.get("filename").cloned().unwrap_or_default(),
        "file": format!("{storage_url}{key}"),
    });
    if let Some(pk) = conversation {
        attachment["conversation"] = json!(pk);
    }
    reply::json(201, &attachment)
}

#[cfg(test)]
mod tests {
    use super::object_key;

    #[test]
    fn a_name_stays_one_segment_of_the_key() {
        let key = |name: &str| object_key("id", Some(name));
        for (name, segment) in [
            ("filename.pdf", "filename.pdf"),
            ("見積書.pdf", "見積書.pdf"),
            ("고양이 사진.png", "고양이 사진.png"),
            ("报告 (最终).pdf", "报告 (最终).pdf"),
            ("a..b.pdf", "a..b.pdf"),
            ("...", "..."),
            ("reports/2024/q1.pdf", "q1.pdf"),
            ("../../etc/passwd.pdf", "passwd.pdf"),
            ("C:\\Users\\me\\報告書.pdf", "報告書.pdf"),
            ("mixed/dir\\name.pdf", "name.pdf"),
            ("..", "__"),
            (".", "_"),
            ("a/..", "__"),
            ("a/.", "_"),
            ("a/", "_"),
            ("line\nbreak\r\t.pdf", "line_break__.pdf"),
            ("nul\0.pdf", "nul_.pdf"),
            ("${filename}.pdf", "_{filename}.pdf"),
            ("$${filename}}", "$_{filename}}"),
        ] {
            let key = key(name);
            assert_eq!(
                key,
                format!("media/chat/attachment/id/{segment}"),
                "{name:?}"
            );
            let last = key
                .strip_prefix("media/chat/attachment/id/")
                .expect("prefix");
            assert!(
                !last.contains(['/', '\\']) && last != "." && last != "..",
                "{name:?}: {key}"
            );
            assert!(!key.contains("${filename}"), "{name:?}: {key}");
        }
    }

    #[test]
    fn without_a_name_storage_fills_it() {
        for name in [None, Some("")] {
            assert_eq!(
                object_key("id", name),
                "media/chat/attachment/id/${filename}"
            );
        }
    }
}
