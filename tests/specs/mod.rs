//! Runs every spec through the same steps as `build.rs` (this file includes it) and checks what
//! the build relies on: each operation has an operationId and a description, each spec
//! generates, enums the servers send are open (`anyOf`), and
//! the adapted copy gives progenitor those as `oneOf`, without changing the generated code.

#[allow(dead_code)]
#[path = "../../build.rs"]
mod build_script;

mod adaptation;
mod api_versions;
mod open_enums;

use std::path::{Path, PathBuf};

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
