//! Tests of the response check and of the validator's value rules.

use http::Method;
use http::header::AUTHORIZATION;
use serde_json::json;

use super::super::rules::{as_integer, is_date, is_date_time, is_uuid};
use super::super::{MAX_QUOTED, ViolationKind, quote};
use super::{headers, kind, op, specs};

#[test]
fn responses() {
    let specs = specs();
    let acs = op(&specs, Method::POST, "/chat/threads/t/images");
    acs.check_response(
        201,
        Some(&json!({"id": "0-eus-d2-x", "attachmentType": "inlineImage", "name": "sample.png"})),
    )
    .unwrap();
    let err = acs
        .check_response(
            201,
            Some(&json!({"attachmentType": "inlineImage", "name": "sample.png"})),
        )
        .unwrap_err();
    assert_eq!(err.kind, ViolationKind::InvalidBody);
    assert!(
        err.message.contains("body.id: is required"),
        "{}",
        err.message
    );
    assert_eq!(
        kind(acs.check_response(201, Some(&json!({"id": "x", "attachmentType": 3})))),
        ViolationKind::InvalidBody
    );
    assert_eq!(
        kind(acs.check_response(201, None)),
        ViolationKind::InvalidBody
    );
    acs.check_response(
        401,
        Some(&json!({"error": {"code": "Unauthorized", "message": "no", "details": []}})),
    )
    .unwrap();

    let agents = op(&specs, Method::POST, "/files");
    let info = json!({"object": "file", "id": "assistant-abc123", "bytes": 120000, "filename": "sample.pdf",
        "created_at": 1727800000, "purpose": "assistants", "status": "processed"});
    agents.check_response(200, Some(&info)).unwrap();
    let too_big = json!({"object": "file", "id": "a", "bytes": 5_000_000_000u64, "filename": "s",
        "created_at": 1, "purpose": "assistants"});
    assert!(
        agents
            .check_response(200, Some(&too_big))
            .unwrap_err()
            .message
            .contains("body.bytes")
    );
    agents
        .check_response(400, Some(&json!({"error": {"code": null, "message": "m", "param": "file", "type": "invalid_request_error"}})))
        .unwrap();

    let rbm = op(&specs, Method::POST, "/upload/v1/files");
    rbm.check_response(200, Some(&json!({"name": "files/a1b2c3d4"})))
        .unwrap();
    rbm.check_response(400, Some(&json!({"error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}})))
        .unwrap();
    assert_eq!(
        kind(rbm.check_response(500, Some(&json!({"error": {"code": "x"}})))),
        ViolationKind::InvalidBody
    );

    let mai = op(&specs, Method::POST, "/api/attachments-upload/");
    mai.check_response(200, None).unwrap();
    mai.check_response(201, Some(&json!({"id": "550e8400-e29b-41d4-a716-446655440000", "filename": "f", "file": "u", "type": "other"})))
        .unwrap();
    mai.check_response(403, Some(&json!({"detail": "Invalid API key."})))
        .unwrap();
    assert_eq!(
        kind(mai.check_response(500, None)),
        ViolationKind::InvalidBody
    );
    let presign = op(&specs, Method::POST, "/api/upload-presigned-url/");
    presign
        .check_response(
            200,
            Some(
                &json!({"url": "https://s3.example.com/b", "fields": {"key": "k", "policy": "p"}}),
            ),
        )
        .unwrap();
    assert_eq!(
        kind(presign.check_response(
            200,
            Some(&json!({"url": "https://s3.example.com/b", "fields": {"key": 1}}))
        )),
        ViolationKind::InvalidBody
    );
}

#[test]
fn validator_details() {
    assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
    assert!(!is_uuid("550e8400e29b41d4a716446655440000"));
    assert!(is_date("2024-03-15") && !is_date("2024-13-01"));
    assert!(is_date_time("2024-03-15T10:00:00Z") && is_date_time("2024-03-15T10:00:00.5+01:00"));
    assert!(!is_date_time("2024-03-15 10:00:00"));
    assert_eq!(as_integer(&json!(1.0)), Some(1));
    assert_eq!(as_integer(&json!(1.5)), None);
    assert_eq!(quote(&"a".repeat(100)).chars().count(), MAX_QUOTED + 1);
    assert_eq!(headers(&[(AUTHORIZATION.as_str(), "x")]).len(), 1);
}
