//! Secrets never show: tokens, API keys and the presigned form's `policy` and signature stay
//! out of `Debug` and `Display` of clients, credentials and presigned posts, out of every
//! error of a failing upload (and its `source()` chain), and out of `tracing` output at every
//! level (TRACE captured here, with the `log` records of reqwest too). Storage hosts get no
//! credential, and a redirect to another host (another address, host name or port) drops it.
//! TLS is rustls only.
//!
//! Every test logs into the one process-wide subscriber, and every test checks the whole log
//! for every secret of the file.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::scripted::{self, Recorded, Scripted, response};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::{Credential, TokenFuture, TokenProvider};
use upload_clients::maiagent::presigned_post::PresignedPost;
use upload_clients::policy::RetryPolicy;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

use common::THREAD;

const ACS_TOKEN: &str = "acs-SECRET-token-3f9a1c";
const RBM_TOKEN: &str = "rbm-SECRET-token-77be02";
const AGENTS_TOKEN: &str = "agents-SECRET-token-5d41e8";
const MAI_KEY: &str = "mai-SECRET-apikey-0c8e4b";
const PROVIDED_TOKEN: &str = "provided-SECRET-token-a11b";
const POLICY: &str = "cG9saWN5LVNFQ1JFVC1lNGY3ZDAxOWI2";
const SIGNATURE: &str = "7e1f0SECRET0signature0b5a9d2c4e6";
const SECURITY_TOKEN: &str = "FwoGZXIvYXdzSECRETsessiontoken";
const THUMBNAIL_SIGNATURE: &str = "9c2dSECRETthumbsig41f0";

/// Every secret of this file.
const SECRETS: &[&str] = &[
    ACS_TOKEN,
    RBM_TOKEN,
    AGENTS_TOKEN,
    MAI_KEY,
    PROVIDED_TOKEN,
    POLICY,
    SIGNATURE,
    SECURITY_TOKEN,
    THUMBNAIL_SIGNATURE,
];

/// A signed thumbnail URL: RBM's media upload sends it in the request's query.
fn signed_thumbnail() -> String {
    format!("https://cdn.example.com/t.png?X-Amz-Signature={THUMBNAIL_SIGNATURE}")
}

/// The log of this process: a TRACE-level `fmt` subscriber writing into memory, installed once
/// for every test (also as the `log` logger, so reqwest's own records are caught).
fn log_buffer() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let sink = buffer.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || Sink(sink.clone()))
                .try_init()
                .expect("the only subscriber");
            buffer
        })
        .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

/// Asserts no secret of this file is in `text`, in any letter case.
fn assert_no_secret(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for secret in SECRETS {
        assert!(
            !lower.contains(&secret.to_lowercase()),
            "{what} shows the secret {secret:?}:\n{text}"
        );
    }
}

/// Everything an error shows: `Display` and `Debug` of it and of each error in its chain.
fn everything_shown(err: &Error) -> String {
    let mut shown = format!("{err}\n{err:?}\n");
    let mut next = std::error::Error::source(err);
    while let Some(source) = next {
        shown.push_str(&format!("{source}\n{source:?}\n"));
        next = source.source();
    }
    shown
}

/// Retries quickly, so that retried failures show their whole path in a short test.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
        deadline: None,
    }
}

fn png() -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png")
}

fn pdf() -> UploadSource {
    UploadSource::from_bytes(b"%PDF-1.4\n%secret-free\n".to_vec(), "report.pdf")
}

fn heads(server: &Scripted) -> Vec<Recorded> {
    server.requests.lock().unwrap().clone()
}

/// The `fields` of a presigned answer, with every secret field.
fn fields() -> serde_json::Value {
    serde_json::json!({
        "key": "media/${filename}",
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "AKIAEXAMPLE/20300101/us-east-1/s3/aws4_request",
        "x-amz-security-token": SECURITY_TOKEN,
        "policy": POLICY,
        "x-amz-signature": SIGNATURE,
    })
}

fn presign_answer(storage_url: &str) -> String {
    response(
        "200 OK",
        &[],
        &serde_json::json!({"url": format!("{storage_url}/bucket"), "fields": fields()})
            .to_string(),
    )
}

/// S3's answer to a form whose signature does not match, echoing the policy and the
/// signature; `padding` bytes of `StringToSignBytes` make it as long as a real one.
fn signature_does_not_match(padding: usize) -> String {
    let hex: String = POLICY
        .bytes()
        .map(|b| format!("{b:02x} "))
        .cycle()
        .take(padding)
        .collect();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId><StringToSign>{POLICY}</StringToSign><SignatureProvided>{SIGNATURE}</SignatureProvided><StringToSignBytes>{hex}</StringToSignBytes><RequestId>S3REQ1</RequestId></Error>"
    );
    format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A token provider that gives [`PROVIDED_TOKEN`].
struct Provided;

impl TokenProvider for Provided {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async { Ok(PROVIDED_TOKEN.to_string().into()) })
    }
}

/// Asserts that no secret shows in anything `errors` show (each error, its `Debug` and its
/// chain) or in what is `shown` of clients, and that the process's TRACE log holds each of
/// `logged` (so the log checked is not empty of what the test did) and no secret.
fn assert_nothing_shown(errors: &[(String, Error)], shown: &[(&str, String)], logged: &[&str]) {
    for (case, err) in errors {
        assert_no_secret(case, &everything_shown(err));
    }
    for (what, text) in shown {
        assert_no_secret(what, text);
    }
    let logs = logs();
    for line in logged {
        assert!(logs.contains(line), "the log lacks {line:?}:\n{logs}");
    }
    assert_no_secret("the TRACE log", &logs);
}

#[test]
fn credentials_never_show_their_secret() {
    for (what, shown) in [
        (
            "Credential::bearer",
            format!("{:?}", Credential::bearer(ACS_TOKEN)),
        ),
        (
            "Credential::api_key",
            format!("{:?}", Credential::api_key(MAI_KEY)),
        ),
        (
            "Credential::provider",
            format!("{:?}", Credential::provider(Provided)),
        ),
    ] {
        assert_no_secret(what, &shown);
    }
}

/// ACS: 401, a 500 retried until given up, a credential a header cannot carry, success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acs_failures_and_uploads_never_show_its_token() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let acs_api = scripted::serve(vec![
        response(
            "401 Unauthorized",
            &["x-ms-request-id: acs-req-1"],
            r#"{"error":{"code":"InvalidToken","message":"The token is expired."}}"#,
        ),
        response("500 Internal Server Error", &[], "upstream broke"),
        response("500 Internal Server Error", &[], "upstream broke"),
        response(
            "201 Created",
            &["location: /chat/threads/x/images/img1"],
            r#"{"id":"img1","attachmentType":"image","name":"sample.png"}"#,
        ),
    ])
    .await;
    let acs = AcsChatClient::new(&acs_api.url, Credential::bearer(ACS_TOKEN))
        .expect("endpoint")
        .with_retry(fast());
    for status in [401, 500] {
        let err = acs.upload_image(THREAD, &png()).await.expect_err("fails");
        assert_eq!(err.status(), Some(status), "{err}");
        errors.push((format!("acs {status}"), err));
    }
    let image = acs.upload_image(THREAD, &png()).await.expect("uploaded");
    assert_eq!(image.id, "img1");
    let bad = AcsChatClient::new(
        &acs_api.url,
        Credential::bearer(format!("{ACS_TOKEN}\r\nx-injected: 1")),
    )
    .expect("endpoint");
    let err = bad
        .upload_image(THREAD, &png())
        .await
        .expect_err("no header");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    errors.push(("acs unusable token".into(), err));
    let acs_requests = heads(&acs_api);
    assert_eq!(
        acs_requests.len(),
        4,
        "401, 500 twice, 201; nothing for the bad token"
    );
    for request in &acs_requests {
        // The credential was really sent to the API: what is checked below is not vacuous.
        assert!(
            request.head.contains(&format!(
                "authorization: bearer {}",
                ACS_TOKEN.to_lowercase()
            )),
            "{}",
            request.head
        );
    }

    assert_eq!(errors.len(), 3);
    assert_nothing_shown(
        &errors,
        &[("AcsChatClient", format!("{acs:?}"))],
        &[
            "sending request",
            "operation=\"upload_chat_image\"",
            // reqwest's own `log` records are caught too.
            "starting new connection",
            "status=401",
            "retrying",
            "TRACE",
        ],
    );
}

/// RBM: 403 with Google's error, a 500 retried, success; a token provider that fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbm_failures_and_uploads_never_show_its_token_or_a_signed_url() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let rbm_api = scripted::serve(vec![
        response(
            "403 Forbidden",
            &[],
            r#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#,
        ),
        response("500 Internal Server Error", &[], r#"{"error":{"code":500,"message":"Internal error"}}"#),
        response("500 Internal Server Error", &[], r#"{"error":{"code":500,"message":"Internal error"}}"#),
        response("200 OK", &[], r#"{"name":"files/up1"}"#),
    ])
    .await;
    let rbm = RbmClient::new(Credential::bearer(RBM_TOKEN))
        .expect("client")
        .with_base_url(&rbm_api.url)
        .expect("endpoint")
        .with_retry(fast());
    for status in [403, 500] {
        let err = rbm
            .upload_file("agent-1", &png(), Some(&signed_thumbnail()))
            .await
            .expect_err("fails");
        assert_eq!(err.status(), Some(status), "{err}");
        errors.push((format!("rbm {status}"), err));
    }
    // The signed thumbnail URL was really sent (in the query), so its absence from the logs
    // below is not vacuous.
    assert!(
        heads(&rbm_api)
            .iter()
            .all(|request| request.head.contains(&THUMBNAIL_SIGNATURE.to_lowercase())),
        "{:?}",
        heads(&rbm_api)
    );
    let file = rbm
        .create_from_url("agent-1", "https://example.com/cat.png", None)
        .await
        .expect("created");
    assert_eq!(file.name, "files/up1");
    struct Failing;
    impl TokenProvider for Failing {
        fn token(&self) -> TokenFuture<'_> {
            Box::pin(async {
                Err(upload_clients::auth::AuthError::Refused(
                    "the token service refused".into(),
                ))
            })
        }
    }
    let failing = RbmClient::new(Credential::provider(Failing))
        .expect("client")
        .with_base_url(&rbm_api.url)
        .expect("endpoint");
    let err = failing
        .upload_file("agent-1", &png(), None)
        .await
        .expect_err("no token");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    errors.push(("rbm failing provider".into(), err));
    assert_eq!(heads(&rbm_api).len(), 4, "nothing sent without a token");

    assert_eq!(errors.len(), 3);
    assert!(format!("{rbm:?}").contains("Credential::Bearer(<redacted>)"));
    assert_nothing_shown(
        &errors,
        &[("RbmClient", format!("{rbm:?}"))],
        &[
            // The query of the signed thumbnail URL is logged without its value.
            "agentId=agent-1&thumbnailUrl=…",
            "api=\"rbm\" operation=\"uploadFile\"",
            "operation=\"create_file\"",
        ],
    );
}

/// AI Agents: 401, a 500 retried, success, with a token and with a token provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_agents_failures_and_uploads_never_show_a_token() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let info = r#"{"object":"file","id":"f1","bytes":67,"filename":"sample.png","created_at":1,"purpose":"assistants","status":"processed"}"#;
    let agents_api = scripted::serve(vec![
        response(
            "401 Unauthorized",
            &["apim-request-id: agents-req-1"],
            r#"{"error":{"code":"PermissionDenied","message":"Principal does not have access"}}"#,
        ),
        response("500 Internal Server Error", &[], "<html>oops</html>"),
        response("500 Internal Server Error", &[], "<html>oops</html>"),
        response("200 OK", &[], info),
        response("200 OK", &[], info),
    ])
    .await;
    for (credential, label) in [
        (Credential::bearer(AGENTS_TOKEN), "bearer"),
        (Credential::provider(Provided), "provider"),
    ] {
        let agents = AiAgentsClient::new(&agents_api.url, credential)
            .expect("endpoint")
            .with_retry(fast());
        if label == "bearer" {
            for status in [401, 500] {
                let err = agents
                    .upload(&png(), KnownFilePurpose::Assistants.into())
                    .await
                    .expect_err("fails");
                assert_eq!(err.status(), Some(status), "{err}");
                errors.push((format!("agents {status}"), err));
            }
        }
        let uploaded = agents
            .upload(&png(), KnownFilePurpose::Assistants.into())
            .await
            .expect("uploaded");
        assert_eq!(uploaded.id, "f1");
        assert_no_secret("AiAgentsClient Debug", &format!("{agents:?}"));
    }

    assert_eq!(errors.len(), 2);
    assert_nothing_shown(
        &errors,
        &[],
        &["api=\"ai-agents\" operation=\"uploadFile\""],
    );
}

/// MaiAgent direct: 401, a 500 retried, success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maiagent_direct_failures_and_uploads_never_show_its_key() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let mai_api = scripted::serve(vec![
        response("401 Unauthorized", &[], r#"{"detail":"Invalid API key."}"#),
        response(
            "500 Internal Server Error",
            &[],
            r#"{"detail":"Server error."}"#,
        ),
        response(
            "500 Internal Server Error",
            &[],
            r#"{"detail":"Server error."}"#,
        ),
        response("200 OK", &[], ""),
    ])
    .await;
    let mai = MaiAgentClient::new(Credential::api_key(MAI_KEY))
        .expect("client")
        .with_base_url(&mai_api.url)
        .expect("endpoint")
        .with_retry(fast());
    for status in [401, 500] {
        let err = mai.upload(&pdf()).await.expect_err("fails");
        assert_eq!(err.status(), Some(status), "{err}");
        errors.push((format!("mai {status}"), err));
    }
    mai.upload(&pdf()).await.expect("uploaded");
    for request in heads(&mai_api) {
        assert!(
            request.head.contains(&format!(
                "authorization: api-key {}",
                MAI_KEY.to_lowercase()
            )),
            "{}",
            request.head
        );
    }

    assert_eq!(errors.len(), 2);
    assert_nothing_shown(
        &errors,
        &[("MaiAgentClient", format!("{mai:?}"))],
        &["operation=\"createAttachmentUpload\""],
    );
}

/// Storage for the presigned failures, on another host (127.0.0.2), answering each form in
/// turn as the numbered comments say.
async fn presigned_storage() -> Scripted {
    scripted::serve_on(
        "127.0.0.2",
        vec![
            // 1: S3 refuses the signature, echoing policy and signature in a short body.
            signature_does_not_match(200),
            // 2: the same, as long as a real one: cut by the 2 KiB cap, no longer XML.
            signature_does_not_match(6000),
            // 3, 4: a 500 retried until given up.
            response("500 Internal Server Error", &[], "storage down"),
            response("500 Internal Server Error", &[], "storage down"),
            // 5, 6: accepted (registration then fails; then succeeds).
            response("204 No Content", &[], ""),
            response("204 No Content", &[], ""),
        ],
    )
    .await
}

/// MaiAgent's API for the presigned failures: a refused presign, then presigned POSTs to
/// `storage_url` and the registrations that follow them, as the comments say.
async fn presign_api(storage_url: &str) -> Scripted {
    let registered = r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","filename":"report.pdf","file":"media/report.pdf"}"#;
    scripted::serve(vec![
        response(
            "403 Forbidden",
            &[],
            r#"{"detail":"You do not have permission."}"#,
        ),
        presign_answer(storage_url),
        presign_answer(storage_url),
        presign_answer(storage_url),
        // Registration fails twice (retried), then the last flow succeeds.
        presign_answer(storage_url),
        response("500 Internal Server Error", &[], r#"{"detail":"db down"}"#),
        response("500 Internal Server Error", &[], r#"{"detail":"db down"}"#),
        presign_answer(storage_url),
        response("201 Created", &[], registered),
        // An answer without its url, holding the secret fields.
        response(
            "200 OK",
            &[],
            &serde_json::json!({"fields": fields()}).to_string(),
        ),
        presign_answer(storage_url),
    ])
    .await
}

/// Storage, another host, got the form and never a credential.
fn storage_got_the_form_and_never_a_credential(storage: &Scripted) {
    let stored = heads(storage);
    assert_eq!(stored.len(), 6);
    for request in &stored {
        assert!(
            request.head.starts_with("post /bucket "),
            "{}",
            request.head
        );
        assert!(!request.head.contains("authorization"), "{}", request.head);
        let all = format!("{}{}", request.head, String::from_utf8_lossy(&request.body));
        assert!(
            !all.to_lowercase().contains(&MAI_KEY.to_lowercase()),
            "{all}"
        );
        // It did get the form's own secret fields, which it needs.
        assert!(all.contains(POLICY) && all.contains(SIGNATURE), "{all}");
    }
}

/// The API got MaiAgent's key with every request.
fn the_api_got_the_key_each_time(presign_api: &Scripted) {
    for request in heads(presign_api) {
        assert!(
            request.head.contains(&format!(
                "authorization: api-key {}",
                MAI_KEY.to_lowercase()
            )),
            "{}",
            request.head
        );
    }
}

/// MaiAgent presigned, storage on another host (127.0.0.2): every way it can fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maiagent_presigned_failures_never_show_its_key_policy_or_signature() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let storage = presigned_storage().await;
    let presign_api = presign_api(&storage.url).await;
    let mai = MaiAgentClient::new(Credential::api_key(MAI_KEY))
        .expect("client")
        .with_base_url(&presign_api.url)
        .expect("endpoint")
        .with_retry(fast());
    let err = mai.upload_presigned(&pdf(), None).await.expect_err("403");
    assert_eq!(err.status(), Some(403), "{err}");
    errors.push(("presign 403".into(), err));
    for case in ["signature (short)", "signature (long)"] {
        let err = mai.upload_presigned(&pdf(), None).await.expect_err(case);
        let Error::Storage(storage_error) = &err else {
            panic!("{case}: {err:?}")
        };
        assert_eq!(storage_error.status, 403);
        assert_eq!(storage_error.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert!(
            storage_error
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("The request signature we calculated")),
            "{case}: {err}"
        );
        errors.push((format!("storage {case}"), err));
    }
    let err = mai.upload_presigned(&pdf(), None).await.expect_err("500");
    assert!(matches!(err, Error::RetriesExhausted { .. }), "{err:?}");
    errors.push(("storage 500".into(), err));
    let err = mai
        .upload_presigned(&pdf(), None)
        .await
        .expect_err("register");
    assert!(matches!(err, Error::Registration { .. }), "{err:?}");
    errors.push(("registration 500".into(), err));
    let attachment = mai.upload_presigned(&pdf(), None).await.expect("uploaded");
    assert_eq!(attachment.filename, "report.pdf");
    let err = mai
        .upload_presigned(&pdf(), None)
        .await
        .expect_err("no url");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    errors.push(("presign without url".into(), err));
    let post: PresignedPost = mai.presign(&pdf()).await.expect("presigned");
    assert_eq!(post.fields["policy"], POLICY, "the real values are kept");
    let shown = format!("{post:?}");
    assert!(shown.contains("media/${filename}") && shown.contains("x-amz-algorithm"));
    assert_no_secret("PresignedPost Debug", &shown);

    storage_got_the_form_and_never_a_credential(&storage);
    the_api_got_the_key_each_time(&presign_api);

    assert_eq!(errors.len(), 6);
    assert!(format!("{mai:?}").contains("Credential::ApiKey(<redacted>)"));
    assert_nothing_shown(
        &errors,
        &[("MaiAgentClient", format!("{mai:?}"))],
        &[
            "operation=\"create_upload_presigned_url\"",
            "operation=\"create_attachment\"",
            "posting form to storage",
        ],
    );
}

/// An API that answers each of the seven calls of [`every_call_redirected`] with a redirect to
/// `target`'s `/moved`: 307 keeps the method and body (followed when the body can be sent
/// again: a JSON body or none); 303 turns a streamed upload into a GET.
async fn redirecting_to(target: &str) -> Scripted {
    let redirect = |status: &str| {
        format!(
            "HTTP/1.1 {status}\r\nlocation: {target}/moved\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
    };
    scripted::serve(vec![
        redirect("303 See Other"),
        redirect("303 See Other"),
        redirect("307 Temporary Redirect"),
        redirect("303 See Other"),
        redirect("307 Temporary Redirect"),
        redirect("303 See Other"),
        redirect("307 Temporary Redirect"),
    ])
    .await
}

/// Every client's calls against `url`, named, with no retries: ACS's upload, RBM's upload and
/// fileUrl, AI Agents' upload and get, MaiAgent's upload and presign.
async fn every_call_redirected(url: &str) -> Vec<(&'static str, Result<(), Error>)> {
    let acs = AcsChatClient::new(url, Credential::bearer(ACS_TOKEN))
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    let rbm = RbmClient::new(Credential::bearer(RBM_TOKEN))
        .expect("client")
        .with_base_url(url)
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    let agents = AiAgentsClient::new(url, Credential::bearer(AGENTS_TOKEN))
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    let mai = MaiAgentClient::new(Credential::api_key(MAI_KEY))
        .expect("client")
        .with_base_url(url)
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    vec![
        (
            "acs upload",
            acs.upload_image(THREAD, &png()).await.map(drop),
        ),
        (
            "rbm upload",
            rbm.upload_file("a", &png(), None).await.map(drop),
        ),
        (
            "rbm fileUrl",
            rbm.create_from_url("a", "https://example.com/a.png", None)
                .await
                .map(drop),
        ),
        (
            "agents upload",
            agents
                .upload(&png(), KnownFilePurpose::Vision.into())
                .await
                .map(drop),
        ),
        ("agents get", agents.get("f1").await.map(drop)),
        ("mai upload", mai.upload(&pdf()).await.map(drop)),
        ("mai presign", mai.presign(&pdf()).await.map(drop)),
    ]
}

/// Every call redirected to `target` (served by `server`) fails with the other host's 401 and
/// shows no secret; the API got the credential each time, `server` never did, and the log
/// shows no secret.
async fn a_redirect_drops_the_credential(target: &str, server: &Scripted) {
    let api = redirecting_to(target).await;
    for (case, result) in every_call_redirected(&api.url).await {
        let err = result.expect_err(case);
        assert_eq!(err.status(), Some(401), "{case} to {target}: {err}");
        assert_no_secret(case, &everything_shown(&err));
    }
    // The API got the credential each time; the other host or port never did.
    let first = heads(&api);
    assert_eq!(first.len(), 7);
    for (request, token) in first.iter().zip([
        format!("bearer {ACS_TOKEN}"),
        format!("bearer {RBM_TOKEN}"),
        format!("bearer {RBM_TOKEN}"),
        format!("bearer {AGENTS_TOKEN}"),
        format!("bearer {AGENTS_TOKEN}"),
        format!("api-key {MAI_KEY}"),
        format!("api-key {MAI_KEY}"),
    ]) {
        let expected = format!("authorization: {}", token.to_lowercase());
        assert!(request.head.contains(&expected), "{}", request.head);
    }
    let second = heads(server);
    assert_eq!(second.len(), 7, "every redirect to {target} was followed");
    for request in &second {
        assert!(request.head.contains(" /moved"), "{}", request.head);
        assert!(
            !request.head.contains("authorization"),
            "{target}: {}",
            request.head
        );
        let all = format!("{}{}", request.head, String::from_utf8_lossy(&request.body));
        assert_no_secret(target, &all);
    }
    // 307 kept the JSON bodies: the redirect was really followed with its request.
    assert!(String::from_utf8_lossy(&second[2].body).contains("\"fileUrl\""));
    assert!(String::from_utf8_lossy(&second[6].body).contains("\"fileSize\""));

    let logs = logs();
    assert!(logs.contains("operation=\"get_file\""), "{logs}");
    assert_no_secret("the TRACE log", &logs);
}

/// Where a redirect goes: a server on `ip` that refuses anything with a 401.
async fn elsewhere_on(ip: &str) -> Scripted {
    let refused = r#"{"error":{"code":"Unauthorized","message":"no"}}"#;
    scripted::serve_on(ip, vec![response("401 Unauthorized", &[], refused)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_address_drops_the_credential() {
    let _ = log_buffer();
    let server = elsewhere_on("127.0.0.2").await;
    a_redirect_drops_the_credential(&server.url, &server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_name_drops_the_credential() {
    let _ = log_buffer();
    let server = elsewhere_on("127.0.0.1").await;
    let target = server.url.replace("127.0.0.1", "localhost");
    a_redirect_drops_the_credential(&target, &server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_port_drops_the_credential() {
    let _ = log_buffer();
    let server = elsewhere_on("127.0.0.1").await;
    a_redirect_drops_the_credential(&server.url, &server).await;
}

/// The same origin keeps the credential: redirects are followed, and only another origin loses
/// it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_the_same_origin_keeps_the_credential() {
    let _ = log_buffer();
    let same = scripted::serve(vec![
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: /v1/moved\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string(),
        response("200 OK", &[], r#"{"name":"files/moved"}"#),
    ])
    .await;
    let rbm = RbmClient::new(Credential::bearer(RBM_TOKEN))
        .expect("client")
        .with_base_url(&same.url)
        .expect("endpoint");
    let file = rbm
        .create_from_url("a", "https://example.com/a.png", None)
        .await
        .expect("followed");
    assert_eq!(file.name, "files/moved");
    let requests = heads(&same);
    assert!(
        requests[1].head.starts_with("post /v1/moved "),
        "{}",
        requests[1].head
    );
    assert!(requests[1].head.contains(&format!(
        "authorization: bearer {}",
        RBM_TOKEN.to_lowercase()
    )));
    assert_no_secret("the TRACE log", &logs());
}

/// TLS is rustls: no native TLS or OpenSSL crate is in the lock file, so no feature of this
/// crate or of its dependencies can build one in.
#[test]
fn tls_is_rustls_only() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("Cargo.lock");
    let packages: Vec<&str> = lock
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|name| name.strip_suffix('"'))
        .collect();
    assert!(packages.contains(&"reqwest") && packages.contains(&"rustls"));
    for native in [
        "native-tls",
        "openssl",
        "openssl-sys",
        "hyper-tls",
        "tokio-native-tls",
    ] {
        assert!(!packages.contains(&native), "{native} is in Cargo.lock");
    }
    // And the client really builds with rustls.
    upload_clients::transport::client_builder()
        .tls_backend_rustls()
        .build()
        .expect("a rustls client");
}
