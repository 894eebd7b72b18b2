//! Tests of the credential check and of reading scheme words from the specs.

use http::{HeaderMap, Method};

use super::super::ViolationKind;
use super::super::credential::scheme_word_from_description;
use super::{headers, kind, op, specs};

#[test]
fn credentials() {
    let specs = specs();
    let bearer_ops = [
        op(&specs, Method::POST, "/chat/threads/t/images"),
        op(&specs, Method::POST, "/upload/v1/files"),
        op(&specs, Method::POST, "/v1/files"),
        op(&specs, Method::POST, "/files"),
        op(&specs, Method::GET, "/files/f"),
    ];
    for o in &bearer_ops {
        let id = o.operation_id();
        assert_eq!(
            o.check_credential(&headers(&[("authorization", "Bearer tok-1")]))
                .unwrap(),
            "tok-1",
            "{id}"
        );
        assert_eq!(
            o.check_credential(&headers(&[("authorization", "bearer tok-1")]))
                .unwrap(),
            "tok-1",
            "{id}"
        );
        for bad in [
            "Api-Key tok-1",
            "tok-1",
            "Bearer ",
            "Bearer",
            "Basic dXNlcg==",
            "Bearer a b",
        ] {
            let err = o
                .check_credential(&headers(&[("authorization", bad)]))
                .unwrap_err();
            assert_eq!(err.kind, ViolationKind::Unauthenticated, "{id} {bad}");
            assert!(
                !err.message.contains("tok-1") && !err.message.contains("dXNlcg"),
                "{}",
                err.message
            );
            assert!(err.message.contains("Bearer"), "{}", err.message);
        }
        assert_eq!(
            kind(o.check_credential(&HeaderMap::new())),
            ViolationKind::Unauthenticated
        );
    }
    let mai_ops = [
        op(&specs, Method::POST, "/api/attachments-upload/"),
        op(&specs, Method::POST, "/api/v1/upload-presigned-url/"),
        op(&specs, Method::POST, "/api/attachments/"),
        op(&specs, Method::POST, "/api/conversations/c/attachments/"),
    ];
    for o in &mai_ops {
        assert_eq!(
            o.check_credential(&headers(&[("authorization", "Api-Key k-9")]))
                .unwrap(),
            "k-9"
        );
        for bad in ["Bearer k-9", "k-9", "Api-Key ", "Api-Key"] {
            let err = o
                .check_credential(&headers(&[("authorization", bad)]))
                .unwrap_err();
            assert_eq!(err.kind, ViolationKind::Unauthenticated, "{bad}");
            assert!(!err.message.contains("k-9"), "{}", err.message);
            assert!(err.message.contains("Api-Key"), "{}", err.message);
        }
        assert_eq!(
            kind(o.check_credential(&HeaderMap::new())),
            ViolationKind::Unauthenticated
        );
    }
    // Sent twice: refused.
    let twice = headers(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
    assert_eq!(
        kind(bearer_ops[0].check_credential(&twice)),
        ViolationKind::Unauthenticated
    );
}

#[test]
fn scheme_word_comes_from_the_description() {
    assert_eq!(
        scheme_word_from_description(
            "sent as `Authorization: Api-Key <YOUR_API_KEY>`.",
            "Authorization"
        )
        .as_deref(),
        Some("Api-Key")
    );
    assert_eq!(
        scheme_word_from_description("`Authorization: <key>`", "Authorization"),
        None
    );
    assert_eq!(
        scheme_word_from_description("`X-Key: Token <k>`", "Authorization"),
        None
    );
    assert_eq!(
        scheme_word_from_description("no backticks", "Authorization"),
        None
    );
}
