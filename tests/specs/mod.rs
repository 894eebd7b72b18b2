//! Runs every spec through the same steps as `build.rs` (this file includes it) and checks what
//! the build relies on: each operation has an operationId and a description, each spec
//! generates, enums the servers send are open (`anyOf`), and
//! the adapted copy gives progenitor those as `oneOf`, without changing the generated code.

#[allow(dead_code)]
#[path = "../../build.rs"]
mod build_script;

use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, StringType, Type};

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

/// Every spec generates a client, left as progenitor wrote it: the `api-version` header it adds
/// to every request is dropped by the crate's hooks, which the wire-level tests of each
/// generated client check (`header_missing("api-version")` in tests/acs_chat.rs,
/// tests/rbm_files.rs, tests/ai_agents_files.rs and tests/maiagent_attachments.rs).
#[test]
fn every_spec_generates_a_client() {
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let code =
            build_script::generate(&api).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
        assert!(code.contains("pub struct Client"), "{}", spec.display());
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

/// The string enums of `api`'s components that no component opens. An enum is open when a
/// component is an `anyOf` of exactly a `$ref` to it, then a plain `{type: string}` (no format,
/// pattern, length, enum or `nullable`), so a value a vendor adds later still parses: the pattern
/// `build.rs` hands progenitor as a `oneOf`, an untagged enum. `anyOf`, because a known value
/// matches both alternatives, which `oneOf` (exactly one) would refuse.
fn closed_enums(api: &OpenAPI) -> Vec<String> {
    let schemas = &api.components.as_ref().expect("components").schemas;
    let mut closed = Vec::new();
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
            let ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::AnyOf { any_of },
                ..
            }) = other
            else {
                return false;
            };
            matches!(
                any_of.as_slice(),
                [
                    ReferenceOr::Reference { reference },
                    ReferenceOr::Item(Schema {
                        schema_data,
                        schema_kind: SchemaKind::Type(Type::String(any)),
                    }),
                ] if *reference == target && *any == StringType::default() && !schema_data.nullable
            )
        });
        if !opened {
            closed.push(name.clone());
        }
    }
    closed
}

#[test]
fn server_enums_are_open() {
    let mut enums = 0;
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let schemas = &api.components.as_ref().expect("components").schemas;
        enums += schemas
            .values()
            .filter(|s| {
                matches!(s, ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::String(s)), .. }) if !s.enumeration.is_empty())
            })
            .count();
        assert_eq!(
            closed_enums(&api),
            Vec::<String>::new(),
            "{}: enums not wrapped in an open anyOf",
            spec.display()
        );
    }
    assert_eq!(enums, 4, "string enums across the four specs");
}

/// [`closed_enums`] refuses a bare enum and every wrapper that is not the open `anyOf`.
#[test]
fn closed_enums_finds_bare_enums_and_wrappers_that_are_not_open() {
    let mut yaml = String::from(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Bare: {type: string, enum: [a]}\n",
    );
    let wrappers = [
        (
            "Open",
            "anyOf: [{$ref: '#/components/schemas/KnownOpen'}, {type: string, description: d}]",
        ),
        (
            "OneOf",
            "oneOf: [{$ref: '#/components/schemas/KnownOneOf'}, {type: string}]",
        ),
        (
            "NoString",
            "anyOf: [{$ref: '#/components/schemas/KnownNoString'}]",
        ),
        (
            "Integer",
            "anyOf: [{$ref: '#/components/schemas/KnownInteger'}, {type: integer}]",
        ),
        (
            "Restricted",
            "anyOf: [{$ref: '#/components/schemas/KnownRestricted'}, {type: string, enum: [b]}]",
        ),
        (
            "Formatted",
            "anyOf: [{$ref: '#/components/schemas/KnownFormatted'}, {type: string, format: date}]",
        ),
        (
            "Nullable",
            "anyOf: [{$ref: '#/components/schemas/KnownNullable'}, {type: string, nullable: true}]",
        ),
        (
            "StringFirst",
            "anyOf: [{type: string}, {$ref: '#/components/schemas/KnownStringFirst'}]",
        ),
    ];
    for (name, wrapper) in wrappers {
        yaml.push_str(&format!(
            "    {name}: {{{wrapper}}}\n    Known{name}: {{type: string, enum: [a]}}\n"
        ));
    }
    let api: OpenAPI = serde_yaml_ng::from_str(&yaml).expect("valid OpenAPI");
    assert_eq!(
        closed_enums(&api),
        [
            "Bare",
            "KnownOneOf",
            "KnownNoString",
            "KnownInteger",
            "KnownRestricted",
            "KnownFormatted",
            "KnownNullable",
            "KnownStringFirst",
        ]
    );
}

/// A spec whose `anyOf`s are `{open}` where `build.rs` must turn them into `oneOf` (at the top
/// of a component, inline in a property, inline in a parameter) and stay `anyOf` everywhere else.
const ANY_OF_SPEC: &str = r#"openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    get:
      operationId: getX
      description: d
      parameters:
        - name: kind
          in: query
          schema:
            {open}: [{$ref: '#/components/schemas/Known'}, {type: string}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Nested'}
components:
  schemas:
    Known: {type: string, enum: [a, b]}
    NotEnum: {type: string}
    Object: {type: object, properties: {a: {type: string}}}
    Open:
      description: An open enum.
      {open}:
        - $ref: '#/components/schemas/Known'
        - {type: string, description: Any other string.}
    Nested:
      type: object
      properties:
        kind:
          {open}: [{$ref: '#/components/schemas/Known'}, {type: string}]
        open: {$ref: '#/components/schemas/Open'}
    StringFirst: {anyOf: [{type: string}, {$ref: '#/components/schemas/Known'}]}
    Formatted: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: string, format: date}]}
    Patterned: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: string, pattern: '^x'}]}
    Short: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: string, maxLength: 3}]}
    Restricted: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: string, enum: [c]}]}
    Nullable: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: string, nullable: true}]}
    NotAnEnum: {anyOf: [{$ref: '#/components/schemas/NotEnum'}, {type: string}]}
    ObjectRef: {anyOf: [{$ref: '#/components/schemas/Object'}, {type: string}]}
    Elsewhere: {anyOf: [{$ref: 'other.yaml#/components/schemas/Known'}, {type: string}]}
    Three: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: string}, {type: integer}]}
    Alone: {anyOf: [{$ref: '#/components/schemas/Known'}]}
    Integer: {anyOf: [{$ref: '#/components/schemas/Known'}, {type: integer}]}
    WithProperties:
      type: object
      properties: {a: {type: string}}
      anyOf: [{$ref: '#/components/schemas/Known'}, {type: string}]
    AlreadyOneOf: {oneOf: [{$ref: '#/components/schemas/Known'}, {type: string}]}
"#;

#[test]
fn adaptation_turns_exactly_the_open_enum_any_of_into_one_of() {
    let parse = |open: &str| -> OpenAPI {
        serde_yaml_ng::from_str(&ANY_OF_SPEC.replace("{open}", open)).expect("valid OpenAPI")
    };
    let (adapted, facade) = build_script::adapt_for_progenitor(&parse("anyOf")).expect("adapts");
    assert!(facade.is_empty());
    // Exactly the three `{open}`s changed; every other `anyOf`, and everything else, is the same.
    assert_eq!(adapted, parse("oneOf"));
    let schemas = &adapted.components.as_ref().expect("components").schemas;
    let kind = |name: &str| match &schemas[name] {
        ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::AnyOf { .. },
            ..
        }) => "anyOf",
        ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::OneOf { .. },
            ..
        }) => "oneOf",
        _ => "other",
    };
    for name in ["Open", "AlreadyOneOf"] {
        assert_eq!(kind(name), "oneOf", "{name}");
    }
    for name in [
        "StringFirst",
        "Formatted",
        "Patterned",
        "Short",
        "Restricted",
        "Nullable",
        "NotAnEnum",
        "ObjectRef",
        "Elsewhere",
        "Three",
        "Alone",
        "Integer",
    ] {
        assert_eq!(kind(name), "anyOf", "{name}");
    }
    assert_eq!(kind("WithProperties"), "other");
    // A spec with no open enum comes back as it was.
    let plain = parse("anyOf");
    let mut no_enum = plain.clone();
    no_enum
        .components
        .as_mut()
        .expect("components")
        .schemas
        .shift_remove("Known");
    let (adapted, _) = build_script::adapt_for_progenitor(&no_enum).expect("adapts");
    assert_eq!(adapted, no_enum);
}

/// The specs' open enums are `anyOf`s, and the generated code is the same as for `oneOf`s: the
/// untagged enums the facade uses.
#[test]
fn open_enums_generate_the_same_code_as_one_of() {
    let mut opened = Vec::new();
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let mut one_of = api.clone();
        let schemas = &mut one_of.components.as_mut().expect("components").schemas;
        let mut names = Vec::new();
        for (name, schema) in schemas.iter_mut() {
            if let ReferenceOr::Item(schema) = schema
                && let SchemaKind::AnyOf { any_of } = &mut schema.schema_kind
            {
                schema.schema_kind = SchemaKind::OneOf {
                    one_of: std::mem::take(any_of),
                };
                names.push(name.clone());
            }
        }
        let code = build_script::generate(&api).expect("generates");
        assert_eq!(
            code,
            build_script::generate(&one_of).expect("generates"),
            "{}",
            spec.display()
        );
        for name in &names {
            let open = format!(
                "#[serde(untagged)]\n    pub enum {name} {{\n        Known{name}(Known{name}),\n        String(::std::string::String),\n    }}"
            );
            assert!(code.contains(&open), "{}: {name}", spec.display());
        }
        opened.extend(names);
    }
    assert_eq!(
        opened,
        [
            "ChatAttachmentType",
            "FileObjectType",
            "FilePurpose",
            "FileState"
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

/// The `api-version` parameters as the specs state them, and as progenitor gets them.
fn api_versions(api: &OpenAPI) -> Vec<(String, Vec<String>, Option<String>)> {
    let mut out = Vec::new();
    for (_, _, op) in api.operations() {
        for param in &op.parameters {
            let ReferenceOr::Item(openapiv3::Parameter::Query { parameter_data, .. }) = param
            else {
                continue;
            };
            if parameter_data.name != "api-version" {
                continue;
            }
            let openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(Schema {
                schema_data,
                schema_kind: SchemaKind::Type(Type::String(s)),
            })) = &parameter_data.format
            else {
                panic!("{:?}: api-version is not an inline string", op.operation_id);
            };
            out.push((
                op.operation_id.clone().unwrap_or_default(),
                s.enumeration.iter().flatten().cloned().collect(),
                schema_data
                    .default
                    .as_ref()
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            ));
        }
    }
    out
}

/// ACS's spec lists the versions known to carry Upload Chat Image, its page's version the
/// default and `info.version`; progenitor's copy has the list taken out, so the generated
/// builder takes any version as a string (a closed Rust enum would refuse, at send time, a
/// version the spec does not list). The other specs' `api-version`s are left as they are.
#[test]
fn api_version_lists_stay_in_the_spec_and_out_of_the_generated_code() {
    let mut listed = 0;
    for spec in specs() {
        let api = build_script::parse_spec(&spec).expect("parses");
        let (adapted, _) = build_script::adapt_for_progenitor(&api).expect("adapts");
        let stated = api_versions(&api);
        let given = api_versions(&adapted);
        // Operations moved to the facade are not in the adapted copy.
        for (id, adapted_versions, adapted_default) in &given {
            let (_, _, default) = stated.iter().find(|(s, _, _)| s == id).expect("stated");
            assert!(adapted_versions.is_empty(), "{id}: {adapted_versions:?}");
            assert_eq!(adapted_default, default, "{id}");
        }
        for (id, versions, default) in &stated {
            if versions.is_empty() {
                continue;
            }
            listed += 1;
            assert_eq!(
                default.as_deref(),
                Some(api.info.version.as_str()),
                "{id}: the default is the page's version"
            );
            assert!(versions.contains(&api.info.version), "{id}: {versions:?}");
        }
        if build_script::module_name(&spec) == "acs_chat" {
            assert_eq!(
                stated,
                [(
                    "uploadChatImage".to_string(),
                    vec![
                        "2024-03-15-preview".to_string(),
                        "2024-06-05-preview".to_string(),
                        "2025-03-15".to_string()
                    ],
                    Some("2024-03-15-preview".to_string())
                )]
            );
            assert_eq!(
                given,
                [(
                    "uploadChatImage".to_string(),
                    Vec::new(),
                    Some("2024-03-15-preview".to_string())
                )]
            );
            let code = build_script::generate(&api).expect("generates");
            assert!(
                code.contains("api_version: Result<::std::string::String, String>"),
                "the builder's api_version is a String"
            );
            assert!(!code.contains("ApiVersion"), "no api-version type");
        }
    }
    assert_eq!(listed, 1, "specs listing api-versions");
}
