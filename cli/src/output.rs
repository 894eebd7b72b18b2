//! What a run prints: one line (or one `--json` object) for one file; for several, a line (or
//! JSON line) per file the moment it is final, then a summary; errors as one line on stderr;
//! and the exit status. The results that become final together (a journal sync's batch) go out
//! in one write.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::ProgressBar;
use serde_json::json;
use upload_clients::Error;

/// A result to print: one human line and one JSON object.
pub struct Output {
    pub human: String,
    pub json: serde_json::Value,
}

/// How a file's run ended.
pub enum Ending {
    /// Uploaded in this run.
    Uploaded(Output),
    /// Done in an earlier run: the journal's record, nothing sent.
    FromJournal(Output),
    Failed(Error),
    /// Still in flight when the run was stopped.
    Interrupted,
}

/// One file's outcome in a run.
pub struct Outcome {
    /// The file as the user named it (or the URL for `upload-url`).
    pub label: String,
    /// Its size in bytes, when it has one.
    pub bytes: Option<u64>,
    pub ending: Ending,
    /// Started by an earlier run with this journal that did not record its end (it stopped, or
    /// the file failed): the service may hold a copy.
    pub was_in_flight: bool,
}

/// Prints an error that stopped the run before any upload, and its exit status.
pub fn fail(error: &Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(exit_status(error))
}

/// 2 for bad input (nothing was sent), 1 for everything else.
fn exit_status(error: &Error) -> u8 {
    if error.is_invalid_input() { 2 } else { 1 }
}

/// Prints each outcome as it comes and the summary at the end.
pub struct Reporter {
    json: bool,
    /// One file in all: one line or one JSON object, no summary.
    single: bool,
    total: usize,
    bar: Option<ProgressBar>,
    started: Instant,
    uploaded: u64,
    from_journal: u64,
    failed: u64,
    interrupted: u64,
    bytes: u64,
    status: u8,
    /// The lines of the batch being printed.
    lines: String,
    /// Standard output could not be written (a closed pipe): said once on stderr.
    stdout_failed: bool,
}

impl Reporter {
    pub fn new(json: bool, files: usize, bar: Option<ProgressBar>) -> Self {
        Self {
            json,
            single: files == 1,
            total: files,
            bar,
            started: Instant::now(),
            uploaded: 0,
            from_journal: 0,
            failed: 0,
            interrupted: 0,
            bytes: 0,
            status: 0,
            lines: String::new(),
            stdout_failed: false,
        }
    }

    /// Prints `outcome` now (above the progress bar, if there is one).
    pub fn emit(&mut self, outcome: Outcome) {
        self.emit_all(std::iter::once(outcome));
    }

    /// Prints `outcomes` now, in order, in one write to stdout (above the progress bar, if
    /// there is one): a batch of many small files' results costs one system call, not one per
    /// line.
    pub fn emit_all(&mut self, outcomes: impl IntoIterator<Item = Outcome>) {
        let bar = self.bar.clone();
        let print_all = || {
            outcomes.into_iter().for_each(|outcome| self.print(outcome));
            self.flush_lines();
        };
        match bar {
            Some(bar) => bar.suspend(print_all),
            None => print_all(),
        }
    }

    /// Writes the lines gathered so far to stdout. A failure (a closed pipe) is said once on
    /// stderr; the uploads go on (a `--journal` keeps their results) and the run ends with
    /// status 1.
    fn flush_lines(&mut self) {
        if self.lines.is_empty() {
            return;
        }
        if !self.stdout_failed {
            let mut stdout = std::io::stdout().lock();
            if let Err(error) = stdout
                .write_all(self.lines.as_bytes())
                .and_then(|()| stdout.flush())
            {
                self.stdout_failed = true;
                self.status = 1;
                eprintln!(
                    "error: cannot write the results to standard output ({error}); the uploads go on, and a --journal keeps their results"
                );
            }
        }
        self.lines.clear();
    }

    /// Adds one line of output to the batch being printed.
    fn line(&mut self, text: std::fmt::Arguments<'_>) {
        // Writing to a String cannot fail.
        let _ = self.lines.write_fmt(text);
        self.lines.push('\n');
    }

    fn print(&mut self, outcome: Outcome) {
        let Outcome {
            label,
            bytes,
            ending,
            was_in_flight,
        } = outcome;
        if was_in_flight {
            eprintln!(
                "note: {label} was started by an earlier run with this journal that did not record its end (the run stopped, or this file failed); if the service kept that upload, it may now hold two copies"
            );
        }
        match ending {
            Ending::Uploaded(output) | Ending::FromJournal(output) if self.single => {
                self.line(format_args!(
                    "{}",
                    if self.json {
                        output.json.to_string()
                    } else {
                        output.human
                    }
                ));
            }
            Ending::Uploaded(output) => {
                self.uploaded += 1;
                self.bytes += bytes.unwrap_or(0);
                if self.json {
                    self.line(format_args!(
                        "{}",
                        json!({"file": label, "ok": true, "result": output.json})
                    ));
                } else {
                    self.line(format_args!("{label}: {}", output.human));
                }
            }
            Ending::FromJournal(output) => {
                self.from_journal += 1;
                if self.json {
                    self.line(format_args!(
                        "{}",
                        json!({"file": label, "ok": true, "result": output.json, "from_journal": true})
                    ));
                } else {
                    self.line(format_args!(
                        "{label}: {} (done earlier; from the journal)",
                        output.human
                    ));
                }
            }
            Ending::Failed(error) => {
                self.failed += 1;
                self.status = match (self.status, exit_status(&error)) {
                    (1, _) | (_, 1) => 1,
                    _ => 2,
                };
                if self.single {
                    eprintln!("error: {error}");
                } else if self.json {
                    self.line(format_args!(
                        "{}",
                        json!({"file": label, "ok": false, "error": error.to_string()})
                    ));
                } else {
                    self.line(format_args!("{label}: error: {error}"));
                }
            }
            Ending::Interrupted => {
                self.interrupted += 1;
                let error = "interrupted before it finished; run again with the same --journal to resume it";
                if self.json {
                    self.line(format_args!(
                        "{}",
                        json!({"file": label, "ok": false, "error": error, "interrupted": true})
                    ));
                } else {
                    self.line(format_args!("{label}: {error}"));
                }
            }
        }
    }

    /// Prints the summary (several files) and returns the exit status: 130 when the run was
    /// stopped, else 0 when every file is done, 1 when one failed at the API, storage or
    /// network (or stdout could not be written), else 2.
    pub fn finish(mut self, stopped: bool) -> ExitCode {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !self.single {
            let secs = self.started.elapsed().as_secs_f64();
            let mut summary = format!(
                "{} uploaded, {} failed, {} bytes in {secs:.2}s ({:.1} MiB/s)",
                self.uploaded,
                self.failed,
                self.bytes,
                self.bytes as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
            );
            if self.from_journal > 0 {
                summary += &format!("; {} done earlier (from the journal)", self.from_journal);
            }
            if self.interrupted > 0 {
                summary += &format!("; {} interrupted", self.interrupted);
            }
            let ended = self.uploaded + self.from_journal + self.failed + self.interrupted;
            let not_started = (self.total as u64).saturating_sub(ended);
            if stopped && not_started > 0 {
                summary += &format!("; {not_started} not started (stopped)");
            }
            // Under --json, stdout holds only the per-file lines.
            if self.json {
                eprintln!("{summary}");
            } else {
                self.line(format_args!("{summary}"));
                self.flush_lines();
            }
        }
        if stopped {
            ExitCode::from(130)
        } else {
            ExitCode::from(self.status)
        }
    }
}
