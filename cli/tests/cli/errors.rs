//! Exit status and error line: bad files, ids, endpoints and URLs, a missing credential, usage
//! errors and API failures; and what each subcommand's `--help` lists.

use crate::common;

use common::{THREAD, write};
use httpmock::prelude::*;

use super::{run, stderr, stdout};

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
