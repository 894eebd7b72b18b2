//! S3 POST policy signing and checking, done the way S3 does it, for the emulator's storage endpoint.
//!
//! A browser upload to S3 (AWS Signature Version 4, "POST policy") is a `multipart/form-data`
//! POST to the bucket's URL. Its fields carry a base64 JSON policy, signed with HMAC-SHA256
//! under the SigV4 signing key. The emulator signs such a presigned POST ([`sign_post`]).
//! When a client later posts the form, the emulator checks it as S3 would ([`check_form`],
//! then [`check_size`] once the file has streamed). It answers S3's XML errors
//! ([`S3Error::to_xml`]), so clients can be tested offline.
//!
//! Sources: AWS's S3 pages "POST Policy" (`sigv4-HTTPPOSTConstructPolicy`), "Creating a POST
//! policy / HTML forms" (`sigv4-HTTPPOSTForms`, `HTTPPOSTForms`), "Calculating a signature"
//! (`sigv4-authentication-HTTPPOST`) and "Example: Browser-Based Upload using HTTP POST"
//! (`sigv4-post-example`, whose signature is the known-answer test in `tests_known_answers.rs`). Where AWS documents
//! nothing, the answers follow S3's responses as recorded by others. Each such choice is marked
//! "Observed" or "Chosen" where it is made.
//!
//! Layout: this file holds the public types and re-exports the entry points. [`sign_post`] is in
//! `presign`, [`check_form`] and [`check_size`] in `check`, [`S3Error`] in `error`. They use
//! `signing` (SigV4), `credential` (`x-amz-credential`), `form` (fields, `${filename}`),
//! `policy` (parsing the policy document) and `conditions` (evaluating it).

mod check;
mod conditions;
mod credential;
mod error;
mod form;
mod policy;
mod presign;
mod signing;

use std::fmt;

pub use self::check::{check_form, check_size};
pub use self::error::S3Error;
pub use self::presign::sign_post;

/// The only algorithm a SigV4 POST may name.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service and terminator of the credential scope.
const SERVICE: &str = "s3";
const TERMINATOR: &str = "aws4_request";
/// The variable S3 replaces with the uploaded file's name.
pub(crate) const FILENAME_VAR: &str = "${filename}";
/// `x-amz-date`, and the scope date of `x-amz-credential`.
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const SCOPE_DATE_FORMAT: &str = "%Y%m%d";

/// The emulator's signing credential (an S3 access key pair and a region).
#[derive(Clone)]
pub struct SigningKey {
    /// The access key id, the first part of `x-amz-credential`.
    pub access_key_id: String,
    /// The secret access key. `Debug` shows `<redacted>` in its place.
    pub secret_access_key: String,
    /// The region of the credential scope, e.g. `us-east-1`.
    pub region: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .finish()
    }
}

/// A form S3 accepted: where the object goes and what the file must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedForm {
    /// The object key, with `${filename}` already replaced.
    pub object_key: String,
    /// The inclusive size bounds from the policy's `content-length-range`, if it has one.
    pub content_length_range: Option<(u64, u64)>,
    /// The status to answer on success: 200, 201 or 204 (the default).
    pub success_action_status: u16,
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_form;
#[cfg(test)]
mod tests_known_answers;
#[cfg(test)]
mod tests_policy;
#[cfg(test)]
mod tests_refusals;
