//! Runs every spec through the same steps as `build.rs` (this file includes it) and checks what
//! the build relies on: each operation has an operationId and a description, each spec
//! generates, the `api-version` header is gone, and enums the servers send are open.

#[allow(dead_code)]
#[path = "../build.rs"]
mod build_script;

use std::path::{Path, PathBuf};

use openapiv3::{ReferenceOr, Schema, SchemaKind, StatusCode, Type};

fn specs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let specs = build_script::list_specs(&dir).expect("specs folder");
    let names: Vec<_> = specs.iter().map(|p| build_script::module_name(p)).collect();
    assert_eq!(
        names,
        [
            "acs_chat",
            "ai_agents_files",
            "maiagent_attachments",
            "rbm_files"
        ]
    );
    specs
}

#[test]
fn every_operation_has_an_operation_id_and_a_description() {
    let mut count = 0;
    for spec in specs() {
        let api =
            build_script::parse_spec(&spec).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
        for (path, method, op) in api.operations() {
            count += 1;
            let id = op.operation_id.as_deref().unwrap_or_default();
            assert!(
                !id.is_empty(),
                "{}: {method} {path} has no operationId",
                spec.display()
            );
            let description = op.description.as_deref().unwrap_or_default();
            assert!(
                !description.trim().is_empty(),
                "{}: {id} has no description",
                spec.display()
            );
            assert!(
                !op.responses.responses.is_empty(),
                "{}: {id} states no response",
                spec.display()
            );
        }
    }
    assert_eq!(count, 9, "operations across the four specs");
}

#[test]
fn every_spec_generates_without_the_api_version_header() {
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let code =
            build_script::generate(&api).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
        assert!(code.contains("pub struct Client"), "{}", spec.display());
        assert!(
            !code.contains("from_static(\"api-version\")"),
            "{}: api-version header left",
            spec.display()
        );
        assert!(
            !code.contains("api_version())"),
            "{}: api_version() still used",
            spec.display()
        );
        syn::parse_file(&code)
            .unwrap_or_else(|e| panic!("{}: output is not Rust: {e}", spec.display()));
    }
}

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
            "maiagent_attachments:createAttachmentUpload",
            "rbm_files:uploadFile"
        ]
    );
}

/// Every enum schema is only used as the first alternative of a `oneOf` whose other alternative
/// is any string, so a value a vendor adds later still parses.
#[test]
fn server_enums_are_open() {
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let schemas = &api.components.as_ref().expect("components").schemas;
        for (name, schema) in schemas {
            let ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Type(Type::String(s)),
                ..
            }) = schema
            else {
                continue;
            };
            if s.enumeration.is_empty() {
                continue;
            }
            let target = format!("#/components/schemas/{name}");
            let opened = schemas.values().any(|other| {
                let ReferenceOr::Item(Schema { schema_kind: SchemaKind::OneOf { one_of }, .. }) = other else {
                    return false;
                };
                let refs_enum = one_of.iter().any(|s| matches!(s, ReferenceOr::Reference { reference } if *reference == target));
                let any_string = one_of.iter().any(|s| matches!(
                    s,
                    ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::String(t)), .. }) if t.enumeration.is_empty()
                ));
                refs_enum && any_string
            });
            assert!(
                opened,
                "{}: enum {name} is not wrapped in an open oneOf",
                spec.display()
            );
        }
    }
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
