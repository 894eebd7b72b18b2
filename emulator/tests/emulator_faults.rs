//! Faults on demand, each kind: an error status with each form of `Retry-After`, a reset in
//! the middle of the body, a reset after the upload was stored, a server that stops reading, a
//! slow answer and a huge body; set from the Rust handle and over HTTP. The clients' answers to
//! them are the checks. Chaos mode and the rate limit are in `cli/tests/emulator_chaos/`.

use std::time::{Duration, Instant};

use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::policy::Timeouts;
use upload_clients::{Limits, RbmClient, UploadSource};
use upload_clients_emulator::{Emulator, Fault, RetryAfter};

fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(3),
        deadline: Some(Duration::from_secs(30)),
    }
}

fn rbm(emu: &Emulator, attempts: u32) -> RbmClient {
    RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(&emu.base_url())
        .expect("endpoint")
        .with_retry(fast_retry(attempts))
        .with_limits(Limits::none())
}

fn png_bytes(len: usize) -> Vec<u8> {
    let mut data = vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ];
    data.resize(len, 7);
    data
}

fn png(len: usize) -> UploadSource {
    UploadSource::from_bytes(png_bytes(len), "big.png")
}

fn statuses(emu: &Emulator) -> Vec<u16> {
    emu.requests().iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn each_retry_after_form_is_sent_and_honoured() {
    let emu = Emulator::start().await.expect("start");
    let route = || "rbm.uploadFile".parse().expect("route");
    let http = reqwest::Client::new();
    for (fault, header, check) in [
        (
            "503,retry-after=2",
            "retry-after",
            Box::new(|v: &str| v == "2") as Box<dyn Fn(&str) -> bool>,
        ),
        (
            "429,retry-after-ms=250",
            "retry-after-ms",
            Box::new(|v: &str| v == "250"),
        ),
        (
            "503,retry-after-date=3",
            "retry-after",
            Box::new(|v: &str| httpdate::parse_http_date(v).is_ok()),
        ),
    ] {
        emu.fail_next(route(), fault.parse().expect("fault"), 1);
        let response = http
            .post(format!("{}/upload/v1/files?agentId=a", emu.base_url()))
            .bearer_auth("t")
            .header("content-type", "image/png")
            .body(vec![1, 2, 3])
            .send()
            .await
            .expect("send");
        let value = response
            .headers()
            .get(header)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        assert!(value.as_deref().is_some_and(&*check), "{fault}: {value:?}");
        let body: serde_json::Value = response.json().await.expect("Google's error body");
        assert!(body["error"]["status"].is_string(), "{body}");
    }

    // The client waits as told and succeeds on the next attempt.
    emu.clear_requests();
    emu.fail_next(
        route(),
        Fault::Status {
            status: 503,
            retry_after: Some(RetryAfter::Millis(300)),
        },
        1,
    );
    let started = Instant::now();
    let file = rbm(&emu, 3)
        .upload_file("a", &png(100), None)
        .await
        .expect("upload");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(file.name.starts_with("files/"));
    assert_eq!(statuses(&emu), [503, 200]);
}

#[tokio::test]
async fn a_reset_in_the_middle_of_the_body_is_retried() {
    let emu = Emulator::start().await.expect("start");
    emu.fail_next("rbm.uploadFile".parse().expect("route"), Fault::Reset, 1);
    let source = png(8 << 20);
    rbm(&emu, 3)
        .upload_file("a", &source, None)
        .await
        .expect("upload after a reset");
    let requests = emu.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(requests[0].status, 0, "the first connection was dropped");
    assert!(
        requests[0].body_bytes < 8 << 20,
        "{}",
        requests[0].body_bytes
    );
    assert_eq!((requests[1].status, requests[1].body_bytes), (200, 8 << 20));
}

#[tokio::test]
async fn a_reset_after_the_upload_was_stored_loses_only_the_answer() {
    let emu = Emulator::start().await.expect("start");
    let route = || "rbm.uploadFile".parse().expect("route");
    emu.fail_next(route(), "reset-after".parse().expect("fault"), 1);
    let error = rbm(&emu, 1)
        .upload_file("a", &png(4096), None)
        .await
        .expect_err("the answer was lost");
    assert!(error.status().is_none(), "no answer, no status: {error}");
    let requests = emu.requests();
    let [lost] = requests.as_slice() else {
        panic!("{requests:#?}")
    };
    assert_eq!(lost.fault.as_deref(), Some("reset-after"));
    assert_eq!(
        (lost.status, lost.body_bytes),
        (0, 4096),
        "read whole, unanswered"
    );
    assert!(lost.answer_lost());
    // The service kept it: the file exists, with the bytes sent.
    let name = lost.created.clone().expect("the file it created");
    assert!(name.starts_with("files/"), "{name}");
    let kept = emu.object(&name).await.expect("read");
    assert_eq!(kept, Some(png_bytes(4096)));

    // A client that retries sends it again: the service holds it from both attempts (RBM names
    // the same content the same), and the records count it.
    emu.fail_next(route(), Fault::ResetAfterStore, 1);
    let file = rbm(&emu, 2)
        .upload_file("a", &png(4096), None)
        .await
        .expect("the retry is answered");
    assert_eq!(file.name, name);
    let requests = emu.requests();
    let uploads: Vec<_> = requests
        .iter()
        .filter(|r| r.route.as_deref() == Some("rbm.uploadFile"))
        .collect();
    let created = uploads.iter().filter(|r| r.created.is_some()).count();
    let lost = uploads.iter().filter(|r| r.answer_lost()).count();
    assert_eq!((uploads.len(), created, lost), (3, 3, 2), "{requests:#?}");
    assert_eq!(statuses(&emu), [0, 0, 200]);
}

#[tokio::test]
async fn a_server_that_stops_reading_meets_the_stall_timeout() {
    let emu = Emulator::builder()
        .stall_for(Duration::from_secs(3))
        .start()
        .await
        .expect("start");
    emu.fail_next("rbm.uploadFile".parse().expect("route"), Fault::Stall, 1);
    let client = rbm(&emu, 2)
        .with_timeouts(Timeouts::default().with_stall(Some(Duration::from_millis(700))));
    client
        .upload_file("a", &png(16 << 20), None)
        .await
        .expect("the second attempt succeeds");
    // The stalled request is in the record at once, as dropped (status 0), the retry after it.
    let requests = emu.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [0, 200],
        "{requests:#?}"
    );
    assert!(requests[0].body_bytes < 16 << 20);
    let without_retry = rbm(&emu, 1)
        .with_timeouts(Timeouts::default().with_stall(Some(Duration::from_millis(700))));
    emu.fail_next("rbm.uploadFile".parse().expect("route"), Fault::Stall, 1);
    let error = without_retry
        .upload_file("a", &png(1000), None)
        .await
        .expect_err("stalled");
    assert!(error.to_string().contains("progress"), "{error}");
}

#[tokio::test]
async fn a_slow_answer_comes_late() {
    let emu = Emulator::start().await.expect("start");
    emu.fail_next(
        "rbm.uploadFile".parse().expect("route"),
        "slow=400ms".parse().expect("fault"),
        1,
    );
    let started = Instant::now();
    rbm(&emu, 1)
        .upload_file("a", &png(100), None)
        .await
        .expect("upload");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(statuses(&emu), [200]);
}

#[tokio::test]
async fn a_huge_answer_is_refused_without_reading_it_all() {
    let emu = Emulator::start().await.expect("start");
    emu.fail_next(
        "rbm.uploadFile".parse().expect("route"),
        "huge=256MiB".parse().expect("fault"),
        1,
    );
    let error = rbm(&emu, 1)
        .upload_file("a", &png(100), None)
        .await
        .expect_err("huge answer");
    let message = error.to_string();
    assert!(
        message.contains("larger than 1048576 bytes and was not read further"),
        "{message}"
    );
}

#[tokio::test]
async fn faults_are_set_over_http_and_counted_down() {
    let emu = Emulator::start().await.expect("start");
    let http = reqwest::Client::new();
    let set = |rule: &str| {
        http.post(format!("{}/_emulator/faults", emu.base_url()))
            .body(rule.to_owned())
            .send()
    };
    assert_eq!(
        set("rbm.createFile=429,retry-after=1,times=2")
            .await
            .expect("set")
            .status(),
        204
    );
    let refused = set("rbm.nothing=503").await.expect("set");
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("text")
            .contains("rbm.createFile")
    );
    let create = || {
        http.post(format!("{}/v1/files", emu.base_url()))
            .bearer_auth("t")
            .json(&serde_json::json!({"agentId": "a", "fileUrl": "https://example.com/a.png"}))
            .send()
    };
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(create().await.expect("send").status().as_u16());
    }
    assert_eq!(seen, [429, 429, 200]);
}
