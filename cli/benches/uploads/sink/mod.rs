//! The sink: an HTTP/1.1 server on 127.0.0.1 that reads every request body into a 1 MiB buffer
//! and throws it away, and answers each API path with the smallest valid response (the same
//! answers as `cli/benches/sink.py`, plus a `Location` on ACS and the real byte count in AI Agents'
//! `FileInfo`).
//!
//! It runs on its own two-worker Tokio runtime in its own thread, so the contenders in the
//! harness process do not share a scheduler with it. It speaks what the contenders send:
//! keep-alive, `Content-Length` and chunked bodies, and `Expect: 100-continue` (answered at
//! once; curl waits a second for it on large bodies otherwise).
//!
//! Every request is recorded: method, path, body length, whether it was chunked or asked for
//! `100-continue`, and, for a multipart form, the form fields before the file and the file
//! part's exact length. Only the first and last 64 KiB of a body are kept to find the multipart
//! boundaries, so recording costs nothing on large bodies. `GET` [`RECORDS_PATH`] hands the
//! records over as JSON, for a sink running as a process of its own.

mod conn;
mod request;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

use conn::serve;

/// How much of the start of a body is kept.
const HEAD_CAP: usize = 64 * 1024;
/// How much of the end of a body is kept.
const TAIL_CAP: usize = 64 * 1024;
/// The buffer bodies are read into and discarded from.
const READ_BUF: usize = 1024 * 1024;
/// The largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// How long a connection may stay silent before the sink drops it.
const IDLE: Duration = Duration::from_secs(120);
/// How many bytes of the file's start each record keeps, to compare with the file sent.
pub const FILE_HEAD: usize = 16;
/// `GET` on this path answers the records of every request finished since the last such
/// `GET` (JSON, a list of [`Record`]) and is not recorded itself: how the harness checks what
/// a sink in another process (behind nginx, case 6) received.
pub const RECORDS_PATH: &str = "/bench/records";

/// The uploaded file in a request: the whole body, or the `file` part of a multipart form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileUpload {
    /// The file's exact length as received.
    pub bytes: u64,
    /// Its first [`FILE_HEAD`] bytes.
    pub head: Vec<u8>,
    /// The multipart text fields before the file, in order (empty for a raw body).
    pub fields: Vec<(String, String)>,
}

/// One request as the sink received it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// The request method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The body's length in bytes (after de-chunking).
    pub body_bytes: u64,
    /// Whether the body was sent chunked.
    pub chunked: bool,
    /// Whether the request asked for `100-continue`.
    pub expect_continue: bool,
    /// The file the request carried (`None` for JSON and empty bodies).
    pub file: Option<FileUpload>,
    /// The status the sink answered.
    pub status: u16,
}

/// A running sink; stopped when dropped.
pub struct Sink {
    addr: SocketAddr,
    records: Arc<Mutex<Vec<Record>>>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Starts a sink on an ephemeral port of 127.0.0.1.
    pub fn start() -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let records = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = watch::channel(false);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sink")
            .enable_all()
            .build()?;
        let state = Arc::new(State {
            base: format!("http://{addr}"),
            records: records.clone(),
        });
        let thread = std::thread::Builder::new()
            .name("sink-main".into())
            .spawn(move || {
                runtime.block_on(accept(listener, state, stopped));
                runtime.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok(Self {
            addr,
            records,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The records of every request finished since the last call.
    pub fn take(&self) -> Vec<Record> {
        std::mem::take(&mut *self.records.lock().expect("sink records"))
    }
}

impl Drop for Sink {
    /// Stops accepting, then waits for the sink's thread (its runtime gives tasks 2 s).
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What every connection shares.
struct State {
    base: String,
    records: Arc<Mutex<Vec<Record>>>,
}

/// Accepts connections until told to stop; one task per connection.
async fn accept(
    listener: std::net::TcpListener,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sink: cannot listen: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let state = state.clone();
                    tokio::spawn(async move {
                        if let Err(e) = serve(stream, &state).await
                            && e.kind() != io::ErrorKind::ConnectionReset
                        {
                            eprintln!("sink: connection failed: {e}");
                        }
                    });
                }
                Err(e) => eprintln!("sink: accept failed: {e}"),
            },
        }
    }
}

/// The first index of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut from = 0;
    while let Some(i) = haystack[from..=haystack.len() - needle.len()]
        .iter()
        .position(|&b| b == first)
    {
        let at = from + i;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
