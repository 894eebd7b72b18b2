//! RBM with a Google service-account key against a local token server: the JWT bearer grant
//! (signature checked with the key's public half), the token cached, refreshed near expiry, and
//! a refused key reported without the key.

use crate::common;

use httpmock::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use upload_clients::auth::Credential;
use upload_clients::auth::google::{GoogleServiceAccount, RBM_SCOPE, ServiceAccountKey};
use upload_clients::{Error, RbmClient, UploadSource};

const KEY: &str = include_str!("fixtures/service-account.json");
const PUBLIC_KEY: &str = include_str!("fixtures/service-account.pub.pem");
const EMAIL: &str = "rbm-agent@upload-clients-tests.iam.gserviceaccount.com";

fn key_for(token_uri: &str) -> ServiceAccountKey {
    let mut json: serde_json::Value = serde_json::from_str(KEY).expect("fixture");
    json["token_uri"] = token_uri.into();
    ServiceAccountKey::from_json(&json.to_string()).expect("valid key")
}

/// True when the form's assertion is a JWT signed by the fixture key, for RBM, to `token_uri`.
fn valid_assertion(body: &str, token_uri: &str) -> bool {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if get("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return false;
    }
    let Some(assertion) = get("assertion") else {
        return false;
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[token_uri]);
    validation.set_issuer(&[EMAIL]);
    let Ok(key) = DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()) else {
        return false;
    };
    match jsonwebtoken::decode::<serde_json::Value>(&assertion, &key, &validation) {
        Ok(data) => {
            data.claims["scope"] == RBM_SCOPE
                && data.header.kid.as_deref() == Some("test-key-1")
                && data.claims["exp"].as_u64() == data.claims["iat"].as_u64().map(|i| i + 3600)
        }
        Err(_) => false,
    }
}

async fn rbm_with(
    server: &MockServer,
    expires_in: u64,
) -> (RbmClient, httpmock::Mock<'_>, httpmock::Mock<'_>) {
    let token_uri = server.url("/token");
    let uri = token_uri.clone();
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .is_true(move |req| valid_assertion(&req.body_string(), &uri));
            then.status(200).json_body(serde_json::json!({
                "access_token": "ya29.exchanged-token", "expires_in": expires_in, "token_type": "Bearer"
            }));
        })
        .await;
    let upload = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .header("authorization", "Bearer ya29.exchanged-token");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/sa1"}));
        })
        .await;
    let provider = GoogleServiceAccount::new(key_for(&token_uri), RBM_SCOPE).expect("RSA key");
    let rbm = RbmClient::new(Credential::provider(provider))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint");
    (rbm, token, upload)
}

#[tokio::test]
async fn tokens_are_exchanged_once_and_cached() {
    let server = MockServer::start_async().await;
    let (rbm, token, upload) = rbm_with(&server, 3600).await;
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "a.png");
    for _ in 0..3 {
        assert_eq!(
            rbm.upload_file("agent", &source, None)
                .await
                .expect("uploaded")
                .name,
            "files/sa1"
        );
    }
    assert_eq!(
        token.calls_async().await,
        1,
        "one exchange for three uploads"
    );
    assert_eq!(upload.calls_async().await, 3);
}

#[tokio::test]
async fn tokens_about_to_expire_are_exchanged_again() {
    let server = MockServer::start_async().await;
    // Valid for 2 s: replaced a tenth of its life (0.2 s) before it expires
    // (`token_cache::TokenCache`, whose own tests pin the margin with Tokio's paused clock).
    let (rbm, token, upload) = rbm_with(&server, 2).await;
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "a.png");
    rbm.upload_file("agent", &source, None)
        .await
        .expect("first");
    rbm.upload_file("agent", &source, None)
        .await
        .expect("second, same token");
    assert_eq!(token.calls_async().await, 1);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    rbm.upload_file("agent", &source, None)
        .await
        .expect("third, a new token");
    assert_eq!(token.calls_async().await, 2);
    assert_eq!(upload.calls_async().await, 3);
}

#[tokio::test]
async fn a_refused_key_is_an_auth_error_without_secrets_and_no_upload() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(400).json_body(serde_json::json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}));
        })
        .await;
    let upload = server
        .mock_async(|when, then| {
            when.method(POST).path("/upload/v1/files");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/never"}));
        })
        .await;
    let key = key_for(&server.url("/token"));
    assert!(!format!("{key:?}").contains("PRIVATE KEY"));
    let rbm = RbmClient::new(Credential::provider(
        GoogleServiceAccount::new(key, RBM_SCOPE).expect("key"),
    ))
    .expect("client")
    .with_base_url(&server.base_url())
    .expect("endpoint");
    let err = rbm
        .upload_file(
            "agent",
            &UploadSource::from_bytes(common::PNG_1X1.to_vec(), "a.png"),
            None,
        )
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(
        err.to_string().contains("HTTP 400: Invalid JWT Signature."),
        "{err}"
    );
    assert!(
        !err.to_string().contains("PRIVATE KEY") && !format!("{err:?}").contains("PRIVATE KEY")
    );
    assert_eq!(upload.calls_async().await, 0);
}

#[test]
fn keys_with_a_non_loopback_http_token_uri_are_refused() {
    let mut json: serde_json::Value = serde_json::from_str(KEY).expect("fixture");
    json["token_uri"] = "http://oauth2.example.com/token".into();
    let err = ServiceAccountKey::from_json(&json.to_string()).expect_err("http token_uri");
    assert!(err.is_invalid_input(), "{err}");
}

/// A token endpoint that drops the first connection without answering, then issues a token:
/// the upload is retried and succeeds (a failure to reach the token endpoint is a network
/// error like any other).
#[tokio::test]
async fn a_token_endpoint_out_of_reach_is_retried_like_any_network_error() {
    use common::scripted;
    let token = scripted::response(
        "200 OK",
        &[],
        r#"{"access_token":"ya29.second-try","expires_in":3600,"token_type":"Bearer"}"#,
    );
    let tokens = scripted::serve(vec![String::new(), token]).await;
    let api = scripted::serve(vec![scripted::response(
        "200 OK",
        &[],
        r#"{"name":"files/retried"}"#,
    )])
    .await;
    let provider = GoogleServiceAccount::new(key_for(&format!("{}/token", tokens.url)), RBM_SCOPE)
        .expect("RSA key");
    let fast = upload_clients::policy::RetryPolicy {
        base_delay: std::time::Duration::from_millis(10),
        ..Default::default()
    };
    let rbm = RbmClient::new(Credential::provider(provider))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(fast);
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "cat.png");
    let file = rbm
        .upload_file("agent-1", &source, None)
        .await
        .expect("retried");
    assert_eq!(file.name, "files/retried");
    assert_eq!(tokens.requests.lock().unwrap().len(), 2, "asked twice");
    let sent = api.requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]
            .head
            .contains("authorization: bearer ya29.second-try")
    );

    // With no retries, the error names the token endpoint and the cause, once.
    let tokens = scripted::serve(vec![String::new()]).await;
    let provider = GoogleServiceAccount::new(key_for(&format!("{}/token", tokens.url)), RBM_SCOPE)
        .expect("RSA key");
    let err = RbmClient::new(Credential::provider(provider))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(upload_clients::policy::RetryPolicy::none())
        .upload_file("agent-1", &source, None)
        .await
        .expect_err("unreachable");
    assert!(matches!(err, Error::TokenEndpoint { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!(
            "cannot reach the token endpoint {}/token: ",
            tokens.url
        )),
        "{shown}"
    );
}

/// A provider's own error reaches the caller as it is, said once.
#[tokio::test]
async fn a_providers_error_is_reported_once_and_whole() {
    use upload_clients::auth::{TokenFuture, TokenProvider};
    struct Refusing;
    impl TokenProvider for Refusing {
        fn token(&self) -> TokenFuture<'_> {
            Box::pin(async {
                Err(upload_clients::auth::AuthError::Refused(
                    "the token service refused".into(),
                ))
            })
        }
    }
    let err = RbmClient::new(Credential::provider(Refusing))
        .expect("client")
        .with_base_url("http://127.0.0.1:9")
        .expect("endpoint")
        .upload_file(
            "agent-1",
            &UploadSource::from_bytes(common::PNG_1X1.to_vec(), "cat.png"),
            None,
        )
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "authentication failed: the token service refused"
    );
}
