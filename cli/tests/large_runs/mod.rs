//! Large runs through the CLI against the emulator (issue 20): Ctrl-C mid-run reports what the
//! service created, `kill -9` then a rerun with the journal finishes without sending twice,
//! a finished journal sends nothing, and a rate-limited service gets every file.

mod journal;
mod soak;

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::cli_command;
use common::write;
use upload_clients_emulator::{Emulator, RecordedRequest};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `count` small text files with distinct content, `doc-000.txt` …
fn text_files(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            write(
                dir,
                &format!("doc-{i:03}.txt"),
                format!("document {i}\n").as_bytes(),
            )
        })
        .collect()
}

/// The CLI with `args` (progress off), as a tokio child with piped output.
fn cli(args: &[&str]) -> tokio::process::Command {
    let mut command = cli_command();
    command
        .args(args)
        .arg("--no-progress")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::process::Command::from(command)
}

async fn run(args: &[&str]) -> Result<Output, std::io::Error> {
    tokio::time::timeout(Duration::from_secs(120), cli(args).output())
        .await
        .map_err(|_| std::io::Error::other(format!("the CLI did not end: {args:?}")))?
}

/// The `--json` lines on stdout.
fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The CLI's arguments for a MaiAgent presigned run of the files in `dir` against `emu`, 8 at
/// a time, with `--json`.
fn presigned_run(emu: &Emulator, dir: &Path) -> Vec<String> {
    let (base, folder) = (format!("{}/api", emu.base_url()), dir.display().to_string());
    [
        "maiagent",
        "upload",
        "--presigned",
        "--dir",
        &folder,
        "--concurrency",
        "8",
        "--endpoint",
        &base,
        "--token",
        "any",
        "--json",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The CLI's arguments for an AI Agents run (purpose `assistants`) of the files in `dir`
/// against `emu`, then `extra`.
fn agents_run(emu: &Emulator, dir: &Path, extra: &[&str]) -> Vec<String> {
    let (base, folder) = (emu.base_url(), dir.display().to_string());
    let args = [
        "agents",
        "upload",
        "--dir",
        &folder,
        "--purpose",
        "assistants",
        "--endpoint",
        &base,
        "--token",
        "any",
    ];
    args.iter().chain(extra).map(|a| a.to_string()).collect()
}

/// Waits (at most 120 s) until `ready` holds for the emulator's records.
async fn wait_until(emu: &Emulator, ready: impl Fn(&[RecordedRequest]) -> bool) -> TestResult {
    for _ in 0..2400 {
        if ready(&emu.requests()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the emulator never saw what the test waited for".into())
}

fn created_on(records: &[RecordedRequest], route: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.route.as_deref() == Some(route))
        .filter_map(|r| r.created.clone())
        .collect()
}

/// Storage POSTs per file name sent.
fn storage_posts(records: &[RecordedRequest]) -> BTreeMap<String, usize> {
    let mut posts = BTreeMap::new();
    for record in records
        .iter()
        .filter(|r| r.route.as_deref() == Some("storage.post"))
    {
        for name in record.parts.iter().filter_map(|p| p.filename.clone()) {
            *posts.entry(name).or_insert(0) += 1;
        }
    }
    posts
}

fn signal(pid: Option<u32>, name: &str) -> TestResult {
    let pid = pid.ok_or("the CLI has no pid")?.to_string();
    let status = std::process::Command::new("kill")
        .args([name, &pid])
        .status()?;
    if !status.success() {
        return Err(format!("kill {name} {pid} failed").into());
    }
    Ok(())
}
