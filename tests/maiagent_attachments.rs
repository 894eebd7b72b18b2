//! MaiAgent attachments against httpmock: the multipart `createAttachmentUpload` (hand-written)
//! and the generated presigned-URL and registration operations, exact requests and typed bodies.

use crate::common;

use common::ExpectedPart;
use httpmock::prelude::*;
use upload_clients::body::Part;
use upload_clients::generated::maiagent_attachments::{Client, Error, types};
use upload_clients::maiagent::MaiAgentAttachmentsExt;

const API_KEY: &str = "Api-Key mai-secret";

#[tokio::test]
async fn create_attachment_upload_sends_one_file_part() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/attachments-upload/")
                .is_true(|req| req.uri().query().is_none())
                .header("authorization", API_KEY)
                .header_exists("content-length")
                .header_missing("api-version")
                .is_true(|req| {
                    common::multipart_is(
                        req,
                        &[ExpectedPart {
                            name: "file",
                            filename: Some("example_file.pdf"),
                            content_type: Some("application/pdf"),
                            data: b"%PDF-1.4 test",
                        }],
                    )
                });
            then.status(200);
        })
        .await;
    let client = Client::new_with_client(
        &server.url("/api"),
        reqwest::Client::new(),
        common::hooks(API_KEY),
    );
    let part = Part::bytes(b"%PDF-1.4 test".to_vec())
        .file_name("example_file.pdf")
        .mime_str("application/pdf")
        .expect("mime");
    let response = client
        .create_attachment_upload()
        .file(part)
        .send()
        .await
        .expect("200");
    mock.assert_async().await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn create_attachment_upload_errors_parse_as_maiagent_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/attachments-upload/");
            then.status(401)
                .json_body(serde_json::json!({"detail": "Invalid API key."}));
        })
        .await;
    let client = Client::new_with_client(
        &server.url("/api"),
        reqwest::Client::new(),
        common::hooks(API_KEY),
    );
    let err = client
        .create_attachment_upload()
        .file(Part::bytes(b"x".to_vec()).file_name("x.txt"))
        .send()
        .await
        .expect_err("401");
    let Error::ErrorResponse(body) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(body.status(), 401);
    assert_eq!(
        body.into_inner().get("detail"),
        Some(&serde_json::json!("Invalid API key."))
    );
}

#[tokio::test]
async fn create_upload_presigned_url_sends_query_and_file_size_and_keeps_field_order() {
    let server = MockServer::start_async().await;
    // The fields in a deliberately non-alphabetical order: the client must keep it.
    let body = r#"{"url":"https://s3.example.com/bucket-name","fields":{"key":"media/chat/attachment/filename.pdf","x-amz-algorithm":"AWS4-HMAC-SHA256","x-amz-credential":"AKIAXXXXXXXXXXXXXXXX/20261123/us-east-1/s3/aws4_request","x-amz-date":"20261123T000000Z","policy":"cG9saWN5","x-amz-signature":"c2ln"}}"#;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/upload-presigned-url/")
                .query_param("fieldName", "file")
                .query_param("filename", "filename.pdf")
                .query_param("modelName", "attachment")
                .header("authorization", API_KEY)
                .header("content-type", "application/json")
                .header_missing("api-version")
                .json_body(serde_json::json!({"fileSize": 123}));
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    let client = Client::new_with_client(
        &server.url("/api"),
        reqwest::Client::new(),
        common::hooks(API_KEY),
    );
    let presigned = client
        .create_upload_presigned_url()
        .field_name("file")
        .filename("filename.pdf")
        .model_name("attachment")
        .body(types::UploadPresignedUrlRequest::builder().file_size(123))
        .send()
        .await
        .expect("200 parses");
    mock.assert_async().await;
    assert_eq!(presigned.url, "https://s3.example.com/bucket-name");
    let names: Vec<&str> = presigned.fields.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "key",
            "x-amz-algorithm",
            "x-amz-credential",
            "x-amz-date",
            "policy",
            "x-amz-signature"
        ]
    );
    assert_eq!(
        presigned.fields["key"],
        "media/chat/attachment/filename.pdf"
    );
}

#[tokio::test]
async fn create_attachment_registers_the_uploaded_file() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/attachments/")
                .header("authorization", API_KEY)
                .header("content-type", "application/json")
                .json_body(serde_json::json!({
                    "filename": "filename.pdf",
                    "file": "https://s3.example.com/bucket-name/media/chat/attachment/filename.pdf"
                }));
            then.status(201).json_body(serde_json::json!({
                "id": "550e8400-e29b-41d4-a716-446655440000",
                "type": {},
                "filename": "filename.pdf",
                "file": "media/chat/attachment/filename.pdf"
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.url("/api"),
        reqwest::Client::new(),
        common::hooks(API_KEY),
    );
    let attachment = client
        .create_attachment()
        .body(
            types::AttachmentCreate::builder()
                .filename("filename.pdf")
                .file("https://s3.example.com/bucket-name/media/chat/attachment/filename.pdf"),
        )
        .send()
        .await
        .expect("201 parses");
    mock.assert_async().await;
    assert_eq!(attachment.status(), 201);
    assert_eq!(
        attachment.id.to_string(),
        "550e8400-e29b-41d4-a716-446655440000"
    );
    assert_eq!(
        attachment.type_.as_ref().map(|t| t.0.clone()),
        Some(serde_json::json!({}))
    );
}

#[tokio::test]
async fn create_conversation_attachment_posts_to_the_conversation() {
    let server = MockServer::start_async().await;
    let conversation = "550e8400-e29b-41d4-a716-446655440000";
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/conversations/{conversation}/attachments/"))
                .header("authorization", API_KEY)
                .json_body(serde_json::json!({
                    "type": "image",
                    "filename": "cat.png",
                    "file": "https://s3.example.com/b/cat.png",
                    "conversation": conversation
                }));
            then.status(201).json_body(serde_json::json!({
                "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "type": null,
                "filename": "cat.png",
                "file": "https://s3.example.com/b/cat.png",
                "conversation": conversation
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.url("/api"),
        reqwest::Client::new(),
        common::hooks(API_KEY),
    );
    let conversation_id: uuid::Uuid = conversation.parse().expect("uuid");
    let attachment = client
        .create_conversation_attachment()
        .conversation_pk(conversation)
        .body(
            types::ConversationAttachmentCreate::builder()
                .type_(Some(types::AttachmentType(serde_json::json!("image"))))
                .filename("cat.png")
                .file("https://s3.example.com/b/cat.png")
                .conversation(Some(conversation_id)),
        )
        .send()
        .await
        .expect("201 parses");
    mock.assert_async().await;
    assert_eq!(attachment.conversation, Some(conversation_id));
    assert!(attachment.type_.is_none());
}

#[tokio::test]
async fn registration_errors_parse_as_maiagent_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/attachments/");
            then.status(400)
                .json_body(serde_json::json!({"file": ["Enter a valid URL."]}));
        })
        .await;
    let client = Client::new_with_client(
        &server.url("/api"),
        reqwest::Client::new(),
        common::hooks(API_KEY),
    );
    let err = client
        .create_attachment()
        .body(
            types::AttachmentCreate::builder()
                .filename("a")
                .file("not a url"),
        )
        .send()
        .await
        .expect_err("400");
    let Error::ErrorResponse(body) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(body.status(), 400);
    let error = body.into_inner();
    assert!(error.get("detail").is_none());
    assert_eq!(error["file"], serde_json::json!(["Enter a valid URL."]));
}
