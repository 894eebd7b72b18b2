//! Raw `reqwest` as a contender: the same request the facade sends, the file streamed.

use std::path::Path;

use indexmap::IndexMap;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use tokio_util::io::ReaderStream;

use super::{AGENT, AGENTS_PATH, Api, Env, MAIAGENT_PATH, THREAD, check, file_name};

/// The file at `path` as a streamed body of known length, read in `chunk`-byte reads, with the
/// buffer clamped to the file's length as the facade clamps it (a 10 KiB file gets a 10 KiB
/// buffer, not a 2 MiB one).
async fn raw_body(path: &Path, chunk: usize) -> Result<(reqwest::Body, u64), String> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let len = file.metadata().await.map_err(|e| e.to_string())?.len();
    let capacity = usize::try_from(len).unwrap_or(chunk).clamp(1, chunk);
    let stream = ReaderStream::with_capacity(file, capacity);
    Ok((reqwest::Body::wrap_stream(stream), len))
}

/// The file at `path` as a multipart `file` part of known length.
async fn raw_part(path: &Path, chunk: usize) -> Result<reqwest::multipart::Part, String> {
    let (body, len) = raw_body(path, chunk).await?;
    reqwest::multipart::Part::stream_with_length(body, len)
        .file_name(file_name(path))
        .mime_str("image/png")
        .map_err(|e| e.to_string())
}

/// Sends `request`, expects `status`, and returns the body as JSON (`Null` when empty).
pub(super) async fn expect(
    request: reqwest::RequestBuilder,
    status: u16,
) -> Result<serde_json::Value, String> {
    let response = request.send().await.map_err(|e| format!("{e:?}"))?;
    let got = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if got != status {
        return Err(format!(
            "status {got}, not {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    if body.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// Uploads the file at `path` with raw `reqwest`, the same request the facade sends.
pub async fn raw(env: &Env, api: Api, path: &Path) -> Result<(), String> {
    let http = &env.http;
    let base = &env.base;
    let name = file_name(path);
    match api {
        Api::Acs => {
            let (body, len) = raw_body(path, env.raw_chunk).await?;
            let request = acs_request(env, path)
                .header(CONTENT_LENGTH, len)
                .body(body);
            let json = expect(request, 201).await?;
            check(json["id"] == "img-sink", "ACS image")
        }
        Api::Rbm => {
            let (body, len) = raw_body(path, env.raw_chunk).await?;
            let request = http
                .post(format!("{base}/upload/v1/files"))
                .query(&[("agentId", AGENT)])
                .header(AUTHORIZATION, "Bearer bench-token")
                .header(CONTENT_TYPE, "image/png")
                .header(CONTENT_LENGTH, len)
                .body(body);
            let json = expect(request, 200).await?;
            check(json["name"] == "files/sink", "RBM file")
        }
        Api::Agents => {
            let form = reqwest::multipart::Form::new()
                .text("purpose", "assistants")
                .text("filename", name)
                .part("file", raw_part(path, env.raw_chunk).await?);
            let request = http
                .post(format!("{base}{AGENTS_PATH}/files"))
                .query(&[("api-version", "v1")])
                .header(AUTHORIZATION, "Bearer bench-token")
                .multipart(form);
            let json = expect(request, 200).await?;
            check(json["id"] == "assistant-sink", "FileInfo")
        }
        Api::MaiAgent => {
            let form =
                reqwest::multipart::Form::new().part("file", raw_part(path, env.raw_chunk).await?);
            let request = http
                .post(format!("{base}{MAIAGENT_PATH}/attachments-upload/"))
                .header(AUTHORIZATION, "Api-Key bench-key")
                .multipart(form);
            expect(request, 200).await.map(drop)
        }
        Api::Presigned => {
            let len = tokio::fs::metadata(path)
                .await
                .map_err(|e| e.to_string())?
                .len();
            #[derive(serde::Deserialize)]
            struct Post {
                url: String,
                fields: IndexMap<String, String>,
            }
            let request = http
                .post(format!("{base}{MAIAGENT_PATH}/upload-presigned-url/"))
                .query(&[
                    ("fieldName", "file"),
                    ("filename", name.as_str()),
                    ("modelName", "attachment"),
                ])
                .header(AUTHORIZATION, "Api-Key bench-key")
                .json(&serde_json::json!({ "fileSize": len }));
            let post: Post =
                serde_json::from_value(expect(request, 200).await?).map_err(|e| e.to_string())?;
            let mut form = reqwest::multipart::Form::new();
            for (field, value) in &post.fields {
                form = form.text(field.clone(), value.clone());
            }
            let form = form.part("file", raw_part(path, env.raw_chunk).await?);
            expect(http.post(&post.url).multipart(form), 204).await?;
            let key = post.fields["key"].replace("${filename}", &name);
            let request = http
                .post(format!("{base}{MAIAGENT_PATH}/attachments/"))
                .header(AUTHORIZATION, "Api-Key bench-key")
                .json(&serde_json::json!({ "filename": name, "file": key }));
            let json = expect(request, 201).await?;
            check(json["file"] == "media/f", "attachment")
        }
    }
}

/// The ACS upload request for the file at `path`, without its body.
pub(super) fn acs_request(env: &Env, path: &Path) -> reqwest::RequestBuilder {
    env.http
        .post(format!("{}/chat/threads/{THREAD}/images", env.base))
        .query(&[("api-version", upload_clients::acs_chat::api_version())])
        .header(AUTHORIZATION, "Bearer bench-token")
        .header(CONTENT_TYPE, "application/octet-stream")
        .header("image-filename", file_name(path))
}
