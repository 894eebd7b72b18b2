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
//!      `oneOf` ([`open_enums_as_one_of`]), which progenitor renders as an untagged enum.
//! 3. [`generate`]: progenitor's builder interface, then [`strip_api_version_header`] removes the
//!    `api-version` header progenitor adds to every request from `info.version` (the real APIs
//!    carry the version as a query parameter, or not at all), then prettyplease formats the file.
//! 4. The result is written to `$OUT_DIR/<module>.rs` (`acs-chat.yaml` → `acs_chat.rs`), which
//!    `src/generated.rs` includes.
//!
//! A spec that fails any step fails the build with its file name and the reason. The test
//! `tests/specs.rs` includes this file to run the same steps on every spec.

use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, StringType, Type};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use syn::visit_mut::VisitMut;

/// Request body media types progenitor 0.15 generates code for.
const PROGENITOR_BODY_TYPES: &[&str] = &[
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/x-markdown",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let specs_dir = manifest_dir.join("specs");

    println!("cargo:rerun-if-changed=build.rs");
    // A directory here makes cargo rescan it, so an added or removed spec regenerates too.
    println!("cargo:rerun-if-changed={}", specs_dir.display());

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

/// An operation of a spec that progenitor cannot generate, left to the hand-written facade.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FacadeOperation {
    pub(crate) operation_id: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) summary: String,
    pub(crate) description: String,
    pub(crate) content_types: Vec<String>,
    /// `(name, location, required, default)` of each parameter.
    pub(crate) parameters: Vec<(String, &'static str, bool, Option<String>)>,
}

/// Step 2: a copy of `api` that progenitor 0.15 can generate, and the operations taken out of it.
pub(crate) fn adapt_for_progenitor(
    api: &OpenAPI,
) -> Result<(OpenAPI, Vec<FacadeOperation>), String> {
    let mut adapted = api.clone();
    let mut facade = Vec::new();
    for (path, item) in adapted.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            return Err(format!("path {path}: a $ref path item is not supported"));
        };
        let methods = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("OPTIONS", &mut item.options),
            ("HEAD", &mut item.head),
            ("PATCH", &mut item.patch),
            ("TRACE", &mut item.trace),
        ];
        for (method, slot) in methods {
            let Some(op) = slot else { continue };
            let id = op
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            if op.description.as_deref().unwrap_or("").trim().is_empty() {
                return Err(format!("operation {id} has no description"));
            }
            let content_types: Vec<String> = match &op.request_body {
                Some(body) => resolve_body(api, body)?.content.keys().cloned().collect(),
                None => Vec::new(),
            };
            let (generable_types, other_types): (Vec<String>, Vec<String>) = content_types
                .into_iter()
                .partition(|t| PROGENITOR_BODY_TYPES.contains(&t.as_str()));
            // One body type progenitor knows, beside others it does not (MaiAgent's
            // `/attachments/` takes JSON or a multipart form): the operation is generated with
            // that type alone, and the others are described for the facade under the same id.
            let mixed = generable_types.len() == 1 && !other_types.is_empty();
            if mixed {
                facade.push(describe(api, op, &id, method, path, other_types.clone())?);
                if let Some(body) = &op.request_body {
                    let mut body = resolve_body(api, body)?.clone();
                    body.content.retain(|t, _| generable_types.contains(t));
                    op.request_body = Some(ReferenceOr::Item(body));
                }
            }
            let generable = other_types.is_empty() && generable_types.len() <= 1 || mixed;
            if generable {
                if let Some(default) = op.responses.default.take() {
                    let responses = &mut op.responses.responses;
                    responses
                        .entry(StatusCode::Range(4))
                        .or_insert_with(|| default.clone());
                    responses.entry(StatusCode::Range(5)).or_insert(default);
                }
            } else {
                let content_types = [generable_types, other_types].concat();
                facade.push(describe(api, op, &id, method, path, content_types)?);
                *slot = None;
            }
        }
    }
    let adapted = open_enums_as_one_of(adapted)?;
    Ok((adapted, facade))
}

/// The description of the operation `op` (`method path`, with `content_types`) for the facade.
fn describe(
    api: &OpenAPI,
    op: &openapiv3::Operation,
    id: &str,
    method: &str,
    path: &str,
    content_types: Vec<String>,
) -> Result<FacadeOperation, String> {
    Ok(FacadeOperation {
        operation_id: id.to_string(),
        method: method.to_string(),
        path: path.to_string(),
        summary: op.summary.clone().unwrap_or_default(),
        description: op.description.clone().unwrap_or_default(),
        content_types,
        parameters: op
            .parameters
            .iter()
            .map(|p| resolve_parameter(api, p))
            .collect::<Result<_, _>>()?,
    })
}

/// `api` with each open enum written as `oneOf` instead of `anyOf`.
///
/// The specs write an open enum as `anyOf: [{$ref: <a string enum>}, {type: string}]`, which is
/// what they mean: a known value matches both alternatives, which `anyOf` allows and `oneOf`
/// (exactly one) would not, so validators refuse known values under `oneOf`. But progenitor 0.15
/// (typify) renders an `anyOf` as a struct of optional flattened fields, and the same `oneOf` as
/// the untagged enum `Known…(Known…) | String(String)` the facade uses (serde tries the known
/// values first). So this copy says `oneOf`, for exactly that pattern: two alternatives, a
/// `$ref` to a component that is a string enum, then a plain `{type: string}` (no format, pattern,
/// length, enum or `nullable`). Any other `anyOf` is left as it is. The walk runs over the whole
/// document as YAML, so an open enum written inline (a property, a parameter) is found too.
fn open_enums_as_one_of(api: OpenAPI) -> Result<OpenAPI, String> {
    let enums: Vec<String> = api
        .components
        .iter()
        .flat_map(|c| &c.schemas)
        .filter(|(_, schema)| {
            matches!(
                schema,
                ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::Type(Type::String(s)),
                    ..
                }) if !s.enumeration.is_empty()
            )
        })
        .map(|(name, _)| format!("#/components/schemas/{name}"))
        .collect();
    fn is_open_enum(node: &serde_yaml_ng::Mapping, enums: &[String]) -> bool {
        if !node.contains_key("anyOf") {
            return false;
        }
        let Ok(schema) = serde_yaml_ng::from_value::<Schema>(node.clone().into()) else {
            return false;
        };
        let SchemaKind::AnyOf { any_of } = &schema.schema_kind else {
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
            ] if enums.contains(reference) && *any == StringType::default() && !schema_data.nullable
        )
    }
    fn walk(value: &mut serde_yaml_ng::Value, enums: &[String], count: &mut usize) {
        match value {
            serde_yaml_ng::Value::Mapping(node) => {
                if is_open_enum(node, enums) {
                    let alternatives = node.remove("anyOf").expect("checked above");
                    node.insert("oneOf".into(), alternatives);
                    *count += 1;
                }
                for (_, child) in node.iter_mut() {
                    walk(child, enums, count);
                }
            }
            serde_yaml_ng::Value::Sequence(items) => {
                for item in items {
                    walk(item, enums, count);
                }
            }
            _ => {}
        }
    }
    if enums.is_empty() {
        return Ok(api);
    }
    let mut doc =
        serde_yaml_ng::to_value(&api).map_err(|e| format!("cannot copy the spec: {e}"))?;
    let mut count = 0;
    walk(&mut doc, &enums, &mut count);
    if count == 0 {
        return Ok(api);
    }
    serde_yaml_ng::from_value(doc).map_err(|e| format!("cannot read back the adapted spec: {e}"))
}

fn resolve_body<'a>(
    api: &'a OpenAPI,
    body: &'a ReferenceOr<openapiv3::RequestBody>,
) -> Result<&'a openapiv3::RequestBody, String> {
    match body {
        ReferenceOr::Item(body) => Ok(body),
        ReferenceOr::Reference { reference } => api
            .components
            .as_ref()
            .and_then(|c| c.request_bodies.get(reference.rsplit('/').next()?))
            .and_then(|b| b.as_item())
            .ok_or_else(|| format!("unresolved request body {reference}")),
    }
}

fn resolve_parameter(
    api: &OpenAPI,
    param: &ReferenceOr<openapiv3::Parameter>,
) -> Result<(String, &'static str, bool, Option<String>), String> {
    let param = match param {
        ReferenceOr::Item(p) => p,
        ReferenceOr::Reference { reference } => api
            .components
            .as_ref()
            .and_then(|c| c.parameters.get(reference.rsplit('/').next()?))
            .and_then(|p| p.as_item())
            .ok_or_else(|| format!("unresolved parameter {reference}"))?,
    };
    let location = match param {
        openapiv3::Parameter::Query { .. } => "Query",
        openapiv3::Parameter::Header { .. } => "Header",
        openapiv3::Parameter::Path { .. } => "Path",
        openapiv3::Parameter::Cookie { .. } => "Cookie",
    };
    let data = param.parameter_data_ref();
    let default = match &data.format {
        openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => {
            schema.schema_data.default.as_ref().map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
        }
        _ => None,
    };
    Ok((data.name.clone(), location, data.required, default))
}

/// Steps 2 and 3: the formatted Rust source of the client for `api`.
pub(crate) fn generate(api: &OpenAPI) -> Result<String, String> {
    let (adapted, facade) = adapt_for_progenitor(api)?;
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Every client carries `crate::hooks::Hooks` (credentials, tracing) and must implement
        // `ClientHooks` with it: `src/hooks.rs` does, for each generated module.
        .with_inner_type(quote::quote!(crate::hooks::Hooks))
        .with_hooks(HooksMode::Expected)
        // Presigned form fields must keep the order the server gave them.
        .with_map_type("::indexmap::IndexMap");
    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&adapted)
        .map_err(|e| format!("progenitor cannot generate a client: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    strip_api_version_header(&mut file)?;
    add_open_enum_impls(&mut file, &open_enums(api))?;
    if !facade.is_empty() {
        file.items.push(facade_operations_module(&facade)?);
    }
    Ok(prettyplease::unparse(&file))
}

/// An open enum component of a spec: its name, the name of the string enum it opens, and that
/// enum's values.
pub(crate) struct OpenEnum {
    pub(crate) name: String,
    pub(crate) known: String,
    pub(crate) values: Vec<String>,
}

/// The components of `api` that are open enums, `anyOf` (or `oneOf`) `[{$ref: <a string enum>},
/// {type: string}]`.
pub(crate) fn open_enums(api: &OpenAPI) -> Vec<OpenEnum> {
    let schemas = api.components.iter().flat_map(|c| &c.schemas);
    let values_of = |reference: &str| -> Option<(String, Vec<String>)> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        let schema = api.components.as_ref()?.schemas.get(name)?.as_item()?;
        let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
            return None;
        };
        let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
        (!values.is_empty()).then(|| (name.to_string(), values))
    };
    schemas
        .filter_map(|(name, schema)| {
            // `oneOf` too: progenitor renders the same pattern as the same untagged enum.
            let any_of = match &schema.as_item()?.schema_kind {
                SchemaKind::AnyOf { any_of } => any_of,
                SchemaKind::OneOf { one_of } => one_of,
                _ => return None,
            };
            let [
                ReferenceOr::Reference { reference },
                ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::Type(Type::String(any)),
                    ..
                }),
            ] = any_of.as_slice()
            else {
                return None;
            };
            let (known, values) = values_of(reference)?;
            (*any == StringType::default()).then(|| OpenEnum {
                name: name.clone(),
                known,
                values,
            })
        })
        .collect()
}

/// Adds to each open enum of the generated `types` module what makes it pleasant in Rust:
/// `Display` as the wire value, `known()` to match on the known values, `is_<value>()` for
/// each, `FromStr` / `From<&str>` that keep any other string as it is, and the known values as
/// `Known….VALUES`.
fn add_open_enum_impls(file: &mut syn::File, enums: &[OpenEnum]) -> Result<(), String> {
    if enums.is_empty() {
        return Ok(());
    }
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor generated no `types` module")?;
    for open in enums {
        let name = quote::format_ident!("{}", open.name);
        let known = quote::format_ident!("{}", open.known);
        let checks = open.values.iter().map(|value| {
            let snake: String = value
                .chars()
                .flat_map(|c| {
                    let lower = c.to_ascii_lowercase();
                    let sep = (c.is_ascii_uppercase()).then_some('_');
                    sep.into_iter().chain([if lower.is_ascii_alphanumeric() {
                        lower
                    } else {
                        '_'
                    }])
                })
                .collect();
            let method = quote::format_ident!("is_{}", snake.trim_matches('_'));
            let doc = format!("Whether this is `{value}`.");
            quote::quote! {
                #[doc = #doc]
                pub fn #method(&self) -> bool {
                    self.to_string() == #value
                }
            }
        });
        let values = &open.values;
        let impls: syn::File = syn::parse2(quote::quote! {
            impl ::std::fmt::Display for #name {
                /// The wire value, e.g. `processed` (a value the spec does not list, as sent).
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        Self::#known(value) => value.fmt(f),
                        Self::String(value) => f.write_str(value),
                    }
                }
            }
            impl #name {
                /// The known value, to match on; `None` for a value the spec does not list.
                pub fn known(&self) -> ::std::option::Option<&#known> {
                    match self {
                        Self::#known(value) => ::std::option::Option::Some(value),
                        Self::String(_) => ::std::option::Option::None,
                    }
                }
                #(#checks)*
            }
            impl #known {
                /// Every known value, as the wire spells it, in the spec's order.
                pub const VALUES: &'static [&'static str] = &[#(#values),*];
            }
            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;
                /// A known value when `value` is one, else `value` as it is.
                fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                    ::std::result::Result::Ok(match value.parse::<#known>() {
                        ::std::result::Result::Ok(known) => Self::#known(known),
                        ::std::result::Result::Err(_) => Self::String(value.to_string()),
                    })
                }
            }
            impl ::std::convert::From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value.parse() {
                        ::std::result::Result::Ok(parsed) => parsed,
                        ::std::result::Result::Err(never) => match never {},
                    }
                }
            }
        })
        .map_err(|e| format!("cannot add impls to the open enum {}: {e}", open.name))?;
        types.1.extend(impls.items);
    }
    Ok(())
}

/// Removes the statements `header_map.append("api-version", Client::api_version())` that
/// progenitor adds to every request, and fails if any use of `api_version()` is left.
fn strip_api_version_header(file: &mut syn::File) -> Result<(), String> {
    struct Strip(usize);
    impl VisitMut for Strip {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block.stmts.retain(|stmt| !is_api_version_header(stmt));
            if block.stmts.len() < before {
                self.0 += before - block.stmts.len();
                // With no header left to append, `let mut header_map` need not be mutable.
                let appends = block.stmts.iter().any(|stmt| {
                    quote::ToTokens::to_token_stream(stmt)
                        .to_string()
                        .contains("header_map . append")
                });
                if !appends {
                    for stmt in &mut block.stmts {
                        if let syn::Stmt::Local(local) = stmt
                            && let syn::Pat::Ident(ident) = &mut local.pat
                            && ident.ident == "header_map"
                        {
                            ident.mutability = None;
                        }
                    }
                }
            }
            syn::visit_mut::visit_block_mut(self, block);
        }
    }
    fn is_api_version_header(stmt: &syn::Stmt) -> bool {
        let text = quote::ToTokens::to_token_stream(stmt).to_string();
        text.contains("header_map . append")
            && text.contains("\"api-version\"")
            && text.contains("api_version ()")
    }
    let mut strip = Strip(0);
    strip.visit_file_mut(file);
    let has_ops = file
        .items
        .iter()
        .any(|item| matches!(item, syn::Item::Mod(m) if m.ident == "builder"));
    if has_ops && strip.0 == 0 {
        return Err(
            "found no api-version header to remove: has progenitor's output changed?".into(),
        );
    }
    Ok(())
}

/// The `facade_operations` module added to a generated client: one constant per operation that
/// [`adapt_for_progenitor`] took out, so paths and wire names stay in generated code.
fn facade_operations_module(ops: &[FacadeOperation]) -> Result<syn::Item, String> {
    let consts = ops.iter().map(|op| {
        let name = quote::format_ident!("{}", to_screaming_snake(&op.operation_id));
        let headline = format!(
            " `{}` `{} {}`: {}",
            op.operation_id, op.method, op.path, op.summary
        );
        let body = op.description.lines().map(|line| format!(" {line}"));
        let (id, method, path) = (&op.operation_id, &op.method, &op.path);
        let content_types = &op.content_types;
        let params = op
            .parameters
            .iter()
            .map(|(name, location, required, default)| {
                let location = quote::format_ident!("{}", location);
                let default = match default {
                    Some(d) => quote::quote! { Some(#d) },
                    None => quote::quote! { None },
                };
                quote::quote! {
                    crate::generated::FacadeParameter {
                        name: #name,
                        location: crate::generated::ParameterLocation::#location,
                        required: #required,
                        default: #default,
                    }
                }
            });
        quote::quote! {
            #[doc = #headline]
            #[doc = ""]
            #(#[doc = #body])*
            pub const #name: crate::generated::FacadeOperation = crate::generated::FacadeOperation {
                operation_id: #id,
                method: #method,
                path: #path,
                content_types: &[#(#content_types),*],
                parameters: &[#(#params),*],
            };
        }
    });
    syn::parse2(quote::quote! {
        /// Operations of this spec that progenitor cannot generate (multipart forms and media
        /// bodies); the hand-written facade sends them from these descriptions.
        pub mod facade_operations {
            #(#consts)*
        }
    })
    .map_err(|e| format!("invalid facade_operations module: {e}"))
}

/// `uploadFile` → `UPLOAD_FILE`.
fn to_screaming_snake(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push('_');
        }
    }
    out
}
