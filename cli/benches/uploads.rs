//! The upload benchmark harness: measures the crate's facades against raw `reqwest` and `curl`
//! sending the same requests to a local sink, so a change that makes uploads slower or
//! hungrier shows up as a number (BENCHMARKS.md holds the results and how to read them).
//!
//! ```text
//! cargo bench --bench uploads -- [--quick] [--sizes 1M,100M,1G] [--runs N] [--build]
//! ```
//!
//! Cases (each alternates its contenders within every run and reports medians and ratios):
//!
//! 1. throughput: each upload path (octet-stream, multipart, presigned form) at each size, the
//!    facade vs raw `reqwest` streaming the same file vs `curl -T` / `curl -F`;
//! 2. memory: the release CLI's maximum RSS (`/usr/bin/time -v`) per path and size;
//! 3. small: many 10 KiB images through ACS at several concurrencies, facade vs raw `reqwest`;
//! 5. emulator: the facade against `upload-clients emulator` as its own process: MiB/s per
//!    size (RBM octet-stream, stored to disk), uploads per second of small images, and the
//!    emulator's peak RSS;
//! 6. nginx: the library, raw `reqwest` and curl against nginx over HTTP and HTTPS (a test CA
//!    made by the run), wall and CPU time; then 8 uploads of the largest `--sizes` at once
//!    (library, CLI, curl: MiB/s, CPU, peak RSS) and `--small` 10 KiB files at one concurrency
//!    (library, raw `reqwest`, one `curl --parallel`); skipped with a note when nginx is not
//!    installed (`apt-get install -y nginx openssl`), never part of `--quick`;
//! 4. build (opt-in, `--build`): clean `cargo build`, no-op rebuild, rebuild after a spec edit.
//!
//! `--quick` (also the default when started without cargo bench's `--bench`, as by
//! `cargo test --benches`) is the smoke CI runs: tiny sizes, one run, no build case, curl skipped when not
//! installed, no timing assertions, but every upload must succeed and the sink must have
//! received every byte of every file (checked after each upload), so the harness cannot rot.
//!
//! Everything talks to 127.0.0.1 only, and every wait is bounded.

#[path = "uploads/build_case.rs"]
mod build_case;
#[path = "uploads/contenders/mod.rs"]
mod contenders;
#[path = "uploads/data.rs"]
mod data;
#[path = "uploads/emulator_case.rs"]
mod emulator_case;
#[path = "uploads/memory.rs"]
mod memory;
#[path = "uploads/memory_case.rs"]
mod memory_case;
#[path = "uploads/nginx.rs"]
mod nginx;
#[path = "uploads/nginx_case.rs"]
mod nginx_case;
#[path = "uploads/nginx_large.rs"]
mod nginx_large;
#[path = "uploads/nginx_load.rs"]
mod nginx_load;
#[path = "uploads/options.rs"]
mod options;
#[path = "uploads/report.rs"]
mod report;
#[path = "uploads/sink/mod.rs"]
mod sink;
#[path = "uploads/small_case.rs"]
mod small_case;
#[path = "uploads/throughput_case.rs"]
mod throughput_case;

use std::process::ExitCode;
use std::time::Instant;

use contenders::{Env, UPLOAD_TIMEOUT};
use sink::Sink;

use memory_case::memory;
use options::{Options, USAGE};
use report::{Report, command_output, machine, median, ms};
use small_case::small;
use throughput_case::throughput;

/// One KiB.
const KIB: u64 = 1024;
/// One MiB.
const MIB: u64 = 1024 * 1024;

/// `items` rotated left by `by`, so no contender always goes first.
fn rotated<T: Copy>(items: &[T], by: usize) -> Vec<T> {
    let mut v = items.to_vec();
    if !v.is_empty() {
        let n = by % v.len();
        v.rotate_left(n);
    }
    v
}

/// Parses the options and runs; exit status 2 for bad arguments, 1 when a case fails.
fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("uploads bench: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uploads bench FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the sink and the client runtime and runs the chosen cases.
fn run(options: &Options) -> Result<(), String> {
    if let Some(secs) = options.serve {
        let sink = Sink::start().map_err(|e| format!("cannot start the sink: {e}"))?;
        println!(
            "sink at {} for {secs} s: ACS and RBM at the root, AI Agents at {}, MaiAgent at {}",
            sink.base(),
            contenders::AGENTS_PATH,
            contenders::MAIAGENT_PATH
        );
        std::thread::sleep(std::time::Duration::from_secs(secs));
        return Ok(());
    }
    if let Some(many) = &options.upload_many {
        return nginx_large::upload_many_child(many);
    }
    let have_curl = options.curl && command_output("curl", &["-V"]).is_some();
    if options.curl && !have_curl {
        eprintln!("curl is not installed: it is left out");
    }
    let mut report = Report::default();
    report.line(format!(
        "# Upload benchmarks{}",
        if options.quick {
            " (quick smoke: sizes too small to mean anything)"
        } else {
            ""
        }
    ));
    report.line("");
    machine(&mut report, options, have_curl);

    let sink = Sink::start().map_err(|e| format!("cannot start the sink: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = runtime.block_on(async { upload_clients::transport::client_builder().build() });
    let env = Env {
        base: sink.base(),
        http: http.map_err(|e| e.to_string())?,
        raw_chunk: options.raw_chunk,
    };
    let mut notes = Vec::new();

    if options.throughput {
        throughput(&runtime, &env, &sink, options, have_curl, &mut report)?;
    }
    if options.memory {
        memory(&env, &sink, options, &mut report, &mut notes)?;
    }
    if options.small {
        small(&runtime, &env, &sink, options, &mut report)?;
    }
    if options.emulator {
        emulator(&runtime, &env, options, &mut report)?;
    }
    if options.nginx {
        nginx_case::run(&runtime, options, have_curl, &mut report)?;
    }
    if options.build {
        build(options, &mut report)?;
    }
    for note in notes {
        report.line(note);
    }
    drop(sink);
    let path = data::data_dir().join("report.md");
    if std::fs::write(&path, &report.0).is_ok() {
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}

/// Case 5: the facade against the emulator process.
fn emulator(
    runtime: &tokio::runtime::Runtime,
    env: &Env,
    options: &Options,
    report: &mut Report,
) -> Result<(), String> {
    let small = data::small_files(options.small_count, 10 * KIB).map_err(|e| e.to_string())?;
    let results = emulator_case::run(runtime, &env.http, &options.sizes, options.runs, &small)?;
    report.line("## Against the emulator (`upload-clients emulator --no-limits`, its own process)");
    report.line("");
    report.line("| upload | facade → emulator |");
    report.line("|---|---|");
    for row in &results.rows {
        report.line(format!(
            "| RBM octet-stream, {} (stored to disk) | {:.0} MiB/s |",
            data::label(row.size),
            row.mib_s
        ));
    }
    report.line(format!(
        "| ACS, {} × 10 KiB images, 32 at a time | {:.0} uploads/s |",
        results.small_count, results.small_per_s
    ));
    report.line("");
    report.line(format!(
        "Emulator peak RSS over the whole case: {}.",
        results
            .peak_rss_kib
            .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "not measured (no /proc)".into())
    ));
    report.line("");
    Ok(())
}

/// Runs `future` on the runtime, timed inside the runtime, bounded by [`UPLOAD_TIMEOUT`].
fn timed<F>(runtime: &tokio::runtime::Runtime, future: F) -> Result<f64, String>
where
    F: Future<Output = Result<(), String>>,
{
    runtime.block_on(async {
        let started = Instant::now();
        match tokio::time::timeout(UPLOAD_TIMEOUT, future).await {
            Ok(Ok(())) => Ok(started.elapsed().as_secs_f64()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!("no answer within {UPLOAD_TIMEOUT:?}")),
        }
    })
}

/// Case 4: build times.
fn build(options: &Options, report: &mut Report) -> Result<(), String> {
    let runs = options.runs.min(3);
    let started = Instant::now();
    let times = build_case::run(runs)?;
    for line in build_case::report_lines(&times, started.elapsed().as_secs_f64(), median) {
        report.line(line);
    }
    Ok(())
}
