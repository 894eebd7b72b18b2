//! The upload paths and, for each, the three contenders that send the same request to the sink:
//! the crate's facade, raw `reqwest` streaming the same file, and `curl`.
//!
//! Each contender sends what the facade sends on the wire (method, path, query, headers, form
//! fields in order, `Content-Length`), and reads and checks the answer. What the sink received
//! is checked after every upload by [`verify`], so a contender that sends a short body, a chunked
//! body or the wrong form fails the run instead of looking fast.

mod ceiling;
mod curl;
mod facade;
mod raw;
mod small;

pub use ceiling::CeilingClient;
pub use curl::{CurlTimes, curl, curl_measured, curl_parallel};
pub use facade::Facade;
pub use raw::raw;
pub use small::{SmallContender, small_batch};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use upload_clients::Limits;

use crate::sink::{FILE_HEAD, Record};

/// Every wait of one upload is bounded by this.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// The ACS chat thread the harness uploads to.
pub const THREAD: &str = "19:bench-0000@thread.v2";
/// The RBM agent the harness uploads for.
pub const AGENT: &str = "bench-agent";
/// The AI Agents project endpoint path on the sink.
pub const AGENTS_PATH: &str = "/agents";
/// The MaiAgent base path on the sink.
pub const MAIAGENT_PATH: &str = "/api";

/// One MiB.
const MIB: u64 = 1024 * 1024;

/// An upload path of one facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// ACS Chat `upload_image`: raw `application/octet-stream` body.
    Acs,
    /// RBM `upload_file`: the media body with its own type.
    Rbm,
    /// AI Agents `upload`: multipart `purpose`, `filename`, `file`.
    Agents,
    /// MaiAgent `upload`: multipart with one `file` part.
    MaiAgent,
    /// MaiAgent `upload_presigned`: presign, form POST to storage, register.
    Presigned,
}

impl Api {
    /// Every path, in table order.
    pub const ALL: [Api; 5] = [
        Api::Acs,
        Api::Rbm,
        Api::Agents,
        Api::MaiAgent,
        Api::Presigned,
    ];

    /// The name `--paths` takes.
    pub fn name(self) -> &'static str {
        match self {
            Api::Acs => "acs",
            Api::Rbm => "rbm",
            Api::Agents => "agents",
            Api::MaiAgent => "maiagent",
            Api::Presigned => "presigned",
        }
    }

    /// How the tables show the path.
    pub fn describe(self) -> &'static str {
        match self {
            Api::Acs => "octet-stream: ACS `upload_image`",
            Api::Rbm => "octet-stream: RBM `upload_file`",
            Api::Agents => "multipart: AI Agents `upload`",
            Api::MaiAgent => "multipart: MaiAgent `upload`",
            Api::Presigned => "presigned form: MaiAgent `upload_presigned`",
        }
    }

    /// The size limit the facade (and so the CLI) applies by default.
    pub fn limit(self) -> Option<u64> {
        match self {
            Api::Acs => Limits::acs_chat_images().max_bytes,
            Api::Rbm => Limits::rbm_files().max_bytes,
            Api::Agents => Limits::ai_agents_files().max_bytes,
            Api::MaiAgent | Api::Presigned => Limits::maiagent_attachments().max_bytes,
        }
    }

    /// Parses a `--paths` name.
    pub fn parse(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.name() == name.trim())
    }

    /// What the sink must record for one upload: `(path, status, carries the file)` per request.
    fn expected(self) -> Vec<(String, u16, bool)> {
        match self {
            Api::Acs => vec![(format!("/chat/threads/{THREAD}/images"), 201, true)],
            Api::Rbm => vec![("/upload/v1/files".into(), 200, true)],
            Api::Agents => vec![(format!("{AGENTS_PATH}/files"), 200, true)],
            Api::MaiAgent => vec![(format!("{MAIAGENT_PATH}/attachments-upload/"), 200, true)],
            Api::Presigned => vec![
                (format!("{MAIAGENT_PATH}/upload-presigned-url/"), 200, false),
                ("/bucket".into(), 204, true),
                (format!("{MAIAGENT_PATH}/attachments/"), 201, false),
            ],
        }
    }
}

/// Who sends the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    /// The crate's facade client.
    Facade,
    /// Raw `reqwest`, streaming the same file.
    Raw,
    /// The `curl` command.
    Curl,
}

impl Contender {
    /// How the tables show the contender.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Facade => "facade",
            Contender::Raw => "raw reqwest",
            Contender::Curl => "curl",
        }
    }
}

/// What every contender shares: the sink's address, one `reqwest` client (one pool) and the
/// chunk size raw `reqwest` reads the file in.
#[derive(Clone)]
pub struct Env {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The client of the facades and of raw `reqwest`.
    pub http: reqwest::Client,
    /// The chunk size raw `reqwest` reads files in.
    pub raw_chunk: usize,
}

/// `Ok` when `ok`, else an error naming `what`.
fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected {what} in the answer"))
    }
}

/// The last component of `path`.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs `command` to completion with its output captured, killing it after `timeout`.
pub fn run_bounded(
    mut command: Command,
    timeout: Duration,
) -> Result<std::process::Output, String> {
    let shown = format!("{:?}", command.get_program());
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(timeout).is_err() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            true
        } else {
            false
        }
    });
    let output = child.wait_with_output().map_err(|e| e.to_string());
    let _ = done.send(());
    if watchdog.join().unwrap_or(false) {
        return Err(format!(
            "{shown} ran longer than {timeout:?} and was killed"
        ));
    }
    output
}

/// Checks what the sink recorded for one upload of `size` bytes on `api`: the expected
/// requests in order, each answered with success, none chunked, the file complete and starting
/// with `file_head`, and the form fields in the expected order.
pub fn verify(api: Api, records: &[Record], size: u64, file_head: &[u8]) -> Result<(), String> {
    let expected = api.expected();
    let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
    if records.len() != expected.len() {
        return Err(format!(
            "the sink saw {} requests {paths:?}, not {}",
            records.len(),
            expected.len()
        ));
    }
    for (record, (path, status, carries_file)) in records.iter().zip(&expected) {
        if record.path != *path || record.status != *status {
            return Err(format!(
                "the sink saw {} {} answered {}, not {path} answered {status}",
                record.method, record.path, record.status
            ));
        }
        if record.chunked {
            return Err(format!("{path} was sent chunked"));
        }
        let Some(file) = &record.file else {
            if *carries_file {
                return Err(format!(
                    "{path} carried no file ({} bytes of body)",
                    record.body_bytes
                ));
            }
            continue;
        };
        if file.bytes != size {
            return Err(format!(
                "{path}: the sink received {} bytes of the file, not {size}",
                file.bytes
            ));
        }
        let n = file_head.len().min(FILE_HEAD);
        if file.head.get(..n) != Some(&file_head[..n]) {
            return Err(format!(
                "{path}: the file's first bytes differ from the file's"
            ));
        }
        let names: Vec<&str> = file.fields.iter().map(|(n, _)| n.as_str()).collect();
        let want: &[&str] = match api {
            Api::Agents => &["purpose", "filename"],
            Api::Presigned => &["key", "policy"],
            _ => &[],
        };
        if names != want {
            return Err(format!(
                "{path}: form fields {names:?} before the file, not {want:?}"
            ));
        }
    }
    Ok(())
}

/// Throughput in MiB/s.
pub fn mib_per_s(size: u64, secs: f64) -> f64 {
    size as f64 / MIB as f64 / secs
}
