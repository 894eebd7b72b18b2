//! Tests of the parameter checks (RBM query parameters, `api-version`).

use http::{HeaderMap, Method};

use super::super::ViolationKind;
use super::{headers, kind, op, specs};

#[test]
fn rbm_parameters() {
    let specs = specs();
    let upload = op(&specs, Method::POST, "/upload/v1/files");
    let none = HeaderMap::new();
    upload
        .check_parameters(Some("agentId=my-agent"), &none)
        .unwrap();
    upload
        .check_parameters(
            Some("agentId=my-agent&thumbnailUrl=https%3A%2F%2Fexample.com%2Ft.png"),
            &none,
        )
        .unwrap();
    let err = upload.check_parameters(None, &none).unwrap_err();
    assert_eq!(err.kind, ViolationKind::MissingParameter);
    assert_eq!(err.message, "the query parameter `agentId` is required");
    assert_eq!(err.param.as_deref(), Some("agentId"));
    assert_eq!(
        kind(upload.check_parameters(Some("agentId="), &none)),
        ViolationKind::MissingParameter
    );
    assert_eq!(
        kind(upload.check_parameters(Some("other=1"), &none)),
        ViolationKind::MissingParameter
    );
    let err = upload
        .check_parameters(Some("agentId=a&thumbnailUrl=not%20a%20url"), &none)
        .unwrap_err();
    assert_eq!(err.kind, ViolationKind::InvalidParameter);
    assert!(
        err.message.contains("`thumbnailUrl`") && err.message.contains("absolute URL"),
        "{}",
        err.message
    );
    assert_eq!(
        kind(upload.check_parameters(Some("agentId=a&thumbnailUrl=/relative.png"), &none)),
        ViolationKind::InvalidParameter
    );
    assert_eq!(
        kind(upload.check_parameters(Some("agentId=a&agentId=b"), &none)),
        ViolationKind::InvalidParameter
    );
    // createFile has no parameters at all.
    op(&specs, Method::POST, "/v1/files")
        .check_parameters(None, &none)
        .unwrap();
}

#[test]
fn api_version() {
    let specs = specs();
    let acs = op(
        &specs,
        Method::POST,
        "/chat/threads/19%3Aa%40thread.v2/images",
    );
    let none = HeaderMap::new();
    assert_eq!(
        acs.parameter_default("api-version").as_deref(),
        Some("2024-03-15-preview")
    );
    assert_eq!(acs.parameter_default("image-filename"), None);
    acs.check_parameters(Some("api-version=2024-03-15-preview"), &none)
        .unwrap();
    acs.check_parameters(
        Some("api-version=2024-03-15-preview"),
        &headers(&[("image-filename", "a.png")]),
    )
    .unwrap();
    let err = acs.check_parameters(None, &none).unwrap_err();
    assert_eq!(err.kind, ViolationKind::MissingParameter);
    assert_eq!(err.param.as_deref(), Some("api-version"));
    // The versions the spec lists (its `enum`) are accepted, and nothing else.
    for version in ["2024-06-05-preview", "2025-03-15"] {
        acs.check_parameters(Some(&format!("api-version={version}")), &none)
            .unwrap_or_else(|e| panic!("{version}: {e:?}"));
    }
    let err = acs
        .check_parameters(Some("api-version=2023-11-07"), &none)
        .unwrap_err();
    assert_eq!(err.kind, ViolationKind::InvalidParameter);
    assert_eq!(err.param.as_deref(), Some("api-version"));
    assert_eq!(
        err.message,
        "the query parameter `api-version` must be one of the versions this API's spec lists, \
         `2024-03-15-preview`, `2024-06-05-preview`, `2025-03-15` (got `2023-11-07`)"
    );
    for refused in [
        "api-version=2025-03-15-preview",
        "api-version=2024-03-15-preview&api-version=2099-01-01",
    ] {
        assert_eq!(
            kind(acs.check_parameters(Some(refused), &none)),
            ViolationKind::InvalidParameter,
            "{refused}"
        );
    }

    let agents = op(&specs, Method::GET, "/files/assistant-1");
    assert_eq!(
        agents.parameter_default("api-version").as_deref(),
        Some("v1")
    );
    agents
        .check_parameters(Some("api-version=v1"), &none)
        .unwrap();
    // A spec without an `enum` knows its `default` alone.
    let err = agents
        .check_parameters(Some("api-version=2025-05-01"), &none)
        .unwrap_err();
    assert_eq!(err.kind, ViolationKind::InvalidParameter);
    assert_eq!(
        err.message,
        "the query parameter `api-version` must be `v1`, the only version this API's spec describes (got `2025-05-01`)"
    );
    assert_eq!(
        kind(agents.check_parameters(Some("api-version="), &none)),
        ViolationKind::MissingParameter
    );
    let upload = op(&specs, Method::POST, "/files");
    assert_eq!(
        kind(upload.check_parameters(None, &none)),
        ViolationKind::MissingParameter
    );
}
