//! One connection: request after request, each read, recorded and answered.

use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::request::{Capture, Head, file_upload};
use super::{FileUpload, IDLE, MAX_HEAD, READ_BUF, RECORDS_PATH, Record, State, find};

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
pub(super) async fn serve(stream: TcpStream, state: &State) -> io::Result<()> {
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
