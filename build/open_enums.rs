//! The build step that makes open enums pleasant in Rust: the spec's open enum components, and
//! the impls added to each in the generated `types` module.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StringType, Type};

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
pub(crate) fn add_open_enum_impls(file: &mut syn::File, enums: &[OpenEnum]) -> Result<(), String> {
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
