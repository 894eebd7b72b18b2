//! What the facade clients send and return on success: sources from paths and streams, ACS's
//! upload, a token provider asked before every request, and AI Agents' upload and wait.

use crate::common;

use httpmock::prelude::*;
use std::sync::{Arc, Mutex};
use upload_clients::ai_agents::{KnownFilePurpose, WaitOptions};
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, AiAgentsClient, Error, RbmClient, UploadSource};

use common::THREAD;

use super::png_source;

#[tokio::test]
async fn sources_from_paths_are_typed_by_content_and_refused_when_missing_empty_or_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A PNG whose name says .jpg: the bytes win.
    let misnamed = dir.path().join("photo.jpg");
    std::fs::write(&misnamed, common::PNG_1X1).expect("write");
    let source = UploadSource::from_path(&misnamed).await.expect("readable");
    assert_eq!(source.content_type(), "image/png");
    assert_eq!(source.file_name(), "photo.jpg");
    assert_eq!(source.len(), Some(common::PNG_1X1.len() as u64));
    // Text has no magic bytes: the extension decides.
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "# hi").expect("write");
    assert_eq!(
        UploadSource::from_path(&notes)
            .await
            .expect("ok")
            .content_type(),
        "text/markdown"
    );

    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").expect("write");
    let err = UploadSource::from_path(&empty).await.expect_err("empty");
    assert!(
        err.is_invalid_input() && err.to_string().contains("is empty"),
        "{err}"
    );
    let err = UploadSource::from_path(dir.path().join("missing.png"))
        .await
        .expect_err("missing");
    assert!(
        err.is_invalid_input() && err.to_string().contains("no such file"),
        "{err}"
    );
    let err = UploadSource::from_path(dir.path())
        .await
        .expect_err("directory");
    assert!(
        err.is_invalid_input() && err.to_string().contains("is a directory"),
        "{err}"
    );
}

#[tokio::test]
async fn acs_upload_image_streams_the_file_and_resolves_location() {
    let server = MockServer::start_async().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sample.png");
    std::fs::write(&path, common::PNG_1X1).expect("write");
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(|req| req.uri().path() == format!("/chat/threads/{THREAD}/images"))
                .is_true(|req| req.uri().query() == Some("api-version=2024-03-15-preview"))
                .header("authorization", "Bearer acs-token")
                .header("content-type", "application/octet-stream")
                .header("content-length", common::PNG_1X1.len().to_string())
                .header_missing("transfer-encoding")
                .header("image-filename", "sample.png")
                .is_true(|req| req.body_ref() == common::PNG_1X1);
            then.status(201)
                .header("location", format!("/chat/threads/{THREAD}/images/0-eus-d2-abc"))
                .json_body(serde_json::json!({"id": "0-eus-d2-abc", "attachmentType": "inlineImage", "name": "sample.png"}));
        })
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = seen.clone();
    let source = UploadSource::from_path(&path)
        .await
        .expect("readable")
        .on_progress(move |p| progress.lock().expect("lock").push((p.sent, p.total)));
    let acs =
        AcsChatClient::new(&server.base_url(), Credential::bearer("acs-token")).expect("endpoint");
    let image = acs.upload_image(THREAD, &source).await.expect("uploaded");
    mock.assert_async().await;
    assert_eq!(image.id, "0-eus-d2-abc");
    assert_eq!(
        image.url.expect("location").as_str(),
        format!(
            "{}/chat/threads/{THREAD}/images/0-eus-d2-abc",
            server.base_url()
        )
    );
    let total = common::PNG_1X1.len() as u64;
    assert_eq!(
        seen.lock().expect("lock").last(),
        Some(&(total, Some(total)))
    );
}

#[tokio::test]
async fn a_stream_of_known_length_is_sent_with_content_length_and_only_once() {
    let server = MockServer::start_async().await;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let expected = data.clone();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .header("content-length", "300000")
                .header("content-type", "video/mp4")
                .is_true(move |req| req.body_ref() == expected.as_slice());
            then.status(200)
                .json_body(serde_json::json!({"name": "files/v1"}));
        })
        .await;
    let chunks: Vec<std::io::Result<bytes::Bytes>> = data
        .chunks(70_000)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let source = UploadSource::from_stream(
        futures_util::stream::iter(chunks),
        "clip.mp4",
        Some(300_000),
    );
    assert!(!source.is_replayable());
    let rbm = RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint");
    assert_eq!(
        rbm.upload_file("agent", &source, None)
            .await
            .expect("uploaded")
            .name,
        "files/v1"
    );
    mock.assert_async().await;
    let again = rbm
        .upload_file("agent", &source, None)
        .await
        .expect_err("one-shot");
    assert!(
        again.to_string().contains("cannot be sent again"),
        "{again}"
    );
}

#[tokio::test]
async fn a_stream_shorter_than_announced_fails_instead_of_sending_a_wrong_file() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(serde_json::json!({"name": "files/x"}));
        })
        .await;
    let chunks = vec![Ok(bytes::Bytes::from_static(b"only ten b"))];
    let source = UploadSource::from_stream(futures_util::stream::iter(chunks), "a.mp4", Some(100));
    let rbm = RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint");
    let err = rbm
        .upload_file("agent", &source, None)
        .await
        .expect_err("short stream");
    // The failure would be worth a retry, but a one-shot stream cannot be sent again: it says so.
    let Error::NotRetried { source, .. } = &err else {
        panic!("expected NotRetried, got {err:?}")
    };
    assert!(matches!(**source, Error::Transport(_)), "{source:?}");
    assert!(
        err.to_string()
            .contains("not retried: the source is a one-shot stream"),
        "{err}"
    );
}

#[tokio::test]
async fn upload_and_wait_polls_until_processed() {
    let server = MockServer::start_async().await;
    let upload = server
        .mock_async(|when, then| {
            when.method(POST).path("/files");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "f1", "bytes": 67, "filename": "sample.png",
                "created_at": 1, "purpose": "vision", "status": "running"
            }));
        })
        .await;
    let poll = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/files/f1")
                .query_param("api-version", "v1")
                .header("authorization", "Bearer t");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "f1", "bytes": 67, "filename": "sample.png",
                "created_at": 1, "purpose": "vision", "status": "processed"
            }));
        })
        .await;
    let agents =
        AiAgentsClient::new(&server.base_url(), Credential::bearer("t")).expect("endpoint");
    let wait = WaitOptions {
        interval: std::time::Duration::from_millis(10),
        deadline: std::time::Duration::from_secs(5),
    };
    let info = agents
        .upload_and_wait(&png_source(), KnownFilePurpose::Vision.into(), wait)
        .await
        .expect("processed");
    assert_eq!(info.id, "f1");
    upload.assert_async().await;
    poll.assert_async().await;
}

#[tokio::test]
async fn upload_and_wait_reports_processing_errors_and_deadlines() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/files");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "bad", "bytes": 67, "filename": "sample.png", "created_at": 1,
                "purpose": "assistants", "status": "error", "status_details": "unsupported file format"
            }));
        })
        .await;
    let agents =
        AiAgentsClient::new(&server.base_url(), Credential::bearer("t")).expect("endpoint");
    let err = agents
        .upload_and_wait(
            &png_source(),
            KnownFilePurpose::Assistants.into(),
            WaitOptions::default(),
        )
        .await
        .expect_err("error state");
    assert_eq!(
        err.to_string(),
        "file bad failed processing: unsupported file format"
    );

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "slow", "bytes": 67, "filename": "sample.png", "created_at": 1,
                "purpose": "assistants", "status": "pending"
            }));
        })
        .await;
    let agents =
        AiAgentsClient::new(&server.base_url(), Credential::bearer("t")).expect("endpoint");
    let wait = WaitOptions {
        interval: std::time::Duration::from_millis(20),
        deadline: std::time::Duration::from_millis(100),
    };
    let err = agents
        .upload_and_wait(&png_source(), KnownFilePurpose::Assistants.into(), wait)
        .await
        .expect_err("deadline");
    assert!(
        matches!(err, Error::Timeout(_)) && err.to_string().contains("still pending"),
        "{err}"
    );
}

#[tokio::test]
async fn a_token_provider_is_asked_before_every_request() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use upload_clients::auth::{TokenFuture, TokenProvider};

    struct Counting(Arc<AtomicUsize>);
    impl TokenProvider for Counting {
        fn token(&self) -> TokenFuture<'_> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move { Ok(format!("token-{n}").into()) })
        }
    }
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST).path("/files").header("authorization", "Bearer token-1");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "f", "bytes": 67, "filename": "sample.png", "created_at": 1, "purpose": "vision"
            }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET).path("/files/f").header("authorization", "Bearer token-2");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "f", "bytes": 67, "filename": "sample.png", "created_at": 1, "purpose": "vision"
            }));
        })
        .await;
    let asked = Arc::new(AtomicUsize::new(0));
    let agents = AiAgentsClient::new(
        &server.base_url(),
        Credential::provider(Counting(asked.clone())),
    )
    .expect("endpoint");
    agents
        .upload(&png_source(), KnownFilePurpose::Vision.into())
        .await
        .expect("upload");
    agents.get("f").await.expect("get");
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}
