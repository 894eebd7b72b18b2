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
#[path = "uploads/nginx.rs"]
mod nginx;
#[path = "uploads/nginx_case.rs"]
mod nginx_case;
#[path = "uploads/nginx_large.rs"]
mod nginx_large;
#[path = "uploads/nginx_load.rs"]
mod nginx_load;
#[path = "uploads/sink/mod.rs"]
mod sink;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use contenders::{Api, Contender, Env, Facade, SmallContender, UPLOAD_TIMEOUT};
use sink::Sink;

/// One KiB.
const KIB: u64 = 1024;
/// One MiB.
const MIB: u64 = 1024 * 1024;

/// `--help`.
const USAGE: &str = "\
cargo bench --bench uploads -- [OPTIONS]

  --quick              smoke run: 64 KiB and 1 MiB, 1 run, 20 small uploads, no build case
  --sizes LIST         file sizes, e.g. 1M,100M,1G (default 1M,100M,1G); case 6 uploads
                       8 files of the largest at once
  --runs N             runs per case (default 7; at most 3 for memory, build and case 6's
                       8 large uploads at once)
  --paths LIST         acs,rbm,agents,maiagent,presigned (default all)
  --cases LIST         throughput,memory,small,emulator,nginx,build (default all but build)
  --build              also run the build case (slow: a clean build)
  --small N            number of 10 KiB images in the small cases (default 2000)
  --concurrency LIST   concurrencies of the small case (default 1,32); the largest is also
                       the concurrency of case 6's small files (default 8 there)
  --raw-chunk SIZE     read size of the raw reqwest contender (default 2M, as the facade;
                       like the facade, never more than the file's length)
  --no-curl            leave curl out
  --serve SECS         only run the sink for SECS seconds (for measuring by hand)
  --help               this text";

/// What to run, from the command line.
#[derive(Debug, Clone)]
struct Options {
    /// The CI smoke: tiny sizes, one run, no warm-ups.
    quick: bool,
    /// File sizes of the throughput and memory cases.
    sizes: Vec<u64>,
    /// Timed runs per measurement.
    runs: usize,
    /// The upload paths of the throughput case.
    paths: Vec<Api>,
    /// Run case 1.
    throughput: bool,
    /// Run case 2.
    memory: bool,
    /// Run case 3.
    small: bool,
    /// Run case 4.
    build: bool,
    /// Run case 5.
    emulator: bool,
    /// Run case 6.
    nginx: bool,
    /// How many images case 3 uploads.
    small_count: usize,
    /// The concurrencies of case 3.
    concurrency: Vec<usize>,
    /// The read size of the raw `reqwest` contender.
    raw_chunk: usize,
    /// Include curl (when installed).
    curl: bool,
    /// The arguments as given, for the report.
    args: Vec<String>,
    /// Only run the sink for this many seconds.
    serve: Option<u64>,
    /// The concurrency of case 6's small files: the largest of `--concurrency` when given,
    /// else 8.
    nginx_concurrency: usize,
    /// The hidden `--upload-many API BASE CONCURRENCY FILE...` mode (case 6 runs the library
    /// in a process of its own with it): only upload the files and exit.
    upload_many: Option<nginx_large::ManyArgs>,
}

impl Options {
    /// Parses the arguments after the binary's name; `Err("")` asks for the usage text.
    fn parse(args: Vec<String>) -> Result<Self, String> {
        let mut o = Options {
            quick: false,
            sizes: vec![MIB, 100 * MIB, 1024 * MIB],
            runs: 7,
            paths: Api::ALL.to_vec(),
            throughput: true,
            memory: true,
            small: true,
            build: false,
            emulator: true,
            nginx: true,
            small_count: 2000,
            concurrency: vec![1, 32],
            // The facade's read size (`CHUNK` in src/source/mod.rs).
            raw_chunk: 2 * 1024 * 1024,
            curl: true,
            args: args.clone(),
            serve: None,
            nginx_concurrency: 8,
            upload_many: None,
        };
        let (mut sizes, mut runs, mut small_count) = (None, None, None);
        let mut it = args.into_iter();
        let list = |v: Option<String>, what: &str| {
            v.ok_or_else(|| format!("{what} needs a value"))
                .map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
        };
        while let Some(arg) = it.next() {
            match arg.as_str() {
                // cargo bench passes --bench to harness = false binaries.
                "--bench" => {}
                "--serve" => {
                    o.serve = Some(
                        it.next()
                            .and_then(|v| v.parse().ok())
                            .filter(|&n: &u64| n > 0)
                            .ok_or("--serve takes a number of seconds")?,
                    );
                }
                "--upload-many" => {
                    const TAKES: &str = "--upload-many takes API BASE CONCURRENCY FILE...";
                    let api = it.next().and_then(|a| Api::parse(&a)).ok_or(TAKES)?;
                    let base = it.next().ok_or(TAKES)?;
                    let concurrency = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .filter(|&n: &usize| n > 0)
                        .ok_or(TAKES)?;
                    let files: Vec<std::path::PathBuf> = it.by_ref().map(Into::into).collect();
                    if files.is_empty() {
                        return Err(TAKES.into());
                    }
                    o.upload_many = Some(nginx_large::ManyArgs {
                        api,
                        base,
                        concurrency,
                        files,
                    });
                }
                "--quick" => o.quick = true,
                "--build" => o.build = true,
                "--no-curl" => o.curl = false,
                "--help" | "-h" => return Err(String::new()),
                "--sizes" => {
                    let parsed: Option<Vec<u64>> = list(it.next(), "--sizes")?
                        .iter()
                        .map(|s| data::parse_size(s).filter(|&n| n > 0))
                        .collect();
                    sizes = Some(parsed.ok_or("--sizes takes sizes like 64K,1M,1G")?);
                }
                "--runs" => {
                    runs = Some(
                        it.next()
                            .and_then(|v| v.parse().ok())
                            .filter(|&n: &usize| n > 0)
                            .ok_or("--runs takes a positive number")?,
                    );
                }
                "--small" => {
                    small_count = Some(
                        it.next()
                            .and_then(|v| v.parse().ok())
                            .filter(|&n: &usize| n > 0)
                            .ok_or("--small takes a positive number")?,
                    );
                }
                "--concurrency" => {
                    let parsed: Option<Vec<usize>> = list(it.next(), "--concurrency")?
                        .iter()
                        .map(|s| s.trim().parse().ok().filter(|&n: &usize| n > 0))
                        .collect();
                    o.concurrency = parsed.ok_or("--concurrency takes numbers like 1,32")?;
                    o.nginx_concurrency = o.concurrency.iter().copied().max().unwrap_or(8);
                }
                "--raw-chunk" => {
                    o.raw_chunk = it
                        .next()
                        .and_then(|v| data::parse_size(&v))
                        .filter(|&n| n > 0)
                        .ok_or("--raw-chunk takes a size like 256K")?
                        as usize;
                }
                "--paths" => {
                    let parsed: Option<Vec<Api>> = list(it.next(), "--paths")?
                        .iter()
                        .map(|s| Api::parse(s))
                        .collect();
                    o.paths = parsed.ok_or("--paths takes acs,rbm,agents,maiagent,presigned")?;
                }
                "--cases" => {
                    let cases = list(it.next(), "--cases")?;
                    for case in &cases {
                        if ![
                            "throughput",
                            "memory",
                            "small",
                            "emulator",
                            "nginx",
                            "build",
                        ]
                        .contains(&case.as_str())
                        {
                            return Err(format!("unknown case {case:?}"));
                        }
                    }
                    let has = |c: &str| cases.iter().any(|x| x == c);
                    o.throughput = has("throughput");
                    o.memory = has("memory");
                    o.small = has("small");
                    o.emulator = has("emulator");
                    o.nginx = has("nginx");
                    o.build = o.build || has("build");
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        // Without `--bench` the binary was started by `cargo test --benches` (or by hand):
        // a smoke run, not minutes of measurements.
        if !o.args.iter().any(|a| a == "--bench") {
            o.quick = true;
        }
        if o.quick {
            o.sizes = vec![64 * KIB, MIB];
            o.runs = 1;
            o.small_count = 20;
            o.build = false;
            // The CI smoke needs no nginx.
            o.nginx = false;
        }
        o.sizes = sizes.unwrap_or(o.sizes);
        o.runs = runs.unwrap_or(o.runs);
        o.small_count = small_count.unwrap_or(o.small_count);
        Ok(o)
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Seconds as milliseconds with three significant digits at least.
fn ms(secs: f64) -> String {
    let ms = secs * 1e3;
    match ms {
        m if m < 10.0 => format!("{m:.3}"),
        m if m < 100.0 => format!("{m:.2}"),
        m => format!("{m:.1}"),
    }
}

/// `items` rotated left by `by`, so no contender always goes first.
fn rotated<T: Copy>(items: &[T], by: usize) -> Vec<T> {
    let mut v = items.to_vec();
    if !v.is_empty() {
        let n = by % v.len();
        v.rotate_left(n);
    }
    v
}

/// The report: printed as it grows and written to `target/bench-data/report.md` at the end.
#[derive(Default)]
struct Report(String);

impl Report {
    /// Prints `text` and adds it to the report, as one line.
    fn line(&mut self, text: impl AsRef<str>) {
        println!("{}", text.as_ref());
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }
}

/// The trimmed stdout of a command that succeeded.
fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The report's header: date, commit, machine, toolchain, command.
fn machine(report: &mut Report, options: &Options, have_curl: bool) {
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

/// Case 1: throughput per path and size.
fn throughput(
    runtime: &tokio::runtime::Runtime,
    env: &Env,
    sink: &Sink,
    options: &Options,
    have_curl: bool,
    report: &mut Report,
) -> Result<(), String> {
    let mut contenders = vec![Contender::Facade, Contender::Raw];
    if have_curl {
        contenders.push(Contender::Curl);
    }
    let mut ceiling_rows = Vec::new();
    let mut rows = Vec::new();
    for &size in &options.sizes {
        let label = data::label(size);
        eprintln!("throughput: preparing {label} …");
        let file =
            data::upload_file(size).map_err(|e| format!("cannot write the {label} file: {e}"))?;
        let first_mib = data::head_of(&file, MIB as usize).map_err(|e| e.to_string())?;
        let head = &first_mib[..first_mib.len().min(sink::FILE_HEAD)];
        sink.take();

        // The sink's ceiling: memory → socket, no file reads, no HTTP client.
        let mut ceiling = Vec::new();
        let mut ceiling_client = contenders::CeilingClient::connect(&env.base)?;
        for run in 0..=options.runs {
            let secs = ceiling_client.upload(&first_mib, size)?;
            contenders::verify(Api::Rbm, &sink.take(), size, head)
                .map_err(|e| format!("sink ceiling, {label}: {e}"))?;
            if run > 0 || options.quick {
                ceiling.push(secs);
            }
        }
        drop(ceiling_client);
        let c = median(&ceiling);
        ceiling_rows.push(format!(
            "| {label} | {} | {:.0} |",
            ms(c),
            contenders::mib_per_s(size, c)
        ));

        for &api in &options.paths {
            let facade = Facade::new(env, api, size)?;
            let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
            let mut curl_wall = Vec::new();
            let mut curl_expect = false;
            // One warm-up per contender (not in quick mode), then the timed runs.
            let warmups = usize::from(!options.quick);
            for run in 0..warmups + options.runs {
                for contender in rotated(&contenders, run) {
                    let what = format!("{} {label} via {}", api.name(), contender.name());
                    let secs = match contender {
                        Contender::Facade => timed(runtime, facade.upload(&file)),
                        Contender::Raw => timed(runtime, contenders::raw(env, api, &file)),
                        Contender::Curl => contenders::curl(&env.base, api, &file).map(|t| {
                            if run >= warmups {
                                curl_wall.push(t.wall);
                            }
                            t.transfer
                        }),
                    }
                    .map_err(|e| format!("{what}: {e}"))?;
                    let records = sink.take();
                    if contender == Contender::Curl {
                        curl_expect |= records.iter().any(|r| r.expect_continue);
                    }
                    contenders::verify(api, &records, size, head)
                        .map_err(|e| format!("{what}: {e}"))?;
                    if run >= warmups {
                        let i = contenders.iter().position(|c| *c == contender).unwrap_or(0);
                        times[i].push(secs);
                    }
                }
            }
            let med: Vec<f64> = times.iter().map(|t| median(t)).collect();
            let rate = |secs: f64| contenders::mib_per_s(size, secs);
            let (facade_s, raw_s) = (med[0], med[1]);
            let curl = if have_curl {
                let curl_s = med[2];
                format!(
                    "{} ({}) | {:.0} | {:.2} |",
                    ms(curl_s),
                    ms(median(&curl_wall)),
                    rate(curl_s),
                    curl_s / facade_s
                )
            } else {
                "— | — | — |".to_string()
            };
            let row = format!(
                "| {} | {label} | {} | {} | {curl} {:.0} | {:.0} | {:.2} | {} |",
                api.describe(),
                ms(facade_s),
                ms(raw_s),
                rate(facade_s),
                rate(raw_s),
                raw_s / facade_s,
                if curl_expect { "yes" } else { "no" },
            );
            eprintln!("{row}");
            rows.push(row);
        }
    }
    report.line(format!(
        "## 1. Throughput (median of {} run{}, contenders alternating)",
        options.runs,
        if options.runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line("Milliseconds per upload (request start to parsed answer; facade: `UploadSource::from_path` included; curl: its own `time_total`, wall time with process start in brackets), MiB/s, and ratios of throughput (≥ 1 means the facade is as fast or faster).");
    report.line("");
    report.line("| path | size | facade ms | raw reqwest ms | curl ms (wall) | curl MiB/s | facade/curl | facade MiB/s | raw MiB/s | facade/raw | curl sent `Expect: 100-continue` |");
    report.line("|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        report.line(row);
    }
    report.line("");
    report.line("Sink ceiling: one blocking client on a kept-alive connection writing the file's first MiB again and again from memory (no file reads, no HTTP client work):");
    report.line("");
    report.line("| size | ms | MiB/s |");
    report.line("|---|---|---|");
    for row in ceiling_rows {
        report.line(row);
    }
    report.line("");
    Ok(())
}

/// Case 2: the CLI's peak memory.
fn memory(
    env: &Env,
    sink: &Sink,
    options: &Options,
    report: &mut Report,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let runs = options.runs.min(3);
    let timed = memory::have_time();
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
                let run = memory::run_cli(&env.base, api, &file)
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
        Path::new(memory::CLI).display()
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

/// Case 3: many small uploads through ACS.
fn small(
    runtime: &tokio::runtime::Runtime,
    env: &Env,
    sink: &Sink,
    options: &Options,
    report: &mut Report,
) -> Result<(), String> {
    /// The size of each image.
    const SIZE: u64 = 10 * KIB;
    let count = options.small_count;
    eprintln!("small: preparing {count} images …");
    let files = data::small_files(count, SIZE).map_err(|e| e.to_string())?;
    let facade = Facade::new(env, Api::Acs, SIZE)?;
    let contenders = [
        SmallContender::FacadeMany,
        SmallContender::FacadeManyPrebuilt,
        SmallContender::FacadeFromPath,
        SmallContender::FacadeFromBytes,
        SmallContender::RawRead,
        // Last: the baseline of the ratios.
        SmallContender::Raw,
    ];
    let mut rows = Vec::new();
    sink.take();
    for &concurrency in &options.concurrency {
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
        let warmups = usize::from(!options.quick);
        for run in 0..warmups + options.runs {
            for contender in rotated(&contenders, run) {
                let batch = if run < warmups {
                    &files[..files.len().min(100)]
                } else {
                    &files[..]
                };
                let elapsed = runtime
                    .block_on(async {
                        tokio::time::timeout(
                            UPLOAD_TIMEOUT,
                            contenders::small_batch(env, &facade, batch, concurrency, contender),
                        )
                        .await
                        .unwrap_or_else(|_| Err(format!("no end within {UPLOAD_TIMEOUT:?}")))
                    })
                    .map_err(|e| format!("small, {} at {concurrency}: {e}", contender.name()))?;
                let records = sink.take();
                if records.len() != batch.len() {
                    return Err(format!(
                        "small, {}: the sink saw {} uploads, not {}",
                        contender.name(),
                        records.len(),
                        batch.len()
                    ));
                }
                for record in &records {
                    contenders::verify(
                        Api::Acs,
                        std::slice::from_ref(record),
                        SIZE,
                        &data::PNG_SIGNATURE,
                    )
                    .map_err(|e| format!("small, {}: {e}", contender.name()))?;
                }
                if run >= warmups {
                    let i = contenders.iter().position(|c| *c == contender).unwrap_or(0);
                    times[i].push(elapsed.as_secs_f64());
                }
            }
        }
        let raw = median(&times[contenders.len() - 1]);
        for (i, contender) in contenders.iter().enumerate() {
            let m = median(&times[i]);
            let row = format!(
                "| {concurrency} | {} | {m:.3} | {:.0} | {:.0} | {:.2} |",
                contender.name(),
                count as f64 / m,
                m / count as f64 * 1e6,
                m / raw
            );
            eprintln!("{row}");
            rows.push(row);
        }
    }
    report.line(format!(
        "## 3. Many small uploads: {count} × 10 KiB PNGs through ACS (median of {} run{})",
        options.runs,
        if options.runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line("`upload_many(thread, &sources, concurrency)` for the facade (its sources made with `from_path`, `concurrency` at a time); `futures_util::stream::iter(..).buffer_unordered(concurrency)` for the others; one shared `reqwest` client (one pool). Time ratio to raw reqwest: ≤ 1.1 is the target.");
    report.line("");
    report.line("| concurrency | contender | total s | uploads/s | µs per upload | time / raw |");
    report.line("|---|---|---|---|---|---|");
    for row in rows {
        report.line(row);
    }
    report.line("");
    Ok(())
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
