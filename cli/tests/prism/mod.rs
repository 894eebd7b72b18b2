//! Spec conformance against a real OpenAPI validator: Stoplight Prism (`@stoplight/prism-cli`,
//! pinned by `cli/tests/prism/package-lock.json`, installed with `npm ci` under `target/` on first
//! use) mocks each spec with `--errors`, so every request that breaks its spec is answered with
//! an error status and an `sl-violations` header naming what is wrong. As these specs give their
//! error responses (`default`, `4XX`) examples, that answer is the spec's own error example at the
//! violation's status (401, 415 or 422) — in the facade an `Error::Api` with the vendor's typed
//! body — and the details are only in the header; the problem+json body with `validation` comes
//! only when Prism's own response breaks the spec (a 500).
//!
//! Every facade operation and every CLI subcommand runs against the Prism of its spec, through a
//! small recording proxy that fails the test on any `sl-violations` header, warnings included.
//! Negative controls (raw requests that break the spec) prove that Prism does validate each spec.
//!
//! # What Prism 5.14.2 checks, as seen here
//!
//! - Security: presence only. An `apiKey` in a header (ACS, MaiAgent) passes with any value;
//!   `oauth2` (RBM, AI Agents) needs `Authorization: Bearer …` (`Basic …` is refused). Otherwise
//!   401 "Invalid security scheme used".
//! - Parameters: required query parameters, `format: uri` and `enum` on a query parameter (ACS's
//!   `api-version` must be one of the versions its spec lists).
//! - Media bodies (`application/octet-stream`, RBM's 20 media types): the request's
//!   `Content-Type` must be one the operation lists (else 415, listing them) and a required body
//!   must not be empty; the bytes themselves are not looked at. All 20 RBM types are accepted.
//! - `multipart/form-data`: the parts are parsed by name and checked as an object of strings
//!   against the schema (required parts, enums); `format: binary`, a part's `Content-Type` (the
//!   `encoding`) and whether `file` is a file part are not checked. Bodies over 10 MB are refused
//!   by Prism's body parser, so only small files are used here.
//! - JSON bodies: the full schema (required, types, formats, minimum).
//! - Its own mock responses against the spec: a response that breaks its schema is a 500.
//! - Not handled: a multipart file part without a `Content-Type` makes Prism exit
//!   ([`prism_dies_on_a_file_part_without_content_type`]), so the raw controls set one.
//!
//! # Found with Prism and fixed in the spec
//!
//! - MaiAgent's `AttachmentCreate.file` and `ConversationAttachmentCreate.file` had
//!   `format: uri`, which the spec's own request example (`file: request_string`, from the page)
//!   breaks, as does the storage key the facade registers (`media/chat/attachment/…`); the format
//!   is dropped there, as it already was for the response's `file`.
//! - Open enums were written `oneOf: [{$ref: Known…}, {type: string}]`. Under JSON Schema's
//!   `oneOf` (exactly one alternative must match) a *known* value matches both alternatives and is
//!   invalid, so Prism refused the facade's `purpose=assistants` (422, "must match exactly one
//!   schema in oneOf") and its own examples (`object: file`, `purpose: assistants`,
//!   `status: processed`, a 500). The specs now say `anyOf`, which is what they mean. progenitor
//!   (typify) renders an `anyOf` as a struct of optional flattened fields, so `build.rs` turns
//!   exactly this pattern back into `oneOf` on its own copy, and the generated types stay the
//!   untagged enums the facade uses (`tests/specs/` checks both).
//! - MaiAgent's `AttachmentType` had `nullable: true` without a `type`. OpenAPI 3.0.3 says
//!   `nullable` "only takes effect if type is explicitly defined", so it meant nothing (a schema
//!   without `type` accepts null anyway), but it kept Prism from validating the bodies of
//!   `/attachments/` and `/conversations/{pk}/attachments/` at all: its OpenAPI converter
//!   (`@stoplight/http-spec`) only rewrites `nullable` next to a `type`, ajv then refuses to
//!   compile the schema ("nullable" cannot be used without "type"), and Prism's
//!   `validateAgainstSchema` swallows that error (`O.tryCatch`). It is gone;
//!   [`maiagent_committed_spec_validates_registration`] checks that Prism now refuses a bad
//!   registration body against the committed spec.
//!
//! # What the copies Prism reads change, and why ([`prism_copy`] lists each change)
//!
//! 1. Base paths: Prism ignores the path of `servers` by design (its FAQ; stoplightio/prism#906,
//!    #1591, #1823, #2191, where its maintainers advise putting the base path into the paths), so
//!    each path is prefixed with the path of the first server (variables at their defaults):
//!    `/api` for MaiAgent, `/api/projects/your-project` for AI Agents. The clients are then given
//!    base URLs with those paths, as against the real APIs.
//! 2. MaiAgent's presigned POST example `url` (`https://s3.example.com/bucket-name`) is not a host
//!    a test may reach, so the copy points it to a local storage stub on 127.0.0.1 that checks the
//!    form (fields in the presigner's order, the file last, no credential). `presign` and
//!    `register` are also called one by one, so each is checked against Prism on its own.
#![cfg(unix)]

mod acs_chat;
mod ai_agents;
mod emulator_agrees;
mod maiagent;
mod rbm;
mod server;
mod setup;

use std::time::Duration;

const PRISM_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/prism");
const SPECS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
/// The version `cli/tests/prism/package.json` pins (the newest whose engines accept Node.js 20).
const PRISM_VERSION: &str = "5.14.2";
/// How long Prism may take to listen (it loads the spec first; other builds may share the CPU).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x18, 0x57, 0x63, 0xf8, 0x0f, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x5a, 0x4d, 0x6f, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];
/// `pdf` followed by a comment line of spaces, `len` bytes in all.
fn padded(pdf: &[u8], len: usize) -> Vec<u8> {
    let mut out = pdf.to_vec();
    out.push(b'%');
    out.resize(len - 1, b' ');
    out.push(b'\n');
    out
}

/// A small PDF with bytes that are not UTF-8 and the characters form encodings reserve.
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog (a=b&c;d) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

// Values of the specs' examples, which Prism answers with.
const ACS_THREAD: &str = "19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2";
const ACS_IMAGE_ID: &str = "0-eus-d2-fb42e272282ebb6ef76a3aedd1974433";
const RBM_FILE: &str = "files/a1b2c3d4";
const AGENTS_FILE_ID: &str = "assistant-abc123";
const MAI_ID: &str = "550e8400-e29b-41d4-a716-446655440000";
const MAI_KEY: &str = "media/chat/attachment/filename.pdf";
const MAI_FIELDS: [(&str, &str); 6] = [
    ("key", MAI_KEY),
    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
    (
        "x-amz-credential",
        "AKIAXXXXXXXXXXXXXXXX/YYYYMMDD/region/s3/aws4_request",
    ),
    ("x-amz-date", "YYYYMMDDTHHMMSSZ"),
    ("policy", "base64-encoded-policy-document"),
    ("x-amz-signature", "generated-signature-hash"),
];

/// The violations of an `sl-violations` header, one line each: `location: message (severity)`.
fn violations(header: &str) -> Vec<String> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(header) else {
        return vec![format!("unparsed: {header}")];
    };
    items
        .iter()
        .map(|v| {
            let location: Vec<&str> = v["location"]
                .as_array()
                .map(|l| l.iter().filter_map(|p| p.as_str()).collect())
                .unwrap_or_default();
            format!(
                "{}: {} ({})",
                location.join("."),
                v["message"].as_str().unwrap_or_default(),
                v["severity"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Negative controls: raw requests straight to Prism

/// Prism's answer to a raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    violations: Vec<String>,
    body: serde_json::Value,
}

async fn send(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let violations = response
        .headers()
        .get("sl-violations")
        .map(|v| violations(v.to_str().expect("ASCII header")))
        .unwrap_or_default();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok(Answer {
        status,
        violations,
        body,
    })
}

/// Checks that Prism refused a request with `status` for exactly `expected` (each a
/// `location: message` prefix of a violation, in order).
#[track_caller]
fn refused(what: &str, answer: &Answer, status: u16, expected: &[&str]) {
    assert_eq!(answer.status, status, "{what}: {answer:#?}");
    assert_eq!(
        answer.violations.len(),
        expected.len(),
        "{what}: {answer:#?}"
    );
    for (violation, expected) in answer.violations.iter().zip(expected) {
        assert!(
            violation.starts_with(expected) && violation.ends_with("(Error)"),
            "{what}: expected {expected:?}, got {violation:?}"
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}
