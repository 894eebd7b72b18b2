//! The `upload-clients-emulator` binary, as a test in another language would use it: started on
//! a free port, its base URL read from its first line, an upload checked, stopped by PID.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_binary_prints_its_base_url_first_and_serves_the_four_apis() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_upload-clients-emulator"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the emulator binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("its first line");
    let base_url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the first line names the base URL: {first:?}"))
        .to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let answer = runtime.block_on(async {
        let client = reqwest::Client::new();
        let image = client
            .post(format!(
                "{base_url}/chat/threads/{}/images?api-version=2024-03-15-preview",
                crate::common::THREAD
            ))
            .header("Authorization", "Bearer any-token")
            .header("Content-Type", "application/octet-stream")
            .header("image-filename", "sample.png")
            .body(crate::common::PNG_1X1.to_vec())
            .send()
            .await
            .expect("the upload is answered");
        let status = image.status();
        let requests: serde_json::Value = client
            .get(format!("{base_url}/_emulator/requests"))
            .send()
            .await
            .expect("the requests are listed")
            .json()
            .await
            .expect("as JSON");
        (status, requests)
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer.0.as_u16(), 201, "ACS's answer to a valid upload");
    let recorded = answer.1.as_array().expect("a list of requests");
    assert_eq!(recorded.len(), 1, "{recorded:?}");
}
