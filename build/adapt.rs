//! Step 2 of the build: a copy of a spec that progenitor 0.15 can generate, and the operations
//! taken out of it, described for the hand-written facade.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode, StringType, Type};

/// Request body media types progenitor 0.15 generates code for.
const PROGENITOR_BODY_TYPES: &[&str] = &[
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/x-markdown",
];

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
    /// The 2xx statuses the spec answers with.
    pub(crate) success_statuses: Vec<u16>,
    /// The statuses the spec answers with its error body, as inclusive ranges (`4XX`,
    /// `default`: 400 to 599).
    pub(crate) error_statuses: Vec<(u16, u16)>,
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
    api_versions_as_strings(&mut adapted);
    let adapted = open_enums_as_one_of(adapted)?;
    Ok((adapted, facade))
}

/// `api` with the `enum` of every query parameter named `api-version` taken out of its (inline)
/// string schema; returns how many were.
///
/// A spec lists there the versions known to carry the operation, which the emulator and Prism
/// hold requests to. progenitor 0.15 (typify) would make of that list a closed Rust enum
/// (`UploadChatImageApiVersion::X20240315Preview`, …), and the builder's `api_version` would
/// then refuse at send time any version the spec does not list, such as one the service added
/// after this crate was built. The version stays a string the caller chooses (the service is the
/// judge), so progenitor's copy says `type: string`, with the `default` kept.
fn api_versions_as_strings(api: &mut OpenAPI) -> usize {
    fn widen(param: &mut ReferenceOr<openapiv3::Parameter>) -> usize {
        let ReferenceOr::Item(openapiv3::Parameter::Query { parameter_data, .. }) = param else {
            return 0;
        };
        if parameter_data.name != "api-version" {
            return 0;
        }
        match &mut parameter_data.format {
            openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Type(Type::String(s)),
                ..
            })) if !s.enumeration.is_empty() => {
                s.enumeration.clear();
                1
            }
            _ => 0,
        }
    }
    let mut count = 0;
    for item in api.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        count += item.parameters.iter_mut().map(widen).sum::<usize>();
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            count += op.parameters.iter_mut().map(widen).sum::<usize>();
        }
    }
    if let Some(components) = &mut api.components {
        count += components.parameters.values_mut().map(widen).sum::<usize>();
    }
    count
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
    let mut success_statuses = Vec::new();
    let mut error_statuses = Vec::new();
    for status in op.responses.responses.keys() {
        match *status {
            StatusCode::Code(code @ 200..=299) => success_statuses.push(code),
            StatusCode::Code(code @ 400..=599) => error_statuses.push((code, code)),
            StatusCode::Range(range @ 4..=5) => {
                error_statuses.push((range * 100, range * 100 + 99))
            }
            _ => {}
        }
    }
    if op.responses.default.is_some() {
        error_statuses.push((400, 599));
    }
    if success_statuses.is_empty() {
        return Err(format!("operation {id} states no 2xx response"));
    }
    Ok(FacadeOperation {
        success_statuses,
        error_statuses,
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
