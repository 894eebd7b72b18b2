//! Signs a presigned POST: the policy JSON, its base64 text and signature, and the form fields.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};

use super::policy::json_string;
use super::signing::policy_signature;
use super::{
    ALGORITHM, AMZ_DATE_FORMAT, FILENAME_VAR, SCOPE_DATE_FORMAT, SERVICE, SigningKey, TERMINATOR,
};

/// Signs a POST policy and returns the form fields in the order a client must send them.
///
/// The fields are `key`, `x-amz-algorithm` (`AWS4-HMAC-SHA256`), `x-amz-credential`
/// (`{access}/{yyyymmdd}/{region}/s3/aws4_request`), `x-amz-date` (`yyyymmddTHHMMSSZ`),
/// `policy` (the base64 of the JSON policy) and `x-amz-signature` (lowercase hex).
///
/// The policy's conditions are, in order: `{"bucket": bucket}`; the key condition;
/// `["content-length-range", min, max]`; then exact conditions on `x-amz-algorithm`,
/// `x-amz-credential` and `x-amz-date`. If `object_key` contains `${filename}`, the key
/// condition is `["starts-with", "$key", prefix]`, where prefix is the text before the first
/// `${filename}`. Otherwise it is the exact `{"key": object_key}`. The expiration is written
/// in ISO 8601 UTC with milliseconds, e.g. `2026-12-01T05:00:00.000Z`. `now` dates the
/// credential scope and `x-amz-date`.
pub fn sign_post(
    key: &SigningKey,
    bucket: &str,
    object_key: &str,
    content_length_range: (u64, u64),
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let scope_date = now.format(SCOPE_DATE_FORMAT).to_string();
    let amz_date = now.format(AMZ_DATE_FORMAT).to_string();
    let credential = format!(
        "{}/{scope_date}/{}/{SERVICE}/{TERMINATOR}",
        key.access_key_id, key.region
    );
    let key_condition = match object_key.find(FILENAME_VAR) {
        Some(at) => format!(
            "[\"starts-with\",\"$key\",{}]",
            json_string(&object_key[..at])
        ),
        None => format!("{{\"key\":{}}}", json_string(object_key)),
    };
    let (min, max) = content_length_range;
    let policy_json = format!(
        "{{\"expiration\":{},\"conditions\":[{{\"bucket\":{}}},{key_condition},\
         [\"content-length-range\",{min},{max}],{{\"x-amz-algorithm\":{}}},\
         {{\"x-amz-credential\":{}}},{{\"x-amz-date\":{}}}]}}",
        json_string(&expires.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        json_string(bucket),
        json_string(ALGORITHM),
        json_string(&credential),
        json_string(&amz_date),
    );
    let policy = BASE64.encode(policy_json.as_bytes());
    let signature = policy_signature(&key.secret_access_key, &scope_date, &key.region, &policy);
    vec![
        ("key".to_owned(), object_key.to_owned()),
        ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
        ("x-amz-credential".to_owned(), credential),
        ("x-amz-date".to_owned(), amz_date),
        ("policy".to_owned(), policy),
        ("x-amz-signature".to_owned(), signature),
    ]
}
