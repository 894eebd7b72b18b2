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

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

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

/// A connection with the bytes read past the last request head.
struct Conn {
    stream: TcpStream,
    pending: Vec<u8>,
    start: usize,
}

impl Conn {
    /// The bytes read and not yet consumed.
    fn buffered(&self) -> &[u8] {
        &self.pending[self.start..]
    }

    /// Marks `n` buffered bytes as consumed.
    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.pending.len() {
            self.pending.clear();
            self.start = 0;
        }
    }

    /// Reads more bytes into `pending`; `Ok(false)` at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        if self.start > 0 {
            self.pending.drain(..self.start);
            self.start = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = tokio::time::timeout(IDLE, self.stream.read(&mut chunk))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle connection"))??;
        self.pending.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// One line (without CRLF), for chunk sizes.
    async fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = find(self.buffered(), b"\r\n") {
                let line = self.buffered()[..i].to_vec();
                self.consume(i + 2);
                return Ok(line);
            }
            if self.buffered().len() > MAX_HEAD || !self.fill().await? {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk line"));
            }
        }
    }

    /// Reads `n` body bytes, buffered ones first, into `capture`, discarding them.
    async fn discard(
        &mut self,
        mut n: u64,
        buf: &mut [u8],
        capture: &mut Capture,
    ) -> io::Result<()> {
        let from_buffer = (self.buffered().len() as u64).min(n) as usize;
        if from_buffer > 0 {
            let (start, end) = (self.start, self.start + from_buffer);
            capture.feed(&self.pending[start..end]);
            self.consume(from_buffer);
            n -= from_buffer as u64;
        }
        while n > 0 {
            let want = (buf.len() as u64).min(n) as usize;
            let read = tokio::time::timeout(IDLE, self.stream.read(&mut buf[..want]))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle connection"))??;
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "body cut short",
                ));
            }
            capture.feed(&buf[..read]);
            n -= read as u64;
        }
        Ok(())
    }
}

/// Serves one connection: request after request until the client closes it.
async fn serve(stream: TcpStream, state: &State) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut conn = Conn {
        stream,
        pending: Vec::with_capacity(16 * 1024),
        start: 0,
    };
    let mut buf = vec![0u8; READ_BUF];
    loop {
        let head_len = loop {
            if let Some(i) = find(conn.buffered(), b"\r\n\r\n") {
                break i + 4;
            }
            if conn.buffered().len() > MAX_HEAD {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
            }
            if !conn.fill().await? {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&conn.buffered()[..head_len]).into_owned();
        conn.consume(head_len);
        let request = Head::parse(&head)?;
        if request.expect_continue {
            conn.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        let mut capture = Capture::new(request.content_length);
        if request.chunked {
            loop {
                let line = conn.line().await?;
                let size = std::str::from_utf8(&line)
                    .ok()
                    .and_then(|l| u64::from_str_radix(l.split(';').next()?.trim(), 16).ok())
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
                if size == 0 {
                    // Trailers, then the empty line.
                    while !conn.line().await?.is_empty() {}
                    break;
                }
                conn.discard(size, &mut buf, &mut capture).await?;
                if !conn.line().await?.is_empty() {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk end"));
                }
            }
        } else if let Some(len) = request.content_length {
            conn.discard(len, &mut buf, &mut capture).await?;
        }
        if request.method == "GET" && request.path == RECORDS_PATH {
            let taken = std::mem::take(&mut *state.records.lock().expect("sink records"));
            let body = serde_json::to_vec(&taken)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            conn.stream.write_all(head.as_bytes()).await?;
            conn.stream.write_all(&body).await?;
            if request.close {
                return Ok(());
            }
            continue;
        }
        let file = file_upload(&request.content_type, &capture);
        let (status, extra, body) = answer(state, &request, file.as_ref());
        let mut response = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n",
            reason(status),
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(body.as_bytes());
        // Recorded before answering, so a client's next request is always recorded after it.
        state.records.lock().expect("sink records").push(Record {
            method: request.method,
            path: request.path,
            body_bytes: capture.total,
            chunked: request.chunked,
            expect_continue: request.expect_continue,
            file,
            status,
        });
        conn.stream.write_all(&response).await?;
        if request.close {
            return Ok(());
        }
    }
}

/// The parts of a request head the sink needs.
struct Head {
    method: String,
    path: String,
    content_type: String,
    content_length: Option<u64>,
    chunked: bool,
    expect_continue: bool,
    close: bool,
}

impl Head {
    /// Parses a request head (request line and headers).
    fn parse(head: &str) -> io::Result<Self> {
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or_default().split(' ');
        let method = first.next().unwrap_or_default().to_string();
        let target = first.next().unwrap_or_default();
        let path = target.split('?').next().unwrap_or_default().to_string();
        let mut parsed = Self {
            method,
            path,
            content_type: String::new(),
            content_length: None,
            chunked: false,
            expect_continue: false,
            close: false,
        };
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-type" => parsed.content_type = value.to_string(),
                "content-length" => {
                    parsed.content_length = Some(value.parse().map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad content-length")
                    })?);
                }
                "transfer-encoding" => {
                    parsed.chunked = value.to_ascii_lowercase().contains("chunked");
                }
                "expect" => parsed.expect_continue = value.eq_ignore_ascii_case("100-continue"),
                "connection" => parsed.close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// The first [`HEAD_CAP`] and last [`TAIL_CAP`] bytes of a body, and its length.
struct Capture {
    known_len: Option<u64>,
    total: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Capture {
    /// A capture of a body of `known_len` bytes, when known.
    fn new(known_len: Option<u64>) -> Self {
        Self {
            known_len,
            total: 0,
            head: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// Takes the next `bytes` of the body.
    fn feed(&mut self, bytes: &[u8]) {
        let start = self.total;
        if self.head.len() < HEAD_CAP {
            let take = (HEAD_CAP - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        match self.known_len {
            // Only the bytes in the last TAIL_CAP of a body of known length are copied.
            Some(len) => {
                let tail_start = len.saturating_sub(TAIL_CAP as u64);
                let end = start + bytes.len() as u64;
                if end > tail_start {
                    let skip = tail_start.saturating_sub(start) as usize;
                    self.tail.extend_from_slice(&bytes[skip..]);
                }
            }
            None => {
                self.tail.extend_from_slice(bytes);
                if self.tail.len() > 2 * TAIL_CAP {
                    self.tail.drain(..self.tail.len() - TAIL_CAP);
                }
            }
        }
        self.total += bytes.len() as u64;
    }

    /// The absolute offset of the first byte of `tail`.
    fn tail_offset(&self) -> u64 {
        self.total - self.tail.len() as u64
    }
}

/// The uploaded file of a request: a multipart form's `file` part, or the whole body of a
/// non-JSON request.
fn file_upload(content_type: &str, capture: &Capture) -> Option<FileUpload> {
    let lower = content_type.to_ascii_lowercase();
    if capture.total == 0 || lower.starts_with("application/json") {
        return None;
    }
    if !lower.starts_with("multipart/form-data") {
        return Some(FileUpload {
            bytes: capture.total,
            head: capture.head[..capture.head.len().min(FILE_HEAD)].to_vec(),
            fields: Vec::new(),
        });
    }
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let head = &capture.head;
    let mut fields = Vec::new();
    let mut at = find(head, delimiter.as_bytes())? + delimiter.len();
    loop {
        // After a delimiter: CRLF, the part's headers, a blank line, then its data.
        at += 2;
        let headers_end = at + find(&head[at..], b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&head[at..headers_end]).into_owned();
        let data_start = headers_end + 4;
        let name = disposition_param(&headers, "name").unwrap_or_default();
        let end_marker = format!("\r\n{delimiter}");
        if name == "file" {
            // The file's end is the next delimiter: in the head when the whole body fits
            // there, else in the tail (the fields after the file, if any, are small).
            let data_end = if capture.total as usize <= head.len() {
                (data_start + find(&head[data_start..], end_marker.as_bytes())?) as u64
            } else {
                let offset = capture.tail_offset();
                let from = (data_start as u64).saturating_sub(offset) as usize;
                offset + (from + find(&capture.tail[from..], end_marker.as_bytes())?) as u64
            };
            let bytes = data_end - data_start as u64;
            let shown = (bytes as usize).min(FILE_HEAD);
            return Some(FileUpload {
                bytes,
                head: head.get(data_start..data_start + shown)?.to_vec(),
                fields,
            });
        }
        let data_end = data_start + find(&head[data_start..], end_marker.as_bytes())?;
        fields.push((
            name,
            String::from_utf8_lossy(&head[data_start..data_end]).into_owned(),
        ));
        at = data_end + end_marker.len();
    }
}

/// A parameter of a part's `Content-Disposition` header.
fn disposition_param(headers: &str, param: &str) -> Option<String> {
    let line = headers
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    line.split(';').find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        (key == param).then(|| value.trim_matches('"').to_string())
    })
}

/// The status, extra header lines and JSON body the sink answers `request` with.
fn answer(state: &State, request: &Head, file: Option<&FileUpload>) -> (u16, String, String) {
    let path = request.path.as_str();
    let bytes = file.map_or(0, |f| f.bytes);
    if request.method != "POST" {
        return (
            405,
            String::new(),
            format!(r#"{{"error":"{}"}}"#, request.method),
        );
    }
    if path.ends_with("/upload-presigned-url/") {
        let body = serde_json::json!({
            "url": format!("{}/bucket", state.base),
            "fields": {"key": "media/${filename}", "policy": "cG9saWN5"},
        });
        (200, String::new(), body.to_string())
    } else if path == "/bucket" {
        (204, String::new(), String::new())
    } else if path.ends_with("/attachments/") {
        let body = r#"{"id":"550e8400-e29b-41d4-a716-446655440000","type":null,"filename":"f","file":"media/f"}"#;
        (201, String::new(), body.to_string())
    } else if path.ends_with("/attachments-upload/") {
        (200, String::new(), String::new())
    } else if path.starts_with("/upload/v1/files") || path == "/v1/files" {
        (200, String::new(), r#"{"name":"files/sink"}"#.to_string())
    } else if path.ends_with("/files") {
        let body = format!(
            r#"{{"object":"file","id":"assistant-sink","bytes":{bytes},"filename":"f","created_at":0,"purpose":"assistants","status":"processed"}}"#
        );
        (200, String::new(), body)
    } else if path.starts_with("/chat/threads/") && path.ends_with("/images") {
        let location = format!("location: {path}/img-sink\r\n");
        (201, location, r#"{"id":"img-sink"}"#.to_string())
    } else {
        (404, String::new(), format!(r#"{{"error":"{path}"}}"#))
    }
}

/// The reason phrase of `status`.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
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
