//! Redirects: another address, host name or port drops the credential, the same origin keeps
//! it; and TLS is rustls only.

use crate::common;

use common::scripted::{self, Scripted, response};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient};

use common::THREAD;

use super::{
    ACS_TOKEN, AGENTS_TOKEN, MAI_KEY, RBM_TOKEN, assert_no_secret, everything_shown, heads,
    log_buffer, logs, pdf, png,
};

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
