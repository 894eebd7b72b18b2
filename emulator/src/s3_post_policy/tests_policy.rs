//! Tests of the policy language: `eq`, `starts-with`, `content-length-range`, and malformed policies.

use super::policy::parse_expiration;
use super::signing::policy_signature;
use super::test_support::*;

fn policy_with(conditions: &str) -> String {
    format!(
        "{{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[{{\"bucket\":\"uploads\"}},\
         {{\"key\":\"a.txt\"}},{{\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"}},\
         {{\"x-amz-credential\":\"AKIAEMULATOR/20261201/ap-northeast-1/s3/aws4_request\"}},\
         {{\"x-amz-date\":\"20261201T040000Z\"}}{conditions}]}}"
    )
}

fn with_policy(policy_json: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = signed("a.txt");
    for (n, v) in extra {
        fields.insert(1, (n.to_string(), v.to_string()));
    }
    resign(&mut fields, policy_json);
    fields
}

#[test]
fn eq_and_starts_with() {
    let policy = policy_with(
        ",[\"eq\",\"$Content-Type\",\"text/plain\"],[\"starts-with\",\"$x-amz-meta-tag\",\"\"],\
         [\"StArTs-WiTh\",\"$Cache-Control\",\"max-age\"],{\"success_action_status\":\"201\"}",
    );
    let fields = with_policy(
        &policy,
        &[
            ("content-type", "text/plain"),
            ("X-Amz-Meta-Tag", "anything"),
            ("cache-control", "max-age=60"),
            ("success_action_status", "201"),
        ],
    );
    let accepted = check(&fields, None).expect("accepted");
    assert_eq!(accepted.success_action_status, 201);
    assert_eq!(accepted.content_length_range, None);

    // Values are case-sensitive.
    let fields = with_policy(
        &policy,
        &[
            ("content-type", "Text/Plain"),
            ("X-Amz-Meta-Tag", ""),
            ("cache-control", "max-age=60"),
            ("success_action_status", "201"),
        ],
    );
    assert_eq!(
        check(&fields, None).expect_err("case").message,
        "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$Content-Type\", \"text/plain\"]"
    );

    // A condition on a field the form lacks fails, even starts-with "".
    let fields = with_policy(
        &policy,
        &[
            ("content-type", "text/plain"),
            ("cache-control", "max-age=60"),
            ("success_action_status", "201"),
        ],
    );
    assert_eq!(
        check(&fields, None).expect_err("absent").message,
        "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$x-amz-meta-tag\", \"\"]"
    );
}

#[test]
fn content_type_lists_and_quoting() {
    let policy = policy_with(",[\"starts-with\",\"$Content-Type\",\"image/\"]");
    let ok = with_policy(
        &policy,
        &[("Content-Type", "image/jpg,image/png,image/gif")],
    );
    check(&ok, None).expect("every item is an image");
    let bad = with_policy(&policy, &[("Content-Type", "image/jpg,text/plain")]);
    check(&bad, None).expect_err("one item is not");

    let policy = policy_with(",{\"Content-Disposition\":\"filename=\\\"a.png\\\"\"}");
    let bad = with_policy(&policy, &[("Content-Disposition", "inline")]);
    assert_eq!(
        check(&bad, None).expect_err("quoted").message,
        "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$Content-Disposition\", \"filename=\\\"a.png\\\"\"]"
    );
}

#[test]
fn success_action_status_values() {
    let policy = policy_with(",[\"starts-with\",\"$success_action_status\",\"\"]");
    for (sent, expected) in [
        ("200", 200),
        ("201", 201),
        ("204", 204),
        ("404", 204),
        ("", 204),
    ] {
        let fields = with_policy(&policy, &[("success_action_status", sent)]);
        assert_eq!(
            check(&fields, None)
                .expect("accepted")
                .success_action_status,
            expected
        );
    }
}

#[test]
fn content_length_range_forms() {
    let fields = with_policy(
        &policy_with(",[\"content-length-range\",\"5\",\"10\"]"),
        &[],
    );
    assert_eq!(
        check(&fields, None).expect("strings").content_length_range,
        Some((5, 10))
    );

    let fields = with_policy(
        &policy_with(",[\"content-length-range\",0,100],[\"content-length-range\",10,1000]"),
        &[],
    );
    assert_eq!(
        check(&fields, None).expect("two").content_length_range,
        Some((10, 100))
    );

    let fields = with_policy(
        &policy_with(",[\"content-length-range\",\"test\",\"10\"]"),
        &[],
    );
    let err = check(&fields, None).expect_err("not a number");
    assert_eq!(
        (err.status, err.message.as_str()),
        (
            403,
            "Invalid according to Policy: Policy Condition failed: [\"content-length-range\", \"test\", \"10\"]"
        )
    );

    for bad in [
        ",[\"content-length-range\",0,512.0]",
        ",[\"content-length-range\",-1,0]",
        ",[\"content-length-range\",0]",
    ] {
        let fields = with_policy(&policy_with(bad), &[]);
        let err = check(&fields, None).expect_err(bad);
        assert_eq!(
            (err.status, err.code),
            (400, "InvalidPolicyDocument"),
            "{bad}"
        );
    }
}

#[test]
fn malformed_policies() {
    let cases = [
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\"",
            "Invalid Policy: Invalid JSON.",
        ),
        ("[]", "Invalid Policy: Invalid JSON."),
        (
            "{\"conditions\":[]}",
            "Invalid Policy: Policy missing expiration.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\"}",
            "Invalid Policy: Policy missing conditions.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":{}}",
            "Invalid Policy: Invalid 'conditions' value: must be a List.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00+02:00\",\"conditions\":[]}",
            "Invalid Policy: Invalid 'expiration' value: '2026-12-01T05:00:00+02:00'",
        ),
        (
            "{\"EXPIRATION\":\"2026-12-01T05:00:00Z\",\"conditions\":[]}",
            "Invalid Policy: Unexpected: 'expiration'",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[{}]}",
            "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[{\"a\":\"1\",\"b\":\"2\"}]}",
            "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[{\"Content-Length\":6199034}]}",
            "Invalid Policy: Invalid Simple-Condition: value must be a string.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[[\"ends-with\",\"$key\",\"x\"]]}",
            "Invalid Policy: Invalid Condition: unknown operation 'ends-with'.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[[]]}",
            "Invalid Policy: Invalid Condition: missing operation identifier.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[[\"eq\",\"$key\"]]}",
            "Invalid Policy: Invalid eq: wrong number of arguments.",
        ),
        (
            "{\"expiration\":\"2026-12-01T05:00:00Z\",\"conditions\":[\"key\"]}",
            "Invalid Policy: Invalid condition test: must be a List or Object.",
        ),
    ];
    for (policy_json, message) in cases {
        let mut fields = signed("a.txt");
        resign(&mut fields, policy_json);
        let err = check(&fields, None).expect_err(policy_json);
        assert_eq!(
            (err.status, err.code),
            (400, "InvalidPolicyDocument"),
            "{policy_json}"
        );
        assert_eq!(err.message, message, "{policy_json}");
    }

    // Not base64 at all (but signed, so the signature check passes first).
    let mut fields = signed("a.txt");
    let policy = "not base64!";
    let signature = policy_signature("emulator-secret", "20261201", "ap-northeast-1", policy);
    set(&mut fields, "policy", policy);
    set(&mut fields, "x-amz-signature", &signature);
    let err = check(&fields, None).expect_err("base64");
    assert_eq!((err.status, err.code), (400, "InvalidPolicyDocument"));
}

#[test]
fn expiration_formats() {
    assert_eq!(
        parse_expiration("2026-12-01T05:00:00.000Z"),
        Some(expires())
    );
    assert_eq!(parse_expiration("2026-12-01T05:00:00Z"), Some(expires()));
    assert_eq!(parse_expiration("2026-12-01 05:00:00Z"), None);
    assert_eq!(parse_expiration("2026-12-01T05:00:00"), None);
}

#[test]
fn missing_dollar_fails_the_condition() {
    let policy = policy_with(",[\"eq\",\"acl\",\"private\"]");
    let fields = with_policy(&policy, &[("acl", "private")]);
    let err = check(&fields, None).expect_err("no $");
    assert_eq!(
        (err.status, err.message.as_str()),
        (
            403,
            "Invalid according to Policy: Policy Condition failed: [\"eq\", \"acl\", \"private\"]"
        )
    );
}
