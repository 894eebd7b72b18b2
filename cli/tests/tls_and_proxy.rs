//! Real TLS and real proxies on loopback: a server whose certificate comes from the test CA in
//! `tests/fixtures/tls` (made once with openssl: `ca.pem` is the CA, `server.pem`/`server.key`
//! are for `localhost` and `127.0.0.1`, valid until 2126; the CA's key was thrown away).
//!
//! An untrusted certificate fails once (never retried) with the cause and how to add a CA;
//! `SSL_CERT_FILE` adds it. `HTTPS_PROXY` tunnels through the proxy with `CONNECT`, so the
//! proxy never sees the credential, and `NO_PROXY` goes around it.

use crate::common;

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::scripted::{self, Recorded, response};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, Error, UploadSource};

use common::THREAD;
const TOKEN: &str = "acs-token-that-must-stay-private";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/tls")
        .join(name)
}

fn created() -> String {
    response(
        "201 Created",
        &["location: /chat/threads/t/images/img1"],
        r#"{"id":"img1","attachmentType":"inlineImage","name":"cat.png"}"#,
    )
}

/// An HTTPS server on 127.0.0.1 answering every request with `answer`, counting handshakes.
struct TlsServer {
    port: u16,
    handshakes: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

async fn serve_tls(answer: String) -> TlsServer {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .expect("server.pem")
        .collect::<Result<_, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("server.key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("certificate and key");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (count, record) = (handshakes.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut tls) = acceptor.accept(tcp).await {
                scripted::exchange(&mut tls, &answer, &record).await;
            }
        }
    });
    TlsServer {
        port,
        handshakes,
        requests,
    }
}

fn png() -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), "cat.png")
}

/// Runs the CLI's ACS upload against `endpoint` with `env`, and no credential, proxy or CA
/// settings but those given.
async fn cli(endpoint: &str, env: &[(&str, String)]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cat.png");
    std::fs::write(&file, common::PNG_1X1).expect("write");
    let mut command = tokio::process::Command::from(crate::cli_command());
    command
        .args(["acs-chat", "upload-image"])
        .arg(&file)
        .args([
            "--endpoint",
            endpoint,
            "--thread-id",
            THREAD,
            "--no-progress",
        ])
        .env("ACS_ACCESS_TOKEN", TOKEN)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .await
        .expect("runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn an_untrusted_certificate_fails_once_saying_why_and_how_to_add_a_ca() {
    let server = serve_tls(created()).await;
    let acs = AcsChatClient::new(
        &format!("https://localhost:{}", server.port),
        Credential::bearer(TOKEN),
    )
    .expect("endpoint");
    let err = acs
        .upload_image(THREAD, &png())
        .await
        .expect_err("untrusted");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains("invalid peer certificate"), "{shown}");
    assert!(shown.contains("UnknownIssuer"), "{shown}");
    assert!(shown.contains("SSL_CERT_FILE"), "{shown}");
    assert!(!shown.contains(TOKEN));
    // The default policy retries network errors four times; a refused certificate once only.
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 1);
    assert!(server.requests.lock().unwrap().is_empty());

    // Trusting the CA in the client makes the same upload work.
    let ca = reqwest::Certificate::from_pem(&std::fs::read(fixture("ca.pem")).expect("ca.pem"))
        .expect("CA");
    let http = upload_clients::transport::client_builder()
        .tls_certs_merge([ca])
        .build()
        .expect("client");
    let image = acs
        .with_http_client(http)
        .upload_image(THREAD, &png())
        .await
        .expect("trusted");
    assert_eq!(image.id, "img1");
}

#[tokio::test]
async fn the_cli_names_the_tls_cause_and_ssl_cert_file_adds_the_ca() {
    let server = serve_tls(created()).await;
    let endpoint = format!("https://localhost:{}", server.port);
    let refused = cli(&endpoint, &[]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let line = stderr(&refused);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("invalid peer certificate: UnknownIssuer") && line.contains("SSL_CERT_FILE"),
        "{line}"
    );
    let trusted = cli(
        &endpoint,
        &[("SSL_CERT_FILE", fixture("ca.pem").display().to_string())],
    )
    .await;
    assert_eq!(trusted.status.code(), Some(0), "{}", stderr(&trusted));
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("img1"));
}

#[tokio::test]
async fn no_root_certificates_fail_once_saying_what_to_install() {
    let server = serve_tls(created()).await;
    let endpoint = format!("https://localhost:{}", server.port);
    // Nothing to trust: the roots are loaded at the first handshake, and none can be.
    let nowhere = "/nonexistent/upload-clients-test";
    let refused = cli(
        &endpoint,
        &[
            ("SSL_CERT_FILE", format!("{nowhere}/ca.pem")),
            ("SSL_CERT_DIR", nowhere.to_string()),
        ],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let line = stderr(&refused);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("no root certificate could be loaded") && line.contains("SSL_CERT_FILE"),
        "{line}"
    );
    assert!(!line.contains(TOKEN), "{line}");
    // A refused certificate is not retried.
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 1);
    assert!(server.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn https_proxy_gets_only_a_connect_and_no_proxy_goes_around_it() {
    let server = serve_tls(created()).await;
    let endpoint = format!("https://localhost:{}", server.port);
    let proxy = scripted::serve(vec![
        "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_string(),
    ])
    .await;
    let ca = ("SSL_CERT_FILE", fixture("ca.pem").display().to_string());
    let through = cli(&endpoint, &[ca.clone(), ("HTTPS_PROXY", proxy.url.clone())]).await;
    // This proxy refuses the tunnel: the upload fails, and the proxy saw only where to go.
    assert_eq!(through.status.code(), Some(1), "{}", stderr(&through));
    let seen = proxy.requests.lock().unwrap().clone();
    assert!(!seen.is_empty());
    for request in &seen {
        let head = String::from_utf8_lossy(&request.raw_head);
        assert!(
            head.starts_with(&format!("CONNECT localhost:{} HTTP/1.1\r\n", server.port)),
            "{head}"
        );
        assert!(
            !head.to_ascii_lowercase().contains("authorization"),
            "{head}"
        );
        assert!(!head.contains(TOKEN) && request.body.is_empty(), "{head}");
    }
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 0);

    let around = cli(
        &endpoint,
        &[
            ca,
            ("HTTPS_PROXY", proxy.url.clone()),
            ("NO_PROXY", "localhost".to_string()),
        ],
    )
    .await;
    assert_eq!(around.status.code(), Some(0), "{}", stderr(&around));
    assert_eq!(proxy.requests.lock().unwrap().len(), seen.len());
    assert_eq!(server.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn http_proxy_carries_plain_http_requests_in_absolute_form() {
    // 127.0.0.2 is loopback (http:// allowed) and nothing listens on this port: only the proxy
    // can answer.
    let proxy = scripted::serve(vec![created()]).await;
    let target = "http://127.0.0.2:9";
    let output = cli(target, &[("HTTP_PROXY", proxy.url.clone())]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let seen = proxy.requests.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let head = String::from_utf8_lossy(&seen[0].raw_head);
    assert!(
        head.starts_with(&format!("POST {target}/chat/threads/")),
        "{head}"
    );
}
