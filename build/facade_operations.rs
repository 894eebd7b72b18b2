//! The build step that describes, in the generated code, the operations progenitor cannot
//! generate, so paths and wire names stay in generated code.

use super::adapt::FacadeOperation;

/// The fields this step fills in `crate::generated::FacadeOperation`.
const OPERATION_FIELDS: &[&str] = &[
    "operation_id",
    "method",
    "path",
    "content_types",
    "parameters",
    "success_statuses",
    "error_statuses",
];
/// The fields this step fills in `crate::generated::FacadeParameter`.
const PARAMETER_FIELDS: &[&str] = &["name", "location", "required", "default"];
/// The `crate::generated::ParameterLocation` variants this step names.
const LOCATIONS: &[&str] = &["Query", "Header", "Path", "Cookie"];

/// Checks, before any generated code is written, that the hand-written types of
/// `src/generated.rs` (its `source`) that the `facade_operations` constants are built from have
/// exactly the fields and variants this step fills in; a change to one side without the other
/// fails here, naming both, instead of inside the included file.
pub(crate) fn check_types(source: &str) -> Result<(), String> {
    let file =
        syn::parse_file(source).map_err(|e| format!("src/generated.rs does not parse: {e}"))?;
    let members = |name: &str| -> Option<Vec<String>> {
        file.items.iter().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(
                s.fields
                    .iter()
                    .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
                    .collect(),
            ),
            syn::Item::Enum(e) if e.ident == name => {
                Some(e.variants.iter().map(|v| v.ident.to_string()).collect())
            }
            _ => None,
        })
    };
    for (name, filled) in [
        ("FacadeOperation", OPERATION_FIELDS),
        ("FacadeParameter", PARAMETER_FIELDS),
        ("ParameterLocation", LOCATIONS),
    ] {
        let declared = members(name).ok_or_else(|| format!("src/generated.rs has no {name}"))?;
        let (mut have, mut want) = (declared.clone(), filled.to_vec());
        have.sort();
        want.sort_unstable();
        if have != want {
            return Err(format!(
                "src/generated.rs declares {name} with {declared:?}, but build/facade_operations.rs fills {filled:?}; change both together"
            ));
        }
    }
    Ok(())
}

/// The `facade_operations` module added to a generated client: one constant per operation that
/// `adapt_for_progenitor` took out, so paths and wire names stay in generated code.
pub(crate) fn module(ops: &[FacadeOperation]) -> Result<syn::Item, String> {
    let consts = ops.iter().map(|op| {
        let name = quote::format_ident!("{}", to_screaming_snake(&op.operation_id));
        let headline = format!(
            " `{}` `{} {}`: {}",
            op.operation_id, op.method, op.path, op.summary
        );
        let body = op.description.lines().map(|line| format!(" {line}"));
        let (id, method, path) = (&op.operation_id, &op.method, &op.path);
        let content_types = &op.content_types;
        let success = &op.success_statuses;
        let (error_from, error_to): (Vec<u16>, Vec<u16>) =
            op.error_statuses.iter().copied().unzip();
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
                success_statuses: &[#(#success),*],
                error_statuses: &[#((#error_from, #error_to)),*],
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
