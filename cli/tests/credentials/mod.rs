//! The credentials users already have, each against a local endpoint only: ACS user tokens
//! from a connection string (the identity stub's requests re-signed here with HMAC-SHA256 to
//! check them), the Azure CLI (a stub `az` on `PATH`), App Service's managed identity, Google's
//! metadata server and gcloud user credentials (through Google's and Microsoft's own crates),
//! and tokens from a file or standard input. The emulator, told which token to accept, is the
//! API: an upload that succeeds proves the token went all the way.

mod acs;
mod entra;
mod google;
mod token_file;

use std::io::Write as _;
use std::process::{Output, Stdio};

use crate::cli_command;

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
