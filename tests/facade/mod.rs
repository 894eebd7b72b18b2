//! The facade clients against httpmock: what they send, what they return, the errors they
//! give, and that bad input sends nothing.

use crate::common;

use std::sync::{Arc, Mutex};

use common::ExpectedPart;
use httpmock::prelude::*;
use upload_clients::ApiErrorBody;
use upload_clients::ai_agents::{KnownFilePurpose, WaitOptions, parse_purpose};
use upload_clients::auth::Credential;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

use common::THREAD;

/// A mock that answers anything; the tests that use it check it was never called.
async fn catch_all(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await
}

fn png_source() -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png")
}

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

/// The bad-input cases of one client: each a name, the call's result and what its message
/// must hold.
type BadInputCases<'a> = Vec<(&'a str, Result<(), Error>, &'a str)>;

/// Checks that every case was refused as bad input, its message holding the case's needle.
#[track_caller]
fn assert_refused(cases: BadInputCases<'_>) {
    for (name, result, needle) in cases {
        let err = result.expect_err(name);
        assert!(err.is_invalid_input(), "{name}: {err:?}");
        assert!(err.to_string().contains(needle), "{name}: {err}");
    }
}

/// Small sources that no API takes: text, an exe, and nothing at all.
fn text_source() -> UploadSource {
    UploadSource::from_bytes(b"hello".to_vec(), "hello.txt")
}

fn empty_source() -> UploadSource {
    UploadSource::from_bytes(Vec::new(), "empty.png")
}

#[tokio::test]
async fn acs_bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = catch_all(&server).await;
    let acs = AcsChatClient::new(&server.base_url(), Credential::bearer("t")).expect("endpoint");
    let big = UploadSource::from_bytes(vec![0u8; 21 * 1024 * 1024], "big.png")
        .with_content_type("image/png");
    assert_refused(vec![
        (
            "acs text",
            acs.upload_image(THREAD, &text_source()).await.map(drop),
            "does not accept",
        ),
        (
            "acs too big",
            acs.upload_image(THREAD, &big).await.map(drop),
            "over the limit",
        ),
        (
            "acs empty",
            acs.upload_image(THREAD, &empty_source()).await.map(drop),
            "is empty",
        ),
        (
            "acs empty thread",
            acs.upload_image("", &png_source()).await.map(drop),
            "thread id is empty",
        ),
        (
            "acs thread with space",
            acs.upload_image("19:a b", &png_source()).await.map(drop),
            "whitespace",
        ),
    ]);
    assert_eq!(mock.calls_async().await, 0, "bad input must send nothing");
}

#[tokio::test]
async fn rbm_bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = catch_all(&server).await;
    let rbm = RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint");
    assert_refused(vec![
        (
            "rbm text",
            rbm.upload_file("agent", &text_source(), None)
                .await
                .map(drop),
            "does not accept",
        ),
        (
            "rbm empty agent",
            rbm.upload_file("", &png_source(), None).await.map(drop),
            "agent id is empty",
        ),
        (
            "rbm bad thumbnail",
            rbm.upload_file("a", &png_source(), Some("file:///etc/passwd"))
                .await
                .map(drop),
            "http:// or https://",
        ),
        (
            "rbm ftp url",
            rbm.create_from_url("a", "ftp://example.com/a.png", None)
                .await
                .map(drop),
            "http:// or https://",
        ),
        (
            "rbm not a url",
            rbm.create_from_url("a", "cat.png", None).await.map(drop),
            "not a valid URL",
        ),
    ]);
    assert_eq!(mock.calls_async().await, 0, "bad input must send nothing");
}

#[tokio::test]
async fn ai_agents_bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = catch_all(&server).await;
    let agents =
        AiAgentsClient::new(&server.base_url(), Credential::bearer("t")).expect("endpoint");
    assert_refused(vec![
        (
            "agents empty",
            agents
                .upload(&empty_source(), KnownFilePurpose::Assistants.into())
                .await
                .map(drop),
            "is empty",
        ),
        (
            "agents empty purpose",
            parse_purpose("").map(drop),
            "purpose is empty",
        ),
    ]);
    assert_eq!(mock.calls_async().await, 0, "bad input must send nothing");
}

#[tokio::test]
async fn maiagent_bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = catch_all(&server).await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint");
    let exe = UploadSource::from_bytes(b"MZ\x90\x00".to_vec(), "tool.exe");
    assert_refused(vec![
        (
            "mai exe",
            mai.upload(&exe).await.map(drop),
            "does not accept",
        ),
        (
            "mai bad conversation",
            mai.upload_presigned(&text_source(), Some("a b"))
                .await
                .map(drop),
            "whitespace",
        ),
    ]);
    assert_eq!(mock.calls_async().await, 0, "bad input must send nothing");
}

#[tokio::test]
async fn bad_endpoints_are_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = catch_all(&server).await;
    for endpoint in [
        "http://example.com",
        "ftp://127.0.0.1",
        "not a url",
        "https://",
        "https://a.com/?x=1",
    ] {
        let err = AcsChatClient::new(endpoint, Credential::bearer("t")).expect_err(endpoint);
        assert!(err.is_invalid_input(), "{endpoint}: {err}");
    }
    assert_eq!(mock.calls_async().await, 0, "bad input must send nothing");
}

#[tokio::test]
async fn api_errors_carry_status_vendor_body_request_id_and_a_hint() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path_prefix("/chat/threads/");
            then.status(401)
                .header("x-ms-request-id", "req-123")
                .json_body(serde_json::json!({"error": {"code": "InvalidToken", "message": "The token is expired."}}));
        })
        .await;
    let acs = AcsChatClient::new(&server.base_url(), Credential::bearer("super-secret-token"))
        .expect("endpoint");
    let err = acs
        .upload_image(THREAD, &png_source())
        .await
        .expect_err("401");
    assert_eq!(err.status(), Some(401));
    let Error::Api(api) = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert_eq!(api.request_id.as_deref(), Some("req-123"));
    assert!(
        matches!(&api.body, ApiErrorBody::AcsChat(e) if e.error.as_ref().and_then(|e| e.code.as_deref()) == Some("InvalidToken"))
    );
    let message = err.to_string();
    assert_eq!(
        message,
        "acs-chat answered HTTP 401: The token is expired. (request id req-123); check the credential (token expired or wrong?)"
    );
    assert!(!format!("{err:?}").contains("super-secret-token"));
    assert!(!format!("{acs:?}").contains("super-secret-token"));
}

#[tokio::test]
async fn statuses_the_spec_does_not_describe_keep_a_short_raw_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/attachments-upload/");
            then.status(502)
                .body("<html>bad gateway</html>".repeat(500));
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint")
        .with_retry(upload_clients::policy::RetryPolicy::none());
    let err = mai.upload(&png_source()).await.expect_err("502");
    let Error::Api(api) = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert_eq!(api.status, 502);
    let ApiErrorBody::Raw(raw) = &api.body else {
        panic!("expected Raw, got {:?}", api.body)
    };
    assert!(
        raw.starts_with("<html>bad gateway") && raw.len() <= 2048,
        "{}",
        raw.len()
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

/// The form the presigned flow must post to storage: the fields of the presign answer below,
/// in its order, then the file.
const PRESIGNED_FORM: &[ExpectedPart<'static>] = &[
    ExpectedPart {
        name: "key",
        filename: None,
        content_type: None,
        data: b"media/${filename}",
    },
    ExpectedPart {
        name: "x-amz-algorithm",
        filename: None,
        content_type: None,
        data: b"AWS4-HMAC-SHA256",
    },
    ExpectedPart {
        name: "policy",
        filename: None,
        content_type: None,
        data: b"cG9saWN5",
    },
    ExpectedPart {
        name: "x-amz-signature",
        filename: None,
        content_type: None,
        data: b"c2ln",
    },
    ExpectedPart {
        name: "file",
        filename: Some("sample.png"),
        content_type: Some("image/png"),
        data: common::PNG_1X1,
    },
];

#[tokio::test]
async fn maiagent_presigned_flow_posts_fields_in_order_file_last_without_credentials() {
    let server = MockServer::start_async().await;
    let storage = server.url("/bucket");
    let presign = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/upload-presigned-url/")
                .query_param("filename", "sample.png")
                .query_param("fieldName", "file")
                .query_param("modelName", "attachment")
                .header("authorization", "Api-Key mai-secret")
                .json_body(serde_json::json!({
                    "fileSize": common::PNG_1X1.len(), "filename": "sample.png",
                    "modelName": "attachment", "fieldName": "file",
                }));
            then.status(200).header("content-type", "application/json").body(format!(
                r#"{{"url":"{storage}","fields":{{"key":"media/${{filename}}","x-amz-algorithm":"AWS4-HMAC-SHA256","policy":"cG9saWN5","x-amz-signature":"c2ln"}}}}"#
            ));
        })
        .await;
    // The length reqwest computes for the form must be the one sent: no chunked upload.
    let upload = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/bucket")
                .header_missing("authorization")
                .header_missing("transfer-encoding")
                .is_true(|req| {
                    req.headers()
                        .get("content-length")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<usize>().ok())
                        == Some(req.body_ref().len())
                })
                .is_true(|req| common::multipart_is(req, PRESIGNED_FORM));
            then.status(204);
        })
        .await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/conversations/550e8400-e29b-41d4-a716-446655440000/attachments/")
                .header("authorization", "Api-Key mai-secret")
                .json_body(serde_json::json!({
                    "type": null,
                    "filename": "sample.png",
                    "file": "media/sample.png",
                    "conversation": "550e8400-e29b-41d4-a716-446655440000"
                }));
            then.status(201).json_body(serde_json::json!({
                "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "type": "image", "filename": "sample.png",
                "file": "https://cdn.example.com/media/sample.png",
                "conversation": "550e8400-e29b-41d4-a716-446655440000"
            }));
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("mai-secret"))
        .expect("client")
        .with_base_url(&server.url("/api"))
        .expect("endpoint");
    let attachment = mai
        .upload_presigned(&png_source(), Some("550e8400-e29b-41d4-a716-446655440000"))
        .await
        .expect("uploaded and registered");
    presign.assert_async().await;
    upload.assert_async().await;
    register.assert_async().await;
    assert_eq!(
        attachment.id.to_string(),
        "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    );
    assert_eq!(attachment.attachment_type, Some(serde_json::json!("image")));
}

#[tokio::test]
async fn storage_xml_errors_are_typed_and_registration_failures_keep_the_key() {
    let server = MockServer::start_async().await;
    let storage = server.url("/bucket");
    server
        .mock_async(|when, then| {
            when.method(POST).path("/upload-presigned-url/");
            then.status(200).json_body(serde_json::json!({"url": storage, "fields": {"key": "media/a.png", "policy": "p"}}));
        })
        .await;
    let too_large = server
        .mock_async(|when, then| {
            when.method(POST).path("/bucket");
            then.status(400).header("x-amz-request-id", "s3req").body(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>",
            );
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint");
    let err = mai
        .upload_presigned(&png_source(), None)
        .await
        .expect_err("too large");
    let Error::Storage(storage_error) = &err else {
        panic!("expected Storage, got {err:?}")
    };
    assert_eq!(storage_error.code.as_deref(), Some("EntityTooLarge"));
    assert_eq!(
        storage_error.request_id.as_deref(),
        Some("4442587FB7D0A2F9")
    );
    assert!(
        err.to_string()
            .contains("larger than the presigned policy allows"),
        "{err}"
    );

    too_large.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/bucket");
            then.status(201);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/attachments/");
            then.status(400)
                .json_body(serde_json::json!({"file": ["Enter a valid URL."]}));
        })
        .await;
    let err = mai
        .upload_presigned(&png_source(), None)
        .await
        .expect_err("registration fails");
    let Error::Registration { key, source } = &err else {
        panic!("expected Registration, got {err:?}")
    };
    assert_eq!(key, "media/a.png");
    assert_eq!(source.status(), Some(400));
    assert!(err.to_string().contains("register that key again"), "{err}");
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

// ---------------------------------------------------------------------------------------------
// What arrives is what was sent: storage's ETag, AI Agents' size, the service's clock

/// What one presigned upload against httpmock did: its result, and how many storage POSTs and
/// registrations the service saw.
struct PresignedRun {
    result: Result<upload_clients::maiagent::Attachment, Error>,
    storage_posts: usize,
    registrations: usize,
}

/// What the presign answer carries: its `Date` header, when given, and the form's `policy`.
struct PresignAnswer<'a> {
    date: Option<&'a str>,
    policy: &'a str,
}

/// A presign answer without a `Date`, whose policy is not base64 JSON (nothing to pre-check).
const PLAIN_PRESIGN: PresignAnswer<'static> = PresignAnswer {
    date: None,
    policy: "cG9saWN5",
};

/// MaiAgent's presigned flow for `source` against httpmock: the presign answer as `presign`
/// says, storage answering 204 with `etag` and `headers`, the client trying 3 times with no
/// real wait.
async fn presigned_with_storage_answer(
    source: &UploadSource,
    presign: PresignAnswer<'_>,
    etag: Option<&str>,
    headers: &[(&str, &str)],
) -> PresignedRun {
    let server = MockServer::start_async().await;
    let storage = server.url("/bucket");
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/upload-presigned-url/");
            let mut then = then.status(200);
            if let Some(date) = presign.date {
                then = then.header("date", date);
            }
            then.json_body(serde_json::json!({
                "url": storage, "fields": {"key": "media/${filename}", "policy": presign.policy}
            }));
        })
        .await;
    let stored = server
        .mock_async(|when, then| {
            when.method(POST).path("/bucket");
            let mut then = then.status(204);
            if let Some(etag) = etag {
                then = then.header("etag", etag);
            }
            for (name, value) in headers {
                then = then.header(*name, *value);
            }
        })
        .await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/attachments/");
            then.status(201).json_body(serde_json::json!({
                "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "filename": source.file_name(),
                "file": format!("media/{}", source.file_name())
            }));
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("mai-secret"))
        .expect("client")
        .with_base_url(&server.url("/api"))
        .expect("endpoint")
        .with_retry(upload_clients::policy::RetryPolicy {
            max_attempts: 3,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(5),
            deadline: None,
        });
    let result = mai.upload_presigned(source, None).await;
    PresignedRun {
        result,
        storage_posts: stored.calls_async().await,
        registrations: register.calls_async().await,
    }
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A 3 MiB file (streamed, not sent as one buffer) that is not one byte repeated.
fn large_file(dir: &std::path::Path) -> (std::path::PathBuf, Vec<u8>) {
    let data: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..3 * 1024 * 1024u32).map(|i| (i * 7 % 251) as u8))
        .collect();
    let path = dir.join("report.pdf");
    std::fs::write(&path, &data).expect("write");
    (path, data)
}

#[tokio::test]
async fn a_storage_etag_other_than_the_md5_sent_is_sent_again_then_fails_and_nothing_is_registered()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, data) = large_file(dir.path());
    let streamed = UploadSource::from_path(&path).await.expect("source");
    let small = png_source();
    let wrong = "\"0123456789abcdef0123456789abcdef\"";
    for (what, source, content) in [
        ("sent as one buffer", &small, common::PNG_1X1),
        ("streamed", &streamed, data.as_slice()),
    ] {
        let run = presigned_with_storage_answer(source, PLAIN_PRESIGN, Some(wrong), &[]).await;
        let error = run.result.expect_err(what);
        let Error::RetriesExhausted {
            attempts,
            source: cause,
        } = &error
        else {
            panic!("{what}: not retried: {error:?}");
        };
        assert!(
            matches!(**cause, Error::Integrity { .. }),
            "{what}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&md5_hex(content))
                && message.contains("0123456789abcdef0123456789abcdef")
                && message.contains("media/"),
            "{what}: the message names both MD5s and the key: {message}"
        );
        assert_eq!(
            (*attempts, run.storage_posts, run.registrations),
            (3, 3, 0),
            "{what}: sent again each attempt, never registered"
        );
        // The control: storage answering the MD5 of what was sent.
        let right = format!("\"{}\"", md5_hex(content));
        let run = presigned_with_storage_answer(source, PLAIN_PRESIGN, Some(&right), &[]).await;
        run.result.expect(what);
        assert_eq!((run.storage_posts, run.registrations), (1, 1), "{what}");
    }
}

#[tokio::test]
async fn an_etag_that_states_no_md5_checks_nothing() {
    let wrong = "0123456789abcdef0123456789abcdef";
    let multipart = format!("\"{wrong}-2\"");
    let quoted = format!("\"{wrong}\"");
    for (what, etag, headers) in [
        ("no ETag", None, &[][..]),
        ("a multipart ETag", Some(multipart.as_str()), &[][..]),
        (
            "SSE-KMS",
            Some(quoted.as_str()),
            &[("x-amz-server-side-encryption", "aws:kms")][..],
        ),
        (
            "SSE-C",
            Some(quoted.as_str()),
            &[("x-amz-server-side-encryption-customer-algorithm", "AES256")][..],
        ),
    ] {
        let run = presigned_with_storage_answer(&png_source(), PLAIN_PRESIGN, etag, headers).await;
        assert!(run.result.is_ok(), "{what}: {:?}", run.result);
        assert_eq!((run.storage_posts, run.registrations), (1, 1), "{what}");
    }
}

#[tokio::test]
async fn an_ai_agents_file_of_another_size_fails_naming_it_and_is_not_uploaded_again() {
    let server = MockServer::start_async().await;
    let len = common::PNG_1X1.len();
    let upload = server
        .mock_async(|when, then| {
            when.method(POST).path("/files");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "assistant-short", "bytes": len - 1,
                "filename": "sample.png", "created_at": 1, "purpose": "assistants",
            }));
        })
        .await;
    let agents = AiAgentsClient::new(&server.url(""), Credential::bearer("t")).expect("client");
    let error = agents
        .upload(&png_source(), KnownFilePurpose::Assistants.into())
        .await
        .expect_err("a short file");
    assert!(matches!(error, Error::Integrity { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("assistant-short")
            && message.contains(&len.to_string())
            && message.contains(&(len - 1).to_string()),
        "names the file and both sizes: {message}"
    );
    assert_eq!(upload.calls_async().await, 1, "not uploaded again");
}

/// A policy document expiring at `expiration`, base64 as presigners send it.
fn policy_expiring(expiration: chrono::DateTime<chrono::Utc>) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(
        serde_json::json!({
            "expiration": expiration.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "conditions": [["starts-with", "$key", "media/"]],
        })
        .to_string(),
    )
}

/// The presigned flow with the service's clock `service_ahead` of this machine's and its
/// policy valid for `valid_for` by its clock (negative: expired).
async fn presigned_on_the_services_clock(
    service_ahead: chrono::TimeDelta,
    valid_for: chrono::TimeDelta,
) -> PresignedRun {
    let service_now = chrono::Utc::now() + service_ahead;
    let date = httpdate::fmt_http_date(service_now.into());
    let policy = policy_expiring(service_now + valid_for);
    let presign = PresignAnswer {
        date: Some(&date),
        policy: &policy,
    };
    presigned_with_storage_answer(&png_source(), presign, None, &[]).await
}

#[tokio::test]
async fn a_policy_is_valid_or_expired_by_the_services_clock_not_this_machines() {
    let hours = chrono::TimeDelta::hours;
    // The service is 3 h behind: its policy, valid for another hour by its clock, expired
    // 2 h ago by this machine's.
    let behind = presigned_on_the_services_clock(hours(-3), hours(1)).await;
    assert!(behind.result.is_ok(), "accepted: {:?}", behind.result);
    assert_eq!((behind.storage_posts, behind.registrations), (1, 1));
    // The service is 3 h ahead: its policy expired an hour ago by its clock, and is valid
    // for 2 h more by this machine's. Refused before anything goes to storage.
    let ahead = presigned_on_the_services_clock(hours(3), hours(-1)).await;
    let error = ahead.result.expect_err("expired by the service's clock");
    let message = error.to_string();
    assert!(
        message.contains("expired")
            && message.contains("service's clock")
            && message.contains("this machine's"),
        "names both clocks: {message}"
    );
    assert_eq!(
        (ahead.storage_posts, ahead.registrations),
        (0, 0),
        "nothing sent to storage"
    );
}
