//! Entra ID tokens for an app (client secret) and for workload identity, through
//! `azure_identity` and this crate's [`EntraTokens`]: the HTTPS-only authority is a name that
//! never resolves, and the credential's own transport sends its requests to a local token
//! endpoint instead (only this test's transport, never the crate's). The emulator, told which
//! token to accept, is the API.

use crate::common;

use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::Secret;
use azure_core::http::{AsyncRawResponse, ClientOptions, HttpClient, Request, Transport};
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use upload_clients::auth::Credential;
use upload_clients::auth::entra::{AI_AGENTS_SCOPE, EntraTokens};
use upload_clients::{AiAgentsClient, UploadSource};
use upload_clients_emulator::Emulator;

use common::scripted::{response, serve};

const TENANT: &str = "00000000-0000-0000-0000-000000000001";

/// Sends every request of a credential to `http://127.0.0.1:{port}`, path and query kept.
#[derive(Debug)]
struct ToLocal {
    port: u16,
    inner: Arc<dyn HttpClient>,
}

#[async_trait::async_trait]
impl HttpClient for ToLocal {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut request = request.clone();
        let url = request.url_mut();
        url.set_scheme("http").expect("scheme");
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(self.port)).expect("port");
        self.inner.execute_request(&request).await
    }
}

fn client_options(port: u16) -> ClientOptions {
    let mut custom = CustomConfiguration::default();
    custom.authority_host = "https://login.invalid".into();
    ClientOptions {
        cloud: Some(Arc::new(CloudConfiguration::Custom(custom))),
        transport: Some(Transport::new(Arc::new(ToLocal {
            port,
            inner: Arc::new(reqwest::Client::new()),
        }))),
        ..Default::default()
    }
}

fn port(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

async fn upload_with(tokens: EntraTokens, emu: &Emulator) {
    assert!(!format!("{tokens:?}").contains("app-token"));
    let agents =
        AiAgentsClient::new(&emu.base_url(), Credential::provider(tokens)).expect("client");
    let file = UploadSource::from_bytes(b"# notes".to_vec(), "notes.md");
    for _ in 0..2 {
        agents
            .upload(&file, "assistants".into())
            .await
            .expect("upload");
    }
}

#[tokio::test]
async fn an_apps_client_secret() {
    let endpoint = serve(vec![response(
        "200 OK",
        &[],
        r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"app-token"}"#,
    )])
    .await;
    let emu = Emulator::builder()
        .credential("app-token")
        .start()
        .await
        .expect("emulator");
    let credential = ClientSecretCredential::new(
        TENANT,
        "the-client-id".into(),
        Secret::from("the-client-secret"),
        Some(ClientSecretCredentialOptions {
            client_options: client_options(port(&endpoint.url)),
        }),
    )
    .expect("credential");
    upload_with(EntraTokens::new(credential, AI_AGENTS_SCOPE), &emu).await;
    let requests = endpoint.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1, "one token for both uploads");
    assert!(
        requests[0]
            .head
            .starts_with(&format!("post /{TENANT}/oauth2/v2.0/token ")),
        "{}",
        requests[0].head
    );
    let body = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(body.contains("client_secret=the-client-secret"), "{body}");
    assert!(
        body.contains("scope=https%3A%2F%2Fai.azure.com%2F.default"),
        "{body}"
    );
}

#[tokio::test]
async fn workload_identity() {
    let endpoint = serve(vec![response(
        "200 OK",
        &[],
        r#"{"token_type":"Bearer","expires_in":3599,"access_token":"app-token"}"#,
    )])
    .await;
    let emu = Emulator::builder()
        .credential("app-token")
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let federated = common::write(dir.path(), "token", b"the-federated-jwt");
    let credential = WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: client_options(port(&endpoint.url)),
        },
        client_id: Some("the-client-id".into()),
        tenant_id: Some(TENANT.into()),
        token_file_path: Some(federated),
    }))
    .expect("credential");
    upload_with(EntraTokens::new(credential, AI_AGENTS_SCOPE), &emu).await;
    let requests = endpoint.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1);
    let body = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(
        body.contains("client_assertion=the-federated-jwt"),
        "{body}"
    );
}
