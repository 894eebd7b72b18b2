//! Peak memory: the release CLI (`upload-clients`, built by `cargo bench` with the bench
//! profile) uploading to the sink under `/usr/bin/time -v`, which reports the process's
//! maximum resident set size.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::contenders::{AGENT, AGENTS_PATH, Api, MAIAGENT_PATH, UPLOAD_TIMEOUT, run_bounded};

/// The CLI binary cargo built for this bench.
pub const CLI: &str = env!("CARGO_BIN_EXE_upload-clients");

/// One CLI run.
#[derive(Debug, Clone, Copy)]
pub struct CliRun {
    /// Maximum resident set size in KiB, when `/usr/bin/time` is there to say.
    pub max_rss_kib: Option<u64>,
    /// Wall-clock seconds, spawn to exit.
    pub secs: f64,
}

/// Whether `/usr/bin/time` is installed.
pub fn have_time() -> bool {
    Path::new("/usr/bin/time").exists()
}

/// The peak RSS `/usr/bin/time -v` printed on `stderr`, in KiB.
pub fn max_rss_kib(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
}

/// `program`, under `/usr/bin/time -v` when `timed` (which then prints its peak RSS).
pub fn command(program: impl AsRef<OsStr>, timed: bool) -> Command {
    if timed {
        let mut command = Command::new("/usr/bin/time");
        command.arg("-v").arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A process that exited 0.
pub struct Finished {
    /// Wall-clock seconds, spawn to exit.
    pub secs: f64,
    /// What it printed.
    pub stdout: String,
    /// Its peak RSS, when timed.
    pub max_rss_kib: Option<u64>,
}

/// Runs `command` (from [`command`]) to its end, bounded by the upload timeout; fails, naming
/// `what`, unless it exits 0 and, when `timed`, `/usr/bin/time` reported the peak RSS.
pub fn run_measured(command: Command, what: &str, timed: bool) -> Result<Finished, String> {
    let started = Instant::now();
    let output = run_bounded(command, UPLOAD_TIMEOUT)?;
    let secs = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        // The program's own words, without `/usr/bin/time`'s report.
        let own = stderr.split("\tCommand being timed").next().unwrap_or("");
        return Err(format!(
            "{what} failed ({}): {} {}",
            output.status,
            own.trim(),
            stdout.trim()
        ));
    }
    let max_rss_kib = max_rss_kib(&stderr);
    if timed && max_rss_kib.is_none() {
        return Err(format!("/usr/bin/time printed no maximum RSS: {stderr}"));
    }
    Ok(Finished {
        secs,
        stdout,
        max_rss_kib,
    })
}

/// The CLI arguments that upload `files` on `api` to the sink at `base`.
fn cli_args(base: &str, api: Api, files: &[PathBuf]) -> Vec<String> {
    let (service, command, options): (&str, &str, Vec<String>) = match api {
        Api::Acs => (
            "acs-chat",
            "upload-image",
            vec![
                "--endpoint".into(),
                base.into(),
                "--thread-id".into(),
                crate::contenders::THREAD.into(),
            ],
        ),
        Api::Rbm => (
            "rbm",
            "upload",
            vec![
                "--agent-id".into(),
                AGENT.into(),
                "--endpoint".into(),
                base.into(),
            ],
        ),
        Api::Agents => (
            "agents",
            "upload",
            vec![
                "--endpoint".into(),
                format!("{base}{AGENTS_PATH}"),
                "--purpose".into(),
                "assistants".into(),
            ],
        ),
        Api::MaiAgent | Api::Presigned => (
            "maiagent",
            "upload",
            vec!["--endpoint".into(), format!("{base}{MAIAGENT_PATH}")],
        ),
    };
    let mut args: Vec<String> = vec![service.into(), command.into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(options);
    if api == Api::Presigned {
        args.push("--presigned".into());
    }
    args.extend(["--token", "bench-token", "--no-progress", "--json"].map(String::from));
    args
}

/// Runs the CLI once (under `/usr/bin/time -v` when installed); fails unless it exits 0.
pub fn run_cli(base: &str, api: Api, file: &Path) -> Result<CliRun, String> {
    run_cli_many(base, api, &[file.to_path_buf()], None)
}

/// Runs the CLI once on every file of `files` (with `--concurrency` when given), under
/// `/usr/bin/time -v` when installed; fails unless it exits 0 and prints a JSON object for each
/// file (one object for one file; a line `{"ok": true, …}` per file for several).
pub fn run_cli_many(
    base: &str,
    api: Api,
    files: &[PathBuf],
    concurrency: Option<usize>,
) -> Result<CliRun, String> {
    let timed = have_time();
    let mut command = command(CLI, timed);
    command.args(cli_args(base, api, files));
    if let Some(n) = concurrency {
        command.args(["--concurrency", &n.to_string()]);
    }
    let Finished {
        secs,
        stdout,
        max_rss_kib,
        ..
    } = run_measured(command, "the CLI", timed)?;
    if files.len() == 1 {
        serde_json::from_str::<serde_json::Value>(stdout.trim())
            .map_err(|e| format!("the CLI printed no JSON object ({e}): {stdout:?}"))?;
    } else {
        let ok = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["ok"] == true)
            .count();
        if ok != files.len() {
            return Err(format!(
                "the CLI reported {ok} uploads, not {}: {stdout:?}",
                files.len()
            ));
        }
    }
    Ok(CliRun { max_rss_kib, secs })
}
