//! S3's error answers: the `S3Error` type, its XML document, and the constructors for the errors this module gives.

use std::fmt;

/// An S3 error as S3 answers it: an HTTP status, an error code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// The HTTP status, e.g. 403.
    pub status: u16,
    /// S3's error code, e.g. `AccessDenied`.
    pub code: &'static str,
    /// S3's human-readable message.
    pub message: String,
}

impl S3Error {
    pub(super) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// Renders the error as S3's XML error document.
    ///
    /// All text is XML-escaped (`& < > " '`). Characters XML 1.0 cannot carry, such as control
    /// characters, become U+FFFD.
    pub fn to_xml(&self, resource: &str, request_id: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>\
             <Resource>{}</Resource><RequestId>{}</RequestId></Error>",
            xml_escape(self.code),
            xml_escape(&self.message),
            xml_escape(resource),
            xml_escape(request_id),
        )
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for S3Error {}

pub(super) fn invalid_argument(message: &str) -> S3Error {
    S3Error::new(400, "InvalidArgument", message)
}

/// Observed wording, two spaces included.
pub(super) fn missing_field(name: &str) -> S3Error {
    invalid_argument(&format!(
        "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
    ))
}

pub(super) fn access_denied() -> S3Error {
    S3Error::new(403, "AccessDenied", "Access Denied")
}

pub(super) fn invalid_policy(detail: &str) -> S3Error {
    S3Error::new(
        400,
        "InvalidPolicyDocument",
        format!("Invalid Policy: {detail}"),
    )
}

pub(super) fn policy_denied(detail: &str) -> S3Error {
    S3Error::new(
        403,
        "AccessDenied",
        format!("Invalid according to Policy: {detail}"),
    )
}

pub(super) fn condition_failed(rendered: &str) -> S3Error {
    policy_denied(&format!("Policy Condition failed: {rendered}"))
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
