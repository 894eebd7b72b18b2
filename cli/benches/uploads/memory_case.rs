//! Case 2: the release CLI's peak memory per upload path and size.

use std::path::Path;

use crate::contenders::{self, Api, Env};
use crate::sink::{self, Sink};
use crate::{KIB, Options, Report, data, median};

/// Case 2: the CLI's peak memory.
pub(super) fn memory(
    env: &Env,
    sink: &Sink,
    options: &Options,
    report: &mut Report,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let runs = options.runs.min(3);
    let timed = crate::memory::have_time();
    if !timed {
        notes.push("Peak memory was not measured: `/usr/bin/time` is not installed (the CLI runs were still checked).".into());
    }
    let mut rows = Vec::new();
    for api in [Api::MaiAgent, Api::Presigned, Api::Rbm, Api::Agents] {
        for &size in &options.sizes {
            let label = data::label(size);
            if api.limit().is_some_and(|max| size > max) {
                rows.push(format!(
                    "| {} | {label} | — (over the API's {} limit the CLI enforces) | | |",
                    api.describe(),
                    data::label(api.limit().unwrap_or_default())
                ));
                continue;
            }
            let file = data::upload_file(size).map_err(|e| e.to_string())?;
            let head = data::head_of(&file, sink::FILE_HEAD).map_err(|e| e.to_string())?;
            sink.take();
            let mut rss = Vec::new();
            let mut secs = Vec::new();
            for _ in 0..runs {
                let run = crate::memory::run_cli(&env.base, api, &file)
                    .map_err(|e| format!("CLI {} {label}: {e}", api.name()))?;
                contenders::verify(api, &sink.take(), size, &head)
                    .map_err(|e| format!("CLI {} {label}: {e}", api.name()))?;
                rss.extend(run.max_rss_kib.map(|k| k as f64 / KIB as f64));
                secs.push(run.secs);
            }
            let shown = if rss.is_empty() {
                "— | —".to_string()
            } else {
                format!(
                    "{:.1} MiB | {:.1} MiB",
                    median(&rss),
                    rss.iter().copied().fold(f64::MIN, f64::max)
                )
            };
            let row = format!(
                "| {} | {label} | {shown} | {:.3} |",
                api.describe(),
                median(&secs)
            );
            eprintln!("{row}");
            rows.push(row);
        }
    }
    report.line(format!(
        "## 2. Peak memory of the release CLI (max RSS from `/usr/bin/time -v`, {runs} run{})",
        if runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line(format!(
        "`{} <api> upload FILE --endpoint http://127.0.0.1:PORT/… --token … --no-progress --json`",
        Path::new(crate::memory::CLI).display()
    ));
    report.line("");
    report.line("| path | size | max RSS (median) | max RSS (max) | wall s (median) |");
    report.line("|---|---|---|---|---|");
    for row in rows {
        report.line(row);
    }
    report.line("");
    Ok(())
}
