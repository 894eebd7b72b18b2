//! Uploads through storage: the object's MD5 as its ETag, the client's presigned flow,
//! MaiAgent's own example helper, and keys that hold the requested name as one segment.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use upload_clients_emulator::Emulator;

use super::{post, presign};

/// The six fields MaiAgent's own example helper posts to storage, in its order.
const MAIAGENT_HELPER_FIELDS: [&str; 6] = [
    "key",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "policy",
    "x-amz-signature",
];

#[tokio::test]
async fn storage_answers_the_objects_md5_as_its_etag_as_s3_does() {
    use md5::Digest as _;
    let emu = Emulator::start().await.expect("start");
    for (name, data) in [
        ("견적서.pdf", b"%PDF-1.7 quote".to_vec()),
        (
            "big.pdf",
            (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect(),
        ),
    ] {
        let (url, fields) = presign(&emu, data.len() as u64, name).await;
        let mut form = Form::new();
        for (field, value) in &fields {
            form = form.text(field.clone(), value.clone());
        }
        let part = Part::bytes(data.clone())
            .file_name(name.to_owned())
            .mime_str("application/pdf")
            .expect("mime");
        let response = reqwest::Client::new()
            .post(&url)
            .multipart(form.part("file", part))
            .send()
            .await
            .expect("post");
        assert_eq!(response.status().as_u16(), 204, "{name}");
        let md5: String = md5::Md5::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            response.headers().get("etag").and_then(|v| v.to_str().ok()),
            Some(format!("\"{md5}\"").as_str()),
            "{name}: the ETag is the quoted MD5 of the bytes"
        );
    }
}

#[tokio::test]
async fn the_client_presigned_flow_goes_through_storage() {
    let emu = Emulator::start().await.expect("start");
    let mai = upload_clients::MaiAgentClient::new(upload_clients::auth::Credential::api_key("k"))
        .expect("client")
        .with_base_url(&format!("{}/api", emu.base_url()))
        .expect("base");
    let source = upload_clients::UploadSource::from_bytes(b"# notes".to_vec(), "メモ \"v2\".md");
    let attachment = mai.upload_presigned(&source, None).await.expect("upload");
    assert!(
        attachment.file.contains("/s3/maiagent-uploads/"),
        "{attachment:?}"
    );
    let storage = emu
        .requests()
        .into_iter()
        .find(|r| r.route.as_deref() == Some("storage.post"))
        .expect("storage request");
    assert_eq!(storage.status, 204);
    assert!(
        storage
            .headers
            .iter()
            .all(|(name, _)| name != "authorization")
    );
    let file_part = storage.parts.last().expect("parts");
    assert_eq!(
        (file_part.name.as_str(), file_part.filename.as_deref()),
        ("file", Some("メモ %22v2%22.md"))
    );

    // An image goes by its type (MaiAgent accepts image/*, not by extension).
    let png = upload_clients::UploadSource::from_bytes(
        vec![
            0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
        ],
        "写真.png",
    );
    let attachment = mai
        .upload_presigned(&png, None)
        .await
        .expect("image upload");
    assert!(attachment.file.ends_with("/写真.png"), "{attachment:?}");
}

/// A PNG's first bytes (MaiAgent takes images by type).
const PNG_HEAD: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
];

/// MaiAgent's own example helper (`python/utils/maiagent.py` in
/// Playma-Co-Ltd/maiagent-api-examples, `MaiAgentHelper.upload_attachment`), its three calls
/// as raw requests: `get_upload_url` posts the name, `modelName`, `fieldName` and size as JSON;
/// `upload_file_to_s3` posts the six fields in its own order, then the file (no part content
/// type, the name as UTF-8, as Python's requests writes them), and wants 204; then
/// `update_attachment` registers `fields["key"]` exactly as the presign returned it, on a
/// conversation, with `type: image`, and wants a success. MaiAgent's page shows that key
/// concrete (`media/chat/attachment/filename.pdf`); a key ending in `${filename}` (which only
/// storage fills) would be registered as it is and not be found.
#[tokio::test]
async fn maiagents_own_helper_uploads_and_registers_as_written() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let filename = "螢幕截圖 1.png";
    let data = PNG_HEAD.to_vec();

    // get_upload_url
    let payload = json!({
        "filename": filename, "modelName": "attachment", "fieldName": "file",
        "fileSize": data.len(),
    });
    let response = http
        .post(format!("{base}/api/upload-presigned-url/"))
        .header("authorization", "Api-Key k")
        .header("content-type", "application/json")
        .body(payload.to_string())
        .send()
        .await
        .expect("presign");
    assert_eq!(response.status(), 200);
    let upload_data: Value = response.json().await.expect("JSON");
    let fields = &upload_data["fields"];
    let key = fields["key"].as_str().expect("key").to_owned();

    // upload_file_to_s3 (its storage_url pointed to the emulator's storage)
    let mut form = Form::new().percent_encode_noop();
    for name in MAIAGENT_HELPER_FIELDS {
        form = form.text(name, fields[name].as_str().expect(name).to_owned());
    }
    form = form.part("file", Part::bytes(data.clone()).file_name(filename));
    let storage = upload_data["url"].as_str().expect("url");
    let response = http
        .post(storage)
        .multipart(form)
        .send()
        .await
        .expect("storage");
    let status = response.status();
    assert_eq!(status, 204, "{}", response.text().await.unwrap_or_default());

    // update_attachment(conversation_id, file_key, original_filename)
    let conversation = "550e8400-e29b-41d4-a716-446655440000";
    let response = http
        .post(format!(
            "{base}/api/conversations/{conversation}/attachments/"
        ))
        .header("authorization", "Api-Key k")
        .json(&json!({"file": key, "filename": filename, "type": "image"}))
        .send()
        .await
        .expect("register");
    let status = response.status();
    let attachment: Value = response.json().await.expect("JSON");
    assert!(status.is_success(), "{status}: {attachment}");
    assert_eq!(attachment["filename"], filename);
    assert_eq!(attachment["conversation"], conversation);
    assert_eq!(attachment["file"], format!("{storage}/{key}"));
    assert_eq!(
        emu.object(&format!("s3/maiagent-uploads/{key}"))
            .await
            .expect("read")
            .as_deref(),
        Some(&data[..])
    );
}

/// The presign's key holds the requested name as one path segment of its own: Korean, Japanese
/// and Chinese as they are; a path cut to its last name (`/` and `\`, as S3 cuts the name it
/// puts for `${filename}`); `.` and `..` never a segment a URL would resolve. Each key then goes
/// through storage (204) and registration (201) exactly as returned. Without a name the key
/// ends in `${filename}`, which storage fills with the file part's name, as S3 does.
#[tokio::test]
async fn presigned_keys_hold_the_requested_name_as_one_segment() {
    // Without limits, so that names with no extension (`..`) are presigned too.
    let emu = Emulator::builder()
        .without_limits()
        .start()
        .await
        .expect("start");
    let http = reqwest::Client::new();
    let base = emu.base_url();
    for (name, segment) in [
        ("고양이 사진.png", "고양이 사진.png"),
        ("見積書 (最終).pdf", "見積書 (最終).pdf"),
        ("报告书.docx", "报告书.docx"),
        ("a..b.pdf", "a..b.pdf"),
        ("reports/2024/q1.pdf", "q1.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\報告書.pdf", "報告書.pdf"),
        ("..", "__"),
        ("uploads/.", "_"),
        ("${filename}.pdf", "_{filename}.pdf"),
    ] {
        let data = format!("the bytes of {name}").into_bytes();
        let (url, fields) = presign(&emu, data.len() as u64, name).await;
        let key = fields[0].1.clone();
        let (prefix, last) = key.rsplit_once('/').expect("segments");
        assert_eq!(last, segment, "{name:?}: {key}");
        assert!(
            prefix.starts_with("media/chat/attachment/") && prefix.split('/').count() == 4,
            "{name:?}: {key}"
        );
        let answer = post(&url, &fields, (name, data.clone()), &[]).await;
        assert_eq!(answer.0, 204, "{name:?}: {}", answer.1);
        let response = http
            .post(format!("{base}/api/attachments/"))
            .header("authorization", "Api-Key k")
            .json(&json!({"file": key, "filename": name}))
            .send()
            .await
            .expect("register");
        assert_eq!(response.status(), 201, "{name:?}: {key}");
        assert_eq!(
            emu.object(&format!("s3/maiagent-uploads/{key}"))
                .await
                .expect("read")
                .as_deref(),
            Some(&data[..]),
            "{name:?}"
        );
    }

    // No name in the presign: the S3 form, which the client fills as storage does.
    let response = http
        .post(format!("{base}/api/upload-presigned-url/"))
        .header("authorization", "Api-Key k")
        .json(&json!({"fileSize": 5}))
        .send()
        .await
        .expect("presign");
    let body: Value = response.json().await.expect("JSON");
    let key = body["fields"]["key"].as_str().expect("key");
    assert!(key.ends_with("/${filename}"), "{key}");
    let fields: Vec<(String, String)> = MAIAGENT_HELPER_FIELDS
        .iter()
        .map(|k| {
            (
                k.to_string(),
                body["fields"][k].as_str().expect(k).to_owned(),
            )
        })
        .collect();
    let url = body["url"].as_str().expect("url");
    let answer = post(url, &fields, ("메모.pdf", b"12345".to_vec()), &[]).await;
    assert_eq!(answer.0, 204, "{}", answer.1);
    let stored = key.replace("${filename}", "메모.pdf");
    assert_eq!(
        emu.object(&format!("s3/maiagent-uploads/{stored}"))
            .await
            .expect("read")
            .as_deref(),
        Some(&b"12345"[..])
    );
}
