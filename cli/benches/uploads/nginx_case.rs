//! Case 6: against a real server, nginx over HTTP and HTTPS ([`crate::nginx`]). First the
//! library next to raw `reqwest` and curl sending the same requests: wall time and CPU time
//! (user + sys: the harness process's own for the library rows, the curl processes' for curl).
//! Then the release CLI as a whole process (start to exit) against curl: wall time, CPU time
//! and peak RSS (`/usr/bin/time -v`), within each API's limit. Medians of the runs with the
//! contenders alternating. Then the load sections of [`crate::nginx_load`]. Skipped with a note
//! when nginx is absent.

use std::path::Path;

use crate::contenders::{self, Api, Env, Facade};
use crate::nginx::Nginx;
use crate::{Options, Report, data, median, ms, rotated};

/// CPU seconds (user + sys) used so far by this process, or by its waited-for children.
#[allow(unsafe_code)]
pub fn cpu(who: libc::c_int) -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Facade,
    Raw,
    Curl,
}

/// One timed upload by `who`: (wall seconds, CPU seconds).
fn one(
    runtime: &tokio::runtime::Runtime,
    env: &Env,
    facade: &Facade,
    api: Api,
    file: &Path,
    who: Who,
) -> Result<(f64, f64), String> {
    match who {
        Who::Facade | Who::Raw => {
            let before = cpu(libc::RUSAGE_SELF);
            let wall = crate::timed(runtime, async {
                match who {
                    Who::Facade => facade.upload(file).await,
                    _ => contenders::raw(env, api, file).await,
                }
            })?;
            Ok((wall, cpu(libc::RUSAGE_SELF) - before))
        }
        Who::Curl => {
            let before = cpu(libc::RUSAGE_CHILDREN);
            let times = contenders::curl(&env.base, api, file)?;
            Ok((times.wall, cpu(libc::RUSAGE_CHILDREN) - before))
        }
    }
}

/// Runs the case and writes its table.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    options: &Options,
    have_curl: bool,
    report: &mut Report,
) -> Result<(), String> {
    report.line("## Against nginx, HTTP and HTTPS (case 6)");
    report.line("");
    let Some(server) = Nginx::start()? else {
        report.line(
            "Skipped: nginx or openssl is not installed (`apt-get install -y nginx openssl`).",
        );
        report.line("");
        return Ok(());
    };
    // The documented CA settings: SSL_CERT_FILE for the library, CURL_CA_BUNDLE for curl.
    // SAFETY: set before any client of this case is built and before this process's first HTTPS
    // handshake (when the facades' default clients read it); the harness reads no other variable
    // concurrently.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SSL_CERT_FILE", &server.ca);
        std::env::set_var("CURL_CA_BUNDLE", &server.ca);
    }
    let http = runtime
        .block_on(async { upload_clients::transport::client_builder().build() })
        .map_err(|e| e.to_string())?;
    report.line(format!(
        "{}; nginx reads each body to the end (`proxy_request_buffering on`, to disk above 1 MiB) before proxying it to the sink, a process of its own. CPU: user + sys of the harness process (library rows) or of curl. ms and CPU ms are medians of {} runs.",
        Nginx::version(),
        options.runs
    ));
    report.line("");
    report.line("| scheme | path | size | facade ms | raw reqwest ms | curl ms (wall) | facade/curl time | facade CPU ms | raw CPU ms | curl CPU ms | facade/curl CPU |");
    report.line("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut who = vec![Who::Facade, Who::Raw];
    if have_curl {
        who.push(Who::Curl);
    }
    for (scheme, base) in [("HTTP", &server.http), ("HTTPS", &server.https)] {
        let env = Env {
            base: base.clone(),
            http: http.clone(),
            raw_chunk: options.raw_chunk,
        };
        for &api in options.paths.iter().filter(|&&a| a != Api::Presigned) {
            // One untimed upload per library contender first: the connection, the TLS
            // handshake and loading the CA are set-up, not upload work (curl pays its own in
            // every run, as a process does).
            let warm = data::upload_file(64 * 1024).map_err(|e| e.to_string())?;
            let warm_facade = Facade::new(&env, api, 64 * 1024)?;
            for w in [Who::Facade, Who::Raw] {
                one(runtime, &env, &warm_facade, api, &warm, w)?;
            }
            for &size in &options.sizes {
                let file = data::upload_file(size).map_err(|e| e.to_string())?;
                let facade = Facade::new(&env, api, size)?;
                let (mut wall, mut cpu_s) = (vec![vec![]; 3], vec![vec![]; 3]);
                for run in 0..options.runs.max(1) {
                    for w in rotated(&who, run) {
                        let (t, c) = one(runtime, &env, &facade, api, &file, w).map_err(|e| {
                            format!("{scheme} {} {}: {e}", api.name(), data::label(size))
                        })?;
                        let i = w as usize;
                        wall[i].push(t);
                        cpu_s[i].push(c);
                    }
                }
                let m = |v: &Vec<f64>| (!v.is_empty()).then(|| median(v));
                let (f, r, c) = (m(&wall[0]), m(&wall[1]), m(&wall[2]));
                let (fc, rc, cc) = (m(&cpu_s[0]), m(&cpu_s[1]), m(&cpu_s[2]));
                let show = |x: Option<f64>| x.map(ms).unwrap_or_else(|| "–".into());
                let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                    _ => "–".into(),
                };
                report.line(format!(
                    "| {scheme} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    api.name(),
                    data::label(size),
                    show(f),
                    show(r),
                    show(c),
                    ratio(f, c),
                    show(fc),
                    show(rc),
                    show(cc),
                    ratio(fc, cc),
                ));
            }
        }
    }
    report.line("");
    report.line("Ratios are curl's over the facade's: ≥ 1 means the facade is as fast, or uses no more CPU.");
    report.line("");
    if have_curl {
        processes(&server, options, report)?;
    }
    crate::nginx_load::run(runtime, &server, &http, options, have_curl, report)
}

/// The CLI as a whole process against curl, each under `/usr/bin/time -v` when installed.
fn processes(server: &Nginx, options: &Options, report: &mut Report) -> Result<(), String> {
    let rss = crate::memory::have_time();
    report.line("### The release CLI as a whole process, against curl");
    report.line("");
    report.line("| scheme | path | size | CLI ms | curl ms | curl/CLI time | CLI CPU ms | curl CPU ms | curl/CLI CPU | CLI peak RSS MiB | curl peak RSS MiB |");
    report.line("|---|---|---|---|---|---|---|---|---|---|---|");
    for (scheme, base) in [("HTTP", &server.http), ("HTTPS", &server.https)] {
        for &api in options.paths.iter().filter(|&&a| a != Api::Presigned) {
            for &size in options
                .sizes
                .iter()
                .filter(|&&s| api.limit().is_none_or(|max| s <= max))
            {
                let file = data::upload_file(size).map_err(|e| e.to_string())?;
                let (mut wall, mut cpu_s, mut peak) =
                    (vec![vec![]; 2], vec![vec![]; 2], vec![vec![]; 2]);
                for run in 0..options.runs.max(1) {
                    for i in rotated(&[0usize, 1], run) {
                        let before = cpu(libc::RUSAGE_CHILDREN);
                        let (t, kib) = if i == 0 {
                            let r = crate::memory::run_cli(base, api, &file)?;
                            (r.secs, r.max_rss_kib)
                        } else {
                            let t = contenders::curl_measured(base, api, &file, rss)?;
                            (t.wall, t.max_rss_kib)
                        };
                        wall[i].push(t);
                        cpu_s[i].push(cpu(libc::RUSAGE_CHILDREN) - before);
                        if let Some(kib) = kib {
                            peak[i].push(kib as f64 / 1024.0);
                        }
                    }
                }
                let m = |v: &Vec<f64>| (!v.is_empty()).then(|| median(v));
                let show = |x: Option<f64>| x.map(ms).unwrap_or_else(|| "–".into());
                let mib =
                    |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into());
                let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                    _ => "–".into(),
                };
                let (cw, uw) = (m(&wall[0]), m(&wall[1]));
                let (cc, uc) = (m(&cpu_s[0]), m(&cpu_s[1]));
                report.line(format!(
                    "| {scheme} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    api.name(),
                    data::label(size),
                    show(cw),
                    show(uw),
                    ratio(cw, uw),
                    show(cc),
                    show(uc),
                    ratio(cc, uc),
                    mib(m(&peak[0])),
                    mib(m(&peak[1])),
                ));
            }
        }
    }
    report.line("");
    report.line("Process rows include process start; CPU is the processes' user + sys (`getrusage` of waited-for children, `/usr/bin/time` included for both).");
    report.line("");
    Ok(())
}
