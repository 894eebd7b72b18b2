//! Case 6's load sections, on the nginx of [`crate::nginx`], because one upload at a time does
//! not show how the library holds up under load: eight large uploads at once
//! ([`crate::nginx_large`]), then many small files at one concurrency (here: uploads per second
//! and CPU of the library, raw `reqwest` and one `curl --parallel`), and what both share: every
//! upload is checked in the sink's records ([`crate::sink::RECORDS_PATH`], fetched through
//! nginx).

use std::path::PathBuf;
use std::time::Duration;

use crate::contenders::{self, Api, Env, Facade, SmallContender, UPLOAD_TIMEOUT};
use crate::nginx::Nginx;
use crate::nginx_case::cpu;
use crate::sink::{self, Record};
use crate::{KIB, MIB, Options, Report, data, median, rotated};

/// The size of each small file.
const SMALL: u64 = 10 * KIB;

/// Takes the records of the sink behind nginx (every request since the last call).
pub fn take_records(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    base: &str,
) -> Result<Vec<Record>, String> {
    runtime.block_on(async {
        let fetch = async {
            let response = http
                .get(format!("{base}{}", sink::RECORDS_PATH))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("the sink's records: status {status}"));
            }
            serde_json::from_slice(&body).map_err(|e| format!("the sink's records: {e}"))
        };
        tokio::time::timeout(Duration::from_secs(60), fetch)
            .await
            .map_err(|_| "the sink's records: no answer within 60 s".to_string())?
    })
}

/// Checks that the sink received one upload of `size` bytes on `api` per file, each whole and
/// answered with success, and that the files' first bytes (`heads`, sorted) are the ones sent.
pub fn check_records(
    records: &[Record],
    api: Api,
    size: u64,
    heads: &[Vec<u8>],
) -> Result<(), String> {
    if records.len() != heads.len() {
        return Err(format!(
            "the sink saw {} requests, not {}",
            records.len(),
            heads.len()
        ));
    }
    for record in records {
        contenders::verify(
            api,
            std::slice::from_ref(record),
            size,
            &data::PNG_SIGNATURE,
        )?;
    }
    let mut got: Vec<&[u8]> = records
        .iter()
        .filter_map(|r| r.file.as_ref().map(|f| f.head.as_slice()))
        .collect();
    got.sort_unstable();
    if got.iter().zip(heads).any(|(g, h)| *g != h.as_slice()) {
        return Err("the files the sink received are not the files sent".into());
    }
    Ok(())
}

/// The first bytes of every file, sorted (as [`check_records`] compares them).
pub fn heads_of(files: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut heads = files
        .iter()
        .map(|f| data::head_of(f, sink::FILE_HEAD))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    heads.sort_unstable();
    Ok(heads)
}

/// Reads every file once, so the first contender does not pay for the disk.
pub fn warm_page_cache(files: &[PathBuf]) -> Result<(), String> {
    use std::io::Read;
    let mut buf = vec![0u8; MIB as usize];
    let mut seen = std::collections::HashSet::new();
    for file in files.iter().filter(|f| seen.insert(*f)) {
        let mut f = std::fs::File::open(file).map_err(|e| e.to_string())?;
        while f.read(&mut buf).map_err(|e| e.to_string())? > 0 {}
    }
    Ok(())
}

/// `a / b` with two decimals, or a dash.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "–".into(),
    }
}

/// The median of `v`, when it has values.
pub fn med(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| median(v))
}

/// Runs both sections after the CLI table.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    server: &Nginx,
    http: &reqwest::Client,
    options: &Options,
    have_curl: bool,
    report: &mut Report,
) -> Result<(), String> {
    crate::nginx_large::run(runtime, server, http, options, have_curl, report)?;
    small(runtime, server, http, options, have_curl, report)
}

/// The contenders of the small section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Small {
    /// `from_path` for each, then the facade's `upload_many`.
    Facade,
    /// Raw `reqwest`: open + stream per file, in `buffer_unordered`.
    Raw,
    /// One `curl --parallel` process.
    Curl,
}

/// Section 2: many small files at one concurrency.
fn small(
    runtime: &tokio::runtime::Runtime,
    server: &Nginx,
    http: &reqwest::Client,
    options: &Options,
    have_curl: bool,
    report: &mut Report,
) -> Result<(), String> {
    let count = options.small_count;
    let c = options.nginx_concurrency;
    eprintln!("nginx load: preparing {count} × 10 KiB …");
    let files = data::small_files(count, SMALL).map_err(|e| e.to_string())?;
    let heads = heads_of(&files)?;
    warm_page_cache(&files)?;
    let mut who = vec![Small::Facade, Small::Raw];
    if have_curl {
        who.push(Small::Curl);
    }
    let runs = options.runs.max(1);
    report.line(format!(
        "### {count} × 10 KiB through ACS `upload_image`, {c} at a time (median of {runs} run{}, contenders alternating)",
        if runs == 1 { "" } else { "s" }
    ));
    report.line("");
    report.line(format!(
        "Facade: `from_path` for each file, then `AcsChatClient::upload_many(thread, &sources, {c})`; raw reqwest: open + stream per file in `buffer_unordered({c})`, the same `reqwest` client (one pool, connections and TLS sessions reused; one untimed warm-up batch of 100 files each first). curl: ONE process, `curl --parallel --parallel-max {c} -K FILE`, the config holding the {count} requests the facade sends (POST, thread path, `api-version`, `Authorization`, `Content-Type: application/octet-stream`, `image-filename`, plus `Expect:` so that curl does not send the `Expect: 100-continue` the facade does not send); curl reuses its connections too (the connections column is curl's `%{{num_connects}}` summed). CPU: user + sys of the harness process (`RUSAGE_SELF`) for the facade and raw rows, of curl (`RUSAGE_CHILDREN`) for curl. The sink's records checked after every run ({count} requests, every file whole). Ratios: the row's over the facade's, ≥ 1 means the facade is as fast or uses no more CPU."
    ));
    report.line("");
    report.line("| scheme | contender | wall s | uploads/s | CPU s | CPU µs per upload | connections | time ÷ facade time | CPU ÷ facade CPU |");
    report.line("|---|---|---|---|---|---|---|---|---|");
    for (scheme, base) in [("HTTP", &server.http), ("HTTPS", &server.https)] {
        let env = Env {
            base: base.clone(),
            http: http.clone(),
            raw_chunk: options.raw_chunk,
        };
        let facade = Facade::new(&env, Api::Acs, SMALL)?;
        let batch = |contender: SmallContender, files: &[PathBuf]| {
            runtime.block_on(async {
                tokio::time::timeout(
                    UPLOAD_TIMEOUT,
                    contenders::small_batch(&env, &facade, files, c, contender),
                )
                .await
                .unwrap_or_else(|_| Err(format!("no end within {UPLOAD_TIMEOUT:?}")))
            })
        };
        // Untimed: the pool's connections and TLS sessions are set-up, not upload work.
        let warm = &files[..files.len().min(100)];
        for contender in [SmallContender::FacadeMany, SmallContender::Raw] {
            batch(contender, warm).map_err(|e| format!("{scheme} small warm-up: {e}"))?;
        }
        take_records(runtime, http, &server.http)?;
        let n = who.len();
        let (mut wall, mut cpu_s, mut connects) = (vec![vec![]; n], vec![vec![]; n], vec![]);
        for run in 0..runs {
            for w in rotated(&who, run) {
                let what = format!("{scheme} {count} × 10 KiB, {w:?}");
                let (secs, used) = match w {
                    Small::Facade | Small::Raw => {
                        let contender = if w == Small::Facade {
                            SmallContender::FacadeMany
                        } else {
                            SmallContender::Raw
                        };
                        let before = cpu(libc::RUSAGE_SELF);
                        let elapsed =
                            batch(contender, &files).map_err(|e| format!("{what}: {e}"))?;
                        (elapsed.as_secs_f64(), cpu(libc::RUSAGE_SELF) - before)
                    }
                    Small::Curl => {
                        let before = cpu(libc::RUSAGE_CHILDREN);
                        let r = contenders::curl_parallel(
                            base,
                            Api::Acs,
                            &files,
                            c,
                            &["Expect:"],
                            false,
                        )
                        .map_err(|e| format!("{what}: {e}"))?;
                        connects.push(r.connects as f64);
                        (r.wall, cpu(libc::RUSAGE_CHILDREN) - before)
                    }
                };
                let records = take_records(runtime, http, &server.http)?;
                check_records(&records, Api::Acs, SMALL, &heads)
                    .map_err(|e| format!("{what}: {e}"))?;
                let i = w as usize;
                wall[i].push(secs);
                cpu_s[i].push(used);
            }
        }
        let (facade_wall, facade_cpu) = (med(&wall[0]), med(&cpu_s[0]));
        for &w in &who {
            let i = w as usize;
            let (t, u) = (med(&wall[i]), med(&cpu_s[i]));
            let (name, conns) = match w {
                Small::Facade => (
                    format!("facade: `from_path` + `upload_many({c})`"),
                    "pool".to_string(),
                ),
                Small::Raw => (
                    format!("raw reqwest: open + stream, `buffer_unordered({c})`"),
                    "pool".to_string(),
                ),
                Small::Curl => (
                    format!("curl: one process, `--parallel --parallel-max {c}`"),
                    med(&connects).map_or_else(|| "–".into(), |v| format!("{v:.0}")),
                ),
            };
            let (time_ratio, cpu_ratio) = if w == Small::Facade {
                ("–".to_string(), "–".to_string())
            } else {
                (ratio(t, facade_wall), ratio(u, facade_cpu))
            };
            let row = format!(
                "| {scheme} | {name} | {} | {} | {} | {} | {conns} | {time_ratio} | {cpu_ratio} |",
                t.map_or_else(|| "–".into(), |v| format!("{v:.3}")),
                t.map_or_else(|| "–".into(), |v| format!("{:.0}", count as f64 / v)),
                u.map_or_else(|| "–".into(), |v| format!("{v:.3}")),
                u.map_or_else(|| "–".into(), |v| format!("{:.0}", v / count as f64 * 1e6)),
            );
            eprintln!("{row}");
            report.line(row);
        }
    }
    report.line("");
    Ok(())
}
