//! Ctrl-C and SIGTERM during an upload that hangs.

use crate::common;

use std::process::{Command, Output};

use common::write;

use super::{stderr, stdout};

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
