//! Several files and directories in one run: one JSON line per file and a summary.

use crate::common;

use common::{THREAD, write};
use httpmock::prelude::*;

use super::{run, stderr, stdout};

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

/// A 1×1 PNG under each of `names` in `dir`; their paths.
fn pngs(dir: &std::path::Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            write(dir, name, common::PNG_1X1)
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn several_files_print_one_json_line_each_naming_its_file_and_a_summary() {
    let server = MockServer::start();
    acs_bulk_server(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = pngs(dir.path(), &["c.png", "a.png", "bad.png", "b.png"]);
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

#[test]
fn a_closed_stdout_is_one_error_line_not_a_panic_and_every_upload_still_happens() {
    let server = MockServer::start();
    let mocks = acs_bulk_server(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = pngs(dir.path(), &["a.png", "b.png", "c.png"]);
    let endpoint = server.base_url();
    let mut child = crate::cli_command()
        .args(["acs-chat", "upload-image"])
        .args(&paths)
        .args([
            "--endpoint",
            &endpoint,
            "--thread-id",
            THREAD,
            "--token",
            "t",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    // The reader goes away before the first result: `upload-clients … | head -0`.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("binary ends");
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        err.matches("cannot write the results to standard output")
            .count(),
        1,
        "one error line for the closed stdout: {err}"
    );
    assert_eq!(output.status.code(), Some(1), "{err}");
    for (mock, name) in mocks[1..].iter().zip(["a.png", "b.png", "c.png"]) {
        assert_eq!(mock.calls(), 1, "{name} was uploaded once: {err}");
    }
}
