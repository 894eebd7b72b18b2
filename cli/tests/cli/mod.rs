//! The `upload-clients` binary against httpmock: every subcommand's request, output, exit
//! status and error line.

use crate::common;

use std::process::{Command, Output};

use httpmock::prelude::*;

use common::{THREAD, write};

/// Runs the binary with `args` and only the CLI variables in `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    crate::cli_command()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn acs_chat_upload_image_prints_one_json_object() {
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(POST)
            .is_true(|req| req.uri().path() == format!("/chat/threads/{THREAD}/images"))
            .query_param("api-version", "2024-03-15-preview")
            .header("authorization", "Bearer acs-env-token")
            .header("image-filename", "renamed.png")
            .header("content-length", common::PNG_1X1.len().to_string())
            .is_true(|req| req.body_ref() == common::PNG_1X1);
        then.status(201)
            .header("location", format!("/chat/threads/{THREAD}/images/img1"))
            .json_body(serde_json::json!({"id": "img1", "attachmentType": "inlineImage", "name": "renamed.png"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "sample.png", common::PNG_1X1);
    let output = run(
        &[
            "acs-chat",
            "upload-image",
            file.to_str().expect("utf-8"),
            "--endpoint",
            &server.base_url(),
            "--thread-id",
            THREAD,
            "--filename",
            "renamed.png",
            "--json",
            "--no-progress",
        ],
        &[("ACS_ACCESS_TOKEN", "acs-env-token")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    mock.assert();
    let printed = stdout(&output);
    assert_eq!(printed.lines().count(), 1, "{printed}");
    let value: serde_json::Value = serde_json::from_str(&printed).expect("one JSON object");
    assert_eq!(value["id"], "img1");
    assert_eq!(value["attachment_type"], "inlineImage");
    assert_eq!(
        value["url"],
        format!("{}/chat/threads/{THREAD}/images/img1", server.base_url())
    );
}

#[test]
fn rbm_upload_and_upload_url() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/upload/v1/files")
            .query_param("agentId", "agent-1")
            .query_param("thumbnailUrl", "https://example.com/t.png")
            .header("authorization", "Bearer rbm-flag-token")
            .header("content-type", "image/png");
        then.status(200)
            .json_body(serde_json::json!({"name": "files/up1"}));
    });
    let by_url = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/files")
            .header("authorization", "Bearer rbm-env-token")
            .json_body(
                serde_json::json!({"fileUrl": "https://example.com/cat.jpg", "agentId": "agent-1"}),
            );
        then.status(200)
            .json_body(serde_json::json!({"name": "files/url1"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "cat.png", common::PNG_1X1);
    let output = run(
        &[
            "rbm",
            "upload",
            file.to_str().expect("utf-8"),
            "--agent-id",
            "agent-1",
            "--thumbnail-url",
            "https://example.com/t.png",
            "--endpoint",
            &server.base_url(),
            "--token",
            "rbm-flag-token",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "uploaded as files/up1");
    upload.assert();
    let output = run(
        &[
            "rbm",
            "upload-url",
            "--file-url",
            "https://example.com/cat.jpg",
            "--agent-id",
            "agent-1",
            "--endpoint",
            &server.base_url(),
            "--json",
        ],
        &[("RBM_ACCESS_TOKEN", "rbm-env-token")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), r#"{"name":"files/url1"}"#);
    by_url.assert();
}

#[test]
fn agents_purpose_is_one_the_service_knows_unless_given_as_custom() {
    let server = MockServer::start();
    let custom = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .body_includes("name=\"purpose\"\r\n\r\nevals\r\n");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f1", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "evals"
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "notes.txt", b"hello");
    let args = |purpose: &[&'static str]| -> Vec<String> {
        let mut args = vec![
            "agents".to_string(),
            "upload".into(),
            file.display().to_string(),
            "--endpoint".into(),
            server.base_url(),
            "--token".into(),
            "entra".into(),
        ];
        args.extend(purpose.iter().map(|s| s.to_string()));
        args
    };
    let run_with = |purpose: &[&'static str]| {
        let args = args(purpose);
        run(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[])
    };
    // A typo: exit 2, one line naming the known purposes, nothing sent.
    let typo = run_with(&["--purpose", "assistant"]);
    assert_eq!(typo.status.code(), Some(2), "{}", stderr(&typo));
    assert_eq!(stderr(&typo).lines().count(), 1, "{}", stderr(&typo));
    assert!(
        stderr(&typo).contains("assistants, assistants_output, vision, batch, fine-tune"),
        "{}",
        stderr(&typo)
    );
    assert_eq!(custom.calls(), 0);
    // The page's purposes beyond its table are known.
    let batch = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .body_includes("name=\"purpose\"\r\n\r\nfine-tune\r\n");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f2", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "fine-tune", "status": "processed"
        }));
    });
    let known = run_with(&["--purpose", "fine-tune"]);
    assert_eq!(known.status.code(), Some(0), "{}", stderr(&known));
    assert_eq!(
        stdout(&known).trim(),
        "uploaded notes.txt as file f2 (5 bytes, status processed)"
    );
    batch.assert();
    // A new one only when asked for explicitly.
    let new_one = run_with(&["--custom-purpose", "evals"]);
    assert_eq!(new_one.status.code(), Some(0), "{}", stderr(&new_one));
    custom.assert();
    let both = run_with(&["--purpose", "vision", "--custom-purpose", "evals"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn agents_upload_with_wait() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/files")
            .query_param("api-version", "v1")
            .header("authorization", "Bearer entra")
            .body_includes("name=\"purpose\"\r\n\r\nassistants\r\n");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f9", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "assistants", "status": "running"
        }));
    });
    let poll = server.mock(|when, then| {
        when.method(GET).path("/files/f9");
        then.status(200).json_body(serde_json::json!({
            "object": "file", "id": "f9", "bytes": 5, "filename": "notes.txt", "created_at": 1,
            "purpose": "assistants", "status": "processed"
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "notes.txt", b"hello");
    let output = run(
        &[
            "agents",
            "upload",
            file.to_str().expect("utf-8"),
            "--endpoint",
            &server.base_url(),
            "--purpose",
            "assistants",
            "--wait",
            "--token",
            "entra",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        "uploaded notes.txt as file f9 (5 bytes, status processed)"
    );
    upload.assert();
    poll.assert();
}

#[test]
fn maiagent_direct_and_presigned_uploads() {
    let server = MockServer::start();
    let direct = server.mock(|when, then| {
        when.method(POST)
            .path("/api/attachments-upload/")
            .header("authorization", "Api-Key mai");
        then.status(200);
    });
    let storage = server.url("/bucket");
    server.mock(|when, then| {
        when.method(POST)
            .path("/api/upload-presigned-url/")
            .header("authorization", "Api-Key mai");
        then.status(200)
            .json_body(serde_json::json!({"url": storage, "fields": {"key": "media/report.pdf"}}));
    });
    let stored = server.mock(|when, then| {
        when.method(POST)
            .path("/bucket")
            .header_missing("authorization");
        then.status(204);
    });
    let registered = server.mock(|when, then| {
        when.method(POST)
            .path("/api/conversations/c-1/attachments/")
            .json_body(serde_json::json!({"type": null, "filename": "report.pdf", "file": "media/report.pdf"}));
        then.status(201).json_body(serde_json::json!({
            "id": "550e8400-e29b-41d4-a716-446655440000", "filename": "report.pdf", "file": "media/report.pdf"
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "report.pdf", b"%PDF-1.4\n%test\n");
    let endpoint = server.url("/api");
    let path = file.to_str().expect("utf-8");
    let output = run(
        &["maiagent", "upload", path, "--endpoint", &endpoint],
        &[("MAIAGENT_API_KEY", "mai")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "uploaded report.pdf");
    direct.assert();
    let output = run(
        &[
            "maiagent",
            "upload",
            path,
            "--presigned",
            "--conversation",
            "c-1",
            "--endpoint",
            &endpoint,
            "--json",
        ],
        &[("MAIAGENT_API_KEY", "mai")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(value["id"], "550e8400-e29b-41d4-a716-446655440000");
    stored.assert();
    registered.assert();
}

/// A mock that answers anything with a 500; the tests that use it check it was never called.
fn refuse_everything(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.any_request();
        then.status(500);
    })
}

/// `acs-chat upload-image` of `file` to `endpoint`, in `thread`.
fn acs_upload<'a>(file: &'a str, endpoint: &'a str, thread: &'a str) -> Vec<&'a str> {
    vec![
        "acs-chat",
        "upload-image",
        file,
        "--endpoint",
        endpoint,
        "--thread-id",
        thread,
    ]
}

/// Runs each case (its name, the arguments, and what its one error line must hold) with a
/// token, and checks that it exits 2 with that one `error:` line and prints nothing.
#[track_caller]
fn each_exits_2_with_one_line(cases: Vec<(&str, Vec<&str>, &str)>) {
    for (case, mut args, needle) in cases {
        args.extend(["--token", "t", "--no-progress"]);
        let output = run(&args, &[]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{case}: {args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{case}: {args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(needle),
            "{case}: {args:?}: {err}"
        );
        assert!(stdout(&output).is_empty(), "{case}: {args:?}");
    }
}

#[test]
fn bad_files_exit_2_with_one_line_and_send_nothing() {
    let server = MockServer::start();
    let any = refuse_everything(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let text = write(dir.path(), "notes.txt", b"hello");
    let empty = write(dir.path(), "empty.png", b"");
    let base = server.base_url();
    let folder = dir.path().to_str().unwrap();
    each_exits_2_with_one_line(vec![
        (
            "a missing file",
            acs_upload("/no/such/file.png", &base, THREAD),
            "no such file",
        ),
        (
            "a text file",
            acs_upload(text.to_str().unwrap(), &base, THREAD),
            "does not accept",
        ),
        (
            "an empty file",
            acs_upload(empty.to_str().unwrap(), &base, THREAD),
            "is empty",
        ),
        (
            "a directory",
            acs_upload(folder, &base, THREAD),
            "is a directory",
        ),
    ]);
    assert_eq!(any.calls(), 0, "bad input must send nothing");
}

#[test]
fn bad_ids_endpoints_and_urls_exit_2_with_one_line_and_send_nothing() {
    let server = MockServer::start();
    let any = refuse_everything(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let png = png.to_str().unwrap();
    let base = server.base_url();
    each_exits_2_with_one_line(vec![
        (
            "an empty thread id",
            acs_upload(png, &base, ""),
            "thread id is empty",
        ),
        (
            "http:// off loopback",
            acs_upload(png, "http://example.com", THREAD),
            "non-loopback",
        ),
        (
            "an ftp file URL",
            vec![
                "rbm",
                "upload-url",
                "--file-url",
                "ftp://x/a.png",
                "--agent-id",
                "a",
                "--endpoint",
                &base,
            ],
            "http:// or https://",
        ),
        (
            "an endpoint that is not a URL",
            vec![
                "agents",
                "upload",
                png,
                "--endpoint",
                "not a url",
                "--purpose",
                "vision",
            ],
            "not a valid URL",
        ),
        (
            "a conversation id with whitespace",
            vec![
                "maiagent",
                "upload",
                png,
                "--presigned",
                "--conversation",
                "a b",
                "--endpoint",
                &base,
            ],
            "whitespace",
        ),
    ]);
    assert_eq!(any.calls(), 0, "bad input must send nothing");
}

#[test]
fn no_credential_exits_2_naming_its_variable_and_sends_nothing() {
    let server = MockServer::start();
    let any = refuse_everything(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let output = run(
        &[
            "maiagent",
            "upload",
            png.to_str().unwrap(),
            "--endpoint",
            &server.base_url(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("MAIAGENT_API_KEY"),
        "{}",
        stderr(&output)
    );
    assert_eq!(any.calls(), 0, "bad input must send nothing");
}

#[test]
fn a_usage_error_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let output = run(&["rbm", "upload", png.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(2));
    // clap names what is missing, and nothing reaches stdout (no request can be made without
    // the agent).
    assert!(
        stderr(&output).contains("--agent-id"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}

#[test]
fn api_failures_exit_1_with_the_vendor_message_and_no_secret() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/upload/v1/files");
        then.status(403).json_body(serde_json::json!({
            "error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}
        }));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let output = run(
        &[
            "rbm",
            "upload",
            png.to_str().unwrap(),
            "--agent-id",
            "a",
            "--endpoint",
            &server.base_url(),
            "-v",
        ],
        &[("RBM_ACCESS_TOKEN", "very-secret-rbm-token")],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("error: rbm answered HTTP 403: The caller does not have permission"),
        "{err}"
    );
    assert!(err.contains("sending request"), "-v logs requests: {err}");
    assert!(!err.contains("very-secret-rbm-token"), "{err}");
    // A closed port: a network failure, exit 1.
    let output = run(
        &[
            "rbm",
            "upload",
            png.to_str().unwrap(),
            "--agent-id",
            "a",
            "--endpoint",
            "http://127.0.0.1:9",
            "--token",
            "t",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    // Connection refused is retried (4 attempts by default), then reported.
    assert!(
        stderr(&output).starts_with("error: gave up after 4 attempts: network error"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn rbm_upload_with_a_service_account_key() {
    let server = MockServer::start();
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/token")
            .body_includes("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
        then.status(200)
            .json_body(serde_json::json!({"access_token": "ya29.cli", "expires_in": 3600}));
    });
    let upload = server.mock(|when, then| {
        when.method(POST)
            .path("/upload/v1/files")
            .header("authorization", "Bearer ya29.cli");
        then.status(200)
            .json_body(serde_json::json!({"name": "files/cli-sa"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut key: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/service-account.json"))
            .expect("fixture");
    key["token_uri"] = server.url("/token").into();
    let key_path = write(dir.path(), "key.json", key.to_string().as_bytes());
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let output = run(
        &[
            "rbm",
            "upload",
            png.to_str().unwrap(),
            "--agent-id",
            "a",
            "--endpoint",
            &server.base_url(),
        ],
        &[("GOOGLE_APPLICATION_CREDENTIALS", key_path.to_str().unwrap())],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "uploaded as files/cli-sa");
    token.assert();
    upload.assert();
}

#[test]
fn rbm_cache_flag_uploads_a_file_once() {
    let server = MockServer::start();
    let upload = server.mock(|when, then| {
        when.method(POST).path("/upload/v1/files");
        then.status(200)
            .json_body(serde_json::json!({"name": "files/cached"}));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let cache = dir.path().join("rbm-cache.json");
    for _ in 0..2 {
        let output = run(
            &[
                "rbm",
                "upload",
                png.to_str().unwrap(),
                "--agent-id",
                "a",
                "--endpoint",
                &server.base_url(),
                "--cache",
                cache.to_str().unwrap(),
                "--token",
                "t",
                "--json",
            ],
            &[],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output).trim(), r#"{"name":"files/cached"}"#);
    }
    assert_eq!(upload.calls(), 1);
}

/// Runs an upload to a server that accepts the connection and never answers, sends the CLI
/// `signals` (`-INT`, `-TERM`) 300 ms apart, and returns its output and how long it took
/// from the first signal to its exit.
fn interrupt_a_hanging_upload(signals: &[&str]) -> (Output, std::time::Duration) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let held = std::thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(dir.path(), "a.png", common::PNG_1X1);
    let child = crate::cli_command()
        .args(["rbm", "upload", png.to_str().unwrap(), "--agent-id", "a"])
        .args(["--endpoint", &endpoint, "--token", "t"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let _connection = held.join().expect("thread").expect("the CLI connected");
    let first = std::time::Instant::now();
    for signal in signals {
        let status = Command::new("kill")
            .args([*signal, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let output = child.wait_with_output().expect("exits");
    (output, first.elapsed())
}

#[test]
fn a_second_ctrl_c_aborts_the_upload_in_flight_with_status_130() {
    // The first lets the upload in flight finish (it never will); the second aborts it.
    let (output, took) = interrupt_a_hanging_upload(&["-INT", "-INT"]);
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(
        took < std::time::Duration::from_secs(5),
        "at once, not after the grace: {took:?}"
    );
    let said = stderr(&output);
    assert!(said.contains("stopping: no new files"), "{said}");
    assert!(said.contains("aborting the uploads in flight"), "{said}");
    assert!(
        stdout(&output).contains("a.png: interrupted before it finished"),
        "the file cut off is reported: {}",
        stdout(&output)
    );
}

#[test]
fn sigterm_gives_the_upload_in_flight_its_grace_then_reports_it_cut_off() {
    let (output, took) = interrupt_a_hanging_upload(&["-TERM"]);
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    // The grace is 10 s; the upload never ends, so the run does then.
    assert!(
        took >= std::time::Duration::from_secs(9) && took < std::time::Duration::from_secs(30),
        "{took:?}"
    );
    let said = stderr(&output);
    assert!(said.contains("stopping: no new files"), "{said}");
    assert!(!said.contains("aborting"), "one signal only: {said}");
    assert!(
        stdout(&output).contains("a.png: interrupted before it finished"),
        "{}",
        stdout(&output)
    );
}

/// ACS images answered by name: `bad.png` gets a 400, the rest a 201 with an id from the name.
fn acs_bulk_server(server: &MockServer) -> Vec<httpmock::Mock<'_>> {
    let mut mocks = vec![server.mock(|when, then| {
        when.method(POST).header("image-filename", "bad.png");
        then.status(400).json_body(serde_json::json!({
            "error": {"code": "BadRequest", "message": "image refused"}
        }));
    })];
    for name in ["a.png", "b.png", "c.png"] {
        mocks.push(server.mock(|when, then| {
            when.method(POST)
                .header("image-filename", name)
                .header("content-length", common::PNG_1X1.len().to_string());
            then.status(201)
                .json_body(serde_json::json!({"id": format!("id-{name}")}));
        }));
    }
    mocks
}

#[test]
fn several_files_print_one_json_line_each_naming_its_file_and_a_summary() {
    let server = MockServer::start();
    acs_bulk_server(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<String> = ["c.png", "a.png", "bad.png", "b.png"]
        .iter()
        .map(|name| {
            write(dir.path(), name, common::PNG_1X1)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut args = vec!["acs-chat", "upload-image"];
    args.extend(paths.iter().map(String::as_str));
    let endpoint = server.base_url();
    args.extend([
        "--endpoint",
        &endpoint,
        "--thread-id",
        THREAD,
        "--concurrency",
        "3",
        "--attempts",
        "1",
        "--json",
        "--token",
        "t",
    ]);
    let output = run(&args, &[]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "one API failure: {}",
        stderr(&output)
    );
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 4, "{}", stdout(&output));
    // Printed as each ends, so in any order; each line names its file.
    let line = |path: &str| {
        lines
            .iter()
            .find(|l| l["file"] == path)
            .unwrap_or_else(|| panic!("no line for {path}: {}", stdout(&output)))
    };
    assert_eq!(line(&paths[0])["ok"], true);
    assert_eq!(line(&paths[0])["result"]["id"], "id-c.png");
    assert_eq!(line(&paths[1])["result"]["id"], "id-a.png");
    assert_eq!(line(&paths[2])["ok"], false);
    assert!(
        line(&paths[2])["error"]
            .as_str()
            .is_some_and(|e| e.contains("400") && e.contains("image refused")),
        "{}",
        line(&paths[2])
    );
    assert_eq!(line(&paths[3])["result"]["id"], "id-b.png");
    let summary = stderr(&output);
    assert!(
        summary.contains(&format!(
            "3 uploaded, 1 failed, {} bytes in",
            3 * common::PNG_1X1.len()
        )),
        "{summary}"
    );
}

#[test]
fn a_directory_uploads_its_files_sorted_and_a_missing_file_stops_everything() {
    let server = MockServer::start();
    let mocks = acs_bulk_server(&server);
    let calls = || mocks.iter().map(httpmock::Mock::calls).sum::<usize>();
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["b.png", "a.png", ".hidden.png"] {
        write(dir.path(), name, common::PNG_1X1);
    }
    std::fs::create_dir(dir.path().join("sub")).expect("subdir");
    let endpoint = server.base_url();
    let dir_arg = dir.path().to_string_lossy().into_owned();
    let base = [
        "acs-chat",
        "upload-image",
        "--endpoint",
        &endpoint,
        "--thread-id",
        THREAD,
        "--token",
        "t",
    ];
    let mut args = base.to_vec();
    args.extend(["--dir", &dir_arg]);
    let output = run(&args, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let printed = stdout(&output);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 3, "{printed}");
    // Each line as its upload ends, so in either order.
    for uploaded in [
        "a.png: uploaded a.png as image id-a.png",
        "b.png: uploaded b.png as image id-b.png",
    ] {
        assert!(
            lines[..2].iter().any(|l| l.ends_with(uploaded)),
            "{uploaded}: {printed}"
        );
    }
    assert!(lines[2].starts_with("2 uploaded, 0 failed"), "{printed}");

    // A missing file among several: exit 2 before anything is sent.
    assert_eq!(calls(), 2);
    let missing = dir
        .path()
        .join("missing.png")
        .to_string_lossy()
        .into_owned();
    let mut args = base.to_vec();
    args.extend(["--dir", &dir_arg, &missing]);
    let output = run(&args, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("missing.png: no such file"));
    assert_eq!(calls(), 2, "nothing more was sent");

    // --filename names one file only.
    let mut args = base.to_vec();
    args.extend(["--dir", &dir_arg, "--filename", "x.png"]);
    let output = run(&args, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--filename names one file"));
}

/// Each subcommand's `--help` lists the options that mean something to it: the upload options
/// (`--token`, `--json`, `--attempts`, …) for a service's upload, never for the emulator.
#[test]
fn help_lists_only_the_options_a_subcommand_takes() {
    let upload_options = ["--token", "--auth", "--json", "--attempts", "--timeout"];
    let emulator = run(&["emulator", "--help"], &[]);
    assert_eq!(emulator.status.code(), Some(0), "{}", stderr(&emulator));
    let emulator = stdout(&emulator);
    assert!(emulator.contains("--port"), "{emulator}");
    for option in upload_options {
        assert!(
            !emulator.contains(option),
            "emulator --help lists {option}:\n{emulator}"
        );
    }
    // The control: an upload lists them, after its subcommand as before.
    let upload = stdout(&run(&["maiagent", "upload", "--help"], &[]));
    for option in upload_options {
        assert!(
            upload.contains(option),
            "maiagent upload --help lacks {option}:\n{upload}"
        );
    }
}
