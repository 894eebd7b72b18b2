//! Case 5: the emulator keeps up with the client. `upload-clients emulator --no-limits` runs as
//! its own process; the facade uploads each size through RBM's octet-stream path (stored to disk
//! by the emulator) and many 10 KiB images through ACS; the report gives MiB/s, uploads per
//! second and the emulator's peak RSS (`VmHWM`), which shows it streams bodies.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{AcsChatClient, Limits, RbmClient, UploadSource};

use crate::contenders::{THREAD, mib_per_s};
use crate::memory::CLI;

/// The emulator process, interrupted (its Ctrl-C) and reaped when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Process {
    fn start() -> Result<Self, String> {
        let mut child = Command::new(CLI)
            .args([
                "emulator",
                "--port",
                "0",
                "--no-limits",
                "--processing-ms",
                "0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line {line:?}"))?
            .to_owned();
        Ok(Self { child, base })
    }

    /// The peak resident set of the process, in KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One size's result.
pub struct Row {
    pub size: u64,
    pub mib_s: f64,
}

/// What the case measured.
pub struct Results {
    pub rows: Vec<Row>,
    pub small_per_s: f64,
    pub small_count: usize,
    pub peak_rss_kib: Option<u64>,
}

/// Runs the case: `runs` uploads per size (median), then `small` images 32 at a time.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    sizes: &[u64],
    runs: usize,
    small: &[PathBuf],
) -> Result<Results, String> {
    let emulator = Process::start()?;
    let e = |e: upload_clients::Error| e.to_string();
    let rbm = RbmClient::new(Credential::bearer("bench-token"))
        .map_err(e)?
        .with_base_url(&emulator.base)
        .map_err(e)?
        .with_http_client(http.clone())
        .with_limits(Limits::none())
        .with_retry(RetryPolicy::none());
    let mut rows = Vec::new();
    for &size in sizes {
        let path = crate::data::upload_file(size).map_err(|e| e.to_string())?;
        let mut times = Vec::new();
        for _ in 0..runs.max(1) {
            let secs = crate::timed(runtime, async {
                let source = UploadSource::from_path(&path).await.map_err(e)?;
                let file = rbm
                    .upload_file("bench-agent", &source, None)
                    .await
                    .map_err(e)?;
                if file.name.starts_with("files/") {
                    Ok(())
                } else {
                    Err(format!("unexpected name {}", file.name))
                }
            })?;
            times.push(secs);
        }
        rows.push(Row {
            size,
            mib_s: mib_per_s(size, crate::median(&times)),
        });
    }
    let acs = AcsChatClient::new(&emulator.base, Credential::bearer("bench-token"))
        .map_err(e)?
        .with_http_client(http.clone())
        .with_retry(RetryPolicy::none());
    let started = Instant::now();
    let outcomes = runtime.block_on(async {
        let mut sources = Vec::new();
        for path in small {
            sources.push(UploadSource::from_path(path).await.map_err(e)?);
        }
        Ok::<_, String>(acs.upload_many(THREAD, &sources, 32).await)
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(Err(error)) = outcomes.iter().find(|o| o.is_err()) {
        return Err(format!("a small upload to the emulator failed: {error}"));
    }
    if outcomes.len() != small.len() {
        return Err(format!(
            "{} of {} small uploads ran",
            outcomes.len(),
            small.len()
        ));
    }
    Ok(Results {
        rows,
        small_per_s: small.len() as f64 / elapsed.max(1e-9),
        small_count: small.len(),
        peak_rss_kib: emulator.peak_rss_kib(),
    })
}
