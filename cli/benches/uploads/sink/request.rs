//! What the sink reads of a request: its head, the start and end of its body, and the uploaded
//! file.

use std::io;

use super::{FILE_HEAD, FileUpload, HEAD_CAP, TAIL_CAP, find};

/// The parts of a request head the sink needs.
pub(super) struct Head {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) content_type: String,
    pub(super) content_length: Option<u64>,
    pub(super) chunked: bool,
    pub(super) expect_continue: bool,
    pub(super) close: bool,
}

impl Head {
    /// Parses a request head (request line and headers).
    pub(super) fn parse(head: &str) -> io::Result<Self> {
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
pub(super) struct Capture {
    known_len: Option<u64>,
    pub(super) total: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Capture {
    /// A capture of a body of `known_len` bytes, when known.
    pub(super) fn new(known_len: Option<u64>) -> Self {
        Self {
            known_len,
            total: 0,
            head: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// Takes the next `bytes` of the body.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
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
pub(super) fn file_upload(content_type: &str, capture: &Capture) -> Option<FileUpload> {
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
