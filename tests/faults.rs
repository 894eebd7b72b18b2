//! Network faults against raw servers on 127.0.0.1, each with an exact outcome: a connection
//! reset in the middle of the body (retried, the whole file sent again), a server that stops
//! reading (the stall timeout fires), a response body of many megabytes (capped, not read
//! whole), and an upload future dropped mid-body (the connection closes, nothing more is sent).
//! The 503 / 500 / 400 / 429 / truncated-JSON / non-JSON cases are in `tests/retry.rs`; the
//! cross-host redirect is in `tests/secrets/`.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::policy::Timeouts;
use upload_clients::transport::RESPONSE_BODY_LIMIT;
use upload_clients::{Error, Limits, RbmClient, UploadSource};

const MIB: usize = 1024 * 1024;
const OK: &str = r#"{"name":"files/ok"}"#;

/// A PNG-headed file of `len` bytes with varied content, so a resent body can be compared.
fn png_file(dir: &std::path::Path, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let mut data = common::PNG_1X1.to_vec();
    let mut x: u32 = 0x9e37_79b9;
    while data.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(len);
    let path = dir.join("big.png");
    std::fs::write(&path, &data).expect("write");
    (path, data)
}

fn rbm(url: &str) -> RbmClient {
    RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(url)
        .expect("endpoint")
        .with_limits(Limits::none())
}

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, url)
}

/// Reads a request head; returns it (lower-cased), its Content-Length and the body bytes read
/// past it.
async fn read_head(stream: &mut TcpStream) -> (String, usize, Vec<u8>) {
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).await.expect("read head");
        assert!(n > 0, "connection closed before the request head");
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end + 4]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            return (head, len, raw[end + 4..].to_vec());
        }
    }
}

/// Reads until `body` holds `len` bytes (or the peer closes).
async fn read_body(stream: &mut TcpStream, body: &mut Vec<u8>, len: usize) {
    let mut buf = vec![0u8; 256 * 1024];
    while body.len() < len {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
}

fn ok_response(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_reset_in_the_middle_of_the_body_is_retried_with_the_whole_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, data) = png_file(dir.path(), 8 * MIB);
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        // First connection: take 1 MiB of the body, then reset (SO_LINGER 0 sends RST).
        let (mut first, _) = listener.accept().await.expect("accept");
        let (_, len, mut partial) = read_head(&mut first).await;
        read_body(&mut first, &mut partial, MIB).await;
        first.set_zero_linger().expect("linger");
        drop(first);
        // Second connection: take it all and answer.
        let (mut second, _) = listener.accept().await.expect("accept again");
        let (_, len2, mut body) = read_head(&mut second).await;
        read_body(&mut second, &mut body, len2).await;
        second
            .write_all(ok_response(OK).as_bytes())
            .await
            .expect("write");
        (len, partial.len(), len2, body)
    });
    let source = UploadSource::from_path(&path).await.expect("source");
    let retry = RetryPolicy {
        base_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let file = rbm(&url)
        .with_retry(retry)
        .upload_file("agent", &source, None)
        .await
        .expect("the second attempt succeeds");
    assert_eq!(file.name, "files/ok");
    let (len1, got1, len2, body) = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server done")
        .expect("server task");
    assert_eq!(len1, data.len(), "first attempt announced the whole file");
    assert!(
        got1 >= MIB && got1 < data.len(),
        "the first attempt was cut mid-body: {got1}"
    );
    assert_eq!(len2, data.len());
    assert!(body == data, "the second attempt sent the whole file again");
}

#[tokio::test]
async fn a_server_that_stops_reading_trips_the_stall_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, data) = png_file(dir.path(), 64 * MIB);
    let (listener, url) = listener().await;
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            // Read the head, then never read again (bounded: the test ends first).
            let _ = read_head(&mut stream).await;
            held.push(stream);
        }
    });
    let source = UploadSource::from_path(&path).await.expect("source");
    let started = Instant::now();
    let client = rbm(&url)
        .with_retry(RetryPolicy::none())
        .with_timeouts(Timeouts::none().with_stall(Some(Duration::from_secs(1))));
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        client.upload_file("agent", &source, None),
    )
    .await
    .expect("the stall timeout fires long before 30 s")
    .expect_err("the server never answers");
    let elapsed = started.elapsed();
    assert!(
        matches!(&error, Error::Timeout(m) if m.contains("no upload progress")),
        "{error:?}"
    );
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(15),
        "fired after about a second of silence: {elapsed:?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    assert!(data.len() > 32 * MIB, "bigger than any socket buffer");

    // With retries, the stalled attempt is retried and each attempt stalls again.
    let retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let client = rbm(&url)
        .with_retry(retry)
        .with_timeouts(Timeouts::none().with_stall(Some(Duration::from_secs(1))));
    let error = tokio::time::timeout(
        Duration::from_secs(30),
        client.upload_file("agent", &source, None),
    )
    .await
    .expect("two stalled attempts end long before 30 s")
    .expect_err("still stalled");
    assert!(
        matches!(&error, Error::RetriesExhausted { attempts: 2, source } if matches!(**source, Error::Timeout(_))),
        "{error:?}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

/// A server that answers every request with `status` and a body of `total` bytes, writing as
/// long as the client reads; reports how much it managed to write.
async fn huge_response(
    status: &'static str,
    total: usize,
) -> (String, tokio::task::JoinHandle<usize>) {
    let (listener, url) = listener().await;
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let (_, len, mut body) = read_head(&mut stream).await;
        read_body(&mut stream, &mut body, len).await;
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n{{\"name\":\""
        );
        if stream.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let chunk = vec![b'a'; 64 * 1024];
        let mut written = 0;
        while written < total {
            let n = chunk.len().min(total - written);
            match tokio::time::timeout(Duration::from_secs(5), stream.write_all(&chunk[..n])).await
            {
                Ok(Ok(())) => written += n,
                // The client closed the connection, or stopped reading for good.
                _ => break,
            }
        }
        written
    });
    (url, server)
}

#[tokio::test]
async fn a_response_of_many_megabytes_is_capped_not_read_whole() {
    const TOTAL: usize = 256 * MIB;

    // A 200 to a generated operation (createFile): an unexpected response, read up to the cap.
    let (url, server) = huge_response("200 OK", TOTAL).await;
    let error = rbm(&url)
        .with_retry(RetryPolicy::none())
        .create_from_url("agent", "https://example.com/cat.png", None)
        .await
        .expect_err("a 256 MiB answer is refused");
    let message = error.to_string();
    assert!(
        matches!(&error, Error::InvalidResponse { api: "rbm", .. })
            && message.contains(&format!("larger than {RESPONSE_BODY_LIMIT} bytes")),
        "{error:?}"
    );
    let written = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("server done")
        .expect("server task");
    assert!(
        written < 32 * MIB,
        "the client stopped reading near the cap: the server wrote {written} of {TOTAL} bytes"
    );

    // A 500 to a hand-written operation (the media upload): an API error, its body capped too.
    let (url, server) = huge_response("500 Internal Server Error", TOTAL).await;
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "a.png");
    let error = rbm(&url)
        .with_retry(RetryPolicy::none())
        .upload_file("agent", &source, None)
        .await
        .expect_err("500");
    assert_eq!(error.status(), Some(500), "{error:?}");
    assert!(
        error.to_string().contains("larger than") && error.to_string().len() < 4096,
        "{error}"
    );
    let written = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("server done")
        .expect("server task");
    assert!(written < 32 * MIB, "wrote {written} of {TOTAL}");
}

#[tokio::test]
async fn dropping_an_upload_future_closes_its_connection_and_sends_nothing_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, data) = png_file(dir.path(), 64 * MIB);
    let (listener, url) = listener().await;
    let (got_some_tx, got_some_rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let (_, _, mut body) = read_head(&mut stream).await;
        let mut buf = vec![0u8; 64 * 1024];
        let mut got_some_tx = Some(got_some_tx);
        // Read slowly until the client goes away; bounded at 20 s.
        let deadline = Instant::now() + Duration::from_secs(20);
        let closed = loop {
            if Instant::now() > deadline {
                break false;
            }
            match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break true,
                Ok(Ok(n)) => body.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
            if body.len() >= MIB
                && let Some(tx) = got_some_tx.take()
            {
                let _ = tx.send(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        // Any further connection within a second would be a retry that should not happen.
        let again = tokio::time::timeout(Duration::from_secs(1), listener.accept())
            .await
            .is_ok();
        (closed, body.len(), again)
    });
    let source = UploadSource::from_path(&path).await.expect("source");
    let upload = tokio::spawn(async move {
        rbm(&url)
            .with_retry(RetryPolicy::default())
            .upload_file("agent", &source, None)
            .await
    });
    tokio::time::timeout(Duration::from_secs(20), got_some_rx)
        .await
        .expect("the upload started")
        .expect("signal");
    upload.abort();
    let (closed, received, again) = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("server done")
        .expect("server task");
    assert!(upload.await.is_err_and(|e| e.is_cancelled()));
    assert!(
        closed,
        "the connection was closed when the future was dropped"
    );
    assert!(
        received < data.len(),
        "the upload stopped part way: {received} of {}",
        data.len()
    );
    assert!(!again, "a dropped upload is not retried");
}
