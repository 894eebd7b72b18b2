//! A listener on a loopback address that counts every TCP connection made to it, for tests
//! that prove nothing was sent: a connection counts even when no complete request follows.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a probe sends instead of a request.
const PROBE: &[u8] = b"PROBE\n";

/// The listener: its base URL, host and port.
pub struct Counting {
    pub url: String,
    pub host: String,
    pub port: u16,
    probes: AtomicUsize,
}

/// Listens on `ip` (any port); every connection gets a `500` and is closed.
pub async fn listen(ip: &str) -> Counting {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            // Connections are accepted in the order they were made: the number given to a
            // probe counts every connection made before it.
            let index = accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let reply = if buf[..read].starts_with(PROBE) {
                    index.to_string()
                } else {
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_string()
                };
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Counting {
        url: format!("http://{addr}"),
        host: addr.ip().to_string(),
        port: addr.port(),
        probes: AtomicUsize::new(0),
    }
}

impl Counting {
    /// The connections made so far by anyone but this method, exactly: it connects once itself
    /// and is told how many connections were accepted before its own.
    pub async fn connections(&self) -> usize {
        let probe = async {
            let mut stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .expect("probe connects");
            stream.write_all(PROBE).await.expect("probe sends");
            let mut answer = String::new();
            stream
                .read_to_string(&mut answer)
                .await
                .expect("probe reads");
            answer.parse::<usize>().expect("a count")
        };
        let before = tokio::time::timeout(Duration::from_secs(10), probe)
            .await
            .expect("the probe is answered within 10 s");
        before - self.probes.fetch_add(1, Ordering::SeqCst)
    }
}
