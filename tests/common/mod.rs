//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod counting;
pub mod scripted;

use std::path::{Path, PathBuf};
use std::process::Command;

use httpmock::HttpMockRequest;

/// The thread id of ACS's own sample request.
pub const THREAD: &str = "19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2";

/// Writes `data` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).expect("write");
    path
}

/// A port on 127.0.0.1 that was free a moment ago (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The variables the CLI reads (credentials, CAs, proxies): a test's run of the CLI sees only
/// those the test sets, never the ones of the machine running the tests.
pub const CLI_ENV: &[&str] = &[
    "ACS_ACCESS_TOKEN",
    "RBM_ACCESS_TOKEN",
    "AZURE_AI_ACCESS_TOKEN",
    "MAIAGENT_API_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "ACS_CONNECTION_STRING",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
    "CLOUDSDK_CONFIG",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
];

/// Removes [`CLI_ENV`] from `command`'s environment.
pub fn scrub(command: &mut Command) -> &mut Command {
    for var in CLI_ENV {
        command.env_remove(var);
    }
    command
}

/// A 1×1 PNG, the image of the ACS sample request.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x18, 0x57, 0x63, 0xf8, 0x0f, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x5a, 0x4d, 0x6f, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// ClientAuth that send `Authorization: <auth>` (`Bearer …` or `Api-Key …`) with every request.
pub fn hooks(auth: &str) -> upload_clients::auth::ClientAuth {
    use upload_clients::auth::Credential;
    let credential = match auth.split_once(' ') {
        Some(("Bearer", token)) => Credential::bearer(token),
        Some(("Api-Key", key)) => Credential::api_key(key),
        _ => panic!("unsupported test credential {auth:?}"),
    };
    upload_clients::auth::ClientAuth::new(credential)
}

/// One part of an expected multipart body.
pub struct ExpectedPart<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub data: &'a [u8],
}

/// True when `req` is `multipart/form-data` and its body is exactly `parts`, in order, framed
/// by the boundary its `Content-Type` names.
pub fn multipart_is(req: &HttpMockRequest, parts: &[ExpectedPart<'_>]) -> bool {
    let headers = req.headers();
    let Some(content_type) = headers.get("content-type").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(boundary) = content_type.strip_prefix("multipart/form-data; boundary=") else {
        return false;
    };
    let mut expected = Vec::new();
    for part in parts {
        expected.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(filename) = part.filename {
            disposition.push_str(&format!("; filename=\"{filename}\""));
        }
        expected.extend_from_slice(disposition.as_bytes());
        expected.extend_from_slice(b"\r\n");
        if let Some(ct) = part.content_type {
            expected.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        expected.extend_from_slice(b"\r\n");
        expected.extend_from_slice(part.data);
        expected.extend_from_slice(b"\r\n");
    }
    expected.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    req.body_ref() == expected.as_slice()
}
