//! Bad input, for every facade client and for the CLI: each case is a clear error
//! ([`Error::is_invalid_input`], exit status 2 and one `error:` line in the CLI) and sends
//! nothing. "Sends nothing" is measured: every client points at a listener on a loopback
//! address that counts TCP connections (a connection counts even without a complete request),
//! and each test ends by asserting it saw none.
//!
//! The presigned flow's bad answers are the one exception to "nothing sent": the presign
//! request is sent (the bad input is the API's answer), so that test asserts exactly one
//! request to the API, none to storage, and an [`Error::InvalidResponse`] (exit status 1).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::counting::{self, Counting};
use common::scripted;
use upload_clients::ai_agents::{KnownFilePurpose, parse_purpose};
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

use common::THREAD;
const MIB: u64 = 1024 * 1024;

/// The facade operations that take a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Acs,
    Rbm,
    Agents,
    MaiDirect,
    MaiPresigned,
}

use Target::*;

const ALL: [Target; 5] = [Acs, Rbm, Agents, MaiDirect, MaiPresigned];

struct Clients {
    acs: AcsChatClient,
    rbm: RbmClient,
    agents: AiAgentsClient,
    mai: MaiAgentClient,
}

impl Clients {
    /// Every client pointed at `url`, with no retries (a wrongly sent request shows once).
    fn at(url: &str) -> Self {
        Self {
            acs: AcsChatClient::new(url, Credential::bearer("acs-token"))
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
            rbm: RbmClient::new(Credential::bearer("rbm-token"))
                .expect("client")
                .with_base_url(url)
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
            agents: AiAgentsClient::new(url, Credential::bearer("agents-token"))
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
            mai: MaiAgentClient::new(Credential::api_key("mai-key"))
                .expect("client")
                .with_base_url(url)
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
        }
    }

    async fn upload(&self, target: Target, source: &UploadSource) -> Result<(), Error> {
        match target {
            Acs => self.acs.upload_image(THREAD, source).await.map(drop),
            Rbm => self
                .rbm
                .upload_file("agent-1", source, None)
                .await
                .map(drop),
            Agents => self
                .agents
                .upload(source, KnownFilePurpose::Assistants.into())
                .await
                .map(drop),
            MaiDirect => self.mai.upload(source).await.map(drop),
            MaiPresigned => self.mai.upload_presigned(source, None).await.map(drop),
        }
    }

    /// What a caller does with a path: make a source of it, then upload it.
    async fn upload_path(&self, target: Target, path: &Path) -> Result<(), Error> {
        let source = UploadSource::from_path(path).await?;
        self.upload(target, &source).await
    }
}

/// Asserts `result` is bad input whose message holds every one of `needles`; returns the
/// message.
fn refused(case: &str, result: Result<(), Error>, needles: &[&str]) -> String {
    let err = result.expect_err(case);
    assert!(err.is_invalid_input(), "{case}: not invalid input: {err:?}");
    let message = err.to_string();
    assert!(message.starts_with("invalid input: "), "{case}: {message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "{case}: {message:?} lacks {needle:?}"
        );
    }
    println!("{case}: {message}");
    message
}

/// The files of the cases, in a temporary directory.
struct Files {
    dir: tempfile::TempDir,
    missing: PathBuf,
    directory: PathBuf,
    empty: PathBuf,
    unreadable: PathBuf,
    text: PathBuf,
    exe: PathBuf,
    png: PathBuf,
    pdf: PathBuf,
    /// One byte over each API's limit (sparse: no disk or memory is used).
    over_acs: PathBuf,
    over_rbm: PathBuf,
    over_agents: PathBuf,
}

fn sparse(dir: &Path, name: &str, len: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(len))
        .expect("sparse file");
    path
}

/// True when this process can open `path` for reading.
fn can_read(path: &Path) -> bool {
    std::fs::File::open(path).is_ok()
}

/// A regular, non-empty file this process cannot read.
///
/// The natural case is a file with mode 000. Tests often run as root, and root reads such a
/// file anyway (CAP_DAC_OVERRIDE), so when the mode-000 file can still be opened a write-only
/// sysfs attribute is used instead: a regular file of 4096 bytes whose opening for reading
/// fails with EACCES even for root (the kernel has no read method for it). When neither
/// exists the test fails: it never passes without an unreadable file.
fn unreadable(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let locked = common::write(dir, "locked.pdf", b"%PDF-1.4\n%locked\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if !can_read(&locked) {
        return locked;
    }
    let mut candidates = vec![
        PathBuf::from("/sys/bus/pci/rescan"),
        PathBuf::from("/sys/bus/pci/drivers_probe"),
    ];
    if let Ok(buses) = std::fs::read_dir("/sys/bus") {
        for bus in buses.flatten() {
            candidates.push(bus.path().join("drivers_probe"));
            candidates.push(bus.path().join("uevent"));
        }
    }
    candidates
        .into_iter()
        .find(|path| {
            std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0)
                && std::fs::File::open(path)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
        })
        .expect(
            "running privileged (a mode-000 file is readable) and no write-only sysfs attribute \
             was found: this machine offers no unreadable file to test with",
        )
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let directory = path.join("folder.png");
    std::fs::create_dir(&directory).expect("mkdir");
    Files {
        missing: path.join("missing.png"),
        directory,
        empty: common::write(path, "empty.png", b""),
        unreadable: unreadable(path),
        text: common::write(path, "notes.txt", b"just some words"),
        exe: common::write(path, "tool.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        png: common::write(path, "sample.png", common::PNG_1X1),
        pdf: common::write(path, "report.pdf", b"%PDF-1.4\n%test\n"),
        over_acs: sparse(path, "huge.png", 20 * MIB + 1),
        over_rbm: sparse(path, "huge.mp4", 100 * MIB + 1),
        over_agents: sparse(path, "huge.pdf", 512 * MIB + 1),
        dir,
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Asserts that `listener` saw no connection: bad input sends nothing.
async fn nothing_was_sent(listener: &Counting) {
    assert_eq!(
        listener.connections().await,
        0,
        "bad input must send nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_a_missing_empty_or_unreadable_file_or_a_directory() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let f = files();
    for target in ALL {
        let case = |what: &str| format!("{target:?} {what}");
        refused(
            &case("missing file"),
            clients.upload_path(target, &f.missing).await,
            &[&shown(&f.missing), "no such file"],
        );
        refused(
            &case("directory"),
            clients.upload_path(target, &f.directory).await,
            &[&shown(&f.directory), "is a directory"],
        );
        refused(
            &case("empty file"),
            clients.upload_path(target, &f.empty).await,
            &[&shown(&f.empty), "is empty"],
        );
        refused(
            &case("empty bytes"),
            clients
                .upload(target, &UploadSource::from_bytes(Vec::new(), "nothing.png"))
                .await,
            &["nothing.png is empty"],
        );
        refused(
            &case("unreadable file"),
            clients.upload_path(target, &f.unreadable).await,
            &[&shown(&f.unreadable), "cannot read", "ermission denied"],
        );
    }
    nothing_was_sent(&listener).await;
}

/// A file removed after its source was made: the clients open it when they send, and fail
/// before any byte goes out. (The presigned flow asks the API first, so it is not in this
/// list: its presign request would be sent.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_direct_upload_refuses_a_file_removed_after_its_source_was_made() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let dir = tempfile::tempdir().expect("tempdir");
    for target in [Acs, Rbm, Agents, MaiDirect] {
        let path = common::write(dir.path(), "vanishing.png", common::PNG_1X1);
        let source = UploadSource::from_path(&path).await.expect("readable");
        std::fs::remove_file(&path).expect("remove");
        refused(
            &format!("{target:?} file removed after from_path"),
            clients.upload(target, &source).await,
            &[&shown(&path), "cannot read"],
        );
    }
    nothing_was_sent(&listener).await;
}

/// A file that changed length after its source was made: a file that fits one read is read
/// whole before sending, so the change is found before any byte goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_direct_upload_refuses_a_file_whose_length_changed_after_its_source_was_made() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let dir = tempfile::tempdir().expect("tempdir");
    let was = format!("it had {} bytes", common::PNG_1X1.len());
    for target in [Acs, Rbm, Agents, MaiDirect] {
        for (change, content, now) in [
            ("shorter", common::PNG_1X1[..20].to_vec(), "now it has 20"),
            (
                "longer",
                [common::PNG_1X1, &[0; 4096]].concat(),
                "now it has more",
            ),
        ] {
            let path = common::write(dir.path(), "changing.png", common::PNG_1X1);
            let source = UploadSource::from_path(&path).await.expect("readable");
            std::fs::write(&path, content).expect("rewrite");
            refused(
                &format!("{target:?} file {change} after from_path"),
                clients.upload(target, &source).await,
                &[&shown(&path), "changed since it was measured", &was, now],
            );
        }
    }
    nothing_was_sent(&listener).await;
}

/// A type the API does not accept. AI Agents accepts any type, so it has no such case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_a_type_its_api_does_not_accept() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let f = files();
    for (target, path, found) in [
        (Acs, &f.text, "text/plain"),
        (Rbm, &f.text, "text/plain"),
        (
            MaiDirect,
            &f.exe,
            "application/vnd.microsoft.portable-executable",
        ),
        (
            MaiPresigned,
            &f.exe,
            "application/vnd.microsoft.portable-executable",
        ),
    ] {
        let name = path.file_name().unwrap().to_str().unwrap();
        refused(
            &format!("{target:?} type not accepted"),
            clients.upload_path(target, path).await,
            &[name, found, "does not accept"],
        );
    }
    nothing_was_sent(&listener).await;
}

/// One byte over the API's limit. MaiAgent states no limit, so it has no such case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_a_file_one_byte_over_its_apis_limit() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let f = files();
    for (target, path, max) in [
        (Acs, &f.over_acs, 20 * MIB),
        (Rbm, &f.over_rbm, 100 * MIB),
        (Agents, &f.over_agents, 512 * MIB),
    ] {
        refused(
            &format!("{target:?} over the limit"),
            clients.upload_path(target, path).await,
            &[
                &format!("is {} bytes, over the limit of {max} bytes", max + 1),
                &format!("({} MiB)", max / MIB),
            ],
        );
    }
    nothing_was_sent(&listener).await;
}

/// Empty and malformed ids, of every client; and an empty purpose.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_empty_and_malformed_ids() {
    let listener = counting::listen("127.0.0.1").await;
    let c = Clients::at(&listener.url);
    let png = || UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png");
    let long = "x".repeat(1025);
    for (id, needle) in [
        ("", "is empty"),
        ("19:a b@thread.v2", "whitespace or control characters"),
        ("19:a\n@thread.v2", "whitespace or control characters"),
        ("19:a\u{0}@thread.v2", "whitespace or control characters"),
        (long.as_str(), "longer than 1024 bytes"),
    ] {
        let shown = format!("{id:?}");
        let shown = if id.len() > 100 { "long" } else { &shown };
        refused(
            &format!("Acs thread id {shown}"),
            c.acs.upload_image(id, &png()).await.map(drop),
            &["the thread id", needle],
        );
        refused(
            &format!("Rbm upload agent id {shown}"),
            c.rbm.upload_file(id, &png(), None).await.map(drop),
            &["the agent id", needle],
        );
        refused(
            &format!("Rbm fileUrl agent id {shown}"),
            c.rbm
                .create_from_url(id, "https://example.com/cat.png", None)
                .await
                .map(drop),
            &["the agent id", needle],
        );
        refused(
            &format!("MaiPresigned conversation id {shown}"),
            c.mai.upload_presigned(&png(), Some(id)).await.map(drop),
            &["the conversation id", needle],
        );
        refused(
            &format!("Agents file id {shown}"),
            c.agents.get(id).await.map(drop),
            &["the file id", needle],
        );
    }
    refused(
        "Agents empty purpose",
        parse_purpose("").map(drop),
        &["the purpose is empty"],
    );
    nothing_was_sent(&listener).await;
}

/// Invalid endpoints, and http:// off loopback, for each client's constructor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_invalid_endpoints_and_http_off_loopback() {
    let listener = counting::listen("127.0.0.1").await;
    let ftp = format!("ftp://127.0.0.1:{}", listener.port);
    for (endpoint, needle) in [
        ("not a url", "is not a valid URL"),
        ("", "is not a valid URL"),
        ("https://", "is not a valid URL"),
        ("/relative/path", "is not a valid URL"),
        (ftp.as_str(), "has scheme \"ftp\""),
        (
            "https://example.com/api?x=1",
            "must not have a query or fragment",
        ),
        ("http://example.com", "http:// on a non-loopback host"),
        ("http://10.1.2.3:8080/api", "http:// on a non-loopback host"),
        (
            "http://localhost.example.com",
            "http:// on a non-loopback host",
        ),
    ] {
        let results: [(&str, Result<(), Error>); 4] = [
            (
                "Acs",
                AcsChatClient::new(endpoint, Credential::bearer("t")).map(drop),
            ),
            (
                "Rbm",
                RbmClient::new(Credential::bearer("t"))
                    .expect("client")
                    .with_base_url(endpoint)
                    .map(drop),
            ),
            (
                "Agents",
                AiAgentsClient::new(endpoint, Credential::bearer("t")).map(drop),
            ),
            (
                "Mai",
                MaiAgentClient::new(Credential::api_key("k"))
                    .expect("client")
                    .with_base_url(endpoint)
                    .map(drop),
            ),
        ];
        for (client, result) in results {
            refused(
                &format!("{client} endpoint {endpoint:?}"),
                result,
                &[&format!("endpoint {endpoint:?}"), needle],
            );
        }
    }
    nothing_was_sent(&listener).await;
}

/// A fileUrl (or thumbnailUrl) that is not http(s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbm_refuses_a_file_url_or_thumbnail_url_that_is_not_http() {
    let listener = counting::listen("127.0.0.1").await;
    let c = Clients::at(&listener.url);
    let png = || UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png");
    let ftp_file = format!("ftp://127.0.0.1:{}/cat.png", listener.port);
    for url in [
        ftp_file.as_str(),
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "cat.png",
        "https://",
        "",
    ] {
        refused(
            &format!("Rbm fileUrl {url:?}"),
            c.rbm.create_from_url("agent-1", url, None).await.map(drop),
            &[&format!("fileUrl {url:?}")],
        );
        refused(
            &format!("Rbm thumbnailUrl with fileUrl {url:?}"),
            c.rbm
                .create_from_url("agent-1", "https://example.com/cat.png", Some(url))
                .await
                .map(drop),
            &[&format!("thumbnailUrl {url:?}")],
        );
        refused(
            &format!("Rbm thumbnailUrl with upload {url:?}"),
            c.rbm
                .upload_file("agent-1", &png(), Some(url))
                .await
                .map(drop),
            &[&format!("thumbnailUrl {url:?}")],
        );
    }
    nothing_was_sent(&listener).await;
}

/// A presigned form's secret values: an answer that is refused must not show them.
const POLICY: &str = "eyJleHBpcmF0aW9uIjoiUE9MSUNZLVNFQ1JFVC0xMjM0In0=";
const SIGNATURE: &str = "5ec7e75160a7f1e0000000000000000000000000000000000000000000000abc";

/// Presign answers without a usable url or fields, each named, with what the error must say;
/// their urls point to `storage` (or to nothing usable).
fn unusable_presign_answers(
    storage: &Counting,
) -> Vec<(&'static str, serde_json::Value, Vec<String>)> {
    let fields = serde_json::json!({
        "key": "media/${filename}", "policy": POLICY, "x-amz-signature": SIGNATURE
    });
    vec![
        (
            "no url",
            serde_json::json!({ "fields": fields }),
            vec!["missing field `url`".into()],
        ),
        (
            "no fields",
            serde_json::json!({ "url": storage.url }),
            vec!["missing field `fields`".into()],
        ),
        (
            "fields not an object",
            serde_json::json!({ "url": storage.url, "fields": [POLICY, SIGNATURE] }),
            vec!["not valid JSON of that shape".into()],
        ),
        (
            "url not a string",
            serde_json::json!({ "url": 7, "fields": fields }),
            vec!["not valid JSON of that shape".into()],
        ),
        (
            "empty fields",
            serde_json::json!({ "url": storage.url, "fields": {} }),
            vec!["the presigned POST has no form fields".into()],
        ),
        (
            "ftp url",
            serde_json::json!({ "url": format!("ftp://127.0.0.2:{}/bucket", storage.port), "fields": fields }),
            vec![
                format!("\"ftp://127.0.0.2:{}/bucket\"", storage.port),
                "is not an http:// or https:// URL".into(),
            ],
        ),
        (
            "file url",
            serde_json::json!({ "url": "file:///etc/passwd", "fields": fields }),
            vec![
                "\"file:///etc/passwd\"".into(),
                "is not an http:// or https:// URL".into(),
            ],
        ),
        (
            "relative url",
            serde_json::json!({ "url": "/bucket", "fields": fields }),
            vec!["\"/bucket\" is not an http:// or https:// URL".into()],
        ),
        (
            "url without a host",
            serde_json::json!({ "url": "http://", "fields": fields }),
            vec!["\"http://\" is not an http:// or https:// URL".into()],
        ),
    ]
}

/// One unusable presign `answer`, named `case`: the facade's upload of `f.pdf` fails with an
/// invalid response whose message holds each of `needles` and no secret, after the presign
/// request alone; the CLI exits 1 with that message as its one line.
async fn an_unusable_presign_answer_is_refused(
    case: &str,
    answer: &serde_json::Value,
    needles: &[String],
    f: &Files,
) {
    let api = scripted::serve(vec![scripted::response("200 OK", &[], &answer.to_string())]).await;
    let mai = MaiAgentClient::new(Credential::api_key("mai-key"))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    let source = UploadSource::from_path(&f.pdf).await.expect("readable");
    let err = mai.upload_presigned(&source, None).await.expect_err(case);
    assert!(
        matches!(
            err,
            Error::InvalidResponse {
                api: "maiagent",
                ..
            }
        ),
        "{case}: {err:?}"
    );
    assert!(
        !err.is_invalid_input(),
        "{case}: the caller's input was fine"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("maiagent sent an unexpected response: "),
        "{case}: {message}"
    );
    for needle in needles {
        assert!(
            message.contains(needle.as_str()),
            "{case}: {message:?} lacks {needle:?}"
        );
    }
    let debug = format!("{err:?}");
    for secret in [POLICY, SIGNATURE] {
        assert!(
            !message.contains(secret) && !debug.contains(secret),
            "{case}: {debug}"
        );
    }
    println!("MaiPresigned {case}: {message}");
    let requests = api.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{case}: only the presign request");
    assert!(
        requests[0].head.starts_with("post /upload-presigned-url/?"),
        "{case}: {}",
        requests[0].head
    );

    // The CLI: one line, exit status 1 (the API failed; the caller's input was fine).
    let (code, err) = cli(
        vec![
            "maiagent".into(),
            "upload".into(),
            shown(&f.pdf),
            "--presigned".into(),
            "--endpoint".into(),
            api.url.clone(),
        ],
        false,
    )
    .await;
    assert_eq!(code, Some(1), "{case}: {err}");
    assert_eq!(err, format!("error: {message}\n"), "{case}");
    assert_eq!(api.requests.lock().unwrap().len(), 2, "{case}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_answers_without_a_usable_url_or_fields_send_nothing_to_storage() {
    // Storage on another loopback address: any form sent there is a connection it counts.
    let storage = counting::listen("127.0.0.2").await;
    let f = files();
    for (case, answer, needles) in &unusable_presign_answers(&storage) {
        an_unusable_presign_answer_is_refused(case, answer, needles, &f).await;
    }
    assert_eq!(storage.connections().await, 0, "nothing may reach storage");
}

/// Runs the CLI with `args` (plus a token and `--no-progress`), as the `nobody` user when
/// `as_nobody`; returns its exit status and stderr, after checking stdout is empty.
async fn cli(args: Vec<String>, as_nobody: bool) -> (Option<i32>, String) {
    let output: Output = tokio::task::spawn_blocking(move || {
        let mut command = if as_nobody {
            let mut command = Command::new("setpriv");
            command.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                crate::cli_binary(),
            ]);
            common::scrub(&mut command);
            command
        } else {
            crate::cli_command()
        };
        command
            .args(&args)
            .args(["--token", "cli-token", "--no-progress"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("joined");
    assert!(output.stdout.is_empty(), "{:?}", output);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The CLI arguments that upload `file` with `target` to `endpoint`.
fn command(target: Target, file: &Path, endpoint: &str) -> Vec<String> {
    let file = shown(file);
    let args: Vec<&str> = match target {
        Acs => vec![
            "acs-chat",
            "upload-image",
            &file,
            "--endpoint",
            endpoint,
            "--thread-id",
            THREAD,
        ],
        Rbm => vec![
            "rbm",
            "upload",
            &file,
            "--agent-id",
            "agent-1",
            "--endpoint",
            endpoint,
        ],
        Agents => vec![
            "agents",
            "upload",
            &file,
            "--endpoint",
            endpoint,
            "--purpose",
            "assistants",
        ],
        MaiDirect => vec!["maiagent", "upload", &file, "--endpoint", endpoint],
        MaiPresigned => vec![
            "maiagent",
            "upload",
            &file,
            "--presigned",
            "--endpoint",
            endpoint,
        ],
    };
    args.into_iter().map(str::to_owned).collect()
}

/// Asserts the CLI exits 2 with one `error: invalid input: …` line holding every needle.
async fn cli_refuses(case: &str, args: Vec<String>, needles: &[&str], as_nobody: bool) {
    let (code, err) = cli(args, as_nobody).await;
    assert_eq!(code, Some(2), "{case}: {err}");
    assert_eq!(err.lines().count(), 1, "{case}: {err}");
    assert!(err.starts_with("error: invalid input: "), "{case}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{case}: {err:?} lacks {needle:?}");
    }
    print!("CLI {case}: {err}");
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_missing_empty_or_unreadable_file_or_a_directory() {
    let listener = counting::listen("127.0.0.1").await;
    let ep = listener.url.clone();
    let f = files();
    for target in ALL {
        for (what, path, needle) in [
            ("missing file", &f.missing, "no such file"),
            ("directory", &f.directory, "is a directory"),
            ("empty file", &f.empty, "is empty"),
            ("unreadable file", &f.unreadable, "cannot read"),
        ] {
            cli_refuses(
                &format!("{target:?} {what}"),
                command(target, path, &ep),
                &[&shown(path), needle],
                false,
            )
            .await;
        }
    }
    // As root the mode-000 file above was replaced by a sysfs attribute; the real mode-000
    // case is then also run as the unprivileged `nobody` user, when `setpriv` is there and
    // `nobody` may run the binary (its directories may be closed to others).
    if std::fs::File::open(f.dir.path().join("locked.pdf")).is_ok() && nobody_can_run_the_cli() {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(f.dir.path(), open).expect("chmod dir");
        let locked = f.dir.path().join("locked.pdf");
        for target in ALL {
            cli_refuses(
                &format!("{target:?} mode-000 file as nobody"),
                command(target, &locked, &ep),
                &[&shown(&locked), "cannot read", "ermission denied"],
                true,
            )
            .await;
        }
    }
    nothing_was_sent(&listener).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_type_its_service_does_not_accept_or_a_file_over_its_limit() {
    let listener = counting::listen("127.0.0.1").await;
    let f = files();
    let refused_type = "text/plain, which this service does not accept";
    let refused_exe = "portable-executable, which this service does not accept";
    for (target, path, needle) in [
        (Acs, &f.text, refused_type),
        (Rbm, &f.text, refused_type),
        (MaiDirect, &f.exe, refused_exe),
        (MaiPresigned, &f.exe, refused_exe),
        (
            Acs,
            &f.over_acs,
            "over the limit of 20971520 bytes (20 MiB)",
        ),
        (
            Rbm,
            &f.over_rbm,
            "over the limit of 104857600 bytes (100 MiB)",
        ),
        (
            Agents,
            &f.over_agents,
            "over the limit of 536870912 bytes (512 MiB)",
        ),
    ] {
        cli_refuses(
            &format!("{target:?} {}", path.file_name().unwrap().to_string_lossy()),
            command(target, path, &listener.url),
            &[needle],
            false,
        )
        .await;
    }
    nothing_was_sent(&listener).await;
}

/// The commands that take an id (or a purpose), each with `id` and named for it; `png` and
/// `pdf` are files to send, `ep` the endpoint.
fn commands_with_id(
    id: &str,
    png: &str,
    pdf: &str,
    ep: &str,
) -> Vec<(String, Vec<String>, &'static str)> {
    vec![
        (
            format!("Acs thread id {id:?}"),
            strings(&[
                "acs-chat",
                "upload-image",
                png,
                "--endpoint",
                ep,
                "--thread-id",
                id,
            ]),
            "thread id",
        ),
        (
            format!("Rbm agent id {id:?}"),
            strings(&["rbm", "upload", png, "--agent-id", id, "--endpoint", ep]),
            "agent id",
        ),
        (
            format!("Rbm upload-url agent id {id:?}"),
            strings(&[
                "rbm",
                "upload-url",
                "--file-url",
                "https://example.com/a.png",
                "--agent-id",
                id,
                "--endpoint",
                ep,
            ]),
            "agent id",
        ),
        (
            format!("Mai conversation id {id:?}"),
            strings(&[
                "maiagent",
                "upload",
                pdf,
                "--presigned",
                "--conversation",
                id,
                "--endpoint",
                ep,
            ]),
            "conversation id",
        ),
        (
            format!("Agents purpose {id:?}"),
            strings(&["agents", "upload", pdf, "--endpoint", ep, "--purpose", id]),
            "purpose",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_an_empty_or_malformed_id_or_purpose() {
    let listener = counting::listen("127.0.0.1").await;
    let f = files();
    let (png, pdf) = (shown(&f.png), shown(&f.pdf));
    for (id, needle) in [("", "is empty"), ("a b", "whitespace")] {
        for (case, args, what) in commands_with_id(id, &png, &pdf, &listener.url) {
            cli_refuses(&case, args, &[what, needle], false).await;
        }
    }
    nothing_was_sent(&listener).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_an_invalid_endpoint_or_http_off_loopback() {
    let listener = counting::listen("127.0.0.1").await;
    let f = files();
    let ftp = format!("ftp://127.0.0.1:{}", listener.port);
    for (endpoint, needle) in [
        ("not a url", "is not a valid URL"),
        (ftp.as_str(), "has scheme \"ftp\""),
        ("http://example.com", "http:// on a non-loopback host"),
    ] {
        for target in ALL {
            let file = if target == Acs { &f.png } else { &f.pdf };
            cli_refuses(
                &format!("{target:?} endpoint {endpoint:?}"),
                command(target, file, endpoint),
                &[&format!("endpoint {endpoint:?}"), needle],
                false,
            )
            .await;
        }
        let url = strings(&[
            "rbm",
            "upload-url",
            "--file-url",
            "https://example.com/a.png",
            "--agent-id",
            "a",
            "--endpoint",
            endpoint,
        ]);
        cli_refuses(
            &format!("Rbm upload-url endpoint {endpoint:?}"),
            url,
            &[needle],
            false,
        )
        .await;
    }
    nothing_was_sent(&listener).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_file_url_or_thumbnail_url_that_is_not_http() {
    let listener = counting::listen("127.0.0.1").await;
    let ep = listener.url.clone();
    let f = files();
    let png = shown(&f.png);
    for url in [
        "ftp://127.0.0.1/a.png",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "cat.png",
    ] {
        let args = strings(&[
            "rbm",
            "upload-url",
            "--file-url",
            url,
            "--agent-id",
            "a",
            "--endpoint",
            &ep,
        ]);
        cli_refuses(
            &format!("Rbm fileUrl {url:?}"),
            args,
            &[&format!("fileUrl {url:?}")],
            false,
        )
        .await;
        let args = strings(&[
            "rbm",
            "upload",
            &png,
            "--agent-id",
            "a",
            "--thumbnail-url",
            url,
            "--endpoint",
            &ep,
        ]);
        cli_refuses(
            &format!("Rbm thumbnailUrl {url:?}"),
            args,
            &[&format!("thumbnailUrl {url:?}")],
            false,
        )
        .await;
    }
    nothing_was_sent(&listener).await;
}

/// True when `setpriv` can run the binary as `nobody`.
fn nobody_can_run_the_cli() -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args([crate::cli_binary(), "--version"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The listener really counts: a request that is sent shows up (so the zeros above mean
/// something).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counting_listener_sees_a_request_that_is_sent() {
    let listener: Counting = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png");
    let err = clients
        .upload(Acs, &source)
        .await
        .expect_err("the listener answers 500");
    assert_eq!(err.status(), Some(500), "{err}");
    assert_eq!(listener.connections().await, 1);
    clients
        .upload(Rbm, &source)
        .await
        .expect_err("the listener answers 500");
    assert_eq!(
        listener.connections().await,
        2,
        "counted since the listener started"
    );
}
