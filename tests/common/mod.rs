//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod counting;
pub mod scripted;

use httpmock::HttpMockRequest;

/// A 1×1 PNG, the image of the ACS sample request.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x18, 0x57, 0x63, 0xf8, 0x0f, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x5a, 0x4d, 0x6f, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// Hooks that send `Authorization: <auth>` (`Bearer …` or `Api-Key …`) with every request.
pub fn hooks(auth: &str) -> upload_clients::hooks::Hooks {
    use upload_clients::auth::Credential;
    let credential = match auth.split_once(' ') {
        Some(("Bearer", token)) => Credential::bearer(token),
        Some(("Api-Key", key)) => Credential::api_key(key),
        _ => panic!("unsupported test credential {auth:?}"),
    };
    upload_clients::hooks::Hooks::new(credential)
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
