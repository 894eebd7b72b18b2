//! The emulator: the CLI's own commands complete every upload flow against `upload-clients
//! emulator`; every spec check answers with its vendor's error shape (checked against the spec's
//! own error schema); answers look like the vendors'; faults and inspection work.
//! Storage's POST policy checks are in `emulator/tests/emulator_storage/`, faults in
//! `emulator/tests/emulator_faults.rs`; Prism's agreement is in `cli/tests/prism/`.

mod answers;
mod cli_flows;
mod spec_checks;

use reqwest::StatusCode;
use serde_json::Value;

/// The ACS path of the sample thread, percent-encoded as clients send it.
const ACS_PATH: &str = "/chat/threads/19%3A34adfa4f-cedf-4dc0-ba29-b6d1a69ab345%40thread.v2/images";

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
