//! What the build does to each spec: the adaptation that moves multipart and media operations to
//! the facade, and the failures it reports.

use openapiv3::StatusCode;

use super::{build_script, specs};

#[test]
fn adaptation_moves_multipart_and_media_operations_to_the_facade_and_splits_default() {
    let mut facade_ids = Vec::new();
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let (adapted, facade) = build_script::adapt_for_progenitor(&api).expect("adapts");
        for op in &facade {
            facade_ids.push(format!(
                "{}:{}",
                build_script::module_name(&spec),
                op.operation_id
            ));
            // An operation that also takes JSON stays generated for JSON alone.
            if let Some((_, _, generated)) = adapted
                .operations()
                .find(|(_, _, o)| o.operation_id.as_deref() == Some(op.operation_id.as_str()))
            {
                let body = generated.request_body.as_ref().and_then(|b| b.as_item());
                let types: Vec<&String> =
                    body.map(|b| b.content.keys().collect()).unwrap_or_default();
                assert_eq!(types, ["application/json"], "{}", op.operation_id);
                assert!(!op.content_types.iter().any(|t| t == "application/json"));
                continue;
            }
            assert!(
                adapted
                    .paths
                    .paths
                    .get(&op.path)
                    .and_then(|p| p.as_item())
                    .is_none_or(|item| {
                        item.iter().all(|(_, o)| {
                            o.operation_id.as_deref() != Some(op.operation_id.as_str())
                        })
                    })
            );
        }
        for (_, _, op) in adapted.operations() {
            assert!(
                op.responses.default.is_none(),
                "default left in {:?}",
                op.operation_id
            );
        }
        // Every `default` of the original became 4XX and 5XX.
        for (_, _, op) in api.operations() {
            let generated = adapted
                .operations()
                .find(|(_, _, o)| o.operation_id == op.operation_id);
            if let (Some(_), Some((_, _, adapted_op))) = (&op.responses.default, generated) {
                assert!(
                    adapted_op
                        .responses
                        .responses
                        .contains_key(&StatusCode::Range(4))
                );
                assert!(
                    adapted_op
                        .responses
                        .responses
                        .contains_key(&StatusCode::Range(5))
                );
            }
        }
    }
    facade_ids.sort();
    assert_eq!(
        facade_ids,
        [
            "ai_agents_files:uploadFile",
            "maiagent_attachments:createAttachment",
            "maiagent_attachments:createAttachmentUpload",
            "rbm_files:uploadFile"
        ]
    );
}

#[test]
fn broken_specs_fail_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("upload-clients-specs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let not_yaml = dir.join("broken.yaml");
    std::fs::write(&not_yaml, "openapi: [unclosed").expect("write");
    let err = build_script::parse_spec(&not_yaml).expect_err("invalid YAML");
    assert!(err.contains("not a valid OpenAPI 3.0 document"), "{err}");

    let no_id = dir.join("no-id.yaml");
    std::fs::write(
        &no_id,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      description: d\n      responses: {'200': {description: ok}}\n",
    )
    .expect("write");
    let api = build_script::parse_spec(&no_id).expect("valid OpenAPI");
    let err = build_script::generate(&api).expect_err("no operationId");
    assert_eq!(err, "GET /x has no operationId");

    let missing = dir.join("missing.yaml");
    let err = build_script::parse_spec(&missing).expect_err("missing file");
    assert!(err.starts_with("cannot read"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The build checks the hand-written types the `facade_operations` constants are built from
/// before writing any generated code: today's `src/generated.rs` passes, and a field renamed on
/// one side only fails with both sides named.
#[test]
fn facade_operation_types_are_checked_before_generation() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/generated.rs"))
        .expect("src/generated.rs");
    build_script::facade_operations::check_types(&source).expect("in step");
    let renamed = source.replace("pub success_statuses:", "pub ok_statuses:");
    assert_ne!(renamed, source);
    let err = build_script::facade_operations::check_types(&renamed).expect_err("out of step");
    assert!(
        err.contains("FacadeOperation")
            && err.contains("ok_statuses")
            && err.contains("success_statuses"),
        "{err}"
    );
}
