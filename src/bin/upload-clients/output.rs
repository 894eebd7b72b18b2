//! What a run prints: one line (or one `--json` object) for one file; a line (or JSON line) per
//! file and a summary for several; errors as one line on stderr; and the exit status.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use upload_clients::{Error, UploadSource};

/// A result to print: one human line and one JSON object.
pub struct Output {
    pub human: String,
    pub json: serde_json::Value,
}

/// One file's outcome in a run.
pub struct Outcome {
    /// The file as the user named it (or the URL for `upload-url`).
    pub label: String,
    /// Its size in bytes, when it has one.
    pub bytes: Option<u64>,
    pub result: Result<Output, Error>,
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

/// Prints the outcomes: one file as one line (or one JSON object); several as one line (or one
/// JSON line) per file in input order, then a summary. The exit status is 0 when every file was
/// uploaded, 1 when one failed at the API, storage or network, else 2.
pub fn report(outcomes: Vec<Outcome>, json: bool, elapsed: Duration) -> ExitCode {
    if let [single] = outcomes.as_slice() {
        return match &single.result {
            Ok(output) if json => {
                println!("{}", output.json);
                ExitCode::SUCCESS
            }
            Ok(output) => {
                println!("{}", output.human);
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        };
    }
    let (mut uploaded, mut failed, mut bytes, mut status) = (0, 0, 0, 0u8);
    for outcome in &outcomes {
        match &outcome.result {
            Ok(output) => {
                uploaded += 1;
                bytes += outcome.bytes.unwrap_or(0);
                if json {
                    println!(
                        "{}",
                        json!({"file": outcome.label, "ok": true, "result": output.json})
                    );
                } else {
                    println!("{}: {}", outcome.label, output.human);
                }
            }
            Err(error) => {
                failed += 1;
                status = match (status, exit_status(error)) {
                    (1, _) | (_, 1) => 1,
                    _ => 2,
                };
                if json {
                    println!(
                        "{}",
                        json!({"file": outcome.label, "ok": false, "error": error.to_string()})
                    );
                } else {
                    println!("{}: error: {error}", outcome.label);
                }
            }
        }
    }
    let secs = elapsed.as_secs_f64();
    let summary = format!(
        "{uploaded} uploaded, {failed} failed, {bytes} bytes in {secs:.2}s ({:.1} MiB/s)",
        bytes as f64 / (1024.0 * 1024.0) / secs.max(1e-9)
    );
    // Under --json, stdout holds only the per-file lines.
    if json {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    ExitCode::from(status)
}

/// Pairs each source with its result, as outcomes.
pub fn outcomes<T>(
    (labels, sources): &(Vec<String>, Vec<UploadSource>),
    results: Vec<Result<T, Error>>,
    output: impl Fn(&UploadSource, T) -> Output,
) -> Vec<Outcome> {
    labels
        .iter()
        .zip(sources)
        .zip(results)
        .map(|((label, source), result)| Outcome {
            label: label.clone(),
            bytes: source.len(),
            result: result.map(|value| output(source, value)),
        })
        .collect()
}
