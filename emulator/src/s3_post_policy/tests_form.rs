//! Tests of form handling: round trips, `${filename}`, field-name case, extra, repeated and missing fields.

use super::AcceptedForm;
use super::test_support::*;

#[test]
fn round_trip_exact_key() {
    let fields = signed("reports/2026/q4.csv");
    assert!(decoded_policy(&fields).contains("{\"key\":\"reports/2026/q4.csv\"}"));
    let accepted = check(&fields, Some("whatever.csv")).expect("accepted");
    assert_eq!(
        accepted,
        AcceptedForm {
            object_key: "reports/2026/q4.csv".to_owned(),
            content_length_range: Some((1, 10_485_760)),
            success_action_status: 204,
        }
    );
}

#[test]
fn filename_non_ascii_yields_the_key() {
    let fields = signed("incoming/${filename}");
    let accepted = check(&fields, Some("見積書.pdf")).expect("accepted");
    assert_eq!(accepted.object_key, "incoming/見積書.pdf");
    // Only the text after the last slash or backslash is used.
    let accepted = check(&fields, Some("/home/u/見積書.pdf")).expect("accepted");
    assert_eq!(accepted.object_key, "incoming/見積書.pdf");
}

#[test]
fn filename_is_expanded_before_conditions() {
    // The exact condition names the expanded key, so it matches only after expansion.
    let mut fields = signed("incoming/a.txt");
    set(&mut fields, "key", "incoming/${filename}");
    let accepted = check(&fields, Some("a.txt")).expect("expanded key matches");
    assert_eq!(accepted.object_key, "incoming/a.txt");
    // With no filename parameter the variable stays as written (observed S3 behaviour),
    // so the exact condition fails.
    let err = check(&fields, None).expect_err("not expanded");
    assert_eq!(
        err.message,
        "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$key\", \"incoming/a.txt\"]"
    );
    // A key that is only the variable, with an empty file name, is an empty key.
    let mut fields = signed("${filename}");
    set(&mut fields, "key", "${filename}");
    let err = check(&fields, Some("")).expect_err("empty key");
    assert_eq!((err.status, err.code), (400, "InvalidArgument"));
}

#[test]
fn field_names_in_other_case_are_accepted() {
    let fields: Vec<(String, String)> = signed("incoming/${filename}")
        .into_iter()
        .map(|(n, v)| (n.to_ascii_uppercase(), v))
        .collect();
    let accepted = check(&fields, Some("a.txt")).expect("accepted");
    assert_eq!(accepted.object_key, "incoming/a.txt");
}

#[test]
fn extra_field_is_refused() {
    let mut fields = signed("a.txt");
    fields.insert(1, ("X-Amz-Meta-Note".to_owned(), "hi".to_owned()));
    let err = check(&fields, None).expect_err("refused");
    assert_eq!((err.status, err.code), (403, "AccessDenied"));
    assert_eq!(
        err.message,
        "Invalid according to Policy: Extra input fields: X-Amz-Meta-Note"
    );
    // success_action_status is a form field like any other: it needs a condition.
    let mut fields = signed("a.txt");
    fields.push(("success_action_status".to_owned(), "201".to_owned()));
    assert!(check(&fields, None).is_err());
}

#[test]
fn ignored_fields_are_accepted() {
    let mut fields = signed("a.txt");
    fields.insert(2, ("x-ignore-flash".to_owned(), "1".to_owned()));
    fields.push(("X-Ignore-Other".to_owned(), "2".to_owned()));
    check(&fields, None).expect("accepted");
}

#[test]
fn duplicate_field_is_refused() {
    let mut fields = signed("a.txt");
    fields.insert(1, ("KEY".to_owned(), "a.txt".to_owned()));
    let err = check(&fields, None).expect_err("refused");
    assert_eq!((err.status, err.code), (400, "InvalidArgument"));
}

#[test]
fn missing_fields() {
    let without = |name: &str| -> Vec<(String, String)> {
        signed("a.txt")
            .into_iter()
            .filter(|(n, _)| n != name)
            .collect()
    };
    let err = check(&without("key"), None).expect_err("no key");
    assert_eq!((err.status, err.code), (400, "InvalidArgument"));
    assert_eq!(
        err.message,
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
    );
    let err = check(&without("policy"), None).expect_err("no policy");
    assert_eq!(
        (err.status, err.code, err.message.as_str()),
        (403, "AccessDenied", "Access Denied")
    );
    let err = check(&without("x-amz-signature"), None).expect_err("no signature");
    assert_eq!((err.status, err.code), (400, "InvalidArgument"));
    assert!(err.message.contains("'X-Amz-Signature'"), "{}", err.message);
    let err = check(&without("x-amz-date"), None).expect_err("no date");
    assert!(err.message.contains("'X-Amz-Date'"), "{}", err.message);
    // Only key and policy: an anonymous request.
    let anonymous: Vec<(String, String)> = signed("a.txt")
        .into_iter()
        .filter(|(n, _)| n == "key" || n == "policy")
        .collect();
    assert_eq!(
        check(&anonymous, None).expect_err("anonymous").code,
        "AccessDenied"
    );
}
