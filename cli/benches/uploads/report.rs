//! The report and its header (date, commit, machine, toolchain, command), and the medians and
//! milliseconds it shows.

use std::fmt::Write as _;
use std::process::Command;

use crate::{MIB, Options};

/// The median of `values` (the mean of the middle two for an even count).
pub(super) fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Seconds as milliseconds with three significant digits at least.
pub(super) fn ms(secs: f64) -> String {
    let ms = secs * 1e3;
    match ms {
        m if m < 10.0 => format!("{m:.3}"),
        m if m < 100.0 => format!("{m:.2}"),
        m => format!("{m:.1}"),
    }
}

/// The report: printed as it grows and written to `target/bench-data/report.md` at the end.
#[derive(Default)]
pub(super) struct Report(pub(super) String);

impl Report {
    /// Prints `text` and adds it to the report, as one line.
    pub(super) fn line(&mut self, text: impl AsRef<str>) {
        println!("{}", text.as_ref());
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }
}

/// The trimmed stdout of a command that succeeded.
pub(super) fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The report's header: date, commit, machine, toolchain, command.
pub(super) fn machine(report: &mut Report, options: &Options, have_curl: bool) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    let ram = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(
            || "unknown".into(),
            |kib| format!("{:.1} GiB", kib as f64 / MIB as f64),
        );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let commit = command_output("git", &["rev-parse", "--short", "HEAD"])
        .unwrap_or_else(|| "unknown".into());
    let dirty = command_output("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    report.line("## Run");
    report.line("");
    report.line(format!(
        "- date: {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    ));
    report.line(format!(
        "- commit: {commit}{}",
        if dirty {
            " (with uncommitted changes in the working tree)"
        } else {
            ""
        }
    ));
    report.line(format!(
        "- machine: {cores} cores, {cpu}, {ram} RAM, Linux {}",
        kernel.trim()
    ));
    report.line(format!(
        "- {}; {}",
        command_output("rustc", &["-V"]).unwrap_or_else(|| "rustc unknown".into()),
        if have_curl {
            command_output("curl", &["-V"])
                .and_then(|v| {
                    v.lines()
                        .next()
                        .map(|l| l.split(" (").next().unwrap_or(l).to_string())
                })
                .unwrap_or_default()
        } else {
            "curl not installed: left out".into()
        }
    ));
    report.line(format!(
        "- command: `cargo bench --bench uploads --{}`",
        options
            .args
            .iter()
            .filter(|a| *a != "--bench")
            .fold(String::new(), |mut s, a| {
                let _ = write!(s, " {a}");
                s
            })
    ));
    report.line("");
}
