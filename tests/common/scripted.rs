//! A tiny HTTP/1.1 server on 127.0.0.1 that answers each connection with the next response of a
//! script and records every request, for tests of what happens across attempts.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One recorded request: its head (lower-cased), the head's exact bytes, and its body.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub head: String,
    pub raw_head: Vec<u8>,
    pub body: Vec<u8>,
}

/// The server: its base URL and what it received.
pub struct Scripted {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

/// Serves `responses` (raw HTTP responses, one per connection, in order); once they run out the
/// last one is repeated.
pub async fn serve(responses: Vec<String>) -> Scripted {
    serve_on("127.0.0.1", responses).await
}

/// [`serve`] on another loopback address (e.g. `127.0.0.2`), for a second host.
pub async fn serve_on(ip: &str, responses: Vec<String>) -> Scripted {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let record = requests.clone();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((mut stream, _)) = listener.accept().await {
            let response = responses[n.min(responses.len() - 1)].clone();
            n += 1;
            exchange(&mut stream, &response, &record).await;
        }
    });
    Scripted { url, requests }
}

/// Reads one request from `stream` (head, then a `Content-Length` body), records it in
/// `record`, then answers `response` and closes the stream; works over TCP or TLS.
pub async fn exchange<S>(stream: &mut S, response: &str, record: &Mutex<Vec<Recorded>>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let (head, raw_head, body_len) = loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break (String::new(), Vec::new(), 0),
            Ok(k) => raw.extend_from_slice(&buf[..k]),
        }
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end + 4]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let raw_head = raw.drain(..end + 4).collect();
            break (head, raw_head, len);
        }
    };
    while raw.len() < body_len {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(k) => raw.extend_from_slice(&buf[..k]),
        }
    }
    record.lock().expect("lock").push(Recorded {
        head,
        raw_head,
        body: raw,
    });
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A raw response with a JSON body and extra header lines.
pub fn response(status: &str, headers: &[&str], body: &str) -> String {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}
