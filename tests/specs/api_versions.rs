//! The `api-version` lists stay in the specs and out of the generated code.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

use super::{build_script, specs};

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
