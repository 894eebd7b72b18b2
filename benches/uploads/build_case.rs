//! Build times: a clean `cargo build` of the crate, a no-op rebuild, and the rebuild after a spec
//! edit (what regenerating a client costs).
//!
//! The crate is copied to a temporary directory first (sources only: no `target/`, no `.git`),
//! so editing a spec never touches the working tree others use, and it is built into
//! `target/bench-build`, its own target directory (removed afterwards), so the shared `target/`
//! is never cleaned.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::contenders::run_bounded;

/// A clean build may take this long before it is stopped.
const BUILD_TIMEOUT: Duration = Duration::from_secs(3600);
/// The spec the edit goes into.
const SPEC: &str = "specs/acs-chat.yaml";

/// The measured build times, in seconds.
#[derive(Debug, Clone)]
pub struct BuildTimes {
    /// `cargo build` from an empty target directory.
    pub clean: f64,
    /// `cargo build` again with nothing changed.
    pub noop: Vec<f64>,
    /// `cargo build` after one spec's operation description changed.
    pub spec_edit: Vec<f64>,
    /// The load average when the case started and ended (others may be building too).
    pub load: (String, String),
}

/// A temporary directory removed when dropped, whatever happens.
struct TempCopy(PathBuf);

impl Drop for TempCopy {
    /// Removes the directory.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copies `from` into `to`, leaving out `target/` and `.git` at the top.
fn copy_tree(from: &Path, to: &Path, top: bool) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if top && (name == "target" || name == ".git") {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name), false)?;
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// The 1, 5 and 15 minute load averages.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `cargo build` of the crate in `dir` into `target`; returns the seconds taken.
fn cargo_build(dir: &Path, target: &Path) -> Result<f64, String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "--locked", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS");
    let started = Instant::now();
    let output = run_bounded(command, BUILD_TIMEOUT)?;
    let secs = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "cargo build failed in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(secs)
}

/// Appends `marker` to the first line of the first operation's description in the copy's
/// spec: a change to the generated code's docs, as a real spec edit is.
fn edit_spec(dir: &Path, marker: &str) -> Result<(), String> {
    let path = dir.join(SPEC);
    let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let op = lines
        .iter()
        .position(|l| l.trim_start().starts_with("operationId:"))
        .ok_or("no operationId in the spec")?;
    let description = (op..lines.len())
        .find(|&i| lines[i].trim() == "description: |-")
        .ok_or("no block description after the operationId")?;
    let line = lines
        .get_mut(description + 1)
        .ok_or("the description is empty")?;
    line.push_str(marker);
    fs::write(&path, lines.join("\n") + "\n").map_err(|e| e.to_string())
}

/// Runs the build case: one clean build, then `runs` no-op rebuilds and `runs` spec edits.
pub fn run(runs: usize) -> Result<BuildTimes, String> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = crate_dir.join("target").join("bench-build");
    let copy = TempCopy(
        std::env::temp_dir().join(format!("upload-clients-build-bench-{}", std::process::id())),
    );
    copy_tree(crate_dir, &copy.0, true).map_err(|e| format!("cannot copy the crate: {e}"))?;
    let load_start = load_average();
    if target.exists() {
        fs::remove_dir_all(&target).map_err(|e| e.to_string())?;
    }
    eprintln!(
        "build: clean cargo build of a copy in {} …",
        copy.0.display()
    );
    let clean = cargo_build(&copy.0, &target)?;
    let mut noop = Vec::new();
    let mut spec_edit = Vec::new();
    for run in 0..runs {
        noop.push(cargo_build(&copy.0, &target)?);
        edit_spec(
            &copy.0,
            &format!(" Edited for the build benchmark ({run})."),
        )?;
        spec_edit.push(cargo_build(&copy.0, &target)?);
        eprintln!(
            "build: no-op {:.2} s, after a spec edit {:.2} s",
            noop[run], spec_edit[run]
        );
    }
    // 1 GiB of artifacts nobody else uses.
    let _ = fs::remove_dir_all(&target);
    Ok(BuildTimes {
        clean,
        noop,
        spec_edit,
        load: (load_start, load_average()),
    })
}
