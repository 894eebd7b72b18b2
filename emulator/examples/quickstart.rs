//! Quickstart: one upload through each of the four clients, against the crate's local
//! emulator of the services. No account and no internet needed:
//!
//! ```text
//! cargo run --all-features --example quickstart
//! ```
//!
//! The emulator is a real HTTP server that checks every request against the crate's specs
//! (credential scheme, parameters, content type, body) and answers the way the services do, so
//! a success here means the request was right. The presigned MaiAgent flow goes through its
//! S3-style storage, which checks the form's SigV4 POST policy as S3 does.

use upload_clients::ai_agents::{KnownFilePurpose, WaitOptions};
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, AiAgentsClient, MaiAgentClient, RbmClient, UploadSource};
use upload_clients_emulator::Emulator;

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

    let emu = Emulator::builder()
        .processing_time(std::time::Duration::from_millis(400))
        .start()
        .await?;
    let base = emu.base_url();
    println!("emulator listening on {base}\n");

    // 1. Azure Communication Services Chat: raw image body, 201 + Location.
    let thread = "19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2";
    let acs = AcsChatClient::new(&base, Credential::bearer("demo-acs-token"))?;
    println!("ACS Chat   → POST /chat/threads/{thread}/images?api-version=2024-03-15-preview");
    let image = acs.upload_image(thread, &png).await?;
    let sent = emu.requests().pop().ok_or("the emulator saw no request")?;
    let header = |name: &str| {
        sent.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    println!(
        "             image-filename: {} ({}), {}, {png_len} bytes",
        header("image-filename"),
        png.file_name(),
        header("content-type")
    );
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
    let rbm = RbmClient::new(Credential::bearer("demo-rbm-token"))?.with_base_url(&base)?;
    println!("RBM        → POST /upload/v1/files?agentId=demo-agent (image/png, {png_len} bytes)");
    let file = rbm.upload_file("demo-agent", &png, None).await?;
    println!("           ← name={}\n", file.name);

    // 3. Azure AI Foundry Agents: multipart file + purpose, then wait until processed.
    let project = format!("{base}/api/projects/demo");
    let agents = AiAgentsClient::new(&project, Credential::bearer("demo-entra-token"))?;
    println!(
        "AI Agents  → POST /api/projects/demo/files?api-version=v1 (multipart: purpose=assistants, file=notes.md, {notes_len} bytes)"
    );
    let wait = WaitOptions {
        interval: std::time::Duration::from_millis(200),
        ..WaitOptions::default()
    };
    let info = agents
        .upload_and_wait(&notes, KnownFilePurpose::Assistants.into(), wait)
        .await?;
    println!(
        "           ← id={} bytes={} status={}\n",
        info.id,
        info.bytes,
        info.status.map(|s| s.to_string()).unwrap_or_default()
    );

    // 4. MaiAgent presigned flow: presign, POST the form to storage, register.
    let mai = MaiAgentClient::new(Credential::api_key("demo-maiagent-key"))?
        .with_base_url(&format!("{base}/api"))?;
    println!(
        "MaiAgent   → POST /api/upload-presigned-url/ {{fileSize: {notes_len}, filename, modelName, fieldName}}"
    );
    println!(
        "           → POST /s3/maiagent-uploads (the signed form fields, then notes.md; no credential)"
    );
    println!("           → POST /api/attachments/ {{type: null, filename, file: <storage key>}}");
    let attachment = mai.upload_presigned(&notes, None).await?;
    println!(
        "           ← attachment id={} file={}\n",
        attachment.id, attachment.file
    );

    let requests = emu.requests();
    println!(
        "the emulator checked {} requests against the specs and answered: {}",
        requests.len(),
        requests
            .iter()
            .map(|r| r.status.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("4 uploads succeeded");
    Ok(())
}
