//! Known-answer tests: AWS's documented example, and signatures computed independently.

use super::check_form;
use super::signing::{hex, hmac_sha256, policy_signature, signing_key};
use super::test_support::*;

#[test]
fn aws_documented_signature() {
    assert_eq!(
        policy_signature(AWS_SECRET, "20151229", "us-east-1", AWS_POLICY),
        AWS_SIGNATURE
    );
    // Not stated by AWS; computed with Python's hmac/hashlib:
    //   k = b"AWS4" + secret; for m in ("20151229", "us-east-1", "s3", "aws4_request"):
    //       k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    assert_eq!(
        hex(&signing_key(AWS_SECRET, "20151229", "us-east-1")),
        "cbcef1ebeaefc82cce6530b9f0a9ae598846065f5c5bae0674bd5ebc4ba52d28"
    );
}

/// AWS's example form, field names as the page writes them (`X-Amz-Credential`, `Policy`,
/// ...), is accepted, and `${filename}` is expanded before `starts-with $key` is checked.
#[test]
fn aws_documented_form_is_accepted() {
    let fields: Vec<(String, String)> = [
        ("key", "user/user1/${filename}"),
        ("acl", "public-read"),
        (
            "success_action_redirect",
            "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
        ),
        ("Content-Type", "image/jpeg"),
        ("x-amz-meta-uuid", "14365123651274"),
        ("x-amz-server-side-encryption", "AES256"),
        (
            "X-Amz-Credential",
            "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
        ),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Date", "20151229T000000Z"),
        ("x-amz-meta-tag", ""),
        ("Policy", AWS_POLICY),
        ("X-Amz-Signature", AWS_SIGNATURE),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    let accepted = check_form(
        &aws_key(),
        "sigv4examplebucket",
        &fields,
        Some("C:\\Users\\eric\\MyPhoto.jpg"),
        at(2015, 12, 29, 0, 0, 0),
    )
    .expect("AWS's example form is accepted");
    assert_eq!(accepted.object_key, "user/user1/MyPhoto.jpg");
    assert_eq!(accepted.content_length_range, None);
    assert_eq!(accepted.success_action_status, 204);

    // After noon on the 30th it has expired.
    let err = check_form(
        &aws_key(),
        "sigv4examplebucket",
        &fields,
        Some("MyPhoto.jpg"),
        at(2015, 12, 30, 12, 0, 1),
    )
    .expect_err("expired");
    assert_eq!(err.message, "Invalid according to Policy: Policy expired.");
}

/// The policy text and signature `sign_post` produces, checked against an independent
/// computation with Python's base64/hmac/hashlib over the same JSON text:
///   policy = base64.b64encode(policy_json.encode()); k = b"AWS4emulator-secret"
///   for m in ("20261201", "ap-northeast-1", "s3", "aws4_request"): k = hmac.new(k, m.encode(), sha256).digest()
///   hmac.new(k, policy, sha256).hexdigest()
#[test]
fn sign_post_known_answer() {
    let fields = signed("incoming/${filename}");
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "key",
            "x-amz-algorithm",
            "x-amz-credential",
            "x-amz-date",
            "policy",
            "x-amz-signature"
        ]
    );
    assert_eq!(get(&fields, "key"), "incoming/${filename}");
    assert_eq!(get(&fields, "x-amz-algorithm"), "AWS4-HMAC-SHA256");
    assert_eq!(
        get(&fields, "x-amz-credential"),
        "AKIAEMULATOR/20261201/ap-northeast-1/s3/aws4_request"
    );
    assert_eq!(get(&fields, "x-amz-date"), "20261201T040000Z");
    assert_eq!(
        decoded_policy(&fields),
        "{\"expiration\":\"2026-12-01T05:00:00.000Z\",\"conditions\":[{\"bucket\":\"uploads\"},\
         [\"starts-with\",\"$key\",\"incoming/\"],[\"content-length-range\",1,10485760],\
         {\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"},\
         {\"x-amz-credential\":\"AKIAEMULATOR/20261201/ap-northeast-1/s3/aws4_request\"},\
         {\"x-amz-date\":\"20261201T040000Z\"}]}"
    );
    assert_eq!(
        get(&fields, "policy"),
        "eyJleHBpcmF0aW9uIjoiMjAyNi0xMi0wMVQwNTowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoidXBsb2FkcyJ9LFsic3RhcnRzLXdpdGgiLCIka2V5IiwiaW5jb21pbmcvIl0sWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsMSwxMDQ4NTc2MF0seyJ4LWFtei1hbGdvcml0aG0iOiJBV1M0LUhNQUMtU0hBMjU2In0seyJ4LWFtei1jcmVkZW50aWFsIjoiQUtJQUVNVUxBVE9SLzIwMjYxMjAxL2FwLW5vcnRoZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LHsieC1hbXotZGF0ZSI6IjIwMjYxMjAxVDA0MDAwMFoifV19"
    );
    assert_eq!(
        get(&fields, "x-amz-signature"),
        "caa6ea4d1d3034751cb8bd530212848da097a7ac07890c6ab9e5e228563aab51"
    );
}

/// RFC 4231 test case 6 (a 131-byte key, longer than the block), and a SigV4 chain whose
/// secret is longer than the block, computed with Python's hmac.
#[test]
fn hmac_with_long_keys() {
    assert_eq!(
        hex(&hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        )),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    assert_eq!(
        hex(&hmac_sha256(
            &signing_key(&"L".repeat(100), "20261201", "ap-northeast-1"),
            b"abc"
        )),
        "da9d6007fceda5ec7d8e628a6d9974a9b29f3ef588db127994b636a2927ca237"
    );
}
