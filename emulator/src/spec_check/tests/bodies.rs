//! Tests of the Content-Type, JSON body and multipart body checks.

use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method};
use serde_json::json;

use super::super::{BodyKind, ViolationKind};
use super::{headers, kind, op, parts, specs};

#[test]
fn content_types_of_rbm_media() {
    let specs = specs();
    let rbm = op(&specs, Method::POST, "/upload/v1/files");
    assert_eq!(
        rbm.check_content_type(&headers(&[("content-type", "image/png")]))
            .unwrap(),
        BodyKind::Binary {
            content_type: "image/png".into()
        }
    );
    assert_eq!(
        rbm.check_content_type(&headers(&[("content-type", "Image/PNG; foo=bar")]))
            .unwrap(),
        BodyKind::Binary {
            content_type: "image/png".into()
        }
    );
    let err = rbm
        .check_content_type(&headers(&[("content-type", "text/plain")]))
        .unwrap_err();
    assert_eq!(err.kind, ViolationKind::UnsupportedMediaType);
    assert!(
        err.message.starts_with(
            "Content-Type `text/plain` is not one this operation accepts (image/jpeg, "
        ),
        "{}",
        err.message
    );
    assert_eq!(
        kind(rbm.check_content_type(&HeaderMap::new())),
        ViolationKind::UnsupportedMediaType
    );
}

#[test]
fn content_types_of_ai_agents_multipart_and_a_get_without_body() {
    let specs = specs();
    let agents = op(&specs, Method::POST, "/files");
    assert_eq!(
        agents
            .check_content_type(&headers(&[(
                "content-type",
                "multipart/form-data; boundary=\"abc123\""
            )]))
            .unwrap(),
        BodyKind::Multipart {
            boundary: "abc123".into()
        }
    );
    assert_eq!(
        agents
            .check_content_type(&headers(&[(
                "content-type",
                "multipart/form-data; charset=utf-8; Boundary=xyz"
            )]))
            .unwrap(),
        BodyKind::Multipart {
            boundary: "xyz".into()
        }
    );
    assert_eq!(
        kind(agents.check_content_type(&headers(&[("content-type", "application/json")]))),
        ViolationKind::UnsupportedMediaType
    );
    assert_eq!(
        kind(agents.check_content_type(&headers(&[("content-type", "multipart/form-data")]))),
        ViolationKind::InvalidBody
    );
    // GET /files/{id} has no body: whatever the header says.
    assert_eq!(
        op(&specs, Method::GET, "/files/f")
            .check_content_type(&HeaderMap::new())
            .unwrap(),
        BodyKind::None
    );
}

#[test]
fn content_types_of_maiagent_json_or_multipart() {
    let specs = specs();
    let mai = op(&specs, Method::POST, "/api/attachments/");
    assert_eq!(
        mai.check_content_type(&headers(&[("content-type", "application/json")]))
            .unwrap(),
        BodyKind::Json
    );
    assert_eq!(
        mai.check_content_type(&headers(&[(
            "content-type",
            "multipart/form-data; boundary=b"
        )]))
        .unwrap(),
        BodyKind::Multipart {
            boundary: "b".into()
        }
    );
    assert_eq!(
        kind(mai.check_content_type(&headers(&[("content-type", "application/pdf")]))),
        ViolationKind::UnsupportedMediaType
    );
}

#[test]
fn content_types_of_acs_octet_stream() {
    let specs = specs();
    let acs = op(&specs, Method::POST, "/chat/threads/t/images");
    assert_eq!(
        acs.check_content_type(&headers(&[(
            CONTENT_TYPE.as_str(),
            "application/octet-stream"
        )]))
        .unwrap(),
        BodyKind::Binary {
            content_type: "application/octet-stream".into()
        }
    );
    assert_eq!(
        kind(acs.check_content_type(&headers(&[("content-type", "garbage")]))),
        ViolationKind::UnsupportedMediaType
    );
}

#[test]
fn json_bodies() {
    let specs = specs();
    let presign = op(&specs, Method::POST, "/api/upload-presigned-url/");
    presign.check_json(&json!({"fileSize": 123})).unwrap();
    presign
        .check_json(&json!({"fileSize": 0, "modelName": "attachment", "fieldName": "file", "filename": "a.pdf"}))
        .unwrap();
    let err = presign.check_json(&json!({})).unwrap_err();
    assert_eq!(err.kind, ViolationKind::InvalidBody);
    assert_eq!(err.message, "body.fileSize: is required");
    assert_eq!(err.param.as_deref(), Some("fileSize"));
    let err = presign.check_json(&json!({"fileSize": "123"})).unwrap_err();
    assert_eq!(err.message, "body.fileSize: expected integer, got string");
    let err = presign.check_json(&json!({"fileSize": -1})).unwrap_err();
    assert_eq!(err.message, "body.fileSize: must be at least 0");
    assert_eq!(
        kind(presign.check_json(&json!({"fileSize": 1.5}))),
        ViolationKind::InvalidBody
    );
    assert_eq!(
        kind(presign.check_json(&json!({"fileSize": 1, "filename": 7}))),
        ViolationKind::InvalidBody
    );
    assert_eq!(
        kind(presign.check_json(&json!([1]))),
        ViolationKind::InvalidBody
    );
    assert_eq!(
        kind(presign.check_json(&json!(null))),
        ViolationKind::InvalidBody
    );

    let attach = op(&specs, Method::POST, "/api/v1/attachments/");
    attach
        .check_json(&json!({"type": null, "filename": "a.png", "file": "media/a.png"}))
        .unwrap();
    attach
        .check_json(&json!({"type": "image", "filename": "a.png", "file": "media/a.png"}))
        .unwrap();
    attach
        .check_json(&json!({"filename": "a.png", "file": "x", "type": {}}))
        .unwrap();
    let err = attach
        .check_json(&json!({"filename": "a.png"}))
        .unwrap_err();
    assert_eq!(err.message, "body.file: is required");

    let conv = op(&specs, Method::POST, "/api/conversations/c/attachments/");
    conv.check_json(&json!({"filename": "a", "file": "b", "conversation": "550e8400-e29b-41d4-a716-446655440000"}))
        .unwrap();
    let err = conv
        .check_json(&json!({"filename": "a", "file": "b", "conversation": "nope"}))
        .unwrap_err();
    assert_eq!(err.message, "body.conversation: expected a UUID");

    let create = op(&specs, Method::POST, "/v1/files");
    create
        .check_json(
            &json!({"fileUrl": "https://www.example.com/images/cat.jpg", "agentId": "my-agent"}),
        )
        .unwrap();
    let err = create
        .check_json(&json!({"fileUrl": "cat.jpg", "agentId": "my-agent"}))
        .unwrap_err();
    assert_eq!(err.message, "body.fileUrl: expected an absolute URL");
    assert_eq!(err.param.as_deref(), Some("fileUrl"));
    assert_eq!(
        kind(create.check_json(&json!({"fileUrl": "https://e.com/a"}))),
        ViolationKind::InvalidBody
    );

    // Operations without a JSON body.
    assert_eq!(
        kind(op(&specs, Method::POST, "/files").check_json(&json!({}))),
        ViolationKind::UnsupportedMediaType
    );
    assert_eq!(
        kind(op(&specs, Method::GET, "/files/f").check_json(&json!({}))),
        ViolationKind::UnsupportedMediaType
    );
}

#[test]
fn multipart_bodies() {
    let specs = specs();
    let agents = op(&specs, Method::POST, "/files");
    assert_eq!(agents.binary_parts(), ["file"]);
    agents
        .check_multipart(&parts(&[("purpose", Some("assistants")), ("file", None)]))
        .unwrap();
    agents
        .check_multipart(&parts(&[
            ("file", None),
            ("purpose", Some("some-new-purpose")),
            ("filename", Some("a.pdf")),
        ]))
        .unwrap();
    let err = agents
        .check_multipart(&parts(&[("file", None)]))
        .unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ViolationKind::InvalidBody, "the part `purpose` is required")
    );
    assert_eq!(err.param.as_deref(), Some("purpose"));
    let err = agents
        .check_multipart(&parts(&[
            ("purpose", Some("assistants")),
            ("file", None),
            ("file", None),
        ]))
        .unwrap_err();
    assert_eq!(err.message, "the part `file` is sent more than once");
    let err = agents
        .check_multipart(&parts(&[
            ("purpose", Some("assistants")),
            ("file", None),
            ("extra", Some("x")),
        ]))
        .unwrap_err();
    assert!(
        err.message
            .starts_with("the part `extra` is not one this operation accepts"),
        "{}",
        err.message
    );
    assert_eq!(
        kind(agents.check_multipart(&parts(&[("purpose", Some("a")), ("", None)]))),
        ViolationKind::InvalidBody
    );

    let mai = op(&specs, Method::POST, "/api/attachments-upload/");
    assert_eq!(mai.binary_parts(), ["file"]);
    mai.check_multipart(&parts(&[("file", None)])).unwrap();
    assert_eq!(
        kind(mai.check_multipart(&parts(&[]))),
        ViolationKind::InvalidBody
    );
    assert_eq!(
        op(&specs, Method::POST, "/api/attachments/").binary_parts(),
        ["file"]
    );

    // No multipart body here.
    let presign = op(&specs, Method::POST, "/api/upload-presigned-url/");
    assert!(presign.binary_parts().is_empty());
    assert_eq!(
        kind(presign.check_multipart(&parts(&[("file", None)]))),
        ViolationKind::UnsupportedMediaType
    );
}
