//! Bad input, per client and for endpoints: refused as invalid input before any request.

use crate::common;
use httpmock::prelude::*;
use upload_clients::ai_agents::{KnownFilePurpose, parse_purpose};
use upload_clients::auth::Credential;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

use common::THREAD;

use super::{catch_all, png_source};

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
