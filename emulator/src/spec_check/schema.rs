//! Validates a JSON value against an OpenAPI schema: references, composition and containers.

use std::collections::HashSet;

use openapiv3::{AdditionalProperties, AnySchema, OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use serde_json::Value;

use super::resolve::{resolve_boxed, resolve_schema};
use super::rules::json_type;
use super::{MAX_DEPTH, Violation, ViolationKind};

/// Where a value broke its schema, and why.
#[derive(Debug)]
pub(super) struct Invalid {
    pub(super) path: String,
    pub(super) reason: String,
}

impl Invalid {
    pub(super) fn at(path: &str, reason: impl Into<String>) -> Self {
        Invalid {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    /// For a value checked from the root path "": the reason, with the path below it if any.
    pub(super) fn describe_below(&self) -> String {
        let path = self.path.trim_start_matches('.');
        if path.is_empty() {
            self.reason.clone()
        } else {
            format!("{path}: {}", self.reason)
        }
    }

    pub(super) fn into_violation(self, kind: ViolationKind, prefix: &str) -> Violation {
        let param = self
            .path
            .strip_prefix("body")
            .map(|p| p.trim_start_matches('.'))
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        Violation {
            kind,
            message: format!("{prefix}{}: {}", self.path, self.reason),
            param,
        }
    }
}

pub(super) fn mismatch(path: &str, expected: &str, value: &Value) -> Invalid {
    Invalid::at(
        path,
        format!("expected {expected}, got {}", json_type(value)),
    )
}

/// The parts of an object schema, from a typed `object` schema or an untyped one.
pub(super) struct ObjectView<'a> {
    pub(super) properties: Vec<(&'a str, &'a ReferenceOr<Box<Schema>>)>,
    pub(super) required: &'a [String],
    pub(super) additional: Option<&'a AdditionalProperties>,
    pub(super) min_properties: Option<usize>,
    pub(super) max_properties: Option<usize>,
}

impl<'a> ObjectView<'a> {
    pub(super) fn of(schema: &'a Schema) -> Option<Self> {
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some(ObjectView {
                properties: o.properties.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                required: &o.required,
                additional: o.additional_properties.as_ref(),
                min_properties: o.min_properties,
                max_properties: o.max_properties,
            }),
            SchemaKind::Any(a) => Some(Self::of_any(a)),
            _ => None,
        }
    }

    pub(super) fn of_any(a: &'a AnySchema) -> Self {
        ObjectView {
            properties: a.properties.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            required: &a.required,
            additional: a.additional_properties.as_ref(),
            min_properties: a.min_properties,
            max_properties: a.max_properties,
        }
    }
}

pub(super) struct Validator<'a> {
    pub(super) doc: &'a OpenAPI,
}

impl<'a> Validator<'a> {
    pub(super) fn check_ref(
        &self,
        r: &'a ReferenceOr<Schema>,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let schema = resolve_schema(self.doc, r)
            .ok_or_else(|| Invalid::at(path, "its schema reference does not resolve"))?;
        self.check(schema, value, path, depth)
    }

    pub(super) fn check_boxed(
        &self,
        r: &'a ReferenceOr<Box<Schema>>,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let schema = resolve_boxed(self.doc, r)
            .ok_or_else(|| Invalid::at(path, "its schema reference does not resolve"))?;
        self.check(schema, value, path, depth)
    }

    pub(super) fn check(
        &self,
        schema: &'a Schema,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        if depth > MAX_DEPTH {
            return Err(Invalid::at(path, "nests too deeply to check"));
        }
        if value.is_null() && schema.schema_data.nullable {
            return Ok(());
        }
        match &schema.schema_kind {
            SchemaKind::Type(t) => self.check_type(t, value, path, depth),
            SchemaKind::OneOf { one_of } => {
                self.check_alternatives(one_of, true, value, path, depth)
            }
            SchemaKind::AnyOf { any_of } => {
                self.check_alternatives(any_of, false, value, path, depth)
            }
            SchemaKind::AllOf { all_of } => all_of
                .iter()
                .try_for_each(|r| self.check_ref(r, value, path, depth + 1)),
            SchemaKind::Not { not } => self.check_not(not, value, path, depth),
            SchemaKind::Any(a) => self.check_any(a, value, path, depth),
        }
    }

    pub(super) fn check_not(
        &self,
        not: &'a ReferenceOr<Schema>,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        match self.check_ref(not, value, path, depth + 1) {
            Ok(()) => Err(Invalid::at(path, "matches a schema it must not match")),
            Err(_) => Ok(()),
        }
    }

    /// `oneOf` (exactly one alternative) or `anyOf` (at least one). When none matches, the error
    /// reported is the one found deepest in the value (the most specific).
    pub(super) fn check_alternatives(
        &self,
        alternatives: &'a [ReferenceOr<Schema>],
        exactly_one: bool,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let mut matched = 0;
        let mut best: Option<Invalid> = None;
        for r in alternatives {
            match self.check_ref(r, value, path, depth + 1) {
                Ok(()) => {
                    matched += 1;
                    if !exactly_one {
                        return Ok(());
                    }
                }
                Err(e) => {
                    if best.as_ref().is_none_or(|b| e.path.len() > b.path.len()) {
                        best = Some(e);
                    }
                }
            }
        }
        match matched {
            1 => Ok(()),
            0 if alternatives.is_empty() => Ok(()),
            0 => Err(best.unwrap_or_else(|| Invalid::at(path, "matches none of its schemas"))),
            _ => Err(Invalid::at(
                path,
                "matches more than one of the schemas of which exactly one is allowed",
            )),
        }
    }

    pub(super) fn check_object(
        &self,
        view: &ObjectView<'a>,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let Some(map) = value.as_object() else {
            return Err(mismatch(path, "object", value));
        };
        for name in view.required {
            if !map.contains_key(name) {
                return Err(Invalid::at(&format!("{path}.{name}"), "is required"));
            }
        }
        for (key, member) in map {
            let child = format!("{path}.{key}");
            match view.properties.iter().find(|(n, _)| *n == key.as_str()) {
                Some((_, r)) => self.check_boxed(r, member, &child, depth + 1)?,
                None => match view.additional {
                    Some(AdditionalProperties::Any(false)) => {
                        return Err(Invalid::at(&child, "is not a member this object allows"));
                    }
                    Some(AdditionalProperties::Schema(r)) => {
                        self.check_ref(r, member, &child, depth + 1)?;
                    }
                    _ => {}
                },
            }
        }
        if let Some(min) = view.min_properties
            && map.len() < min
        {
            return Err(Invalid::at(
                path,
                format!("must have at least {min} members"),
            ));
        }
        if let Some(max) = view.max_properties
            && map.len() > max
        {
            return Err(Invalid::at(
                path,
                format!("must have at most {max} members"),
            ));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_array(
        &self,
        items: Option<&'a ReferenceOr<Box<Schema>>>,
        min_items: Option<usize>,
        max_items: Option<usize>,
        unique: bool,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let Some(list) = value.as_array() else {
            return Err(mismatch(path, "array", value));
        };
        if let Some(min) = min_items
            && list.len() < min
        {
            return Err(Invalid::at(path, format!("must have at least {min} items")));
        }
        if let Some(max) = max_items
            && list.len() > max
        {
            return Err(Invalid::at(path, format!("must have at most {max} items")));
        }
        if unique {
            let mut seen = HashSet::new();
            if !list.iter().all(|v| seen.insert(v.to_string())) {
                return Err(Invalid::at(path, "must not repeat an item"));
            }
        }
        if let Some(items) = items {
            for (i, item) in list.iter().enumerate() {
                self.check_boxed(items, item, &format!("{path}[{i}]"), depth + 1)?;
            }
        }
        Ok(())
    }
}
