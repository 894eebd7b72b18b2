//! The CLI's commands complete every upload flow against the emulator as its own process, which
//! records every route and no credential.

use crate::common;

use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::cli_command;
use common::{PNG_1X1, THREAD, write};

/// An emulator process, stopped with SIGINT (its Ctrl-C) by PID when dropped.
struct EmulatorProcess {
    child: Child,
    base_url: String,
}

impl EmulatorProcess {
    fn start(extra: &[&str]) -> Self {
        let mut child = cli_command()
            .args(["emulator", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("first line");
        let base_url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        Self { child, base_url }
    }

    /// Stops it with SIGINT and returns its exit code.
    fn stop(mut self) -> Option<i32> {
        interrupt(&self.child);
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

fn interrupt(child: &Child) {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_cli(args: &[&str]) -> std::process::Output {
    cli_command()
        .args(args)
        .args(["--no-progress"])
        .output()
        .expect("run the CLI")
}

/// The CLI's commands for every upload flow against the emulator at `base` (MaiAgent's under
/// `api` and `api_v1`), sending `png` and `notes`, in the order of [`EXPECTED_ROUTES`].
fn upload_flows<'a>(
    base: &'a str,
    api: &'a str,
    api_v1: &'a str,
    png: &'a str,
    notes: &'a str,
) -> Vec<Vec<&'a str>> {
    vec![
        vec![
            "acs-chat",
            "upload-image",
            png,
            "--endpoint",
            base,
            "--thread-id",
            THREAD,
            "--token",
            "acs",
        ],
        vec![
            "rbm",
            "upload",
            png,
            "--agent-id",
            "agent-1",
            "--endpoint",
            base,
            "--token",
            "rbm",
        ],
        vec![
            "rbm",
            "upload-url",
            "--file-url",
            "https://example.com/cat.jpg",
            "--agent-id",
            "agent-1",
            "--endpoint",
            base,
            "--token",
            "rbm",
        ],
        vec![
            "agents",
            "upload",
            notes,
            "--purpose",
            "assistants",
            "--wait",
            "--endpoint",
            base,
            "--token",
            "entra",
        ],
        vec![
            "maiagent",
            "upload",
            notes,
            "--presigned",
            "--endpoint",
            api,
            "--token",
            "key",
        ],
        vec![
            "maiagent",
            "upload",
            notes,
            "--endpoint",
            api,
            "--token",
            "key",
        ],
        vec![
            "maiagent",
            "upload",
            notes,
            "--attachments",
            "--endpoint",
            api_v1,
            "--token",
            "key",
        ],
    ]
}

/// The routes the emulator records for [`upload_flows`] (polls of `--wait` left out), with
/// their statuses: the first RBM upload meets the fault, and is retried.
const EXPECTED_ROUTES: [(&str, u64); 10] = [
    ("acs-chat.uploadChatImage", 201),
    ("rbm.uploadFile", 503),
    ("rbm.uploadFile", 200),
    ("rbm.createFile", 200),
    ("ai-agents.uploadFile", 200),
    ("maiagent.createUploadPresignedUrl", 200),
    ("storage.post", 204),
    ("maiagent.createAttachment", 201),
    ("maiagent.createAttachmentUpload", 201),
    ("maiagent.createAttachment", 201),
];

/// What the emulator at `base` recorded, from its `/_emulator/requests`.
fn recorded_requests(base: &str) -> Value {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime
        .block_on(async {
            reqwest::get(format!("{base}/_emulator/requests"))
                .await?
                .json()
                .await
        })
        .expect("requests")
}

/// Checks the record of [`upload_flows`]: the routes and statuses expected, `--wait`'s polls
/// until processed, and no credential anywhere.
fn the_record_has_every_flow_and_no_credential(requests: &Value) {
    let seen: Vec<(String, u64)> = requests
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["route"].as_str().unwrap_or("").to_owned(),
                r["status"].as_u64().unwrap_or(0),
            )
        })
        .filter(|(route, _)| route != "ai-agents.getFile")
        .collect();
    let expected: Vec<(String, u64)> = EXPECTED_ROUTES
        .iter()
        .map(|(r, s)| (r.to_string(), *s))
        .collect();
    assert_eq!(seen, expected);
    // --wait polled until processed.
    let polls = requests
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["route"] == "ai-agents.getFile" && r["status"] == 200)
        .count();
    assert!(polls >= 1, "{requests:#}");
    // No credential in the record.
    let text = requests.to_string();
    for secret in ["Bearer acs", "Bearer rbm", "Bearer entra", "Api-Key key\""] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[test]
fn cli_completes_every_upload_flow_against_the_emulator_process() {
    // The first RBM upload meets a 503 with Retry-After: the CLI retries it.
    let emu = EmulatorProcess::start(&[
        "--processing-ms",
        "300",
        "--fault",
        "rbm.uploadFile=503,retry-after=1",
    ]);
    let base = emu.base_url.clone();
    let api = format!("{base}/api");
    let api_v1 = format!("{base}/api/v1");
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "고양이.png", PNG_1X1);
    let notes = write(dir.path(), "議事録.md", "# 議事録\n".as_bytes());
    let (png, notes) = (png.to_str().expect("utf-8"), notes.to_str().expect("utf-8"));
    let flows = upload_flows(&base, &api, &api_v1, png, notes);
    for flow in &flows {
        let output = run_cli(flow);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{flow:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    the_record_has_every_flow_and_no_credential(&recorded_requests(&base));
    assert_eq!(emu.stop(), Some(0), "the emulator exits 0 on Ctrl-C");
}
