//! Shared fixtures for the tests: a signing key and clock, signed forms, and field edits.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, TimeZone, Utc};

use super::signing::policy_signature;
use super::{AcceptedForm, S3Error, SigningKey, check_form, sign_post};

pub(super) fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("valid test time")
}

pub(super) fn key() -> SigningKey {
    SigningKey {
        access_key_id: "AKIAEMULATOR".to_owned(),
        secret_access_key: "emulator-secret".to_owned(),
        region: "ap-northeast-1".to_owned(),
    }
}

pub(super) fn now() -> DateTime<Utc> {
    at(2026, 12, 1, 4, 0, 0)
}

pub(super) fn expires() -> DateTime<Utc> {
    at(2026, 12, 1, 5, 0, 0)
}

pub(super) fn signed(object_key: &str) -> Vec<(String, String)> {
    sign_post(
        &key(),
        "uploads",
        object_key,
        (1, 10_485_760),
        expires(),
        now(),
    )
}

pub(super) fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    for field in fields.iter_mut() {
        if field.0 == name {
            field.1 = value.to_owned();
        }
    }
}

pub(super) fn get<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .expect("field present")
}

pub(super) fn check(
    fields: &[(String, String)],
    file_name: Option<&str>,
) -> Result<AcceptedForm, S3Error> {
    check_form(&key(), "uploads", fields, file_name, now())
}

/// Re-signs `policy_json` under `key()` at `now()`, as a client holding the secret could.
pub(super) fn resign(fields: &mut [(String, String)], policy_json: &str) {
    let policy = BASE64.encode(policy_json.as_bytes());
    let signature = policy_signature("emulator-secret", "20261201", "ap-northeast-1", &policy);
    set(fields, "policy", &policy);
    set(fields, "x-amz-signature", &signature);
}

pub(super) fn decoded_policy(fields: &[(String, String)]) -> String {
    let bytes = BASE64.decode(get(fields, "policy")).expect("base64");
    String::from_utf8(bytes).expect("utf-8")
}

/// AWS's documented example ("Example: Browser-Based Upload using HTTP POST (Using AWS
/// Signature Version 4)"): credentials AKIAIOSFODNN7EXAMPLE /
/// wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, scope 20151229/us-east-1/s3, the page's base64
/// policy (its JSON has CRLF line ends) and the page's signature.
pub(super) const AWS_POLICY: &str = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
pub(super) const AWS_SIGNATURE: &str =
    "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";
pub(super) const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub(super) fn aws_key() -> SigningKey {
    SigningKey {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
        secret_access_key: AWS_SECRET.to_owned(),
        region: "us-east-1".to_owned(),
    }
}
