//! Build times: a clean `cargo build` of the crate with default features and with all features,
//! each with the share of the build every dependency takes (from `cargo build --timings`), a
//! no-op rebuild, and the rebuild after a spec edit (what regenerating a client costs).
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

/// One clean build and where its time went.
#[derive(Debug, Clone)]
pub struct CleanBuild {
    /// The features, as given to cargo (`default features` or `--all-features`).
    pub features: &'static str,
    /// Wall time of `cargo build` from an empty target directory, in seconds.
    pub secs: f64,
    /// The sum of every unit's time (units run two at a time here, so this exceeds `secs`).
    pub unit_secs: f64,
    /// The crates that took longest (build script, its run and the library together), with
    /// their seconds, longest first.
    pub heaviest: Vec<(String, f64)>,
}

/// The measured build times, in seconds.
#[derive(Debug, Clone)]
pub struct BuildTimes {
    /// Clean builds: default features, then all features.
    pub clean: Vec<CleanBuild>,
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

/// `cargo build` of the crate in `dir` into `target` with `extra` arguments; returns the
/// seconds taken.
fn cargo_build(dir: &Path, target: &Path, extra: &[&str]) -> Result<f64, String> {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["build", "--locked", "--offline", "-p", "upload-clients"])
        .args(extra)
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

/// A clean build of `dir` into `target` (emptied first) with `--timings`, and its breakdown.
fn clean_build(
    dir: &Path,
    target: &Path,
    features: &'static str,
    extra: &[&str],
) -> Result<CleanBuild, String> {
    if target.exists() {
        fs::remove_dir_all(target).map_err(|e| e.to_string())?;
    }
    eprintln!(
        "build: clean cargo build ({features}) of a copy in {} …",
        dir.display()
    );
    let mut args = vec!["--timings"];
    args.extend_from_slice(extra);
    let secs = cargo_build(dir, target, &args)?;
    let html = fs::read_to_string(target.join("cargo-timings").join("cargo-timing.html"))
        .map_err(|e| format!("cargo build --timings wrote no report: {e}"))?;
    let units = unit_times(&html)?;
    let unit_secs = units.iter().map(|(_, s)| s).sum();
    let mut by_crate: Vec<(String, f64)> = Vec::new();
    for (name, secs) in units {
        match by_crate.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += secs,
            None => by_crate.push((name, secs)),
        }
    }
    by_crate.sort_by(|a, b| b.1.total_cmp(&a.1));
    by_crate.truncate(12);
    Ok(CleanBuild {
        features,
        secs,
        unit_secs,
        heaviest: by_crate,
    })
}

/// Every unit's crate name and duration from the `UNIT_DATA` of a `cargo build --timings` report.
fn unit_times(html: &str) -> Result<Vec<(String, f64)>, String> {
    const START: &str = "const UNIT_DATA = ";
    let from = html
        .find(START)
        .ok_or("no UNIT_DATA in the timings report")?
        + START.len();
    let len = html[from..]
        .find("];")
        .ok_or("UNIT_DATA does not end in the timings report")?;
    let data: serde_json::Value = serde_json::from_str(&html[from..from + len + 1])
        .map_err(|e| format!("cannot read UNIT_DATA: {e}"))?;
    let units = data.as_array().ok_or("UNIT_DATA is not a list")?;
    units
        .iter()
        .map(|unit| {
            let name = unit["name"].as_str().ok_or("a unit without a name")?;
            let secs = unit["duration"]
                .as_f64()
                .ok_or("a unit without a duration")?;
            Ok((name.to_owned(), secs))
        })
        .collect()
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

/// Runs the build case: a clean build with default features, `runs` no-op rebuilds and `runs`
/// spec edits, then a clean build with all features.
pub fn run(runs: usize) -> Result<BuildTimes, String> {
    // The workspace (the library is its root package), copied whole; the library is built.
    let crate_dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let target = crate_dir.join("target").join("bench-build");
    let copy = TempCopy(
        std::env::temp_dir().join(format!("upload-clients-build-bench-{}", std::process::id())),
    );
    copy_tree(crate_dir, &copy.0, true).map_err(|e| format!("cannot copy the crate: {e}"))?;
    let load_start = load_average();
    let mut clean = vec![clean_build(&copy.0, &target, "default features", &[])?];
    let mut noop = Vec::new();
    let mut spec_edit = Vec::new();
    for run in 0..runs {
        noop.push(cargo_build(&copy.0, &target, &[])?);
        edit_spec(
            &copy.0,
            &format!(" Edited for the build benchmark ({run})."),
        )?;
        spec_edit.push(cargo_build(&copy.0, &target, &[])?);
        eprintln!(
            "build: no-op {:.2} s, after a spec edit {:.2} s",
            noop[run], spec_edit[run]
        );
    }
    clean.push(clean_build(
        &copy.0,
        &target,
        "--all-features",
        &["--all-features"],
    )?);
    // Gigabytes of artifacts nobody else uses.
    let _ = fs::remove_dir_all(&target);
    Ok(BuildTimes {
        clean,
        noop,
        spec_edit,
        load: (load_start, load_average()),
    })
}

/// The build case's section of the report, as Markdown lines.
pub fn report_lines(times: &BuildTimes, took_secs: f64, median: fn(&[f64]) -> f64) -> Vec<String> {
    let mut lines = vec![
        "## 4. Build (`cargo build`, dev profile, a copy of the crate, own target directory)"
            .into(),
        String::new(),
        "| build | seconds (median) | runs |".into(),
        "|---|---|---|".into(),
    ];
    for clean in &times.clean {
        lines.push(format!(
            "| clean, {} | {:.1} | 1 |",
            clean.features, clean.secs
        ));
    }
    lines.push(format!(
        "| no-op rebuild | {:.2} | {} |",
        median(&times.noop),
        times.noop.len()
    ));
    lines.push(format!(
        "| rebuild after a spec edit (an operation description in `specs/acs-chat.yaml`) | {:.1} | {} |",
        median(&times.spec_edit),
        times.spec_edit.len()
    ));
    lines.push(String::new());
    for clean in &times.clean {
        lines.push(format!(
            "Where the clean build ({}) went: {:.0} s of unit time in {:.0} s (`cargo build --timings`; a crate's build script, its run and its library together; the share is of the unit time):",
            clean.features, clean.unit_secs, clean.secs
        ));
        lines.push(String::new());
        lines.push("| crate | seconds | share |".into());
        lines.push("|---|---|---|".into());
        for (name, secs) in &clean.heaviest {
            let share = if clean.unit_secs > 0.0 {
                100.0 * secs / clean.unit_secs
            } else {
                0.0
            };
            lines.push(format!("| {name} | {secs:.1} | {share:.0}% |"));
        }
        lines.push(String::new());
    }
    lines.push(format!(
        "Load average at start / end: {} / {}; the case took {took_secs:.0} s.",
        times.load.0, times.load.1
    ));
    lines.push(String::new());
    lines
}
