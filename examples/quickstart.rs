//! Quickstart: one upload through each of the four clients, against local mock servers that
//! answer the way the real services do. No account and no internet needed:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Each mock only answers when the request has the shape its spec describes (method, path,
//! query, headers, body), so a success here means the request was right.

use httpmock::prelude::*;
use upload_clients::ai_agents::{KnownFilePurpose, WaitOptions};
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, AiAgentsClient, MaiAgentClient, RbmClient, UploadSource};

/// A 1×1 grey PNG, generated here rather than shipped.
fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a,
        0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x18, 0x57, 0x63, 0xf8,
        0x0f, 0x00, 0x01, 0x01, 0x01, 0x00, 0x5a, 0x4d, 0x6f, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    // A name in the user's own script: sent percent-encoded in ACS's header, as it is in forms.
    let png_path = dir.path().join("고양이 사진.png");
    std::fs::write(&png_path, tiny_png())?;
    let notes_path = dir.path().join("notes.md");
    std::fs::write(&notes_path, "# Meeting notes\n\n- ship the quickstart\n")?;
    let png = UploadSource::from_path(&png_path).await?;
    let notes = UploadSource::from_path(&notes_path).await?;
    let (png_len, notes_len) = (png.len().unwrap_or(0), notes.len().unwrap_or(0));

    let server = MockServer::start_async().await;
    println!("mock services listening on {}\n", server.base_url());

    // 1. Azure Communication Services Chat: raw image body, 201 + Location.
    let thread = "19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2";
    let location =
        format!("/chat/threads/{thread}/images/0-eus-d2-fb42e272282ebb6ef76a3aedd1974433");
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/chat/threads/{thread}/images"))
                .query_param("api-version", "2024-03-15-preview")
                .header("authorization", "Bearer demo-acs-token")
                .header("content-type", "application/octet-stream")
                .header(
                    "image-filename",
                    "%EA%B3%A0%EC%96%91%EC%9D%B4%20%EC%82%AC%EC%A7%84.png",
                )
                .header("content-length", png_len.to_string());
            then.status(201)
                .header("location", &location)
                .json_body(serde_json::json!({
                    "id": "0-eus-d2-fb42e272282ebb6ef76a3aedd1974433",
                    "attachmentType": "inlineImage",
                    "name": "고양이 사진.png"
                }));
        })
        .await;
    let acs = AcsChatClient::new(&server.base_url(), Credential::bearer("demo-acs-token"))?;
    println!("ACS Chat   → POST /chat/threads/{thread}/images?api-version=2024-03-15-preview");
    println!(
        "             image-filename: %EA%B3%A0%EC%96%91%EC%9D%B4%20%EC%82%AC%EC%A7%84.png (고양이 사진.png), application/octet-stream, {png_len} bytes"
    );
    let image = acs.upload_image(thread, &png).await?;
    println!(
        "           ← id={} attachmentType={}\n             url={}\n",
        image.id,
        image
            .attachment_type
            .map(|t| t.to_string())
            .unwrap_or_default(),
        image.url.map(|u| u.to_string()).unwrap_or_default()
    );

    // 2. Google RBM files.create, Upload URI: the binary with its own media type.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .query_param("agentId", "demo-agent")
                .header("authorization", "Bearer demo-rbm-token")
                .header("content-type", "image/png")
                .header("content-length", png_len.to_string());
            then.status(200)
                .json_body(serde_json::json!({"name": "files/demo-5a1e"}));
        })
        .await;
    let rbm =
        RbmClient::new(Credential::bearer("demo-rbm-token"))?.with_endpoint(&server.base_url())?;
    println!("RBM        → POST /upload/v1/files?agentId=demo-agent (image/png, {png_len} bytes)");
    let file = rbm.upload_file("demo-agent", &png, None).await?;
    println!("           ← name={}\n", file.name);

    // 3. Azure AI Foundry Agents: multipart file + purpose, then wait until processed.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/files")
                .query_param("api-version", "v1")
                .header("authorization", "Bearer demo-entra-token")
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"purpose\"\r\n\r\nassistants\r\n")
                .body_includes("name=\"file\"; filename=\"notes.md\"\r\nContent-Type: text/markdown");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "assistant-demo123", "bytes": notes_len, "filename": "notes.md",
                "created_at": 1763856000, "purpose": "assistants", "status": "processed"
            }));
        })
        .await;
    let agents = AiAgentsClient::new(&server.base_url(), Credential::bearer("demo-entra-token"))?;
    println!(
        "AI Agents  → POST /files?api-version=v1 (multipart: purpose=assistants, file=notes.md, {notes_len} bytes)"
    );
    let info = agents
        .upload_and_wait(
            &notes,
            KnownFilePurpose::Assistants.into(),
            WaitOptions::default(),
        )
        .await?;
    println!(
        "           ← id={} bytes={} status={}\n",
        info.id,
        info.bytes,
        info.status.map(|s| s.to_string()).unwrap_or_default()
    );

    // 4. MaiAgent presigned flow: presign, POST the form to storage, register.
    let storage_url = server.url("/bucket");
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/upload-presigned-url/")
                .query_param("filename", "notes.md")
                .header("authorization", "Api-Key demo-maiagent-key")
                .json_body(serde_json::json!({
                    "fileSize": notes_len, "filename": "notes.md",
                    "modelName": "attachment", "fieldName": "file",
                }));
            then.status(200).json_body(serde_json::json!({
                "url": storage_url,
                "fields": {"key": "media/chat/attachment/notes.md", "policy": "cG9saWN5", "x-amz-signature": "c2ln"}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/bucket")
                .header_missing("authorization")
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"key\"\r\n\r\nmedia/chat/attachment/notes.md\r\n");
            then.status(204);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/attachments/")
                .header("authorization", "Api-Key demo-maiagent-key")
                .json_body(serde_json::json!({
                    "type": null, "filename": "notes.md", "file": "media/chat/attachment/notes.md",
                }));
            then.status(201).json_body(serde_json::json!({
                "id": "550e8400-e29b-41d4-a716-446655440000", "type": null,
                "filename": "notes.md", "file": "media/chat/attachment/notes.md"
            }));
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("demo-maiagent-key"))?
        .with_base_url(&server.url("/api"))?;
    println!(
        "MaiAgent   → POST /api/upload-presigned-url/ {{fileSize: {notes_len}, filename, modelName, fieldName}}"
    );
    println!("           → POST /bucket (form fields, then notes.md; no credential)");
    println!("           → POST /api/attachments/ {{type: null, filename, file: <storage key>}}");
    let attachment = mai.upload_presigned(&notes, None).await?;
    println!(
        "           ← attachment id={} file={}\n",
        attachment.id, attachment.file
    );

    println!("4 uploads succeeded");
    Ok(())
}
