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
use reqwest::multipart::Part;
use upload_clients::ext::{AiAgentsFilesExt, MaiAgentAttachmentsExt, RbmFilesExt};
use upload_clients::generated::{acs_chat, ai_agents_files, maiagent_attachments, rbm_files};
use upload_clients::transport::client_with_auth;

/// A 1×1 grey PNG, generated here rather than read from disk.
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
    let png = tiny_png();
    let notes = b"# Meeting notes\n\n- ship the quickstart\n".to_vec();
    let server = MockServer::start_async().await;
    println!("mock services listening on {}\n", server.base_url());

    // 1. Azure Communication Services Chat: raw image body, 201 + Location.
    let thread = "19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2";
    let location =
        format!("/chat/threads/{thread}/images/0-eus-d2-fb42e272282ebb6ef76a3aedd1974433");
    let png_len = png.len();
    let notes_len = notes.len();
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/chat/threads/{thread}/images"))
                .query_param("api-version", "2024-03-15-preview")
                .header("authorization", "Bearer demo-acs-token")
                .header("content-type", "application/octet-stream")
                .header("image-filename", "sample.png")
                .header("content-length", png_len.to_string());
            then.status(201)
                .header("location", &location)
                .json_body(serde_json::json!({
                    "id": "0-eus-d2-fb42e272282ebb6ef76a3aedd1974433",
                    "attachmentType": "inlineImage",
                    "name": "sample.png"
                }));
        })
        .await;
    let acs = acs_chat::Client::new_with_client(
        &server.base_url(),
        client_with_auth("Authorization", "Bearer demo-acs-token")?,
    );
    println!("ACS Chat      → POST /chat/threads/{thread}/images?api-version=2024-03-15-preview");
    println!(
        "                image-filename: sample.png, application/octet-stream, {png_len} bytes"
    );
    let image = acs
        .upload_chat_image()
        .chat_thread_id(thread)
        .api_version("2024-03-15-preview")
        .image_filename("sample.png")
        .body(png.clone())
        .send()
        .await?;
    println!(
        "              ← {} id={} attachmentType={:?} Location={}\n",
        image.status(),
        image.id,
        image.attachment_type,
        image.headers()["location"].to_str()?
    );

    // 2. Google RBM files.create, Upload URI: the binary with its own media type.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .query_param("agentId", "demo-agent")
                .header("authorization", "Bearer demo-rbm-token")
                .header("content-type", "image/png");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/demo-5a1e"}));
        })
        .await;
    let rbm = rbm_files::Client::new_with_client(
        &server.base_url(),
        client_with_auth("Authorization", "Bearer demo-rbm-token")?,
    );
    println!(
        "RBM           → POST /upload/v1/files?agentId=demo-agent (image/png, {png_len} bytes)"
    );
    let file = rbm
        .upload_file()
        .agent_id("demo-agent")
        .content_type("image/png")
        .body(png.clone())
        .send()
        .await?;
    println!("              ← {} name={}\n", file.status(), file.name);

    // 3. Azure AI Foundry Agents: multipart file + purpose.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/files")
                .query_param("api-version", "v1")
                .header("authorization", "Bearer demo-entra-token")
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"purpose\"\r\n\r\nassistants\r\n")
                .body_includes("name=\"file\"; filename=\"notes.md\"");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "assistant-demo123", "bytes": notes_len, "filename": "notes.md",
                "created_at": 1763856000, "purpose": "assistants", "status": "processed"
            }));
        })
        .await;
    let agents = ai_agents_files::Client::new_with_client(
        &server.base_url(),
        client_with_auth("Authorization", "Bearer demo-entra-token")?,
    );
    println!(
        "AI Agents     → POST /files?api-version=v1 (multipart: purpose=assistants, file=notes.md, {} bytes)",
        notes.len()
    );
    let info = agents
        .upload_file()
        .purpose(ai_agents_files::types::KnownFilePurpose::Assistants)
        .file(
            Part::bytes(notes.clone())
                .file_name("notes.md")
                .mime_str("text/markdown")?,
        )
        .send()
        .await?;
    println!(
        "              ← {} id={} bytes={} status={:?}\n",
        info.status(),
        info.id,
        info.bytes,
        info.status
    );

    // 4. MaiAgent: multipart upload with an Api-Key.
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/attachments-upload/")
                .header("authorization", "Api-Key demo-maiagent-key")
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"file\"; filename=\"sample.png\"");
            then.status(200);
        })
        .await;
    let maiagent = maiagent_attachments::Client::new_with_client(
        &server.base_url(),
        client_with_auth("Authorization", "Api-Key demo-maiagent-key")?,
    );
    println!(
        "MaiAgent      → POST /api/attachments-upload/ (multipart: file=sample.png, {png_len} bytes)"
    );
    let uploaded = maiagent
        .create_attachment_upload()
        .file(
            Part::bytes(png)
                .file_name("sample.png")
                .mime_str("image/png")?,
        )
        .send()
        .await?;
    println!(
        "              ← {} (the API states no response body)\n",
        uploaded.status()
    );

    println!("4 uploads succeeded");
    Ok(())
}
