//! Chaos mode and the rate limit: the same seed draws the same faults for the same requests
//! and another seed others; probability 1 faults every request and 0 none; a reset after
//! storage kept the upload; a token bucket of N refuses exactly what goes beyond it, with both
//! `retry-after-ms` and `Retry-After`; and the CLI's `--chaos`, `--seed` and `--rate-limit`.

mod cli;

use std::time::Duration;

use serde_json::{Value, json};
use upload_clients::policy::RetryPolicy;
use upload_clients::{MaiAgentClient, UploadSource, auth::Credential};
use upload_clients_emulator::{Emulator, EmulatorError};

/// An HTTP client that gives up on a stalled request.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// One RBM `createFile` (a small JSON request): its status and headers, or `None` when the
/// connection was dropped.
async fn create(http: &reqwest::Client, base: &str) -> Option<(u16, reqwest::header::HeaderMap)> {
    let response = http
        .post(format!("{base}/v1/files"))
        .bearer_auth("t")
        .json(&json!({"agentId": "a", "fileUrl": "https://example.com/a.png"}))
        .send()
        .await
        .ok()?;
    let answer = (response.status().as_u16(), response.headers().clone());
    response.bytes().await.ok()?;
    Some(answer)
}

/// `n` requests one after another to a chaos emulator; the fault each one's record shows.
async fn faults_of(probability: f64, seed: u64, n: usize) -> Vec<Option<String>> {
    let emu = Emulator::builder()
        .chaos(probability, seed)
        .stall_for(Duration::from_millis(50))
        .start()
        .await
        .expect("start");
    let http = http();
    for _ in 0..n {
        create(&http, &emu.base_url()).await;
    }
    let faults: Vec<_> = emu.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults.len(), n, "{faults:?}");
    faults
}

#[tokio::test]
async fn the_same_seed_draws_the_same_faults_for_the_same_requests() {
    let first = faults_of(0.5, 42, 24).await;
    assert_eq!(first, faults_of(0.5, 42, 24).await);
    assert_ne!(first, faults_of(0.5, 43, 24).await);
    let faulted = first.iter().flatten().count();
    assert!((4..=20).contains(&faulted), "{faulted} of 24: {first:?}");
}

#[tokio::test]
async fn one_faults_every_request_and_zero_none() {
    let emu = Emulator::builder()
        .chaos(1.0, 7)
        .stall_for(Duration::from_millis(50))
        .start()
        .await
        .expect("start");
    let (http, base) = (http(), emu.base_url());
    let mut answers = Vec::new();
    for _ in 0..30 {
        answers.push(create(&http, &base).await);
    }
    let requests = emu.requests();
    assert_eq!(requests.len(), 30);
    for (record, answer) in requests.iter().zip(&answers) {
        let fault = record.fault.as_deref().expect("a fault on every request");
        let status = answer.as_ref().map(|(status, _)| *status);
        let header = |name: &str| {
            let (_, headers) = answer.as_ref()?;
            Some(headers.get(name)?.to_str().ok()?.to_owned())
        };
        match fault {
            "503,retry-after=1" => {
                assert_eq!(
                    (status, header("retry-after")),
                    (Some(503), Some("1".into()))
                );
            }
            "429,retry-after-ms=200,retry-after=1" => {
                assert_eq!(status, Some(429));
                assert_eq!(header("retry-after-ms").as_deref(), Some("200"));
                assert_eq!(header("retry-after").as_deref(), Some("1"));
            }
            "reset" | "stall" => assert_eq!((status, record.created.as_ref()), (None, None)),
            "reset-after" => {
                assert_eq!(status, None, "the answer is lost");
                assert!(record.answer_lost(), "{record:?}");
            }
            other => panic!("chaos drew {other}"),
        }
    }
    let mut kinds: Vec<_> = requests.iter().filter_map(|r| r.fault.clone()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 5, "every kind in 30 draws: {kinds:?}");

    // A fault set explicitly goes first; storage.get and the emulator's own routes get none.
    emu.clear_requests();
    emu.fail_next(
        "rbm.createFile".parse().expect("route"),
        "slow=10ms".parse().expect("fault"),
        1,
    );
    assert_eq!(create(&http, &base).await.map(|(s, _)| s), Some(200));
    let missing = http
        .get(format!("{base}/s3/maiagent-uploads/nothing"))
        .send()
        .await
        .expect("storage.get");
    assert_eq!(missing.status(), 404);
    let listed: Value = http
        .get(format!("{base}/_emulator/requests"))
        .send()
        .await
        .expect("requests")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed[0]["fault"], "slow=10ms", "{listed:#}");
    assert_eq!(listed[1]["route"], "storage.get");
    assert_eq!(listed[1]["fault"], Value::Null);

    let calm = faults_of(0.0, 7, 10).await;
    assert!(calm.iter().all(Option::is_none), "{calm:?}");
}

#[tokio::test]
async fn a_reset_after_storage_kept_the_file_loses_its_answer() {
    let emu = Emulator::start().await.expect("start");
    emu.fail_next(
        "storage.post".parse().expect("route"),
        "reset-after".parse().expect("fault"),
        1,
    );
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&format!("{}/api", emu.base_url()))
        .expect("base")
        .with_retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        });
    let source = UploadSource::from_bytes(b"# kept, unanswered".to_vec(), "notes.md");
    mai.upload_presigned(&source, None)
        .await
        .expect_err("storage's answer was lost");
    let requests = emu.requests();
    let routes: Vec<_> = requests.iter().map(|r| r.route.as_deref()).collect();
    assert_eq!(
        routes,
        [
            Some("maiagent.createUploadPresignedUrl"),
            Some("storage.post")
        ],
        "nothing registered after the lost answer"
    );
    let post = &requests[1];
    assert_eq!(
        (post.status, post.fault.as_deref()),
        (0, Some("reset-after"))
    );
    let key = post.created.as_deref().expect("the object storage kept");
    assert!(
        key.starts_with("s3/maiagent-uploads/media/chat/attachment/"),
        "{key}"
    );
    assert!(key.ends_with("/notes.md"), "{key}");
    let kept = emu.object(key).await.expect("read");
    assert_eq!(kept.as_deref(), Some(&b"# kept, unanswered"[..]));
}

#[tokio::test]
async fn settings_out_of_range_are_refused_at_start() {
    for bad in [1.5, -0.1, f64::NAN] {
        let error = Emulator::builder()
            .chaos(bad, 0)
            .start()
            .await
            .expect_err("refused");
        assert!(
            matches!(error, EmulatorError::ChaosProbability { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("from 0 to 1"), "{error}");
    }
    let error = Emulator::builder()
        .rate_limit(0)
        .start()
        .await
        .expect_err("refused");
    assert!(matches!(error, EmulatorError::ZeroRateLimit), "{error}");
}

#[tokio::test]
async fn the_rate_limit_refuses_what_goes_beyond_n_per_second() {
    let emu = Emulator::builder()
        .rate_limit(2)
        .start()
        .await
        .expect("start");
    let (http, base) = (http(), emu.base_url());
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(create(&http, &base).await.expect("answered"));
    }
    // Storage shares the bucket, and refuses as S3 does.
    let storage = http
        .post(format!("{base}/s3/maiagent-uploads"))
        .send()
        .await
        .expect("storage");
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [200, 200, 429, 429, 429]);
    let mut waits = Vec::new();
    for (_, headers) in &answers[2..] {
        let ms: u64 = headers["retry-after-ms"]
            .to_str()
            .expect("text")
            .parse()
            .expect("a number of ms");
        assert!((1..=500).contains(&ms), "{ms} ms at 2 per second");
        assert_eq!(headers["retry-after"], "1", "{ms} ms rounded up");
        waits.push(ms);
    }
    assert!(waits.is_sorted_by(|a, b| a >= b), "{waits:?}");
    assert_eq!(storage.status(), 503);
    assert!(storage.headers().contains_key("retry-after-ms"));
    assert_eq!(storage.headers()["retry-after"], "1");
    assert!(
        storage
            .text()
            .await
            .expect("XML")
            .contains("<Code>SlowDown</Code>")
    );
    let refused = http
        .post(format!("{base}/v1/files"))
        .bearer_auth("t")
        .json(&json!({"agentId": "a", "fileUrl": "https://example.com/a.png"}))
        .send()
        .await
        .expect("send");
    let wait = refused.headers()["retry-after-ms"]
        .to_str()
        .expect("text")
        .parse()
        .expect("ms");
    let body: Value = refused.json().await.expect("Google's error body");
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED", "{body}");
    assert_eq!(body["error"]["code"], 429, "{body}");

    // After the wait it says, a token is there.
    tokio::time::sleep(Duration::from_millis(wait)).await;
    assert_eq!(create(&http, &base).await.map(|(s, _)| s), Some(200));
    let recorded: Vec<(u16, Option<String>)> = emu
        .requests()
        .into_iter()
        .map(|r| (r.status, r.fault))
        .collect();
    let expected = [200, 200, 429, 429, 429, 503, 429, 200].map(|s| (s, None));
    assert_eq!(recorded, expected);
}
