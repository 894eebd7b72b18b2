//! The credentials users already have, each against a local endpoint only: ACS user tokens
//! from a connection string (the identity stub's requests re-signed here with HMAC-SHA256 to
//! check them), the Azure CLI (a stub `az` on `PATH`), App Service's managed identity, Google's
//! metadata server and gcloud user credentials (through Google's and Microsoft's own crates),
//! and tokens from a file or standard input. The emulator, told which token to accept, is the
//! API: an upload that succeeds proves the token went all the way.

use crate::common;

use std::io::Write as _;
use std::process::{Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::Mac as _;
use sha2::Digest as _;
use upload_clients::auth::Credential;
use upload_clients::auth::acs_identity::AcsIdentityTokens;
use upload_clients::{AcsChatClient, UploadSource};
use upload_clients_emulator::Emulator;

use crate::cli_command;
use common::scripted::{Recorded, response, serve};
use common::{PNG_1X1, THREAD, write};

/// Runs the CLI with `args` and `env` (and optional standard input), off the async runtime.
async fn cli(args: Vec<String>, env: Vec<(String, String)>, stdin: Option<&str>) -> Output {
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut command = cli_command();
        command.args(&args).arg("--no-progress").envs(env);
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn the CLI");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        child.wait_with_output().expect("CLI output")
    })
    .await
    .expect("join")
}

#[track_caller]
fn succeeded(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn in_a_day_rfc3339() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(24)).to_rfc3339()
}

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

/// A stub `az` in a new directory: prints a token and counts its calls.
fn stub_az(dir: &std::path::Path, token: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let expires = chrono::Utc::now().timestamp() + 3600;
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{calls}'\necho '{{\"accessToken\":\"{token}\",\"expires_on\":{expires},\"tokenType\":\"Bearer\",\"expiresOn\":\"2099-01-01 00:00:00.000000\"}}'\n",
        calls = dir.join("az-calls").display()
    );
    let az = bin.join("az");
    std::fs::write(&az, script).expect("az");
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_tokens_from_the_azure_cli_once_for_many_uploads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = stub_az(dir.path(), "entra-cli-token");
    let emu = Emulator::builder()
        .credential("entra-cli-token")
        .start()
        .await
        .expect("emulator");
    let files: Vec<String> = (0..3)
        .map(|i| {
            write(dir.path(), &format!("notes-{i}.md"), b"# notes")
                .display()
                .to_string()
        })
        .collect();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    for auth in [&["--auth", "azure-cli"][..], &[][..]] {
        let mut args: Vec<String> = vec!["agents".into(), "upload".into()];
        args.extend(files.iter().cloned());
        args.extend(
            [
                "--purpose",
                "assistants",
                "--endpoint",
                &emu.base_url(),
                "--concurrency",
                "3",
                "-vv",
            ]
            .map(String::from),
        );
        args.extend(auth.iter().map(|a| a.to_string()));
        let output = cli(
            args,
            vec![
                ("PATH".into(), path.clone()),
                ("HOME".into(), dir.path().display().to_string()),
            ],
            None,
        )
        .await;
        succeeded(&output);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("entra-cli-token"),
            "the token in the log: {stderr}"
        );
    }
    let calls = std::fs::read_to_string(dir.path().join("az-calls")).expect("calls");
    assert_eq!(
        calls.lines().count(),
        2,
        "one `az` call per run of three uploads: {calls}"
    );
    assert!(
        calls.contains("--scope https://ai.azure.com/.default"),
        "{calls}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_tokens_from_app_services_managed_identity() {
    let expires = chrono::Utc::now().timestamp() + 3600;
    let identity = serve(vec![response(
        "200 OK",
        &[],
        &format!(r#"{{"access_token":"managed-identity-token","expires_on":"{expires}","token_type":"Bearer","resource":"https://ai.azure.com"}}"#),
    )])
    .await;
    let emu = Emulator::builder()
        .credential("managed-identity-token")
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "notes.md", b"# notes");
    let output = cli(
        vec![
            "agents".into(),
            "upload".into(),
            file.display().to_string(),
            "--purpose".into(),
            "assistants".into(),
            "--endpoint".into(),
            emu.base_url(),
        ],
        vec![
            (
                "IDENTITY_ENDPOINT".into(),
                format!("{}/msi/token", identity.url),
            ),
            ("IDENTITY_HEADER".into(), "the-identity-header".into()),
            ("PATH".into(), "/usr/bin:/bin".into()),
        ],
        None,
    )
    .await;
    succeeded(&output);
    let requests = identity.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].head.starts_with(
            "get /msi/token?api-version=2019-08-01&resource=https%3a%2f%2fai.azure.com"
        ),
        "{}",
        requests[0].head
    );
    assert!(
        requests[0]
            .head
            .contains("x-identity-header: the-identity-header"),
        "{}",
        requests[0].head
    );
}

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
async fn tokens_from_a_file_or_standard_input_not_the_command_line() {
    let emu = Emulator::builder()
        .credential("kept-off-argv")
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = write(dir.path(), "notes.md", b"# notes")
        .display()
        .to_string();
    let token_file = write(dir.path(), "key.txt", b"kept-off-argv\n")
        .display()
        .to_string();
    let api = format!("{}/api", emu.base_url());
    let output = cli(
        vec![
            "maiagent".into(),
            "upload".into(),
            notes.clone(),
            "--endpoint".into(),
            api.clone(),
            "--token-file".into(),
            token_file,
        ],
        vec![],
        None,
    )
    .await;
    succeeded(&output);
    let output = cli(
        vec![
            "maiagent".into(),
            "upload".into(),
            notes,
            "--endpoint".into(),
            api,
            "--token-file".into(),
            "-".into(),
        ],
        vec![],
        Some("kept-off-argv\n"),
    )
    .await;
    succeeded(&output);
    let empty = write(dir.path(), "empty.txt", b"\n").display().to_string();
    let output = cli(
        vec![
            "maiagent".into(),
            "upload".into(),
            "x.md".into(),
            "--token-file".into(),
            empty,
        ],
        vec![],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no token"));
    // A source that does not apply to the service is a usage error, nothing sent.
    let output = cli(
        vec![
            "maiagent".into(),
            "upload".into(),
            "x.md".into(),
            "--auth".into(),
            "google".into(),
        ],
        vec![],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--auth google does not apply to maiagent")
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
