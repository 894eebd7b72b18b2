//! The retry policy across the facades: which statuses are retried, the server's requested wait
//! honoured, the body sent again identical, and the error after the last attempt.

use crate::common;

use std::time::{Duration, Instant, SystemTime};

use common::scripted::{response, serve};
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{Error, RbmClient, UploadSource};

const OK: &str = r#"{"name":"files/after-retry"}"#;

fn fast() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    }
}

fn rbm(url: &str, policy: RetryPolicy) -> RbmClient {
    RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(url)
        .expect("endpoint")
        .with_retry(policy)
}

fn source() -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), "a.png")
}

#[tokio::test]
async fn a_503_with_retry_after_is_waited_for_and_the_same_body_sent_again() {
    let server = serve(vec![
        response(
            "503 Service Unavailable",
            &["retry-after: 1"],
            r#"{"error":{"code":503,"status":"UNAVAILABLE"}}"#,
        ),
        response("200 OK", &[], OK),
    ])
    .await;
    let started = Instant::now();
    let file = rbm(&server.url, fast())
        .upload_file("agent", &source(), None)
        .await
        .expect("second attempt");
    assert_eq!(file.name, "files/after-retry");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 honoured: {:?}",
        started.elapsed()
    );
    let requests = server.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, common::PNG_1X1);
    assert_eq!(
        requests[1].body, requests[0].body,
        "identical body on the retry"
    );
}

#[tokio::test]
async fn a_429_with_an_http_date_is_retried_after_that_date() {
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let header = format!("retry-after: {when}");
    let server = serve(vec![
        response(
            "429 Too Many Requests",
            &[header.as_str()],
            r#"{"error":{"code":429}}"#,
        ),
        response("200 OK", &[], OK),
    ])
    .await;
    let started = Instant::now();
    rbm(&server.url, fast())
        .upload_file("agent", &source(), None)
        .await
        .expect("second attempt");
    // The date has one-second resolution: at least ~1 s of the 2 s remain.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn a_500_every_time_gives_up_after_the_configured_attempts_naming_the_status() {
    let server = serve(vec![response(
        "500 Internal Server Error",
        &[],
        r#"{"error":{"message":"boom"}}"#,
    )])
    .await;
    let policy = RetryPolicy {
        max_attempts: 3,
        ..fast()
    };
    let err = rbm(&server.url, policy)
        .upload_file("agent", &source(), None)
        .await
        .expect_err("always 500");
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(500));
    assert!(
        err.to_string()
            .starts_with("gave up after 3 attempts: rbm answered HTTP 500: boom"),
        "{err}"
    );
    assert_eq!(server.requests.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let server = serve(vec![response(
        "400 Bad Request",
        &[],
        r#"{"error":{"message":"bad agent"}}"#,
    )])
    .await;
    let err = rbm(&server.url, fast())
        .upload_file("agent", &source(), None)
        .await
        .expect_err("400");
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(server.requests.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_truncated_json_body_and_a_non_json_error_body_are_clear_errors() {
    let server = serve(vec![response("200 OK", &[], r#"{"name":"files/tr"#)]).await;
    let err = rbm(&server.url, fast())
        .upload_file("agent", &source(), None)
        .await
        .expect_err("truncated");
    assert!(
        matches!(err, Error::InvalidResponse { api: "rbm", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("unexpected response"), "{err}");

    let server = serve(vec![response(
        "404 Not Found",
        &[],
        "<html>no such route</html>",
    )])
    .await;
    let err = rbm(&server.url, fast())
        .upload_file("agent", &source(), None)
        .await
        .expect_err("html 404");
    assert_eq!(err.status(), Some(404), "{err:?}");
    assert!(err.to_string().contains("rbm answered HTTP 404"), "{err}");
}
