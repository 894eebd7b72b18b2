//! Follows `$ref`s inside a spec and answers simple questions about a resolved schema.

use openapiv3::{
    OpenAPI, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::MAX_DEPTH;

/// The component name a `#/components/<kind>/<name>` reference points at (JSON-pointer unescaped).
pub(super) fn component_name(reference: &str, kind: &str) -> Option<String> {
    let name = reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

pub(super) fn resolve<'a, T>(
    mut r: &'a ReferenceOr<T>,
    kind: &str,
    lookup: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
) -> Option<&'a T> {
    for _ in 0..MAX_DEPTH {
        match r {
            ReferenceOr::Item(item) => return Some(item),
            ReferenceOr::Reference { reference } => {
                r = lookup(&component_name(reference, kind)?)?;
            }
        }
    }
    None
}

pub(super) fn resolve_schema<'a>(
    doc: &'a OpenAPI,
    r: &'a ReferenceOr<Schema>,
) -> Option<&'a Schema> {
    resolve(r, "schemas", |n| {
        doc.components.as_ref().and_then(|c| c.schemas.get(n))
    })
}

pub(super) fn resolve_boxed<'a>(
    doc: &'a OpenAPI,
    r: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match r {
        ReferenceOr::Item(schema) => Some(schema),
        ReferenceOr::Reference { reference } => {
            let name = component_name(reference, "schemas")?;
            let target = doc.components.as_ref()?.schemas.get(&name)?;
            resolve_schema(doc, target)
        }
    }
}

/// The `type` a schema declares, if it declares exactly one.
pub(super) fn primary_type(schema: &Schema) -> Option<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => Some("string"),
        SchemaKind::Type(Type::Number(_)) => Some("number"),
        SchemaKind::Type(Type::Integer(_)) => Some("integer"),
        SchemaKind::Type(Type::Boolean(_)) => Some("boolean"),
        SchemaKind::Type(Type::Object(_)) => Some("object"),
        SchemaKind::Type(Type::Array(_)) => Some("array"),
        SchemaKind::Any(a) => a.typ.as_deref(),
        _ => None,
    }
}

pub(super) fn array_items<'a>(doc: &'a OpenAPI, schema: &'a Schema) -> Option<&'a Schema> {
    let items = match &schema.schema_kind {
        SchemaKind::Type(Type::Array(a)) => a.items.as_ref(),
        SchemaKind::Any(a) => a.items.as_ref(),
        _ => None,
    }?;
    resolve_boxed(doc, items)
}

pub(super) fn is_binary(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            )
        }
        SchemaKind::Any(a) => {
            a.typ.as_deref() == Some("string") && a.format.as_deref() == Some("binary")
        }
        _ => false,
    }
}

/// A text value (query, header, form field) as the JSON value its schema's type reads it as.
pub(super) fn coerce(schema: &Schema, text: &str) -> Result<Value, String> {
    match primary_type(schema) {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .map_err(|_| "expected an integer".to_owned()),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| "expected a number".to_owned()),
        Some("boolean") => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("expected `true` or `false`".to_owned()),
        },
        _ => Ok(Value::String(text.to_owned())),
    }
}
