//! Entra tokens from the Azure CLI and from App Service's managed identity.

use crate::common;
use common::scripted::{response, serve};
use common::write;
use upload_clients_emulator::Emulator;

use super::{cli, succeeded};

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
