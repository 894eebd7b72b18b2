//! Each subcommand's upload: the request it sends and the one JSON object it prints.

use crate::common;

use common::{THREAD, write};
use httpmock::prelude::*;

use super::{run, stderr, stdout};

#[test]
fn acs_chat_upload_image_prints_one_json_object() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .is_true(|req| req.uri().path() == format!("/chat/threads/{THREAD}/images"))
            .query_param("api-version", "2024-03-15-preview")
            .header("authorization", "Bearer acs-env-token")
            .header("image-filename", "renamed.png")
            .header("content-length", common::PNG_1X1.len().to_string())
            .is_true(|req| req.body_ref() == common::PNG_1X1);
        then.status(201)
            .header("location", format!("/chat/threads/{THREAD}/images/img1"))
            .json_body(serde_json::json!({"id": "img1", "attachmentType": "inlineImage", "name": "renamed.png"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "sample.png", common::PNG_1X1);
    let output = run(
        &[
            "acs-chat",
            "upload-image",
            file.to_str().expect("utf-8"),
            "--endpoint",
            &server.base_url(),
            "--thread-id",
            THREAD,
            "--filename",
            "renamed.png",
            "--json",
            "--no-progress",
        ],
        &[("ACS_ACCESS_TOKEN", "acs-env-token")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    mock.assert();
    let printed = stdout(&output);
    assert_eq!(printed.lines().count(), 1, "{printed}");
    let value: serde_json::Value = serde_json::from_str(&printed).expect("one JSON object");
    assert_eq!(value["id"], "img1");
    assert_eq!(value["attachment_type"], "inlineImage");
    assert_eq!(
        value["url"],
        format!("{}/chat/threads/{THREAD}/images/img1", server.base_url())
    );
}

#[test]
fn rbm_upload_and_upload_url() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/upload/v1/files")
            .query_param("agentId", "agent-1")
            .query_param("thumbnailUrl", "https://example.com/t.png")
            .header("authorization", "Bearer rbm-flag-token")
            .header("content-type", "image/png");
        then.status(200)
            .json_body(serde_json::json!({"name": "files/up1"}));
    });
    let by_url = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/files")
            .header("authorization", "Bearer rbm-env-token")
            .json_body(
                serde_json::json!({"fileUrl": "https://example.com/cat.jpg", "agentId": "agent-1"}),
            );
        then.status(200)
            .json_body(serde_json::json!({"name": "files/url1"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "cat.png", common::PNG_1X1);
    let output = run(
        &[
            "rbm",
            "upload",
            file.to_str().expect("utf-8"),
            "--agent-id",
            "agent-1",
            "--thumbnail-url",
            "https://example.com/t.png",
            "--endpoint",
            &server.base_url(),
            "--token",
            "rbm-flag-token",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "uploaded as files/up1");
    upload.assert();
    let output = run(
        &[
            "rbm",
            "upload-url",
            "--file-url",
            "https://example.com/cat.jpg",
            "--agent-id",
            "agent-1",
            "--endpoint",
            &server.base_url(),
            "--json",
        ],
        &[("RBM_ACCESS_TOKEN", "rbm-env-token")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), r#"{"name":"files/url1"}"#);
    by_url.assert();
}

#[test]
fn agents_purpose_is_one_the_service_knows_unless_given_as_custom() {
    let server = MockServer::start();
    let custom = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .body_includes("name=\"purpose\"\r\n\r\nevals\r\n");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f1", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "evals"
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "notes.txt", b"hello");
    let args = |purpose: &[&'static str]| -> Vec<String> {
        let mut args = vec![
            "agents".to_string(),
            "upload".into(),
            file.display().to_string(),
            "--endpoint".into(),
            server.base_url(),
            "--token".into(),
            "entra".into(),
        ];
        args.extend(purpose.iter().map(|s| s.to_string()));
        args
    };
    let run_with = |purpose: &[&'static str]| {
        let args = args(purpose);
        run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[])
    };
    // A typo: exit 2, one line naming the known purposes, nothing sent.
    let typo = run_with(&["--purpose", "assistant"]);
    assert_eq!(typo.status.code(), Some(2), "{}", stderr(&typo));
    assert_eq!(stderr(&typo).lines().count(), 1, "{}", stderr(&typo));
    assert!(
        stderr(&typo).contains("assistants, assistants_output, vision, batch, fine-tune"),
        "{}",
        stderr(&typo)
    );
    assert_eq!(custom.calls(), 0);
    // The page's purposes beyond its table are known.
    let batch = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .body_includes("name=\"purpose\"\r\n\r\nfine-tune\r\n");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f2", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "fine-tune", "status": "processed"
        }));
    });
    let known = run_with(&["--purpose", "fine-tune"]);
    assert_eq!(known.status.code(), Some(0), "{}", stderr(&known));
    assert_eq!(
        stdout(&known).trim(),
        "uploaded notes.txt as file f2 (5 bytes, status processed)"
    );
    batch.assert();
    // A new one only when asked for explicitly.
    let new_one = run_with(&["--custom-purpose", "evals"]);
    assert_eq!(new_one.status.code(), Some(0), "{}", stderr(&new_one));
    custom.assert();
    let both = run_with(&["--purpose", "vision", "--custom-purpose", "evals"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn agents_upload_with_wait() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .query_param("api-version", "v1")
            .header("authorization", "Bearer entra")
            .body_includes("name=\"purpose\"\r\n\r\nassistants\r\n");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f9", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "assistants", "status": "running"
        }));
    });
    let poll = server.mock(|when, then| {
        when.method(GET).path("/files/f9");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f9", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "assistants", "status": "processed"
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "notes.txt", b"hello");
    let output = run(
        &[
            "agents",
            "upload",
            file.to_str().expect("utf-8"),
            "--endpoint",
            &server.base_url(),
            "--purpose",
            "assistants",
            "--wait",
            "--token",
            "entra",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "uploaded notes.txt as file f9 (5 bytes, status processed)"
    );
    upload.assert();
    poll.assert();
}

#[test]
fn maiagent_direct_and_presigned_uploads() {
    let server = MockServer::start();
    let direct = server.mock(|when, then| {
        when.method(POST)
            .path("/api/attachments-upload/")
            .header("authorization", "Api-Key mai");
        then.status(200);
    });
    let storage = server.url("/bucket");
    server.mock(|when, then| {
        when.method(POST)
            .path("/api/upload-presigned-url/")
            .header("authorization", "Api-Key mai");
        then.status(200)
            .json_body(serde_json::json!({"url": storage, "fields": {"key": "media/report.pdf"}}));
    });
    let stored = server.mock(|when, then| {
        when.method(POST)
            .path("/bucket")
            .header_missing("authorization");
        then.status(204);
    });
    let registered = server.mock(|when, then| {
        when.method(POST)
            .path("/api/conversations/c-1/attachments/")
            .json_body(serde_json::json!({"type": null, "filename": "report.pdf", "file": "media/report.pdf"}));
        then.status(201).json_body(serde_json::json!({
            "id": "550e8400-e29b-41d4-a716-446655440000", "filename": "report.pdf", "file": "media/report.pdf"
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "report.pdf", b"%PDF-1.4\n%test\n");
    let endpoint = server.url("/api");
    let path = file.to_str().expect("utf-8");
    let output = run(
        &["maiagent", "upload", path, "--endpoint", &endpoint],
        &[("MAIAGENT_API_KEY", "mai")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "uploaded report.pdf");
    direct.assert();
    let output = run(
        &[
            "maiagent",
            "upload",
            path,
            "--presigned",
            "--conversation",
            "c-1",
            "--endpoint",
            &endpoint,
            "--json",
        ],
        &[("MAIAGENT_API_KEY", "mai")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(value["id"], "550e8400-e29b-41d4-a716-446655440000");
    stored.assert();
    registered.assert();
}

#[test]
fn rbm_upload_with_a_service_account_key() {
    let server = MockServer::start();
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/token")
            .body_includes("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
        then.status(200)
            .json_body(serde_json::json!({"access_token": "ya29.cli", "expires_in": 3600}));
    });
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/upload/v1/files")
            .header("authorization", "Bearer ya29.cli");
        then.status(200)
            .json_body(serde_json::json!({"name": "files/cli-sa"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut key: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/service-account.json"))
            .expect("fixture");
    key["token_uri"] = server.url("/token").into();
    let key_path = write(dir.path(), "key.json", key.to_string().as_bytes());
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let output = run(
        &[
            "rbm",
            "upload",
            png.to_str().unwrap(),
            "--agent-id",
            "a",
            "--endpoint",
            &server.base_url(),
        ],
        &[("GOOGLE_APPLICATION_CREDENTIALS", key_path.to_str().unwrap())],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "uploaded as files/cli-sa");
    token.assert();
    upload.assert();
}

#[test]
fn rbm_cache_flag_uploads_a_file_once() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST).path("/upload/v1/files");
        then.status(200)
            .json_body(serde_json::json!({"name": "files/cached"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let cache = dir.path().join("rbm-cache.json");
    for _ in 0..2 {
        let output = run(
            &[
                "rbm",
                "upload",
                png.to_str().unwrap(),
                "--agent-id",
                "a",
                "--endpoint",
                &server.base_url(),
                "--cache",
                cache.to_str().unwrap(),
                "--token",
                "t",
                "--json",
            ],
            &[],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output).trim(), r#"{"name":"files/cached"}"#);
    }
    assert_eq!(upload.calls(), 1);
}
