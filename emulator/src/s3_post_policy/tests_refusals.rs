//! Tests of refused forms: changed key or bucket, bad signature, expiry, and bad credentials.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::test_support::*;
use super::{SigningKey, check_form, sign_post};

#[test]
fn changed_key_is_refused() {
    let mut fields = signed("reports/2026/q4.csv");
    set(&mut fields, "key", "reports/2026/q5.csv");
    let err = check(&fields, None).expect_err("refused");
    assert_eq!((err.status, err.code), (403, "AccessDenied"));
    assert_eq!(
        err.message,
        "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$key\", \"reports/2026/q4.csv\"]"
    );

    let mut fields = signed("incoming/${filename}");
    set(&mut fields, "key", "elsewhere/${filename}");
    let err = check(&fields, Some("a.txt")).expect_err("refused");
    assert_eq!(
        err.message,
        "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"incoming/\"]"
    );
}

#[test]
fn other_bucket_is_refused() {
    let fields = signed("a.txt");
    let err = check_form(&key(), "other", &fields, None, now()).expect_err("refused");
    assert_eq!(
        err.message,
        "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", \"uploads\"]"
    );
}

#[test]
fn tampered_policy_is_refused() {
    let mut fields = signed("a.txt");
    let tampered = decoded_policy(&fields).replace("10485760", "99999999999");
    set(&mut fields, "policy", &BASE64.encode(tampered.as_bytes()));
    let err = check(&fields, None).expect_err("refused");
    assert_eq!((err.status, err.code), (403, "SignatureDoesNotMatch"));
    assert_eq!(
        err.message,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    );
    // A truncated policy is a signature mismatch too, not a malformed policy.
    let mut fields = signed("a.txt");
    let truncated = get(&fields, "policy")[..20].to_owned();
    set(&mut fields, "policy", &truncated);
    assert_eq!(
        check(&fields, None).expect_err("refused").code,
        "SignatureDoesNotMatch"
    );
}

#[test]
fn wrong_secret_is_refused() {
    let other = SigningKey {
        secret_access_key: "another-secret".to_owned(),
        ..key()
    };
    let fields = sign_post(&other, "uploads", "a.txt", (0, 10), expires(), now());
    let err = check(&fields, None).expect_err("refused");
    assert_eq!((err.status, err.code), (403, "SignatureDoesNotMatch"));
}

#[test]
fn uppercase_signature_is_refused() {
    let mut fields = signed("a.txt");
    let upper = get(&fields, "x-amz-signature").to_ascii_uppercase();
    set(&mut fields, "x-amz-signature", &upper);
    assert_eq!(
        check(&fields, None).expect_err("refused").code,
        "SignatureDoesNotMatch"
    );
}

#[test]
fn expired_policy_is_refused() {
    let fields = signed("a.txt");
    // The expiration instant itself is still valid.
    check_form(&key(), "uploads", &fields, None, expires()).expect("valid at the instant");
    let late = expires() + chrono::Duration::milliseconds(1);
    let err = check_form(&key(), "uploads", &fields, None, late).expect_err("expired");
    assert_eq!((err.status, err.code), (403, "AccessDenied"));
    assert_eq!(err.message, "Invalid according to Policy: Policy expired.");
}

#[test]
fn credential_checks() {
    let mut fields = signed("a.txt");
    set(&mut fields, "x-amz-algorithm", "AWS4-HMAC-SHA1");
    assert_eq!(
        check(&fields, None).expect_err("algorithm").code,
        "InvalidArgument"
    );

    let mut fields = signed("a.txt");
    set(
        &mut fields,
        "x-amz-credential",
        "AKIAOTHER/20261201/ap-northeast-1/s3/aws4_request",
    );
    let err = check(&fields, None).expect_err("unknown key");
    assert_eq!((err.status, err.code), (403, "InvalidAccessKeyId"));

    for bad in [
        "AKIAEMULATOR/20261201/ap-northeast-1/s3",
        "/20261201/ap-northeast-1/s3/aws4_request",
        "AKIAEMULATOR/2026-12-01/ap-northeast-1/s3/aws4_request",
        "AKIAEMULATOR/20261201/ap-northeast-1/ec2/aws4_request",
        "AKIAEMULATOR/20261201/ap-northeast-1/s3/aws5_request",
    ] {
        let mut fields = signed("a.txt");
        set(&mut fields, "x-amz-credential", bad);
        let err = check(&fields, None).expect_err(bad);
        assert_eq!((err.status, err.code), (400, "InvalidArgument"), "{bad}");
    }

    let mut fields = signed("a.txt");
    set(
        &mut fields,
        "x-amz-credential",
        "AKIAEMULATOR/20261201/us-east-1/s3/aws4_request",
    );
    let err = check(&fields, None).expect_err("region");
    assert_eq!(
        err.message,
        "the region 'us-east-1' is wrong; expecting 'ap-northeast-1'"
    );

    let mut fields = signed("a.txt");
    set(&mut fields, "x-amz-date", "2026-12-01T04:00:00Z");
    assert_eq!(
        check(&fields, None).expect_err("date").code,
        "InvalidArgument"
    );
}
