//! API errors: the status, the vendor's body, the request id and a hint; statuses the spec does
//! not describe.

use crate::common;
use httpmock::prelude::*;
use upload_clients::ApiErrorBody;
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, Error, MaiAgentClient};

use common::THREAD;

use super::png_source;

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
