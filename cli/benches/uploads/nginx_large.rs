//! Case 6's first load section, because one upload at a time does not show what eight large
//! ones at once cost: eight uploads of the largest `--sizes` from one process, on the nginx of
//! [`crate::nginx`] over HTTP and HTTPS: throughput, CPU and the uploading process's peak RSS,
//! for the library (in a child process of its own, this binary's hidden `--upload-many`), the
//! release CLI (`--concurrency 8`) and curl (one `--parallel` process; eight processes). Every
//! upload is checked in the sink's records.

use std::path::PathBuf;
use std::time::Instant;

use upload_clients::UploadSource;

use crate::contenders::{self, Api, Env, Facade, UPLOAD_TIMEOUT};
use crate::nginx::Nginx;
use crate::nginx_case::cpu;
use crate::nginx_load::{check_records, heads_of, med, ratio, take_records, warm_page_cache};
use crate::{MIB, Options, Report, data, memory, ms, rotated};

/// How many large uploads run at once.
const LARGE: usize = 8;
/// At most this many runs of the large section (each contender moves 8 × the size per run).
const LARGE_RUNS: usize = 3;
/// The peak-RSS target of the library and of the CLI for the eight large uploads.
const RSS_TARGET_MIB: f64 = 48.0;
/// The upload path of the large section: MaiAgent's direct multipart upload has no size limit,
/// in the library and in the CLI.
const LARGE_API: Api = Api::MaiAgent;

/// The hidden `--upload-many API BASE CONCURRENCY FILE...` mode: the library's part of the large
/// section, as a process of its own so that its peak RSS is the library's alone.
#[derive(Debug, Clone)]
pub struct ManyArgs {
    /// The upload path.
    pub api: Api,
    /// The server's base URL.
    pub base: String,
    /// Uploads at once.
    pub concurrency: usize,
    /// The files.
    pub files: Vec<PathBuf>,
}

/// `--upload-many`: builds the facade, uploads every file with its `upload_many`, checks every
/// result, prints `uploaded N files in SECS s` and returns.
pub fn upload_many_child(args: &ManyArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let largest = args
        .files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .try_fold(0, |max, len| len.map(|len| max.max(len)))
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let http = upload_clients::transport::client_builder()
            .build()
            .map_err(|e| e.to_string())?;
        let env = Env {
            base: args.base.clone(),
            http,
            raw_chunk: 2 * MIB as usize,
        };
        let facade = Facade::new(&env, args.api, largest)?;
        let started = Instant::now();
        let work = async {
            let mut sources = Vec::with_capacity(args.files.len());
            for file in &args.files {
                sources.push(
                    UploadSource::from_path(file)
                        .await
                        .map_err(|e| e.to_string())?,
                );
            }
            Ok::<_, String>(facade.upload_many(&sources, args.concurrency).await)
        };
        let results = tokio::time::timeout(UPLOAD_TIMEOUT, work)
            .await
            .map_err(|_| format!("no end within {UPLOAD_TIMEOUT:?}"))??;
        let secs = started.elapsed().as_secs_f64();
        let failed: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        if let Some(first) = failed.first() {
            return Err(format!(
                "{} of {} uploads failed, first: {first}",
                failed.len(),
                args.files.len()
            ));
        }
        println!("uploaded {} files in {secs:.6} s", args.files.len());
        Ok(())
    })
}

/// The contenders of the large section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Large {
    /// The library's `upload_many`, in a child process (`--upload-many`).
    Library,
    /// The release CLI with `--concurrency 8`.
    Cli,
    /// One curl process, `--parallel --parallel-max 8`.
    CurlParallel,
    /// Eight curl processes started together.
    CurlProcesses,
}

impl Large {
    fn name(self) -> String {
        match self {
            Large::Library => {
                format!("library: `upload_many`, concurrency {LARGE} (a process of its own)")
            }
            Large::Cli => {
                format!("release CLI: `maiagent upload F1..F{LARGE} --concurrency {LARGE}`")
            }
            Large::CurlParallel => {
                format!("curl: one process, `--parallel --parallel-max {LARGE}`")
            }
            Large::CurlProcesses => format!("curl: {LARGE} processes started together"),
        }
    }
}

/// One run of a large contender: wall seconds (spawn to exit), the library's own time of its
/// uploads, peak RSS in KiB.
struct LargeRun {
    wall: f64,
    inner: Option<f64>,
    rss_kib: Option<u64>,
}

/// The library's child process: `--upload-many` under `/usr/bin/time -v` when installed.
fn library_child(base: &str, files: &[PathBuf]) -> Result<LargeRun, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let timed = memory::have_time();
    let mut command = memory::command(&exe, timed);
    command
        .args(["--upload-many", LARGE_API.name(), base, &LARGE.to_string()])
        .args(files);
    let finished = memory::run_measured(command, "the library's process", timed)?;
    let stdout = &finished.stdout;
    let inner = stdout
        .trim()
        .strip_prefix(&format!("uploaded {} files in ", files.len()))
        .and_then(|rest| rest.strip_suffix(" s"))
        .and_then(|secs| secs.parse().ok())
        .ok_or_else(|| format!("the library's process printed {stdout:?}"))?;
    Ok(LargeRun {
        wall: finished.secs,
        inner: Some(inner),
        rss_kib: finished.max_rss_kib,
    })
}

/// One run of `who` over `files` against `base`.
fn large_once(base: &str, who: Large, files: &[PathBuf], rss: bool) -> Result<LargeRun, String> {
    match who {
        Large::Library => library_child(base, files),
        Large::Cli => {
            let run = memory::run_cli_many(base, LARGE_API, files, Some(LARGE))?;
            Ok(LargeRun {
                wall: run.secs,
                inner: None,
                rss_kib: run.max_rss_kib,
            })
        }
        Large::CurlParallel => {
            let run = contenders::curl_parallel(base, LARGE_API, files, LARGE, &[], rss)?;
            Ok(LargeRun {
                wall: run.wall,
                inner: None,
                rss_kib: run.max_rss_kib,
            })
        }
        Large::CurlProcesses => {
            let started = Instant::now();
            let results: Vec<Result<contenders::CurlTimes, String>> = std::thread::scope(|s| {
                let running: Vec<_> = files
                    .iter()
                    .map(|f| s.spawn(move || contenders::curl_measured(base, LARGE_API, f, rss)))
                    .collect();
                running
                    .into_iter()
                    .map(|t| {
                        t.join()
                            .unwrap_or_else(|_| Err("a curl thread panicked".into()))
                    })
                    .collect()
            });
            let wall = started.elapsed().as_secs_f64();
            let mut rss_kib = None;
            for result in results {
                let times = result?;
                if let Some(kib) = times.max_rss_kib {
                    rss_kib = Some(rss_kib.unwrap_or(0) + kib);
                }
            }
            Ok(LargeRun {
                wall,
                inner: None,
                rss_kib,
            })
        }
    }
}

/// Runs the section and writes its table.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    server: &Nginx,
    http: &reqwest::Client,
    options: &Options,
    have_curl: bool,
    report: &mut Report,
) -> Result<(), String> {
    let size = options.sizes.iter().copied().max().unwrap_or(MIB);
    let label = data::label(size);
    let total_mib = (LARGE as u64 * size) as f64 / MIB as f64;
    // Room for the files still to write, nginx's temporary copies of the bodies it buffers
    // (up to 8 at once, on the same disk here) and 1 GiB to spare.
    let missing = data::distinct_files_missing(LARGE, size);
    let need = missing + LARGE as u64 * size + 1024 * MIB;
    let free = data::free_bytes(&data::data_dir());
    let distinct = free.is_some_and(|free| free >= need);
    eprintln!("nginx load: preparing {LARGE} × {label} …");
    let files: Vec<PathBuf> = if distinct {
        data::distinct_files(LARGE, size).map_err(|e| e.to_string())?
    } else {
        let one = data::upload_file(size).map_err(|e| e.to_string())?;
        vec![one; LARGE]
    };
    let heads = heads_of(&files)?;
    warm_page_cache(&files)?;
    let rss = memory::have_time();
    let mut who = vec![Large::Library, Large::Cli];
    if have_curl {
        who.extend([Large::CurlParallel, Large::CurlProcesses]);
    }
    let runs = options.runs.clamp(1, LARGE_RUNS);
    report.line(format!(
        "### {LARGE} simultaneous {label} uploads from one process ({}; MaiAgent multipart `upload`, no size limit)",
        if distinct {
            format!("{LARGE} distinct files")
        } else {
            format!(
                "ONE file uploaded {LARGE} times: the disk had no room for {LARGE} distinct files (free {}, needed {})",
                free.map_or_else(|| "unknown".into(), data::label),
                data::label(need)
            )
        }
    ));
    report.line("");
    report.line(format!(
        "Wall: spawn to exit of the uploading process(es); MiB/s = {LARGE} × {label} / wall. CPU: user + sys of the process(es) (`getrusage` of waited-for children, `/usr/bin/time` included). Peak RSS: `/usr/bin/time -v` (curl × {LARGE}: the sum of the {LARGE} peaks). Medians of {runs} run{} (at most {LARGE_RUNS}), contenders alternating; the sink's records checked after every run ({LARGE} requests, every file whole). nginx (one worker) buffers each body to disk before proxying it.",
        if runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line(format!("| scheme | contender | wall ms | MiB/s | library's own time ms (`from_path` + `upload_many`) | CPU ms | peak RSS MiB | target: RSS ≤ {RSS_TARGET_MIB:.0} MiB | MiB/s ÷ best curl MiB/s (target ≥ 1) |"));
    report.line("|---|---|---|---|---|---|---|---|---|");
    for (scheme, base) in [("HTTP", &server.http), ("HTTPS", &server.https)] {
        take_records(runtime, http, &server.http)?;
        let n = who.len();
        let (mut wall, mut inner, mut cpu_s, mut peak) = (
            vec![vec![]; n],
            vec![vec![]; n],
            vec![vec![]; n],
            vec![vec![]; n],
        );
        for run in 0..runs {
            for w in rotated(&who, run) {
                let what = format!("{scheme} {LARGE} × {label}, {}", w.name());
                let before = cpu(libc::RUSAGE_CHILDREN);
                let r = large_once(base, w, &files, rss).map_err(|e| format!("{what}: {e}"))?;
                let used = cpu(libc::RUSAGE_CHILDREN) - before;
                let records = take_records(runtime, http, &server.http)?;
                check_records(&records, LARGE_API, size, &heads)
                    .map_err(|e| format!("{what}: {e}"))?;
                let i = w as usize;
                wall[i].push(r.wall);
                cpu_s[i].push(used);
                inner[i].extend(r.inner);
                peak[i].extend(r.rss_kib.map(|k| k as f64 / 1024.0));
            }
        }
        let rate = |i: usize| med(&wall[i]).map(|w| total_mib / w);
        let best_curl = [Large::CurlParallel, Large::CurlProcesses]
            .iter()
            .filter_map(|&c| who.contains(&c).then(|| rate(c as usize)).flatten())
            .reduce(f64::max);
        for &w in &who {
            let i = w as usize;
            let show = |x: Option<f64>| x.map_or_else(|| "–".into(), ms);
            let peak_mib = med(&peak[i]);
            let target = match (w, peak_mib) {
                (Large::Library | Large::Cli, Some(p)) if p <= RSS_TARGET_MIB => "met".into(),
                (Large::Library | Large::Cli, Some(p)) => {
                    format!("missed by {:.1} MiB", p - RSS_TARGET_MIB)
                }
                (Large::Library | Large::Cli, None) => "not measured".into(),
                _ => "–".into(),
            };
            let row = format!(
                "| {scheme} | {} | {} | {} | {} | {} | {} | {target} | {} |",
                w.name(),
                show(med(&wall[i])),
                rate(i).map_or_else(|| "–".into(), |v| format!("{v:.0}")),
                show(med(&inner[i])),
                show(med(&cpu_s[i])),
                peak_mib.map_or_else(|| "–".into(), |v| format!("{v:.1}")),
                ratio(rate(i), best_curl),
            );
            eprintln!("{row}");
            report.line(row);
        }
    }
    report.line("");
    Ok(())
}
