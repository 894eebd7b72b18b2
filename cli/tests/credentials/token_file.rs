//! Tokens from a file or standard input, never from the command line.

use crate::common;
use common::write;
use upload_clients_emulator::Emulator;

use super::{cli, succeeded};

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
