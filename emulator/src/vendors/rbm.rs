//! RBM's `files.create`, as Google answers it: `files/{uid}` names that are the same for the
//! same content and agent (the platform's 60-day cache), for a binary or a `fileUrl`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::body::{BodyStream, hex};
use crate::reply::{self, Reply};
use crate::server::Call;
use crate::spec_check::ApiId;

/// `uploadFile` (the binary) and `createFile` (a `fileUrl`).
pub(crate) async fn handle(call: Call<'_>, mut body: BodyStream) -> Reply {
    if call.op.operation_id() == "createFile" {
        let request = match call.read_json(&mut body).await {
            Ok(request) => request,
            Err(reply) => return reply,
        };
        let Some(file_url) = request.get("fileUrl").and_then(Value::as_str) else {
            return call.error(
                400,
                "fileUrl is required on the metadata URI; upload a binary to /upload/v1/files instead",
                Some("fileUrl"),
            );
        };
        let agent = request
            .get("agentId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let thumbnail = request
            .get("thumbnailUrl")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = format!("files/{}", uid([agent, file_url, thumbnail]));
        call.record.created = Some(name.clone());
        return reply::json(200, &json!({ "name": name }));
    }
    let limits = call.state.limits(ApiId::Rbm);
    let stored = match call.store(&mut body, limits.max_bytes, "file").await {
        Ok(stored) => stored,
        Err(reply) => return reply,
    };
    if stored.bytes == 0 {
        call.state.objects.discard(stored).await;
        return call.error(400, "the file is empty", None);
    }
    let (_, content) = body.meter().read();
    let agent = call.query("agentId").unwrap_or_default();
    let name = format!("files/{}", uid([agent.as_str(), content.as_str()]));
    call.state.objects.keep(name.clone(), stored);
    call.record.created = Some(name.clone());
    reply::json(200, &json!({ "name": name }))
}

/// A stable id of `parts` (the agent and what identifies the file).
fn uid<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex(&hash.finalize()[..12])
}
