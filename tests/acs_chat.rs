//! `uploadChatImage` of the generated ACS Chat client against httpmock: the exact request, the
//! typed success (with `Location` and an attachment type the spec does not list) and error.

use crate::common;

use httpmock::prelude::*;
use upload_clients::generated::acs_chat::{Client, Error, types};

use common::THREAD;

#[tokio::test]
async fn upload_chat_image_sends_the_exact_request_and_parses_201() {
    let server = MockServer::start_async().await;
    let location =
        format!("/chat/threads/{THREAD}/images/0-eus-d2-fb42e272282ebb6ef76a3aedd1974433");
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                // ':' and '@' are allowed in a path segment (RFC 3986 pchar) and stay as they are.
                .is_true(|req| req.uri().path() == format!("/chat/threads/{THREAD}/images"))
                .is_true(|req| req.uri().query() == Some("api-version=2024-03-15-preview"))
                .header("authorization", "Bearer acs-token")
                .header("content-type", "application/octet-stream")
                .header("content-length", common::PNG_1X1.len().to_string())
                .header("image-filename", "sample.png")
                .header_missing("api-version")
                .is_true(|req| req.body_ref() == common::PNG_1X1);
            then.status(201)
                .header("location", &location)
                .header("content-type", "application/json")
                .body(
                    r#"{"id":"0-eus-d2-fb42e272282ebb6ef76a3aedd1974433","attachmentType":"inlineImage","name":"sample.png"}"#,
                );
        })
        .await;

    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer acs-token"),
    );
    let response = client
        .upload_chat_image()
        .chat_thread_id(THREAD)
        .api_version("2024-03-15-preview")
        .image_filename("sample.png")
        .body(common::PNG_1X1.to_vec())
        .send()
        .await
        .expect("201 parses");

    mock.assert_async().await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], location.as_str());
    assert_eq!(response.id, "0-eus-d2-fb42e272282ebb6ef76a3aedd1974433");
    assert_eq!(response.name.as_deref(), Some("sample.png"));
    // Microsoft's own sample carries a value its enum does not list: it is kept, not rejected.
    assert!(matches!(
        &response.attachment_type,
        Some(types::ChatAttachmentType::String(s)) if s == "inlineImage"
    ));
}

#[tokio::test]
async fn thread_ids_with_reserved_characters_are_percent_encoded() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).is_true(|req| {
                req.uri().path() == "/chat/threads/19:a%2Fb%3Fc%23d%20e@thread.v2/images"
            });
            then.status(201)
                .json_body(serde_json::json!({"id": "x", "attachmentType": "image"}));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let response = client
        .upload_chat_image()
        .chat_thread_id("19:a/b?c#d e@thread.v2")
        .api_version("2024-03-15-preview")
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .expect("201 parses");
    mock.assert_async().await;
    assert!(matches!(
        response.attachment_type,
        Some(types::ChatAttachmentType::KnownChatAttachmentType(
            types::KnownChatAttachmentType::Image
        ))
    ));
}

#[tokio::test]
async fn error_responses_parse_into_error_response() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path_prefix("/chat/threads/");
            then.status(403).json_body(serde_json::json!({
                "error": {
                    "code": "Forbidden",
                    "message": "The user is not a member of the thread.",
                    "details": [{"code": "NotMember", "message": "not a member"}]
                }
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let err = client
        .upload_chat_image()
        .chat_thread_id(THREAD)
        .api_version("2024-03-15-preview")
        .body(common::PNG_1X1.to_vec())
        .send()
        .await
        .expect_err("403 is an error");
    mock.assert_async().await;
    let Error::ErrorResponse(body) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(body.status(), 403);
    let error = body.into_inner().error.expect("error member");
    assert_eq!(error.code.as_deref(), Some("Forbidden"));
    assert_eq!(error.details.len(), 1);
    assert_eq!(error.details[0].code.as_deref(), Some("NotMember"));
}
