//! MaiAgent's presigned flow: the form posted to storage, and storage's and registration's
//! failures.

use crate::common;

use common::ExpectedPart;
use httpmock::prelude::*;
use upload_clients::auth::Credential;
use upload_clients::{Error, MaiAgentClient};

use super::png_source;

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
