//! Tests of loading the specs and of matching requests to operations.

use http::Method;

use super::super::{ApiId, Specs, ViolationKind};
use super::{kind, op, specs};

#[test]
fn loads_and_names() {
    let specs = specs();
    assert_eq!(specs.apis.len(), 4);
    let names: Vec<_> = specs.apis.iter().map(|a| a.id.name()).collect();
    assert_eq!(names, ["acs-chat", "rbm", "ai-agents", "maiagent"]);
    assert_eq!(ViolationKind::Unauthenticated.status(), 401);
    assert_eq!(ViolationKind::MethodNotAllowed.status(), 405);
    assert_eq!(ViolationKind::UnsupportedMediaType.status(), 415);
    assert_eq!(ViolationKind::InvalidBody.status(), 400);
}

#[test]
fn finds_every_operation() {
    let specs = specs();
    let cases: &[(Method, &str, ApiId, &str)] = &[
        (
            Method::POST,
            "/chat/threads/19%3Aabc%40thread.v2/images",
            ApiId::AcsChat,
            "uploadChatImage",
        ),
        (Method::POST, "/upload/v1/files", ApiId::Rbm, "uploadFile"),
        (Method::POST, "/v1/files", ApiId::Rbm, "createFile"),
        (Method::POST, "/files", ApiId::AiAgents, "uploadFile"),
        (
            Method::GET,
            "/files/assistant-abc123",
            ApiId::AiAgents,
            "getFile",
        ),
        (
            Method::POST,
            "/api/attachments-upload/",
            ApiId::MaiAgent,
            "createAttachmentUpload",
        ),
        (
            Method::POST,
            "/api/v1/attachments-upload/",
            ApiId::MaiAgent,
            "createAttachmentUpload",
        ),
        (
            Method::POST,
            "/api/upload-presigned-url/",
            ApiId::MaiAgent,
            "createUploadPresignedUrl",
        ),
        (
            Method::POST,
            "/api/v1/upload-presigned-url/",
            ApiId::MaiAgent,
            "createUploadPresignedUrl",
        ),
        (
            Method::POST,
            "/api/attachments/",
            ApiId::MaiAgent,
            "createAttachment",
        ),
        (
            Method::POST,
            "/api/v1/attachments/",
            ApiId::MaiAgent,
            "createAttachment",
        ),
        (
            Method::POST,
            "/api/conversations/c-1/attachments/",
            ApiId::MaiAgent,
            "createConversationAttachment",
        ),
        (
            Method::POST,
            "/api/v1/conversations/c-1/attachments/",
            ApiId::MaiAgent,
            "createConversationAttachment",
        ),
    ];
    for (method, path, api, id) in cases {
        let op = op(&specs, method.clone(), path);
        assert_eq!(
            (op.api(), op.operation_id()),
            (*api, *id),
            "{method} {path}"
        );
    }
    // Every operation of every spec is reachable (templates filled with a sample value).
    for api in &specs.apis {
        for (template, method, operation) in api.doc.operations() {
            let concrete: String = template
                .split('/')
                .map(|s| if s.starts_with('{') { "x1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            for base in api.bases {
                let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
                let found = op(&specs, method, &format!("{base}{concrete}"));
                assert_eq!(
                    Some(found.operation_id()),
                    operation.operation_id.as_deref()
                );
            }
        }
    }
}

#[test]
fn path_parameters_are_decoded() {
    let specs = specs();
    let acs = op(
        &specs,
        Method::POST,
        "/chat/threads/19%3Aabc%40thread.v2/images",
    );
    assert_eq!(acs.path_param("chatThreadId"), Some("19:abc@thread.v2"));
    assert_eq!(acs.path_param("nope"), None);
    let mai = op(
        &specs,
        Method::POST,
        "/api/v1/conversations/550e8400%2Dx/attachments/",
    );
    assert_eq!(mai.path_param("conversationPk"), Some("550e8400-x"));
}

#[test]
fn unknown_paths_and_wrong_methods() {
    let specs = specs();
    for path in [
        "/nope",
        "/",
        "/api/attachments", // trailing slash missing
        "/api/v2/attachments/",
        "/attachments/", // MaiAgent lives under /api
        "/chat/threads//images",
        "/files/",
        "/chat/threads/%FF/images", // not UTF-8
    ] {
        assert!(specs.find(&Method::POST, path).unwrap().is_none(), "{path}");
    }
    let err = specs.find(&Method::GET, "/v1/files").unwrap_err();
    assert_eq!(err.kind, ViolationKind::MethodNotAllowed);
    assert!(err.message.contains("POST"), "{}", err.message);
    assert_eq!(
        kind(specs.find(&Method::DELETE, "/files/abc")),
        ViolationKind::MethodNotAllowed
    );
    assert_eq!(
        kind(specs.find(&Method::GET, "/api/v1/attachments/")),
        ViolationKind::MethodNotAllowed
    );
    assert_eq!(
        kind(specs.find(&Method::PUT, "/chat/threads/t/images")),
        ViolationKind::MethodNotAllowed
    );
}

#[test]
fn shared_specs_and_operation_list() {
    let shared = Specs::get().expect("the specs load");
    assert!(std::ptr::eq(shared, Specs::get().unwrap()));
    let all = shared.operations();
    let expected: usize = shared.apis.iter().map(|a| a.doc.operations().count()).sum();
    assert_eq!(all.len(), expected);
    assert!(all.contains(&(ApiId::AcsChat, "uploadChatImage".to_owned())));
    assert!(all.contains(&(ApiId::MaiAgent, "createAttachment".to_owned())));
    for (api, id) in &all {
        let found = shared
            .apis
            .iter()
            .find(|a| a.id == *api)
            .expect("a loaded API");
        assert!(
            found
                .doc
                .operations()
                .any(|(_, _, o)| o.operation_id.as_deref() == Some(id.as_str())),
            "{id}"
        );
    }
}
