//! Every spec check of the emulator answers with its vendor's error shape, checked against the
//! spec's own error schema; and the limits the clients enforce.

use crate::common;
use common::PNG_1X1;
use serde_json::{Value, json};
use upload_clients::Limits;
use upload_clients_emulator::{ApiId, Emulator};

use super::{ACS_PATH, conforms, send};

/// Asserts that nothing was stored: every request `emu` saw was refused.
#[track_caller]
fn nothing_was_stored(emu: &Emulator) {
    assert!(
        emu.requests().iter().all(|r| r.status >= 400),
        "{:#?}",
        emu.requests()
    );
}

/// The text of a JSON string, or "" for anything else.
fn text_of(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

#[tokio::test]
async fn the_credential_scheme_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}{ACS_PATH}?api-version=2024-03-15-preview"))
            .header("content-type", "application/octet-stream")
            .body(PNG_1X1),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "Unauthorized", "{body}");
    conforms("POST", ACS_PATH, status, &body);
    let (status, body) = send(
        http.post(format!("{base}/api/attachments/"))
            .header("authorization", "Bearer k")
            .json(&json!({"filename": "a.md", "file": "x"})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(text_of(&body["detail"]).contains("Api-Key"), "{body}");
    conforms("POST", "/api/attachments/", status, &body);
    nothing_was_stored(&emu);
}

/// A required parameter, and its value.
#[tokio::test]
async fn the_parameter_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}{ACS_PATH}?api-version=2023-11-07"))
            .bearer_auth("t")
            .header("content-type", "application/octet-stream")
            .body(PNG_1X1),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text_of(&body["error"]["message"]).contains("api-version"),
        "{body}"
    );
    let (status, body) = send(
        http.post(format!("{base}/upload/v1/files"))
            .bearer_auth("t")
            .header("content-type", "image/png")
            .body(PNG_1X1),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT", "{body}");
    assert!(
        text_of(&body["error"]["message"]).contains("agentId"),
        "{body}"
    );
    conforms("POST", "/upload/v1/files", status, &body);
    nothing_was_stored(&emu);
}

#[tokio::test]
async fn the_content_type_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}/upload/v1/files?agentId=a"))
            .bearer_auth("t")
            .header("content-type", "text/plain")
            .body("hello"),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["code"], 415, "{body}");
    let (status, body) = send(
        http.post(format!("{base}/files?api-version=v1"))
            .bearer_auth("t")
            .json(&json!({"purpose": "assistants"})),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["code"], "UnsupportedMediaType", "{body}");
    conforms("POST", "/files", status, &body);
    nothing_was_stored(&emu);
}

/// Multipart part names, and a file part that must be a file, not a text part.
#[tokio::test]
async fn the_multipart_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hi".to_vec()).file_name("a.md"),
    );
    let (status, body) = send(
        http.post(format!("{base}/files?api-version=v1"))
            .bearer_auth("t")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "purpose", "{body}");
    conforms("POST", "/files", status, &body);

    let form = reqwest::multipart::Form::new()
        .text("purpose", "assistants")
        .text("file", "not a file");
    let (status, body) = send(
        http.post(format!("{base}/files?api-version=v1"))
            .bearer_auth("t")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "file", "{body}");
    nothing_was_stored(&emu);
}

/// JSON bodies against their schemas.
#[tokio::test]
async fn the_json_body_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}/api/upload-presigned-url/"))
            .header("authorization", "Api-Key k")
            .json(&json!({"fileSize": "12"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text_of(&body["fileSize"][0]).contains("integer"), "{body}");
    conforms("POST", "/api/upload-presigned-url/", status, &body);
    let (status, body) = send(
        http.post(format!("{base}/v1/files"))
            .bearer_auth("t")
            .json(&json!({"agentId": "a", "fileUrl": "not a url"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text_of(&body["error"]["message"]).contains("fileUrl"),
        "{body}"
    );
    nothing_was_stored(&emu);
}

/// A registration of a file storage does not hold.
#[tokio::test]
async fn the_storage_check_of_a_registration_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let (status, body) = send(
        reqwest::Client::new()
            .post(format!("{}/api/attachments/", emu.base_url()))
            .header("authorization", "Api-Key k")
            .json(&json!({"filename": "a.md", "file": "media/none.md"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text_of(&body["file"][0]).contains("not in storage"),
        "{body}"
    );
    nothing_was_stored(&emu);
}

#[tokio::test]
async fn the_limits_the_clients_enforce_and_the_configured_credential() {
    let emu = Emulator::builder()
        .credential("the-token")
        .limits(
            ApiId::AcsChat,
            Limits::new(["image/png"], ["png"], Some(1024)),
        )
        .start()
        .await
        .expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let acs = format!("{base}{ACS_PATH}?api-version=2024-03-15-preview");
    let post = |body: Vec<u8>, token: &str| {
        http.post(&acs)
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body)
    };
    let (status, body) = send(post(PNG_1X1.to_vec(), "another-token")).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.to_string().contains("another-token"));
    let mut big = PNG_1X1.to_vec();
    big.resize(4096, 0);
    let (status, body) = send(post(big, "the-token")).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "RequestEntityTooLarge");
    // Far larger than the socket buffers: still a clean answer, not a reset.
    let mut huge = PNG_1X1.to_vec();
    huge.resize(16 << 20, 0);
    let (status, body) = send(post(huge, "the-token")).await;
    assert_eq!(status, 413, "{body}");
    let (status, body) = send(post(b"GIF89a not really".to_vec(), "the-token")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = send(post(PNG_1X1.to_vec(), "the-token")).await;
    assert_eq!(status, 201);

    // MaiAgent: the extensions and types its client accepts.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ".to_vec())
            .file_name("tool.exe")
            .mime_str("application/octet-stream")
            .expect("mime"),
    );
    let (status, body) = send(
        http.post(format!("{base}/api/attachments-upload/"))
            .header("authorization", "Api-Key the-token")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["file"][0]
            .as_str()
            .unwrap_or("")
            .contains("Unsupported file type"),
        "{body}"
    );
}
