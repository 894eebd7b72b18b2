//! `upload_many`: at most `concurrency` requests in flight over the client's pool, results in
//! input order, and one failure not stopping the others.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{AcsChatClient, UploadSource};

/// Answers each request after 150 ms (so requests overlap) with 201 and an id from its
/// `image-filename`, or 400 for `bad.png`; counts the most requests in flight at once.
async fn server() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (in_flight, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (flight, peak) = (in_flight.clone(), most.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (flight, peak) = (flight.clone(), peak.clone());
            tokio::spawn(async move {
                let mut raw = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n");
                    if let Some(end) = head_end {
                        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if raw.len() >= end + 4 + len {
                            let name = head
                                .lines()
                                .find_map(|l| l.strip_prefix("image-filename:"))
                                .map(|v| v.trim().to_string())
                                .unwrap_or_default();
                            raw.drain(..end + 4 + len);
                            let now = flight.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(150)).await;
                            flight.fetch_sub(1, Ordering::SeqCst);
                            let (status, body) = if name == "bad.png" {
                                (
                                    "400 Bad Request",
                                    r#"{"error":{"code":"Bad","message":"no"}}"#.to_string(),
                                )
                            } else {
                                ("201 Created", format!(r#"{{"id":"id-{name}"}}"#))
                            };
                            let response = format!(
                                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                                body.len()
                            );
                            if stream.write_all(response.as_bytes()).await.is_err() {
                                return;
                            }
                            continue;
                        }
                    }
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => raw.extend_from_slice(&buf[..n]),
                    }
                }
            });
        }
    });
    (url, in_flight, most)
}

#[tokio::test]
async fn upload_many_bounds_concurrency_keeps_order_and_survives_a_failure() {
    let (url, in_flight, most) = server().await;
    let acs = AcsChatClient::new(&url, Credential::bearer("t"))
        .expect("client")
        .with_retry(RetryPolicy::none());
    let names = [
        "f0.png", "f1.png", "bad.png", "f3.png", "f4.png", "f5.png", "f6.png",
    ];
    let sources: Vec<UploadSource> = names
        .iter()
        .map(|n| UploadSource::from_bytes(common::PNG_1X1.to_vec(), *n))
        .collect();
    let results = tokio::time::timeout(
        Duration::from_secs(30),
        acs.upload_many("19:t@thread.v2", &sources, 3),
    )
    .await
    .expect("bounded");
    assert_eq!(results.len(), names.len());
    for (name, result) in names.iter().zip(&results) {
        match result {
            Ok(image) => assert_eq!(image.id, format!("id-{name}")),
            Err(error) => {
                assert_eq!(*name, "bad.png");
                assert_eq!(error.status(), Some(400), "{error}");
            }
        }
    }
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
    assert_eq!(
        most.load(Ordering::SeqCst),
        3,
        "three at a time, never more"
    );
    assert_eq!(in_flight.load(Ordering::SeqCst), 0);

    // Concurrency 0 counts as 1.
    most.store(0, Ordering::SeqCst);
    let results = acs.upload_many("19:t@thread.v2", &sources[..3], 0).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
    assert_eq!(most.load(Ordering::SeqCst), 1);
}
