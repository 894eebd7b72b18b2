//! Checks the parts of a `multipart/form-data` body against the operation's schema.

use std::collections::HashSet;

use openapiv3::{AdditionalProperties, Schema};

use super::resolve::{array_items, coerce, is_binary, primary_type, resolve_boxed, resolve_schema};
use super::schema::{ObjectView, Validator};
use super::{Operation, Violation, ViolationKind};

impl<'a> Operation<'a> {
    /// The object view of the `multipart/form-data` schema, if it is an object schema.
    fn multipart_view(&self) -> Result<Option<ObjectView<'a>>, Violation> {
        let media = self.body_media("multipart/form-data", |k| k == "multipart/form-data")?;
        let Some(schema) = &media.schema else {
            return Ok(None);
        };
        let schema = resolve_schema(self.doc, schema).ok_or_else(|| {
            Violation::new(
                ViolationKind::InvalidBody,
                "the multipart schema's reference does not resolve",
                None,
            )
        })?;
        Ok(ObjectView::of(schema))
    }

    /// Checks multipart parts (in the order sent: the part name, and `Some(text)` for a text part
    /// whose value was read, `None` for a file part) against the `multipart/form-data` schema:
    /// every part named, required parts present, no part sent twice (unless its schema is an
    /// array), no part the schema does not list unless `additionalProperties` allows it (here,
    /// unlike JSON, an absent `additionalProperties` refuses unknown parts), and each text value
    /// valid for its property schema.
    pub fn check_multipart(&self, parts: &[(String, Option<String>)]) -> Result<(), Violation> {
        let Some(view) = self.multipart_view()? else {
            return Ok(());
        };
        let invalid = |message: String, part: &str| {
            Violation::new(
                ViolationKind::InvalidBody,
                message,
                Some(part).filter(|p| !p.is_empty()),
            )
        };
        let listed = view
            .properties
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let validator = Validator { doc: self.doc };
        let mut seen: HashSet<&str> = HashSet::new();
        for (name, text) in parts {
            if name.is_empty() {
                return Err(invalid("a multipart part has no name".to_owned(), ""));
            }
            let schema: Option<&'a Schema> = match view
                .properties
                .iter()
                .find(|(n, _)| *n == name.as_str())
            {
                Some((_, r)) => Some(resolve_boxed(self.doc, r).ok_or_else(|| {
                    invalid(
                        format!("the schema of the part `{name}` does not resolve"),
                        name,
                    )
                })?),
                None => match view.additional {
                    Some(AdditionalProperties::Any(true)) => None,
                    Some(AdditionalProperties::Schema(r)) => {
                        Some(resolve_schema(self.doc, r).ok_or_else(|| {
                            invalid(
                                format!("the schema of the part `{name}` does not resolve"),
                                name,
                            )
                        })?)
                    }
                    _ => {
                        return Err(invalid(
                            format!(
                                "the part `{name}` is not one this operation accepts (it takes {listed})"
                            ),
                            name,
                        ));
                    }
                },
            };
            let is_array = schema.is_some_and(|s| primary_type(s) == Some("array"));
            if !seen.insert(name.as_str()) && !is_array {
                return Err(invalid(
                    format!("the part `{name}` is sent more than once"),
                    name,
                ));
            }
            let (Some(schema), Some(text)) = (schema, text) else {
                continue;
            };
            let element = if is_array {
                array_items(self.doc, schema)
            } else {
                Some(schema)
            };
            let Some(element) = element else { continue };
            let json = coerce(element, text).map_err(|reason| {
                invalid(format!("the part `{name}` is invalid: {reason}"), name)
            })?;
            validator.check(element, &json, "", 0).map_err(|e| {
                invalid(
                    format!("the part `{name}` is invalid: {}", e.describe_below()),
                    name,
                )
            })?;
        }
        for required in view.required {
            if !seen.contains(required.as_str()) {
                return Err(invalid(
                    format!("the part `{required}` is required"),
                    required,
                ));
            }
        }
        Ok(())
    }

    /// Names of the `multipart/form-data` schema's properties whose schema is `type: string,
    /// format: binary` (or an array of such): the file parts, which the caller should stream
    /// instead of reading as text. Empty when the operation takes no multipart body.
    pub fn binary_parts(&self) -> Vec<String> {
        let Ok(Some(view)) = self.multipart_view() else {
            return Vec::new();
        };
        view.properties
            .iter()
            .filter(|(_, r)| {
                resolve_boxed(self.doc, r).is_some_and(|s| {
                    is_binary(s)
                        || (primary_type(s) == Some("array")
                            && array_items(self.doc, s).is_some_and(is_binary))
                })
            })
            .map(|(n, _)| (*n).to_owned())
            .collect()
    }
}
