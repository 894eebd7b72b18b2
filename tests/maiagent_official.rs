//! The MaiAgent facade as MaiAgent's official examples use the service (beyond its page): the
//! presign body, 200 or 201 with or without the attachment, the multipart upload to
//! `/attachments/`, the registration `type`, and the pre-flight of the presigned policy.

use crate::common;

use base64::Engine as _;
use httpmock::prelude::*;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{Error, MaiAgentClient, UploadSource};

const ID: &str = "c0f4b764-3b4c-4c3e-9a5e-0c4f7a3e2b11";

fn client(server: &MockServer) -> MaiAgentClient {
    MaiAgentClient::new(Credential::api_key("mai-key"))
        .expect("client")
        .with_base_url(&server.url("/api/v1"))
        .expect("base URL")
        .with_retry(RetryPolicy::none())
}

fn pdf() -> UploadSource {
    UploadSource::from_bytes(b"%PDF-1.7 report".to_vec(), "報告書.pdf")
}

fn attachment() -> serde_json::Value {
    serde_json::json!({
        "id": ID, "type": "other", "filename": "報告書.pdf",
        "file": "https://api.maiagent.ai/media/chat/attachment/report.pdf",
    })
}

#[tokio::test]
async fn presign_sends_filename_model_field_and_size_in_the_body_and_the_query() {
    let server = MockServer::start_async().await;
    let presign = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/upload-presigned-url/")
                .query_param("filename", "報告書.pdf")
                .query_param("modelName", "attachment")
                .query_param("fieldName", "file")
                .json_body(serde_json::json!({
                    "filename": "報告書.pdf", "modelName": "attachment", "fieldName": "file",
                    "fileSize": 15,
                }));
            then.status(200).json_body(serde_json::json!({
                "url": "https://s3.example.com/bucket", "fields": {"key": "media/${filename}"},
            }));
        })
        .await;
    let post = client(&server).presign(&pdf()).await.expect("presigned");
    presign.assert_async().await;
    assert_eq!(
        post.key_for("報告書.pdf").as_deref(),
        Some("media/報告書.pdf")
    );
}

#[tokio::test]
async fn a_direct_upload_accepts_200_and_201_with_or_without_the_attachment() {
    for (status, body, returned) in [
        (200, None, false),
        (201, None, false),
        (200, Some(attachment()), true),
        (201, Some(attachment()), true),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/attachments-upload/");
                let then = then.status(status);
                if let Some(body) = &body {
                    then.json_body(body.clone());
                }
            })
            .await;
        let uploaded = client(&server)
            .upload(&pdf())
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        mock.assert_async().await;
        assert_eq!(uploaded.is_some(), returned, "{status} {body:?}");
        if let Some(attachment) = uploaded {
            assert_eq!(attachment.id.to_string(), ID);
            assert_eq!(attachment.filename, "報告書.pdf");
        }
    }
}

#[tokio::test]
async fn upload_attachment_posts_the_file_to_attachments_and_returns_it() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/attachments/")
                .header("authorization", "Api-Key mai-key")
                .header_exists("content-length")
                .is_true(|req| {
                    common::multipart_is(
                        req,
                        &[common::ExpectedPart {
                            name: "file",
                            filename: Some("報告書.pdf"),
                            content_type: Some("application/pdf"),
                            data: b"%PDF-1.7 report",
                        }],
                    )
                });
            then.status(201).json_body(attachment());
        })
        .await;
    let attachment = client(&server)
        .upload_attachment(&pdf())
        .await
        .expect("uploaded");
    mock.assert_async().await;
    assert_eq!(attachment.id.to_string(), ID);
    assert_eq!(attachment.attachment_type, Some(serde_json::json!("other")));

    // A 201 without the attachment cannot give the caller an id: said so, not silently.
    let empty = MockServer::start_async().await;
    empty
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/attachments/");
            then.status(201);
        })
        .await;
    let err = client(&empty)
        .upload_attachment(&pdf())
        .await
        .expect_err("no attachment");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
}

#[tokio::test]
async fn registration_sends_type_null_by_default_and_the_type_the_caller_set() {
    for (client_type, sent) in [
        (None, serde_json::Value::Null),
        (Some("image"), serde_json::json!("image")),
    ] {
        let server = MockServer::start_async().await;
        let register = server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/attachments/").json_body(
                    serde_json::json!({"type": sent, "filename": "cat.png", "file": "media/cat.png"}),
                );
                then.status(201).json_body(attachment());
            })
            .await;
        let mut mai = client(&server);
        if let Some(t) = client_type {
            mai = mai.with_attachment_type(t);
        }
        mai.register("media/cat.png", "cat.png", None)
            .await
            .expect("registered");
        register.assert_async().await;
    }
}

/// A presign answer whose policy (base64 JSON) says `policy`.
fn presign_answer(storage: &MockServer, policy: serde_json::Value) -> serde_json::Value {
    let encoded = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    serde_json::json!({
        "url": storage.url("/bucket"),
        "fields": {"key": "media/${filename}", "policy": encoded, "x-amz-signature": "0123456789abcdef"},
    })
}

#[tokio::test]
async fn a_policy_that_expired_or_excludes_the_size_fails_before_storage() {
    let cases = [
        (
            serde_json::json!({"expiration": "2020-01-01T00:00:00Z", "conditions": []}),
            "expired",
        ),
        (
            serde_json::json!({"expiration": "2999-01-01T00:00:00Z",
                "conditions": [["content-length-range", 1, 10]]}),
            "only 1 to 10 bytes",
        ),
        (
            serde_json::json!({"conditions": [["content-length-range", "100", "1000"]]}),
            "only 100 to 1000 bytes",
        ),
    ];
    for (policy, says) in cases {
        let storage = MockServer::start_async().await;
        let stored = storage
            .mock_async(|when, then| {
                when.any_request();
                then.status(204);
            })
            .await;
        let api = MockServer::start_async().await;
        let answer = presign_answer(&storage, policy.clone());
        let presign = api
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/upload-presigned-url/");
                then.status(200).json_body(answer);
            })
            .await;
        let register = api
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/attachments/");
                then.status(201).json_body(attachment());
            })
            .await;
        let err = client(&api)
            .upload_presigned(&pdf(), None)
            .await
            .expect_err("refused");
        assert!(err.to_string().contains(says), "{policy}: {err}");
        assert!(
            err.to_string().contains("nothing was sent to storage"),
            "{err}"
        );
        presign.assert_async().await;
        stored.assert_calls_async(0).await;
        register.assert_calls_async(0).await;
    }

    // A policy that allows the file lets it through.
    let storage = MockServer::start_async().await;
    let stored = storage
        .mock_async(|when, then| {
            when.method(POST).path("/bucket");
            then.status(204);
        })
        .await;
    let api = MockServer::start_async().await;
    let answer = presign_answer(
        &storage,
        serde_json::json!({"expiration": "2999-01-01T00:00:00Z",
            "conditions": [["content-length-range", 15, 15]]}),
    );
    api.mock_async(|when, then| {
        when.method(POST).path("/api/v1/upload-presigned-url/");
        then.status(200).json_body(answer);
    })
    .await;
    api.mock_async(|when, then| {
        when.method(POST).path("/api/v1/attachments/");
        then.status(201).json_body(attachment());
    })
    .await;
    client(&api)
        .upload_presigned(&pdf(), None)
        .await
        .expect("uploaded");
    stored.assert_async().await;
}
