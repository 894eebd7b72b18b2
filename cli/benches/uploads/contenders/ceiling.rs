//! The ceiling: a plain blocking HTTP/1.1 connection that writes bodies from memory.

use std::time::Instant;

use super::{AGENT, UPLOAD_TIMEOUT};

/// A plain blocking HTTP/1.1 connection to the sink that writes bodies from memory: the
/// fastest a client can feed the sink (no file reads, no HTTP client work), to show the sink is
/// not the bottleneck. Kept alive across uploads, as the `reqwest` contenders' pool is.
pub struct CeilingClient {
    stream: std::net::TcpStream,
    addr: String,
}

impl CeilingClient {
    /// Connects to the sink at `base`.
    pub fn connect(base: &str) -> Result<Self, String> {
        let addr = base.trim_start_matches("http://").to_string();
        let stream = std::net::TcpStream::connect(&addr).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(UPLOAD_TIMEOUT))
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(UPLOAD_TIMEOUT))
            .map_err(|e| e.to_string())?;
        Ok(Self { stream, addr })
    }

    /// POSTs `size` bytes (`first_mib`, repeated) to `/upload/v1/files` and reads the answer;
    /// returns the seconds taken.
    pub fn upload(&mut self, first_mib: &[u8], size: u64) -> Result<f64, String> {
        use std::io::{Read, Write};
        let started = Instant::now();
        let head = format!(
            "POST /upload/v1/files?agentId={AGENT} HTTP/1.1\r\nhost: {}\r\ncontent-type: image/png\r\ncontent-length: {size}\r\n\r\n",
            self.addr
        );
        let e = |e: std::io::Error| e.to_string();
        self.stream.write_all(head.as_bytes()).map_err(e)?;
        let mut left = size;
        while left > 0 {
            let n = left.min(first_mib.len() as u64) as usize;
            self.stream.write_all(&first_mib[..n]).map_err(e)?;
            left -= n as u64;
        }
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.stream.read(&mut chunk).map_err(e)?;
            if n == 0 {
                return Err("the sink closed the connection".into());
            }
            answer.extend_from_slice(&chunk[..n]);
            if let Some(end) = crate::sink::find(&answer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
                let body_len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if answer.len() >= end + 4 + body_len {
                    break;
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        if !answer.starts_with(b"HTTP/1.1 200") {
            return Err(format!(
                "the sink answered {:?}",
                String::from_utf8_lossy(&answer)
            ));
        }
        Ok(secs)
    }
}
