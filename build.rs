//! Generates one typed client per `specs/*.yaml` with progenitor.
//!
//! The path of a spec through this script, one direction only:
//!
//! 1. [`parse_spec`]: read the YAML into an `openapiv3::OpenAPI`.
//! 2. [`adapt_for_progenitor`]: take out what progenitor 0.15 cannot generate, on a copy; the spec
//!    file itself stays a faithful transcription of its vendor's page:
//!    - operations whose request body is not exactly one of the media types progenitor supports
//!      (multipart forms, media types such as `image/png`) are removed and described instead by a
//!      [`FacadeOperation`], which the hand-written facade uses to send them; an operation that
//!      takes one supported type beside others (JSON or a multipart form) is generated for that
//!      type and described for the others;
//!    - a `default` response is turned into `4XX` and `5XX` responses (beside a typed 2xx,
//!      progenitor panics on `default`);
//!    - an open enum, `anyOf: [{$ref: <a string enum>}, {type: string}]`, is turned into the same
//!      `oneOf` ([`open_enums_as_one_of`]), which progenitor renders as an untagged enum;
//!    - the `enum` of an `api-version` query parameter (the versions the spec knows, which the
//!      emulator and Prism hold requests to) is dropped ([`api_versions_as_strings`]), so the
//!      generated builder takes any version as a string instead of a closed Rust enum.
//! 3. [`generate`]: progenitor's builder interface, the open enums' impls
//!    ([`open_enums`]), the `facade_operations` module ([`facade_operations`]), then prettyplease
//!    formats the file. Progenitor's output is never edited: the `api-version` header it adds to
//!    every request is dropped by the crate's hooks at run time (`src/hooks.rs`).
//! 4. The result is written to `$OUT_DIR/<module>.rs` (`acs-chat.yaml` → `acs_chat.rs`), which
//!    `src/generated.rs` includes.
//!
//! A spec that fails any step fails the build with its file name and the reason. The test
//! `tests/specs/` includes this file to run the same steps on every spec.

#[path = "build/adapt.rs"]
mod adapt;
#[path = "build/facade_operations.rs"]
pub(crate) mod facade_operations;
#[path = "build/open_enums.rs"]
mod open_enums;

use std::path::{Path, PathBuf};

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

#[allow(unused_imports)] // tests/specs/ includes this file and uses them
pub(crate) use adapt::{FacadeOperation, adapt_for_progenitor};
#[allow(unused_imports)]
pub(crate) use open_enums::{OpenEnum, open_enums};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let specs_dir = manifest_dir.join("specs");

    println!("cargo:rerun-if-changed=build.rs");
    // A directory here makes cargo rescan it, so an added or removed spec regenerates too.
    println!("cargo:rerun-if-changed={}", specs_dir.display());

    // The facade_operations constants are built from these hand-written types.
    let types = manifest_dir.join("src/generated.rs");
    println!("cargo:rerun-if-changed={}", types.display());
    let checked = std::fs::read_to_string(&types)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|source| facade_operations::check_types(&source));
    if let Err(reason) = checked {
        fail(&types, &reason);
    }

    let specs = match list_specs(&specs_dir) {
        Ok(specs) => specs,
        Err(reason) => fail(&specs_dir, &reason),
    };
    for spec in specs {
        println!("cargo:rerun-if-changed={}", spec.display());
        let module = module_name(&spec);
        let code = parse_spec(&spec).and_then(|api| generate(&api));
        match code {
            Ok(code) => {
                let target = out_dir.join(format!("{module}.rs"));
                if let Err(e) = std::fs::write(&target, code) {
                    fail(&target, &format!("cannot write generated code: {e}"));
                }
            }
            Err(reason) => fail(&spec, &reason),
        }
    }
}

/// Stops the build with the file and the reason, as one clear message.
fn fail(path: &Path, reason: &str) -> ! {
    let message = format!("{}: {}", path.display(), reason.replace('\n', " "));
    println!("cargo::error={message}");
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// Every `*.yaml` / `*.yml` file in `dir`, sorted by name.
pub(crate) fn list_specs(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read the specs folder: {e}"))?;
    let mut specs = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read the specs folder: {e}"))?
            .path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            specs.push(path);
        }
    }
    specs.sort();
    Ok(specs)
}

/// The Rust module a spec becomes: its file stem with `-` as `_` (`acs-chat.yaml` → `acs_chat`).
pub(crate) fn module_name(spec: &Path) -> String {
    spec.file_stem()
        .map(|s| s.to_string_lossy().replace(['-', '.'], "_"))
        .unwrap_or_default()
}

/// Step 1: reads and parses one spec file.
pub(crate) fn parse_spec(path: &Path) -> Result<OpenAPI, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))
}

/// Steps 2 and 3: the formatted Rust source of the client for `api`.
pub(crate) fn generate(api: &OpenAPI) -> Result<String, String> {
    let (adapted, facade) = adapt_for_progenitor(api)?;
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Every client carries `crate::auth::hooks::ClientAuth` (credentials, tracing) and must implement
        // `ClientHooks` with it: `src/hooks.rs` does, for each generated module.
        .with_inner_type(quote::quote!(crate::auth::hooks::ClientAuth))
        .with_hooks(HooksMode::Expected)
        // Presigned form fields must keep the order the server gave them.
        .with_map_type("::indexmap::IndexMap");
    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&adapted)
        .map_err(|e| format!("progenitor cannot generate a client: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    open_enums::add_open_enum_impls(&mut file, &open_enums(api))?;
    if !facade.is_empty() {
        file.items.push(facade_operations::module(&facade)?);
    }
    Ok(prettyplease::unparse(&file))
}
