//! Checks a request's query, header, path and cookie parameters against the operation's.

use http::HeaderMap;
use openapiv3::{Parameter, ParameterSchemaOrContent};
use serde_json::Value;

use super::media::{essence, is_json};
use super::resolve::{array_items, coerce, primary_type, resolve, resolve_schema};
use super::schema::Validator;
use super::{Operation, Violation, ViolationKind, quote};

/// Where a parameter travels, for messages.
pub(super) fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query parameter",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path parameter",
        Parameter::Cookie { .. } => "cookie",
    }
}

impl<'a> Operation<'a> {
    /// The operation's parameters (its own, then the path item's it does not override), resolved.
    pub(super) fn parameters(&self) -> Vec<&'a Parameter> {
        let doc = self.doc;
        let mut out: Vec<&'a Parameter> = Vec::new();
        for r in self.op.parameters.iter().chain(self.item.parameters.iter()) {
            let Some(p) = resolve(r, "parameters", |n| {
                doc.components.as_ref().and_then(|c| c.parameters.get(n))
            }) else {
                continue;
            };
            let name = &p.parameter_data_ref().name;
            if out
                .iter()
                .any(|q| location(q) == location(p) && &q.parameter_data_ref().name == name)
            {
                continue;
            }
            out.push(p);
        }
        out
    }

    /// Checks the query, header, path and cookie parameters: required ones present and non-empty,
    /// present ones valid for their schema (type, minLength/maxLength, format, enum, bounds), and
    /// a parameter named `api-version` one of the versions its spec knows: its schema's `enum`,
    /// or without one its `default`. `query` is the raw query
    /// string, decoded with `application/x-www-form-urlencoded` rules. A parameter whose schema is
    /// not an array may be given only once. Headers the OpenAPI rules exclude from parameters
    /// (`Accept`, `Content-Type`, `Authorization`) are skipped.
    pub fn check_parameters(
        &self,
        query: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<(), Violation> {
        let pairs: Vec<(String, String)> = query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        for p in self.parameters() {
            let data = p.parameter_data_ref();
            let name = data.name.as_str();
            let what = location(p);
            let values: Vec<String> = match p {
                Parameter::Query { .. } => pairs
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .collect(),
                Parameter::Header { .. } => {
                    if ["accept", "content-type", "authorization"]
                        .iter()
                        .any(|h| h.eq_ignore_ascii_case(name))
                    {
                        continue;
                    }
                    let mut values = Vec::new();
                    for v in headers.get_all(name) {
                        let Ok(text) = std::str::from_utf8(v.as_bytes()) else {
                            return Err(Violation::new(
                                ViolationKind::InvalidParameter,
                                format!("the header `{name}` is not valid UTF-8 text"),
                                Some(name),
                            ));
                        };
                        values.push(text.trim().to_owned());
                    }
                    values
                }
                Parameter::Path { .. } => self
                    .path_params
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .collect(),
                Parameter::Cookie { .. } => cookies(headers)
                    .into_iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v)
                    .collect(),
            };
            if values.iter().all(String::is_empty) && data.required {
                let message = if values.is_empty() {
                    format!("the {what} `{name}` is required")
                } else {
                    format!("the {what} `{name}` is required and must not be empty")
                };
                return Err(Violation::new(
                    ViolationKind::MissingParameter,
                    message,
                    Some(name),
                ));
            }
            if values.is_empty() {
                continue;
            }
            let invalid = |reason: String| {
                Violation::new(
                    ViolationKind::InvalidParameter,
                    format!("the {what} `{name}` is invalid: {reason}"),
                    Some(name),
                )
            };
            match &data.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    let schema = resolve_schema(self.doc, schema).ok_or_else(|| {
                        invalid("its schema reference does not resolve".to_owned())
                    })?;
                    let element = if primary_type(schema) == Some("array") {
                        array_items(self.doc, schema)
                    } else {
                        if values.len() > 1 {
                            return Err(invalid("it is given more than once".to_owned()));
                        }
                        Some(schema)
                    };
                    let versions = match name {
                        "api-version" => api_versions(schema),
                        _ => Vec::new(),
                    };
                    if let Some(sent) = values
                        .iter()
                        .find(|v| !versions.is_empty() && !versions.contains(v))
                    {
                        let message = match versions.as_slice() {
                            [version] => format!(
                                "the {what} `{name}` must be `{version}`, the only version this API's spec describes (got `{}`)",
                                quote(sent)
                            ),
                            versions => format!(
                                "the {what} `{name}` must be one of the versions this API's spec lists, `{}` (got `{}`)",
                                versions.join("`, `"),
                                quote(sent)
                            ),
                        };
                        return Err(Violation::new(
                            ViolationKind::InvalidParameter,
                            message,
                            Some(name),
                        ));
                    }
                    let validator = Validator { doc: self.doc };
                    for value in &values {
                        let Some(element) = element else { break };
                        let json = coerce(element, value).map_err(invalid)?;
                        validator
                            .check(element, &json, "", 0)
                            .map_err(|e| invalid(e.describe_below()))?;
                    }
                }
                ParameterSchemaOrContent::Content(content) => {
                    let Some((_, media)) = content.iter().find(|(k, _)| is_json(&essence(k)))
                    else {
                        continue;
                    };
                    let Some(schema) = &media.schema else {
                        continue;
                    };
                    let validator = Validator { doc: self.doc };
                    for value in &values {
                        let json: Value = serde_json::from_str(value)
                            .map_err(|_| invalid("expected a JSON value".to_owned()))?;
                        validator
                            .check_ref(schema, &json, "", 0)
                            .map_err(|e| invalid(e.describe_below()))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The `default` of the parameter with this name (e.g. `api-version`), if the spec gives one.
    #[cfg(test)]
    pub fn parameter_default(&self, name: &str) -> Option<String> {
        let p = self
            .parameters()
            .into_iter()
            .find(|p| p.parameter_data_ref().name == name)?;
        let ParameterSchemaOrContent::Schema(schema) = &p.parameter_data_ref().format else {
            return None;
        };
        match resolve_schema(self.doc, schema)?
            .schema_data
            .default
            .as_ref()?
        {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

/// The versions an `api-version` parameter's schema knows: its `enum` (the versions the spec
/// lists, its `default` among them), or without one its `default` alone; none when it states
/// neither (any version is then left to the schema's other checks).
fn api_versions(schema: &openapiv3::Schema) -> Vec<String> {
    if let openapiv3::SchemaKind::Type(openapiv3::Type::String(s)) = &schema.schema_kind
        && !s.enumeration.is_empty()
    {
        return s.enumeration.iter().flatten().cloned().collect();
    }
    match &schema.schema_data.default {
        Some(Value::String(version)) => vec![version.clone()],
        _ => Vec::new(),
    }
}

pub(super) fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            let (k, v) = c.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}
