//! The emulator: the CLI's own commands complete every upload flow against `upload-clients
//! emulator`; every spec check answers with its vendor's error shape (checked against the spec's
//! own error schema); answers look like the vendors'; faults and inspection work.
//! Storage's POST policy checks are in `emulator/tests/emulator_storage.rs`, faults in
//! `emulator/tests/emulator_faults.rs`; Prism's agreement is in `cli/tests/prism.rs`.

use crate::common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use upload_clients::{Limits, UploadSource};
use upload_clients_emulator::{ApiId, Emulator};

use crate::cli_command;
use common::{PNG_1X1, THREAD, write};

/// The ACS path of the sample thread, percent-encoded as clients send it.
const ACS_PATH: &str = "/chat/threads/19%3A34adfa4f-cedf-4dc0-ba29-b6d1a69ab345%40thread.v2/images";

/// An emulator process, stopped with SIGINT (its Ctrl-C) by PID when dropped.
struct EmulatorProcess {
    child: Child,
    base_url: String,
}

impl EmulatorProcess {
    fn start(extra: &[&str]) -> Self {
        let mut child = cli_command()
            .args(["emulator", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("first line");
        let base_url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        Self { child, base_url }
    }

    /// Stops it with SIGINT and returns its exit code.
    fn stop(mut self) -> Option<i32> {
        interrupt(&self.child);
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

fn interrupt(child: &Child) {
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_cli(args: &[&str]) -> std::process::Output {
    cli_command()
        .args(args)
        .args(["--no-progress"])
        .output()
        .expect("run the CLI")
}

/// The CLI's commands for every upload flow against the emulator at `base` (MaiAgent's under
/// `api` and `api_v1`), sending `png` and `notes`, in the order of [`EXPECTED_ROUTES`].
fn upload_flows<'a>(
    base: &'a str,
    api: &'a str,
    api_v1: &'a str,
    png: &'a str,
    notes: &'a str,
) -> Vec<Vec<&'a str>> {
    vec![
        vec![
            "acs-chat",
            "upload-image",
            png,
            "--endpoint",
            base,
            "--thread-id",
            THREAD,
            "--token",
            "acs",
        ],
        vec![
            "rbm",
            "upload",
            png,
            "--agent-id",
            "agent-1",
            "--endpoint",
            base,
            "--token",
            "rbm",
        ],
        vec![
            "rbm",
            "upload-url",
            "--file-url",
            "https://example.com/cat.jpg",
            "--agent-id",
            "agent-1",
            "--endpoint",
            base,
            "--token",
            "rbm",
        ],
        vec![
            "agents",
            "upload",
            notes,
            "--purpose",
            "assistants",
            "--wait",
            "--endpoint",
            base,
            "--token",
            "entra",
        ],
        vec![
            "maiagent",
            "upload",
            notes,
            "--presigned",
            "--endpoint",
            api,
            "--token",
            "key",
        ],
        vec![
            "maiagent",
            "upload",
            notes,
            "--endpoint",
            api,
            "--token",
            "key",
        ],
        vec![
            "maiagent",
            "upload",
            notes,
            "--attachments",
            "--endpoint",
            api_v1,
            "--token",
            "key",
        ],
    ]
}

/// The routes the emulator records for [`upload_flows`] (polls of `--wait` left out), with
/// their statuses: the first RBM upload meets the fault, and is retried.
const EXPECTED_ROUTES: [(&str, u64); 10] = [
    ("acs-chat.uploadChatImage", 201),
    ("rbm.uploadFile", 503),
    ("rbm.uploadFile", 200),
    ("rbm.createFile", 200),
    ("ai-agents.uploadFile", 200),
    ("maiagent.createUploadPresignedUrl", 200),
    ("storage.post", 204),
    ("maiagent.createAttachment", 201),
    ("maiagent.createAttachmentUpload", 201),
    ("maiagent.createAttachment", 201),
];

/// What the emulator at `base` recorded, from its `/_emulator/requests`.
fn recorded_requests(base: &str) -> Value {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime
        .block_on(async {
            reqwest::get(format!("{base}/_emulator/requests"))
                .await?
                .json()
                .await
        })
        .expect("requests")
}

/// Checks the record of [`upload_flows`]: the routes and statuses expected, `--wait`'s polls
/// until processed, and no credential anywhere.
fn the_record_has_every_flow_and_no_credential(requests: &Value) {
    let seen: Vec<(String, u64)> = requests
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["route"].as_str().unwrap_or("").to_owned(),
                r["status"].as_u64().unwrap_or(0),
            )
        })
        .filter(|(route, _)| route != "ai-agents.getFile")
        .collect();
    let expected: Vec<(String, u64)> = EXPECTED_ROUTES
        .iter()
        .map(|(r, s)| (r.to_string(), *s))
        .collect();
    assert_eq!(seen, expected);
    // --wait polled until processed.
    let polls = requests
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["route"] == "ai-agents.getFile" && r["status"] == 200)
        .count();
    assert!(polls >= 1, "{requests:#}");
    // No credential in the record.
    let text = requests.to_string();
    for secret in ["Bearer acs", "Bearer rbm", "Bearer entra", "Api-Key key\""] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[test]
fn cli_completes_every_upload_flow_against_the_emulator_process() {
    // The first RBM upload meets a 503 with Retry-After: the CLI retries it.
    let emu = EmulatorProcess::start(&[
        "--processing-ms",
        "300",
        "--fault",
        "rbm.uploadFile=503,retry-after=1",
    ]);
    let base = emu.base_url.clone();
    let api = format!("{base}/api");
    let api_v1 = format!("{base}/api/v1");
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "고양이.png", PNG_1X1);
    let notes = write(dir.path(), "議事録.md", "# 議事録\n".as_bytes());
    let (png, notes) = (png.to_str().expect("utf-8"), notes.to_str().expect("utf-8"));
    let flows = upload_flows(&base, &api, &api_v1, png, notes);
    for flow in &flows {
        let output = run_cli(flow);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{flow:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    the_record_has_every_flow_and_no_credential(&recorded_requests(&base));
    assert_eq!(emu.stop(), Some(0), "the emulator exits 0 on Ctrl-C");
}

/// Sends a raw request and returns the status and JSON body.
async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("send");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Checks that `body` is what the spec says the operation answers with `status`.
#[track_caller]
fn conforms(method: &str, path: &str, status: StatusCode, body: &Value) {
    if let Err(v) = upload_clients_emulator::check_answer(method, path, status.as_u16(), body) {
        panic!("{method} {path} {status}: {body}: {v}");
    }
}

/// Asserts that nothing was stored: every request `emu` saw was refused.
#[track_caller]
fn nothing_was_stored(emu: &Emulator) {
    assert!(
        emu.requests().iter().all(|r| r.status >= 400),
        "{:#?}",
        emu.requests()
    );
}

/// The text of a JSON string, or "" for anything else.
fn text_of(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

#[tokio::test]
async fn the_credential_scheme_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}{ACS_PATH}?api-version=2024-03-15-preview"))
            .header("content-type", "application/octet-stream")
            .body(PNG_1X1),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "Unauthorized", "{body}");
    conforms("POST", ACS_PATH, status, &body);
    let (status, body) = send(
        http.post(format!("{base}/api/attachments/"))
            .header("authorization", "Bearer k")
            .json(&json!({"filename": "a.md", "file": "x"})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(text_of(&body["detail"]).contains("Api-Key"), "{body}");
    conforms("POST", "/api/attachments/", status, &body);
    nothing_was_stored(&emu);
}

/// A required parameter, and its value.
#[tokio::test]
async fn the_parameter_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}{ACS_PATH}?api-version=2023-11-07"))
            .bearer_auth("t")
            .header("content-type", "application/octet-stream")
            .body(PNG_1X1),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text_of(&body["error"]["message"]).contains("api-version"),
        "{body}"
    );
    let (status, body) = send(
        http.post(format!("{base}/upload/v1/files"))
            .bearer_auth("t")
            .header("content-type", "image/png")
            .body(PNG_1X1),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT", "{body}");
    assert!(
        text_of(&body["error"]["message"]).contains("agentId"),
        "{body}"
    );
    conforms("POST", "/upload/v1/files", status, &body);
    nothing_was_stored(&emu);
}

#[tokio::test]
async fn the_content_type_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}/upload/v1/files?agentId=a"))
            .bearer_auth("t")
            .header("content-type", "text/plain")
            .body("hello"),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["code"], 415, "{body}");
    let (status, body) = send(
        http.post(format!("{base}/files?api-version=v1"))
            .bearer_auth("t")
            .json(&json!({"purpose": "assistants"})),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["code"], "UnsupportedMediaType", "{body}");
    conforms("POST", "/files", status, &body);
    nothing_was_stored(&emu);
}

/// Multipart part names, and a file part that must be a file, not a text part.
#[tokio::test]
async fn the_multipart_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hi".to_vec()).file_name("a.md"),
    );
    let (status, body) = send(
        http.post(format!("{base}/files?api-version=v1"))
            .bearer_auth("t")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "purpose", "{body}");
    conforms("POST", "/files", status, &body);

    let form = reqwest::multipart::Form::new()
        .text("purpose", "assistants")
        .text("file", "not a file");
    let (status, body) = send(
        http.post(format!("{base}/files?api-version=v1"))
            .bearer_auth("t")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "file", "{body}");
    nothing_was_stored(&emu);
}

/// JSON bodies against their schemas.
#[tokio::test]
async fn the_json_body_check_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let (status, body) = send(
        http.post(format!("{base}/api/upload-presigned-url/"))
            .header("authorization", "Api-Key k")
            .json(&json!({"fileSize": "12"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text_of(&body["fileSize"][0]).contains("integer"), "{body}");
    conforms("POST", "/api/upload-presigned-url/", status, &body);
    let (status, body) = send(
        http.post(format!("{base}/v1/files"))
            .bearer_auth("t")
            .json(&json!({"agentId": "a", "fileUrl": "not a url"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text_of(&body["error"]["message"]).contains("fileUrl"),
        "{body}"
    );
    nothing_was_stored(&emu);
}

/// A registration of a file storage does not hold.
#[tokio::test]
async fn the_storage_check_of_a_registration_answers_with_its_vendors_error_shape() {
    let emu = Emulator::start().await.expect("start");
    let (status, body) = send(
        reqwest::Client::new()
            .post(format!("{}/api/attachments/", emu.base_url()))
            .header("authorization", "Api-Key k")
            .json(&json!({"filename": "a.md", "file": "media/none.md"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text_of(&body["file"][0]).contains("not in storage"),
        "{body}"
    );
    nothing_was_stored(&emu);
}

#[tokio::test]
async fn the_limits_the_clients_enforce_and_the_configured_credential() {
    let emu = Emulator::builder()
        .credential("the-token")
        .limits(
            ApiId::AcsChat,
            Limits::new(["image/png"], ["png"], Some(1024)),
        )
        .start()
        .await
        .expect("start");
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let acs = format!("{base}{ACS_PATH}?api-version=2024-03-15-preview");
    let post = |body: Vec<u8>, token: &str| {
        http.post(&acs)
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body)
    };
    let (status, body) = send(post(PNG_1X1.to_vec(), "another-token")).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.to_string().contains("another-token"));
    let mut big = PNG_1X1.to_vec();
    big.resize(4096, 0);
    let (status, body) = send(post(big, "the-token")).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "RequestEntityTooLarge");
    // Far larger than the socket buffers: still a clean answer, not a reset.
    let mut huge = PNG_1X1.to_vec();
    huge.resize(16 << 20, 0);
    let (status, body) = send(post(huge, "the-token")).await;
    assert_eq!(status, 413, "{body}");
    let (status, body) = send(post(b"GIF89a not really".to_vec(), "the-token")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = send(post(PNG_1X1.to_vec(), "the-token")).await;
    assert_eq!(status, 201);

    // MaiAgent: the extensions and types its client accepts.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"MZ".to_vec())
            .file_name("tool.exe")
            .mime_str("application/octet-stream")
            .expect("mime"),
    );
    let (status, body) = send(
        http.post(format!("{base}/api/attachments-upload/"))
            .header("authorization", "Api-Key the-token")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["file"][0]
            .as_str()
            .unwrap_or("")
            .contains("Unsupported file type"),
        "{body}"
    );
}

/// The emulator of the answers-look-like-the-vendors tests: AI Agents' files take 900 ms to
/// process.
async fn vendor_like_emulator() -> Emulator {
    Emulator::builder()
        .processing_time(Duration::from_millis(900))
        .start()
        .await
        .expect("start")
}

/// ACS: 201, a relative Location, inlineImage, the name decoded.
#[tokio::test]
async fn acs_answers_like_acs_and_matches_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}{ACS_PATH}?api-version=2024-03-15-preview"))
        .bearer_auth("t")
        .header("content-type", "application/octet-stream")
        .header("image-filename", "%E7%8C%AB.png")
        .body(PNG_1X1)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["attachmentType"], "inlineImage");
    assert_eq!(body["name"], "猫.png");
    let id = body["id"].as_str().expect("id");
    assert_eq!(
        location,
        format!("/chat/threads/19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2/images/{id}")
    );
    conforms("POST", ACS_PATH, StatusCode::CREATED, &body);
    assert_eq!(
        emu.object(id).await.expect("read").as_deref(),
        Some(PNG_1X1)
    );
}

/// RBM: the same content for the same agent is the same name; another agent another.
#[tokio::test]
async fn rbm_answers_like_rbm_and_matches_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let mut names = Vec::new();
    for agent in ["a", "a", "b"] {
        let (status, body) = send(
            http.post(format!("{base}/upload/v1/files?agentId={agent}"))
                .bearer_auth("t")
                .header("content-type", "image/png")
                .body(PNG_1X1),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        conforms("POST", "/upload/v1/files", status, &body);
        names.push(body["name"].as_str().expect("name").to_owned());
    }
    assert!(names[0].starts_with("files/"));
    assert_eq!(names[0], names[1]);
    assert_ne!(names[0], names[2]);
}

/// AI Agents: uploaded → pending → running → processed, with the time configured.
#[tokio::test]
async fn ai_agents_answers_like_ai_agents_and_match_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let agents =
        upload_clients::AiAgentsClient::new(&base, upload_clients::auth::Credential::bearer("t"))
            .expect("client");
    let info = agents
        .upload(
            &UploadSource::from_bytes(b"notes".to_vec(), "notes.md"),
            "assistants".into(),
        )
        .await
        .expect("upload");
    let mut states = vec![info.status.map(|s| s.to_string()).unwrap_or_default()];
    for _ in 0..100 {
        let (status, body) = send(
            http.get(format!("{base}/files/{}?api-version=v1", info.id))
                .bearer_auth("t"),
        )
        .await;
        conforms("GET", &format!("/files/{}", info.id), status, &body);
        let state = body["status"].as_str().unwrap_or_default().to_owned();
        if states.last() != Some(&state) {
            states.push(state.clone());
        }
        if state == "processed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(states, ["uploaded", "pending", "running", "processed"]);
    let (status, body) = send(
        http.get(format!("{base}/files/assistant-none?api-version=v1"))
            .bearer_auth("t"),
    )
    .await;
    assert_eq!(status, 404);
    conforms("GET", "/files/assistant-none", status, &body);
}

/// MaiAgent: a presigned POST with the fields in the order a client must send them.
#[tokio::test]
async fn maiagent_answers_like_maiagent_and_matches_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/api/upload-presigned-url/"))
        .header("authorization", "Api-Key k")
        .json(&json!({"fileSize": 5, "filename": "a.md"}))
        .send()
        .await
        .expect("send");
    let text = response.text().await.expect("body");
    let order: Vec<usize> = [
        "\"key\"",
        "\"x-amz-algorithm\"",
        "\"x-amz-credential\"",
        "\"x-amz-date\"",
        "\"policy\"",
        "\"x-amz-signature\"",
    ]
    .iter()
    .map(|field| {
        text.find(field)
            .unwrap_or_else(|| panic!("{field} in {text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    conforms("POST", "/api/upload-presigned-url/", StatusCode::OK, &body);
}

#[tokio::test]
async fn a_file_that_fails_processing_ends_in_error_with_details() {
    let emu = Emulator::builder()
        .processing_time(Duration::ZERO)
        .processing_error("The file could not be parsed.")
        .start()
        .await
        .expect("start");
    let agents = upload_clients::AiAgentsClient::new(
        &emu.base_url(),
        upload_clients::auth::Credential::bearer("t"),
    )
    .expect("client");
    let error = agents
        .upload_and_wait(
            &UploadSource::from_bytes(b"x".to_vec(), "a.pdf"),
            "assistants".into(),
            Default::default(),
        )
        .await
        .expect_err("processing failed");
    assert!(
        error.to_string().contains("The file could not be parsed."),
        "{error}"
    );
}

#[tokio::test]
async fn requests_are_recorded_as_sent_without_credentials() {
    use sha2::Digest as _;
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let agents = upload_clients::AiAgentsClient::new(
        &base,
        upload_clients::auth::Credential::bearer("s3cr3t-token"),
    )
    .expect("client");
    let data = b"# \xe8\xad\xb0\xe4\xba\x8b\xe9\x8c\xb2\n".to_vec();
    agents
        .upload(
            &UploadSource::from_bytes(data.clone(), "회의 \"메모\".md"),
            "assistants".into(),
        )
        .await
        .expect("upload");
    let rbm =
        upload_clients::RbmClient::new(upload_clients::auth::Credential::bearer("s3cr3t-token"))
            .expect("client")
            .with_base_url(&base)
            .expect("endpoint");
    rbm.upload_file(
        "agent",
        &UploadSource::from_bytes(PNG_1X1.to_vec(), "a.png"),
        None,
    )
    .await
    .expect("upload");

    let recorded = emu.requests();
    let [upload, binary] = recorded.as_slice() else {
        panic!("{recorded:#?}")
    };
    assert_eq!(upload.route.as_deref(), Some("ai-agents.uploadFile"));
    let parts: Vec<(&str, Option<&str>, u64)> = upload
        .parts
        .iter()
        .map(|p| (p.name.as_str(), p.filename.as_deref(), p.bytes))
        .collect();
    assert_eq!(
        parts,
        [
            ("purpose", None, 10),
            ("filename", None, "회의 \"메모\".md".len() as u64),
            ("file", Some("회의 %22메모%22.md"), data.len() as u64)
        ]
    );
    assert_eq!(binary.body_bytes, PNG_1X1.len() as u64);
    assert_eq!(
        binary.body_sha256,
        format!("{:x}", sha2::Sha256::digest(PNG_1X1))
    );
    assert!(
        binary
            .headers
            .contains(&("authorization".into(), "Bearer <redacted>".into()))
    );

    let over_http = reqwest::get(format!("{base}/_emulator/requests"))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(!over_http.contains("s3cr3t"), "{over_http}");
    let listed: Value = serde_json::from_str(&over_http).expect("JSON");
    assert_eq!(listed[0]["parts"][2]["filename"], "회의 %22메모%22.md");
    assert_eq!(listed[1]["body_sha256"], binary.body_sha256);
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

/// ACS's API versions through the library client: the default is the page's; the others
/// `specs/acs-chat.yaml` lists (the generally available `2025-03-15`, and `2024-06-05-preview`,
/// which Microsoft's JavaScript SDK sends by default) are accepted and sent as chosen; a version
/// the spec does not list is still refused, naming the versions it lists.
#[tokio::test]
async fn acs_chat_takes_the_api_versions_its_spec_lists() {
    use upload_clients::{AcsChatClient, Error, auth::Credential, policy::RetryPolicy};
    let emu = Emulator::start().await.expect("start");
    let client = |version: Option<&str>| {
        let acs = AcsChatClient::new(&emu.base_url(), Credential::bearer("t"))
            .expect("client")
            .with_retry(RetryPolicy::none());
        match version {
            Some(version) => acs.with_api_version(version),
            None => acs,
        }
    };
    let png = UploadSource::from_bytes(PNG_1X1.to_vec(), "cat.png");
    assert_eq!(
        upload_clients::acs_chat::api_version(),
        "2024-03-15-preview"
    );
    for (chosen, sent) in [
        (None, "2024-03-15-preview"),
        (Some("2025-03-15"), "2025-03-15"),
        (Some("2024-06-05-preview"), "2024-06-05-preview"),
    ] {
        let image = client(chosen)
            .upload_image(THREAD, &png)
            .await
            .unwrap_or_else(|e| panic!("{sent}: {e}"));
        assert_eq!(image.name.as_deref(), Some("cat.png"));
        assert_eq!(
            emu.object(&image.id).await.expect("read").as_deref(),
            Some(PNG_1X1),
            "{sent}"
        );
        let recorded = emu.requests();
        let last = recorded.last().expect("recorded");
        assert_eq!(
            (last.status, last.query.clone()),
            (201, Some(format!("api-version={sent}")))
        );
    }

    let err = client(Some("2023-11-07"))
        .upload_image(THREAD, &png)
        .await
        .expect_err("a version the spec does not list");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 400, "{err}");
    assert_eq!(
        api.body.message().as_deref(),
        Some(
            "the query parameter `api-version` must be one of the versions this API's spec \
             lists, `2024-03-15-preview`, `2024-06-05-preview`, `2025-03-15` (got `2023-11-07`)"
        )
    );
}
