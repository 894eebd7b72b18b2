//! AI Agents' Files, as the service answers them: `FileInfo` whose status moves from
//! `uploaded` through `pending` and `running` to `processed` (or `error` with `status_details`)
//! over the configured processing time.

use serde_json::{Value, json};

use crate::body::BodyStream;
use crate::form;
use crate::reply::{self, Reply};
use crate::server::Call;
use crate::spec_check::{ApiId, BodyKind};
use crate::state::AgentFile;

/// `uploadFile` and `getFile`.
pub(crate) async fn handle(mut call: Call<'_>, mut body: BodyStream) -> Reply {
    if call.op.operation_id() == "getFile" {
        body.drain().await;
        let id = call.op.path_param("fileId").unwrap_or_default().to_owned();
        let file = call
            .state
            .agent_files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned();
        return match file {
            Some(file) => reply::json(200, &status_now(&call, &file)),
            None => call.error(
                404,
                &format!("No file found with id '{id}'."),
                Some("fileId"),
            ),
        };
    }
    let BodyKind::Multipart { boundary } = call.kind.clone() else {
        return call.error(415, "the body must be multipart/form-data", None);
    };
    let limits = call.state.limits(ApiId::AiAgents);
    let form = match form::read(&mut call, body, &boundary, limits.max_bytes).await {
        Ok(form) => form,
        Err(reply) => return reply,
    };
    let filename = form.text("filename").map(str::to_owned);
    let purpose = form.text("purpose").unwrap_or_default().to_owned();
    let Some(file) = form.file else {
        return call.error(400, "the `file` part is required", Some("file"));
    };
    let filename = filename.or(file.filename).unwrap_or_else(|| "file".into());
    let id = format!(
        "assistant-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    );
    let info = json!({
        "object": "file",
        "id": id,
        "bytes": file.stored.bytes,
        "filename": filename,
        "created_at": chrono::Utc::now().timestamp(),
        "purpose": purpose,
    });
    call.state.objects.keep(id.clone(), file.stored);
    call.record.created = Some(id.clone());
    let file = AgentFile {
        info,
        uploaded: tokio::time::Instant::now(),
    };
    call.state
        .agent_files
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, file.clone());
    reply::json(200, &status_now(&call, &file))
}

/// The `FileInfo` of `file` as it stands now.
fn status_now(call: &Call<'_>, file: &AgentFile) -> Value {
    let total = call.state.config.processing_time;
    let elapsed = file.uploaded.elapsed();
    let done = elapsed >= total;
    let status = match (done, &call.state.config.processing_error) {
        (true, None) => "processed",
        (true, Some(_)) => "error",
        _ if elapsed < total / 3 => "uploaded",
        _ if elapsed < total.saturating_mul(2) / 3 => "pending",
        _ => "running",
    };
    let mut info = file.info.clone();
    info["status"] = json!(status);
    if let (true, Some(details)) = (done, &call.state.config.processing_error) {
        info["status_details"] = json!(details);
    }
    info
}
