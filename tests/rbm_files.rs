//! RBM `files.create` against httpmock: `uploadFile` (the hand-written media upload) and
//! `createFile` (generated, JSON `fileUrl`), exact requests, typed success and error bodies.

use crate::common;

use httpmock::prelude::*;
use upload_clients::generated::rbm_files::{Client, Error, types};
use upload_clients::rbm::RbmFilesExt;

#[tokio::test]
async fn upload_file_sends_the_binary_with_its_media_type_and_agent_id_in_the_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .is_true(|req| {
                    req.uri().query()
                        == Some("agentId=my-agent&thumbnailUrl=https%3A%2F%2Fexample.com%2Ft.png")
                })
                .header("authorization", "Bearer rbm-token")
                .header("content-type", "image/png")
                .header("content-length", common::PNG_1X1.len().to_string())
                .header_missing("api-version")
                .is_true(|req| req.body_ref() == common::PNG_1X1);
            then.status(200)
                .json_body(serde_json::json!({"name": "files/a1b2c3d4"}));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer rbm-token"),
    );
    let file = client
        .upload_file()
        .agent_id("my-agent")
        .thumbnail_url("https://example.com/t.png")
        .content_type("image/png")
        .body(common::PNG_1X1.to_vec())
        .send()
        .await
        .expect("200 parses");
    mock.assert_async().await;
    assert_eq!(file.name, "files/a1b2c3d4");
}

#[tokio::test]
async fn upload_file_refuses_a_media_type_the_spec_does_not_list_without_a_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let err = client
        .upload_file()
        .agent_id("my-agent")
        .content_type("image/webp")
        .body(vec![0u8; 4])
        .send()
        .await
        .expect_err("webp is not an RBM type");
    let Error::InvalidRequest(message) = err else {
        panic!("expected InvalidRequest, got {err:?}")
    };
    assert!(
        message.contains("image/webp") && message.contains("image/png"),
        "{message}"
    );
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn upload_file_errors_parse_as_google_errors() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/upload/v1/files");
            then.status(400).json_body(serde_json::json!({
                "error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let err = client
        .upload_file()
        .agent_id("my-agent")
        .content_type("application/pdf")
        .body(b"%PDF-1.4".to_vec())
        .send()
        .await
        .expect_err("400");
    mock.assert_async().await;
    let Error::ErrorResponse(body) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(body.status(), 400);
    let status = body.into_inner().error.expect("error member");
    assert_eq!(status.code, Some(400));
    assert_eq!(status.status.as_deref(), Some("INVALID_ARGUMENT"));
}

#[tokio::test]
async fn create_file_sends_file_url_thumbnail_and_agent_id_as_json() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/files")
                .is_true(|req| req.uri().query().is_none())
                .header("authorization", "Bearer rbm-token")
                .header("content-type", "application/json")
                .header_missing("api-version")
                .json_body(serde_json::json!({
                    "fileUrl": "https://www.example.com/images/cat.jpg",
                    "thumbnailUrl": "https://www.example.com/images/cat-thumb.jpg",
                    "agentId": "my-agent"
                }));
            then.status(200)
                .json_body(serde_json::json!({"name": "files/xyz"}));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer rbm-token"),
    );
    let file = client
        .create_file()
        .body(
            types::CreateFileRequest::builder()
                .file_url("https://www.example.com/images/cat.jpg".to_string())
                .thumbnail_url("https://www.example.com/images/cat-thumb.jpg".to_string())
                .agent_id("my-agent"),
        )
        .send()
        .await
        .expect("200 parses");
    mock.assert_async().await;
    assert_eq!(file.name, "files/xyz");
}

#[tokio::test]
async fn create_file_errors_parse_as_google_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/files");
            then.status(503).json_body(serde_json::json!({
                "error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let err = client
        .create_file()
        .body(
            types::CreateFileRequest::builder()
                .agent_id("a")
                .file_url("https://e.com/a.png".to_string()),
        )
        .send()
        .await
        .expect_err("503");
    let Error::ErrorResponse(body) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(body.status(), 503);
    assert_eq!(
        body.into_inner().error.and_then(|e| e.status).as_deref(),
        Some("UNAVAILABLE")
    );
}
