//! Open enums: the servers' enums are open (`anyOf`), and the adapted copy gives them to
//! progenitor as `oneOf`, generating the same code.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StringType, Type};

use super::{build_script, specs};

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
