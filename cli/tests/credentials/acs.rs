//! ACS user tokens from a connection string: one signed identity request, cached; retried,
//! issued for an existing identity, refused without showing the key.

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::scripted::{Recorded, response, serve};
use common::{PNG_1X1, THREAD, write};
use hmac::Mac as _;
use sha2::Digest as _;
use upload_clients::auth::Credential;
use upload_clients::auth::acs_identity::AcsIdentityTokens;
use upload_clients::{AcsChatClient, UploadSource};
use upload_clients_emulator::Emulator;

use super::{cli, in_a_day_rfc3339, succeeded};

/// Checks that `request` is signed as ACS signs with `key`, recomputing it independently.
#[track_caller]
fn signed_with(request: &Recorded, key: &[u8], host: &str) {
    let head = &request.head;
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {head}"))
            .trim()
            .to_owned()
    };
    // The head is lower-cased by the recorder; the raw head keeps the signature's case.
    let raw = String::from_utf8_lossy(&request.raw_head).into_owned();
    let raw_header = |name: &str| {
        raw.lines()
            .find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {name} in {raw}"))
    };
    let target = raw
        .split_whitespace()
        .nth(1)
        .expect("request target")
        .to_owned();
    let content = BASE64.encode(sha2::Sha256::digest(&request.body));
    assert_eq!(raw_header("x-ms-content-sha256"), content);
    let date = raw_header("x-ms-date");
    let to_sign = format!("POST\n{target}\n{date};{host};{content}");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("key");
    mac.update(to_sign.as_bytes());
    let expected = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
        BASE64.encode(mac.finalize().into_bytes())
    );
    assert_eq!(raw_header("authorization"), expected);
    assert!(header("content-type").starts_with("application/json"));
}

/// The ACS resource's access key the identity stubs check signatures with.
const ACS_KEY: &[u8] = b"the-resource-access-key";

/// The identity endpoint's answer to creating an identity with a chat token.
fn identity_created() -> String {
    response(
        "201 Created",
        &[],
        &format!(
            r#"{{"identity":{{"id":"8:acs:abc"}},"accessToken":{{"token":"acs-user-token","expiresOn":"{}"}}}}"#,
            in_a_day_rfc3339()
        ),
    )
}

/// The identity endpoint's answer to issuing a token for an existing identity.
fn token_issued() -> String {
    response(
        "200 OK",
        &[],
        &format!(
            r#"{{"token":"acs-user-token","expiresOn":"{}"}}"#,
            in_a_day_rfc3339()
        ),
    )
}

/// The connection string of the ACS resource whose identity endpoint is `url`.
fn connection_string(url: &str) -> String {
    format!("endpoint={url}/;accesskey={}", BASE64.encode(ACS_KEY))
}

/// The emulator as the API, taking only the ACS user token the identity stubs give.
async fn emulator_taking_the_acs_user_token() -> Emulator {
    Emulator::builder()
        .credential("acs-user-token")
        .start()
        .await
        .expect("emulator")
}

/// An identity endpoint that drops the first connection is retried like any network error.
#[tokio::test(flavor = "multi_thread")]
async fn acs_user_tokens_retry_an_identity_endpoint_that_dropped_a_connection() {
    let emu = emulator_taking_the_acs_user_token().await;
    let flaky = serve(vec![String::new(), identity_created()]).await;
    let tokens =
        AcsIdentityTokens::chat(&connection_string(&flaky.url)).expect("connection string");
    let acs = AcsChatClient::new(&emu.base_url(), Credential::provider(tokens)).expect("client");
    acs.upload_image(THREAD, &UploadSource::from_bytes(PNG_1X1.to_vec(), "a.png"))
        .await
        .expect("upload after the identity endpoint dropped a connection");
    assert_eq!(flaky.requests.lock().expect("lock").len(), 2);
}

/// The library: one identity created (a request signed with the key), its token used for two
/// uploads.
#[tokio::test(flavor = "multi_thread")]
async fn acs_user_tokens_come_from_one_signed_identity_request_and_are_cached() {
    let emu = emulator_taking_the_acs_user_token().await;
    let identity = serve(vec![identity_created()]).await;
    let host = identity.url.trim_start_matches("http://").to_owned();
    let tokens =
        AcsIdentityTokens::chat(&connection_string(&identity.url)).expect("connection string");
    assert!(!format!("{tokens:?}").contains(&BASE64.encode(ACS_KEY)));
    let acs = AcsChatClient::new(&emu.base_url(), Credential::provider(tokens)).expect("client");
    let png = UploadSource::from_bytes(PNG_1X1.to_vec(), "a.png");
    acs.upload_image(THREAD, &png).await.expect("first upload");
    acs.upload_image(THREAD, &png)
        .await
        .expect("second upload, same token");
    let requests = identity.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1, "one identity, one token, cached");
    assert!(
        requests[0]
            .head
            .starts_with("post /identities?api-version=2023-10-01 "),
        "{}",
        requests[0].head
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&requests[0].body).expect("JSON"),
        serde_json::json!({"createTokenWithScopes": ["chat"]})
    );
    signed_with(&requests[0], ACS_KEY, &host);
}

/// An existing identity gets a token issued for it, in a request signed with the key.
#[tokio::test(flavor = "multi_thread")]
async fn acs_user_tokens_for_an_existing_identity_are_issued_for_it() {
    let emu = emulator_taking_the_acs_user_token().await;
    let identity = serve(vec![token_issued()]).await;
    let host = identity.url.trim_start_matches("http://").to_owned();
    let tokens = AcsIdentityTokens::chat(&connection_string(&identity.url))
        .expect("connection string")
        .for_identity("8:acs:abc");
    let acs = AcsChatClient::new(&emu.base_url(), Credential::provider(tokens)).expect("client");
    let png = UploadSource::from_bytes(PNG_1X1.to_vec(), "a.png");
    acs.upload_image(THREAD, &png)
        .await
        .expect("upload as the given identity");
    let requests = identity.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1, "one token issued");
    assert!(
        requests[0].head.starts_with(
            "post /identities/8%3aacs%3aabc/:issueaccesstoken?api-version=2023-10-01 "
        ),
        "{}",
        requests[0].head
    );
    signed_with(&requests[0], ACS_KEY, &host);
}

/// The CLI, from ACS_CONNECTION_STRING.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_takes_acs_user_tokens_from_acs_connection_string() {
    let emu = emulator_taking_the_acs_user_token().await;
    let identity = serve(vec![identity_created()]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "a.png", PNG_1X1);
    let output = cli(
        vec![
            "acs-chat".into(),
            "upload-image".into(),
            file.display().to_string(),
            "--endpoint".into(),
            emu.base_url(),
            "--thread-id".into(),
            THREAD.into(),
        ],
        vec![(
            "ACS_CONNECTION_STRING".into(),
            connection_string(&identity.url),
        )],
        None,
    )
    .await;
    succeeded(&output);
    assert_eq!(identity.requests.lock().expect("lock").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_string_says_so_without_the_key() {
    let identity = serve(vec![response(
        "401 Unauthorized",
        &[],
        r#"{"error":{"code":"Denied","message":"Denied by the resource provider."}}"#,
    )])
    .await;
    let connection = format!(
        "endpoint={}/;accesskey={}",
        identity.url,
        BASE64.encode(b"wrong-key-bytes")
    );
    let emu = Emulator::start().await.expect("emulator");
    let acs = AcsChatClient::new(
        &emu.base_url(),
        Credential::provider(AcsIdentityTokens::chat(&connection).expect("cs")),
    )
    .expect("client");
    let error = acs
        .upload_image(THREAD, &UploadSource::from_bytes(PNG_1X1.to_vec(), "a.png"))
        .await
        .expect_err("refused");
    let message = error.to_string();
    assert!(
        message.contains("HTTP 401") && message.contains("Denied by the resource provider"),
        "{message}"
    );
    assert!(
        !message.contains(&BASE64.encode(b"wrong-key-bytes")),
        "{message}"
    );
    assert!(emu.requests().is_empty(), "nothing reached the API");
}
