//! The emulator's storage checks a presigned POST as S3 does: a form as signed is kept and can
//! be read back; a changed field, a tampered policy, an expired policy, a file outside the
//! policy's `content-length-range` or a credential header are refused with S3's XML errors.
//! Raw forms are sent here, because the client itself refuses most of these before sending.
//! The presign's key is concrete, built from the requested name as MaiAgent's page shows (the
//! name one path segment), so MaiAgent's own example helper, which registers the key exactly as
//! returned, goes through presign, storage and registration.

mod flows;
mod policy;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use upload_clients_emulator::Emulator;

/// A presigned POST for `size` bytes of `filename`, from the emulator's MaiAgent API.
async fn presign(emu: &Emulator, size: u64, filename: &str) -> (String, Vec<(String, String)>) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/upload-presigned-url/", emu.base_url()))
        .header("authorization", "Api-Key k")
        .json(&json!({"fileSize": size, "filename": filename}))
        .send()
        .await
        .expect("presign");
    assert_eq!(response.status(), 200);
    // The answer says the service's time, as every real server does: the client reads a
    // policy's expiry on that clock.
    let date = response
        .headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .expect("a Date header");
    let skew = std::time::SystemTime::now()
        .duration_since(date)
        .unwrap_or_else(|e| e.duration());
    assert!(
        skew < std::time::Duration::from_secs(60),
        "Date is now: {skew:?}"
    );
    // The fields in the order they came (serde_json's map may not keep it).
    let text = response.text().await.expect("body");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    let mut fields: Vec<(String, String)> = body["fields"]
        .as_object()
        .expect("fields")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_owned()))
        .collect();
    fields.sort_by_key(|(k, _)| text.find(&format!("\"{k}\"")));
    (body["url"].as_str().expect("url").to_owned(), fields)
}

/// Posts `fields` then the file (then `after`, fields S3 ignores) to `url`.
async fn post(
    url: &str,
    fields: &[(String, String)],
    file: (&str, Vec<u8>),
    after: &[(&str, &str)],
) -> (u16, String) {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.clone(), value.clone());
    }
    form = form.part(
        "file",
        Part::bytes(file.1)
            .file_name(file.0.to_owned())
            .mime_str("application/pdf")
            .expect("mime"),
    );
    for (name, value) in after {
        form = form.text(name.to_string(), value.to_string());
    }
    let response = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("post");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

/// The conditions of the policy in `fields`.
fn policy_conditions(fields: &[(String, String)]) -> Vec<Value> {
    use base64::Engine as _;
    let policy = &fields
        .iter()
        .find(|(k, _)| k == "policy")
        .expect("policy")
        .1;
    let json = base64::engine::general_purpose::STANDARD
        .decode(policy)
        .expect("base64");
    let policy: Value = serde_json::from_slice(&json).expect("policy JSON");
    policy["conditions"].as_array().expect("conditions").clone()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == name {
                    value.to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

#[track_caller]
fn s3_error(answer: &(u16, String), status: u16, code: &str, message: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert!(answer.1.starts_with("<?xml"), "{}", answer.1);
    assert!(
        answer.1.contains(&format!("<Code>{code}</Code>")),
        "{}",
        answer.1
    );
    assert!(answer.1.contains(message), "{}", answer.1);
}
