//! Google tokens from the metadata server, gcloud user credentials and service account
//! impersonation.

use crate::common;
use common::scripted::{response, serve};
use common::{PNG_1X1, write};
use upload_clients_emulator::Emulator;

use super::{cli, succeeded};

#[tokio::test(flavor = "multi_thread")]
async fn google_tokens_from_the_metadata_server() {
    let metadata = serve(vec![response(
        "200 OK",
        &["metadata-flavor: Google"],
        r#"{"access_token":"metadata-token","expires_in":3599,"token_type":"Bearer"}"#,
    )])
    .await;
    let emu = Emulator::builder()
        .credential("metadata-token")
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "a.png", PNG_1X1);
    let output = cli(
        vec![
            "rbm".into(),
            "upload".into(),
            file.display().to_string(),
            "--agent-id".into(),
            "agent-1".into(),
            "--endpoint".into(),
            emu.base_url(),
        ],
        vec![
            (
                "GCE_METADATA_HOST".into(),
                metadata.url.trim_start_matches("http://").into(),
            ),
            ("HOME".into(), dir.path().display().to_string()),
        ],
        None,
    )
    .await;
    succeeded(&output);
    let requests = metadata.requests.lock().expect("lock").clone();
    let head = &requests.first().expect("a metadata request").head;
    assert!(head.starts_with("get /computemetadata/v1/instance/service-accounts/default/token?scopes=https%3a%2f%2fwww.googleapis.com%2fauth%2frcsbusinessmessaging"), "{head}");
    assert!(head.contains("metadata-flavor: google"), "{head}");
}

#[tokio::test(flavor = "multi_thread")]
async fn google_tokens_from_gcloud_user_credentials() {
    let token_endpoint = serve(vec![response(
        "200 OK",
        &[],
        r#"{"access_token":"gcloud-user-token","expires_in":3599,"token_type":"Bearer"}"#,
    )])
    .await;
    let emu = Emulator::builder()
        .credential("gcloud-user-token")
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let adc = serde_json::json!({
        "type": "authorized_user",
        "client_id": "client.apps.googleusercontent.com",
        "client_secret": "the-client-secret",
        "refresh_token": "the-refresh-token",
        "token_uri": format!("{}/token", token_endpoint.url),
    });
    // Where `gcloud auth application-default login` writes it, found through HOME alone.
    let gcloud = dir.path().join(".config/gcloud");
    std::fs::create_dir_all(&gcloud).expect("gcloud dir");
    write(
        &gcloud,
        "application_default_credentials.json",
        adc.to_string().as_bytes(),
    );
    let file = write(dir.path(), "a.png", PNG_1X1);
    let output = cli(
        vec![
            "rbm".into(),
            "upload".into(),
            file.display().to_string(),
            "--agent-id".into(),
            "agent-1".into(),
            "--endpoint".into(),
            emu.base_url(),
        ],
        vec![("HOME".into(), dir.path().display().to_string())],
        None,
    )
    .await;
    succeeded(&output);
    let requests = token_endpoint.requests.lock().expect("lock").clone();
    let body =
        String::from_utf8_lossy(&requests.first().expect("a token request").body).into_owned();
    assert!(
        body.contains("the-refresh-token") && body.contains("refresh_token"),
        "{body}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("the-client-secret") && !stderr.contains("gcloud-user-token"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn google_tokens_through_service_account_impersonation() {
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    // The source credential's token first, then the impersonated one.
    let endpoints = serve(vec![
        response(
            "200 OK",
            &[],
            r#"{"access_token":"source-token","expires_in":3599,"token_type":"Bearer"}"#,
        ),
        response(
            "200 OK",
            &[],
            &format!(r#"{{"accessToken":"impersonated-token","expireTime":"{in_an_hour}"}}"#),
        ),
    ])
    .await;
    let emu = Emulator::builder()
        .credential("impersonated-token")
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let adc = serde_json::json!({
        "type": "impersonated_service_account",
        "service_account_impersonation_url": format!("{}/v1/projects/-/serviceAccounts/rbm@p.iam.gserviceaccount.com:generateAccessToken", endpoints.url),
        "source_credentials": {
            "type": "authorized_user",
            "client_id": "client.apps.googleusercontent.com",
            "client_secret": "the-client-secret",
            "refresh_token": "the-refresh-token",
            "token_uri": format!("{}/token", endpoints.url),
        },
        "delegates": [],
    });
    let adc_file = write(dir.path(), "adc.json", adc.to_string().as_bytes());
    let file = write(dir.path(), "a.png", PNG_1X1);
    let output = cli(
        vec![
            "rbm".into(),
            "upload".into(),
            file.display().to_string(),
            "--agent-id".into(),
            "agent-1".into(),
            "--endpoint".into(),
            emu.base_url(),
            "--auth".into(),
            "google".into(),
        ],
        vec![
            (
                "GOOGLE_APPLICATION_CREDENTIALS".into(),
                adc_file.display().to_string(),
            ),
            ("HOME".into(), dir.path().display().to_string()),
        ],
        None,
    )
    .await;
    succeeded(&output);
    let requests = endpoints.requests.lock().expect("lock").clone();
    let impersonation = requests
        .iter()
        .find(|r| r.head.contains(":generateaccesstoken"))
        .expect("an impersonation request");
    assert!(
        impersonation
            .head
            .contains("authorization: bearer source-token"),
        "{}",
        impersonation.head
    );
    let body = String::from_utf8_lossy(&impersonation.body).into_owned();
    assert!(
        body.contains("https://www.googleapis.com/auth/rcsbusinessmessaging"),
        "{body}"
    );
}
