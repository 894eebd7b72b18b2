//! Tests of the size check, S3's XML errors, the redacted key and the constant-time compare.

use super::signing::constant_time_eq;
use super::test_support::*;
use super::{S3Error, check_size};

#[test]
fn check_size_edges() {
    let range = Some((5, 10));
    assert_eq!(check_size(range, 5), Ok(()));
    assert_eq!(check_size(range, 10), Ok(()));
    let small = check_size(range, 4).expect_err("small");
    assert_eq!(
        (small.status, small.code, small.message.as_str()),
        (
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size"
        )
    );
    let large = check_size(range, 11).expect_err("large");
    assert_eq!(
        (large.status, large.code, large.message.as_str()),
        (
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size"
        )
    );
    assert_eq!(check_size(Some((0, 0)), 0), Ok(()));
    assert_eq!(check_size(None, u64::MAX), Ok(()));
}

#[test]
fn to_xml_escapes() {
    let err = S3Error::new(403, "AccessDenied", "a<b>&\"c\" 'd'\u{1}");
    assert_eq!(
        err.to_xml("/uploads/x&y<z>", "req'1\""),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
         <Message>a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;\u{FFFD}</Message>\
         <Resource>/uploads/x&amp;y&lt;z&gt;</Resource><RequestId>req&apos;1&quot;</RequestId></Error>"
    );
    assert_eq!(err.to_string(), "403 AccessDenied: a<b>&\"c\" 'd'\u{1}");
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert!(boxed.to_string().starts_with("403 AccessDenied"));
}

#[test]
fn debug_hides_the_secret() {
    let shown = format!("{:?}", key());
    assert!(shown.contains("AKIAEMULATOR"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(!shown.contains("emulator-secret"), "{shown}");
    let shown = format!("{:#?}", aws_key());
    assert!(!shown.contains(AWS_SECRET), "{shown}");
}

#[test]
fn constant_time_eq_basics() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
    assert!(constant_time_eq(b"", b""));
}
