//! Checks the emulator's requests against this crate's own OpenAPI specs (`specs/*.yaml`), so the
//! emulator's rules come from the specs instead of from hand-typed copies of them.
//!
//! [`Specs::load`] parses the four embedded specs once; [`Specs::find`] tells which operation a
//! request is for, and the [`Operation`] it returns checks the credential, the parameters, the
//! Content-Type and the body of the request, and (for tests) the responses the emulator sends.
//! Every check answers with a [`Violation`] naming what is wrong in plain words; turning it into
//! each vendor's error body is left to the caller. The module does no I/O.
//!
//! What the checker does not do: `pattern` keywords are not checked (there is no regex engine
//! here, and the specs use none); formats other than `uri`/`url`, `uuid`, `date`, `date-time`,
//! `int32` and `int64` are accepted as they come; `readOnly`/`writeOnly` are ignored.

use std::collections::HashSet;
use std::fmt;

use http::{HeaderMap, Method};
use openapiv3::{
    APIKeyLocation, AdditionalProperties, AnySchema, IntegerFormat, MediaType, OpenAPI, Parameter,
    ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
    SecurityScheme, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

/// How deep `$ref` chains and nested schemas may go before the checker gives up.
const MAX_DEPTH: usize = 64;

/// Longest stretch of request text (a content type, an api-version) quoted back in a message.
const MAX_QUOTED: usize = 64;

/// One embedded spec and where its paths live on the emulator's single URL.
struct Source {
    id: ApiId,
    file: &'static str,
    text: &'static str,
    /// Path prefixes the spec's paths are served under ("" = the root).
    bases: &'static [&'static str],
}

const SOURCES: [Source; 4] = [
    Source {
        id: ApiId::AcsChat,
        file: "acs-chat.yaml",
        text: include_str!("../../specs/acs-chat.yaml"),
        bases: &[""],
    },
    Source {
        id: ApiId::Rbm,
        file: "rbm-files.yaml",
        text: include_str!("../../specs/rbm-files.yaml"),
        bases: &[""],
    },
    Source {
        id: ApiId::AiAgents,
        file: "ai-agents-files.yaml",
        text: include_str!("../../specs/ai-agents-files.yaml"),
        bases: &[""],
    },
    Source {
        id: ApiId::MaiAgent,
        file: "maiagent-attachments.yaml",
        text: include_str!("../../specs/maiagent-attachments.yaml"),
        // The page's paths start with /api/, MaiAgent's official examples with /api/v1/.
        bases: &["/api", "/api/v1"],
    },
];

/// Which API a spec describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiId {
    /// Azure Communication Services Chat: Upload Chat Image (`specs/acs-chat.yaml`).
    AcsChat,
    /// Google RCS Business Messaging: files.create (`specs/rbm-files.yaml`).
    Rbm,
    /// Azure AI Foundry Agents: Files (`specs/ai-agents-files.yaml`).
    AiAgents,
    /// MaiAgent: attachments and presigned uploads (`specs/maiagent-attachments.yaml`).
    MaiAgent,
}

impl ApiId {
    /// A short, stable name for the API: `acs-chat`, `rbm`, `ai-agents` or `maiagent`.
    pub fn name(self) -> &'static str {
        match self {
            ApiId::AcsChat => "acs-chat",
            ApiId::Rbm => "rbm",
            ApiId::AiAgents => "ai-agents",
            ApiId::MaiAgent => "maiagent",
        }
    }
}

/// What is wrong with a request (or, in [`Operation::check_response`], with a response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// The credential is missing, uses the wrong scheme or is empty (401).
    Unauthenticated,
    /// The path is one of the spec's, the method is not (405).
    MethodNotAllowed,
    /// A required parameter is missing or empty (400).
    MissingParameter,
    /// A parameter's value does not fit its schema (400).
    InvalidParameter,
    /// The body's Content-Type is not one the operation accepts (415).
    UnsupportedMediaType,
    /// The body does not fit its schema (400).
    InvalidBody,
}

impl ViolationKind {
    /// The HTTP status a service answers this kind of violation with.
    pub fn status(self) -> u16 {
        match self {
            ViolationKind::Unauthenticated => 401,
            ViolationKind::MethodNotAllowed => 405,
            ViolationKind::MissingParameter
            | ViolationKind::InvalidParameter
            | ViolationKind::InvalidBody => 400,
            ViolationKind::UnsupportedMediaType => 415,
        }
    }
}

/// A request that breaks its spec: what kind of rule, a plain-words message, and the parameter,
/// part or body field concerned when there is one. Messages never hold a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The kind of rule broken (gives the HTTP status).
    pub kind: ViolationKind,
    /// What is wrong, in plain words, naming the parameter, part or field.
    pub message: String,
    /// The parameter, multipart part or JSON field (path below the body) concerned, if any.
    pub param: Option<String>,
}

impl Violation {
    fn new(kind: ViolationKind, message: impl Into<String>, param: Option<&str>) -> Self {
        Violation {
            kind,
            message: message.into(),
            param: param.map(str::to_owned),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Violation {}

/// What a request body is, as its Content-Type says and the operation accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// The operation takes no body, or the optional body was not sent.
    None,
    /// A JSON body (check it with [`Operation::check_json`]).
    Json,
    /// A multipart body with this boundary (check its parts with [`Operation::check_multipart`]).
    Multipart {
        /// The `boundary` parameter of the Content-Type.
        boundary: String,
    },
    /// Any other body, taken as bytes.
    Binary {
        /// The media type essence sent (lowercase, parameters dropped), e.g. `image/png`.
        content_type: String,
    },
}

/// The four APIs' specs, parsed once.
pub struct Specs {
    apis: Vec<LoadedApi>,
}

struct LoadedApi {
    id: ApiId,
    bases: &'static [&'static str],
    doc: OpenAPI,
}

impl fmt::Debug for Specs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.apis.iter().map(|a| a.id.name()))
            .finish()
    }
}

impl Specs {
    /// Parses the embedded specs (`specs/acs-chat.yaml`, `rbm-files.yaml`, `ai-agents-files.yaml`,
    /// `maiagent-attachments.yaml`) and checks that every `$ref` resolves, every operation has a
    /// unique `operationId` and every security requirement names a declared scheme.
    pub fn load() -> Result<Self, String> {
        let mut apis = Vec::with_capacity(SOURCES.len());
        for source in &SOURCES {
            let doc: OpenAPI = serde_yaml_ng::from_str(source.text).map_err(|e| {
                format!(
                    "specs/{}: not a valid OpenAPI 3.0 document: {e}",
                    source.file
                )
            })?;
            let raw: Value = serde_yaml_ng::from_str(source.text)
                .map_err(|e| format!("specs/{}: not valid YAML: {e}", source.file))?;
            check_refs(&raw, &raw, source.file)?;
            check_operations(&doc, source.file)?;
            apis.push(LoadedApi {
                id: source.id,
                bases: source.bases,
                doc,
            });
        }
        Ok(Specs { apis })
    }

    /// The operation a request is for. Base paths on the one emulator URL: ACS, RBM and AI Agents
    /// at the root; MaiAgent under `/api` and under `/api/v1`. Path templates match segment by
    /// segment, `{param}` being exactly one non-empty segment, percent-decoded; trailing slashes are
    /// significant. A literal segment beats a template one when both match.
    ///
    /// `Ok(None)` when no path matches; `Err` ([`ViolationKind::MethodNotAllowed`]) when the path
    /// matches but the method does not.
    pub fn find(&self, method: &Method, path: &str) -> Result<Option<Operation<'_>>, Violation> {
        // Tolerate a caller passing the request target with its query or fragment.
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut best: Vec<Candidate<'_>> = Vec::new();
        let mut best_score = 0;
        for api in &self.apis {
            for base in api.bases {
                let Some(rest) = strip_base(path, base) else {
                    continue;
                };
                for (template, item) in api.doc.paths.iter() {
                    let ReferenceOr::Item(item) = item else {
                        continue;
                    };
                    let Some((score, params)) = match_template(template, rest) else {
                        continue;
                    };
                    if best.is_empty() || score > best_score {
                        best.clear();
                        best_score = score;
                    }
                    if score == best_score {
                        best.push(Candidate {
                            api,
                            template: template.as_str(),
                            item,
                            params,
                        });
                    }
                }
            }
        }
        let mut allowed: Vec<String> = Vec::new();
        let mut template_seen = "";
        for Candidate {
            api,
            template,
            item,
            params,
        } in best
        {
            for (name, op) in item.iter() {
                let upper = name.to_ascii_uppercase();
                if upper == method.as_str() {
                    return Ok(Some(Operation {
                        api: api.id,
                        id: op.operation_id.as_deref().unwrap_or_default(),
                        template,
                        path_params: params,
                        item,
                        op,
                        doc: &api.doc,
                    }));
                }
                if !allowed.contains(&upper) {
                    allowed.push(upper);
                }
            }
            template_seen = template;
        }
        if template_seen.is_empty() {
            return Ok(None);
        }
        Err(Violation::new(
            ViolationKind::MethodNotAllowed,
            format!(
                "the method `{}` is not allowed on `{template_seen}` (allowed: {})",
                quote(method.as_str()),
                allowed.join(", ")
            ),
            None,
        ))
    }
}

/// A path template that matches the request's path.
struct Candidate<'a> {
    api: &'a LoadedApi,
    template: &'a str,
    item: &'a PathItem,
    params: Vec<(String, String)>,
}

/// One matched operation.
pub struct Operation<'a> {
    api: ApiId,
    id: &'a str,
    template: &'a str,
    path_params: Vec<(String, String)>,
    item: &'a PathItem,
    op: &'a openapiv3::Operation,
    doc: &'a OpenAPI,
}

impl fmt::Debug for Operation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("api", &self.api)
            .field("operation_id", &self.id)
            .field("path", &self.template)
            .field("path_params", &self.path_params)
            .finish()
    }
}

/// Where a parameter travels, for messages.
fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query parameter",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path parameter",
        Parameter::Cookie { .. } => "cookie",
    }
}

impl<'a> Operation<'a> {
    /// The API whose spec describes this operation.
    pub fn api(&self) -> ApiId {
        self.api
    }

    /// The spec's `operationId` of this operation (e.g. `uploadChatImage`).
    pub fn operation_id(&self) -> &str {
        self.id
    }

    /// The percent-decoded value of the path parameter `name` (e.g. `chatThreadId`).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Checks the credential against the operation's security requirement (the operation's own,
    /// else the document's). The scheme word comes from the spec: `Bearer` for `oauth2` and
    /// `openIdConnect`, the `scheme` of an `http` scheme, and for an `apiKey` header the word of
    /// the backticked `` `Name: Word <...>` `` in its description (none: the whole value is the key).
    /// Scheme words compare case-insensitively (RFC 9110). Returns the credential without the
    /// scheme word (empty when the operation needs none).
    pub fn check_credential(&self, headers: &HeaderMap) -> Result<String, Violation> {
        let requirements = self.op.security.as_ref().or(self.doc.security.as_ref());
        let Some(requirements) = requirements else {
            return Ok(String::new());
        };
        if requirements.is_empty() || requirements.iter().any(|r| r.is_empty()) {
            return Ok(String::new());
        }
        let mut first_error = None;
        'alternatives: for requirement in requirements {
            let mut credential = None;
            for name in requirement.keys() {
                match self.check_scheme(name, headers) {
                    Ok(value) => {
                        credential.get_or_insert(value);
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                        continue 'alternatives;
                    }
                }
            }
            if let Some(value) = credential {
                return Ok(value);
            }
        }
        Err(first_error.unwrap_or_else(|| {
            Violation::new(
                ViolationKind::Unauthenticated,
                "the request carries no credential the spec accepts",
                None,
            )
        }))
    }

    fn check_scheme(&self, name: &str, headers: &HeaderMap) -> Result<String, Violation> {
        let unauthenticated =
            |message: String| Violation::new(ViolationKind::Unauthenticated, message, None);
        let scheme = self
            .doc
            .components
            .as_ref()
            .and_then(|c| c.security_schemes.get(name))
            .and_then(|s| {
                resolve(s, "securitySchemes", |n| {
                    self.doc
                        .components
                        .as_ref()
                        .and_then(|c| c.security_schemes.get(n))
                })
            })
            .ok_or_else(|| {
                unauthenticated(format!(
                    "the spec's security scheme `{name}` is not declared"
                ))
            })?;
        let (header, word) = match scheme {
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                ("Authorization".to_owned(), Some("Bearer".to_owned()))
            }
            SecurityScheme::HTTP { scheme, .. } => {
                ("Authorization".to_owned(), Some(capitalize(scheme)))
            }
            SecurityScheme::APIKey {
                location: APIKeyLocation::Header,
                name: header,
                description,
                ..
            } => {
                let word = description
                    .as_deref()
                    .and_then(|d| scheme_word_from_description(d, header));
                (header.clone(), word)
            }
            SecurityScheme::APIKey { location, .. } => {
                let place = match location {
                    APIKeyLocation::Query => "query",
                    _ => "cookie",
                };
                return Err(unauthenticated(format!(
                    "the spec's API key scheme `{name}` travels in the {place}, which this checker does not read"
                )));
            }
        };
        let shape = match &word {
            Some(w) => format!("`{header}: {w} <credential>`"),
            None => format!("`{header}: <credential>`"),
        };
        let mut values = headers.get_all(header.as_str()).iter();
        let Some(value) = values.next() else {
            return Err(unauthenticated(format!(
                "the `{header}` header is missing; send {shape}"
            )));
        };
        if values.next().is_some() {
            return Err(unauthenticated(format!(
                "the `{header}` header is sent more than once; send it once, as {shape}"
            )));
        }
        let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
            return Err(unauthenticated(format!(
                "the `{header}` header is not valid UTF-8 text; send {shape}"
            )));
        };
        let text = text.trim();
        let token = match &word {
            Some(w) => {
                let (sent, rest) = text
                    .split_once(|c: char| c.is_ascii_whitespace())
                    .unwrap_or((text, ""));
                if !sent.eq_ignore_ascii_case(w) {
                    return Err(unauthenticated(format!(
                        "the `{header}` header must use the `{w}` scheme: send {shape}"
                    )));
                }
                rest.trim()
            }
            None => text,
        };
        if token.is_empty() {
            return Err(unauthenticated(format!(
                "the `{header}` header carries an empty credential; send {shape}"
            )));
        }
        if token.chars().any(char::is_whitespace) {
            return Err(unauthenticated(format!(
                "the credential in the `{header}` header must be a single word; send {shape}"
            )));
        }
        Ok(token.to_owned())
    }

    /// The operation's parameters (its own, then the path item's it does not override), resolved.
    fn parameters(&self) -> Vec<&'a Parameter> {
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
    /// a parameter named `api-version` equal to its schema `default`. `query` is the raw query
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
                    let validator = Validator { doc: self.doc };
                    for value in &values {
                        let Some(element) = element else { break };
                        let json = coerce(element, value).map_err(invalid)?;
                        validator
                            .check(element, &json, "", 0)
                            .map_err(|e| invalid(e.describe_below()))?;
                    }
                    if name == "api-version"
                        && let Some(Value::String(version)) = &schema.schema_data.default
                        && values.iter().any(|v| v != version)
                    {
                        let sent = values.iter().find(|v| *v != version).map(String::as_str);
                        return Err(Violation::new(
                            ViolationKind::InvalidParameter,
                            format!(
                                "the {what} `{name}` must be `{version}`, the only version this API's spec describes (got `{}`)",
                                quote(sent.unwrap_or_default())
                            ),
                            Some(name),
                        ));
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

    /// The operation's request body, resolved.
    fn request_body(&self) -> Option<&'a RequestBody> {
        let doc = self.doc;
        self.op.request_body.as_ref().and_then(|r| {
            resolve(r, "requestBodies", |n| {
                doc.components
                    .as_ref()
                    .and_then(|c| c.request_bodies.get(n))
            })
        })
    }

    /// The accepted media types, for messages.
    fn accepted(body: &RequestBody) -> String {
        body.content
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks the request's Content-Type against the request body's content map (media type
    /// essence compared case-insensitively, parameters ignored, `type/*` and `*/*` keys honoured).
    /// A body the spec requires needs a Content-Type. An operation without a request body answers
    /// [`BodyKind::None`] whatever the header says. A multipart type needs a `boundary`.
    pub fn check_content_type(&self, headers: &HeaderMap) -> Result<BodyKind, Violation> {
        let Some(body) = self.request_body() else {
            return Ok(BodyKind::None);
        };
        let unsupported =
            |message: String| Violation::new(ViolationKind::UnsupportedMediaType, message, None);
        let Some(value) = headers.get(http::header::CONTENT_TYPE) else {
            if body.required {
                return Err(unsupported(format!(
                    "this operation needs a request body with a Content-Type ({})",
                    Self::accepted(body)
                )));
            }
            return Ok(BodyKind::None);
        };
        let Ok(text) = value.to_str() else {
            return Err(unsupported(
                "the Content-Type header is not valid text".to_owned(),
            ));
        };
        let sent = essence(text);
        let valid_shape = sent
            .split_once('/')
            .is_some_and(|(t, s)| !t.is_empty() && !s.is_empty());
        let key = if valid_shape {
            body.content
                .keys()
                .find(|k| essence(k) == sent)
                .or_else(|| {
                    body.content.keys().find(|k| {
                        let k = essence(k);
                        k == "*/*"
                            || k.strip_suffix("/*").is_some_and(|t| {
                                sent.split_once('/').is_some_and(|(st, _)| st == t)
                            })
                    })
                })
        } else {
            None
        };
        let Some(key) = key else {
            return Err(unsupported(format!(
                "Content-Type `{}` is not one this operation accepts ({})",
                quote(&sent),
                Self::accepted(body)
            )));
        };
        let key = essence(key);
        if is_json(&key) {
            return Ok(BodyKind::Json);
        }
        if key.starts_with("multipart/") {
            let boundary = media_param(text, "boundary").unwrap_or_default();
            if boundary.is_empty() || boundary.len() > 70 {
                return Err(Violation::new(
                    ViolationKind::InvalidBody,
                    format!(
                        "the Content-Type `{}` needs a `boundary` parameter of 1 to 70 characters",
                        quote(&sent)
                    ),
                    None,
                ));
            }
            return Ok(BodyKind::Multipart { boundary });
        }
        Ok(BodyKind::Binary { content_type: sent })
    }

    /// The request body's media type whose essence satisfies `pick`, or a violation saying the
    /// operation takes no such body.
    fn body_media(
        &self,
        what: &str,
        pick: impl Fn(&str) -> bool,
    ) -> Result<&'a MediaType, Violation> {
        let body = self.request_body().ok_or_else(|| {
            Violation::new(
                ViolationKind::UnsupportedMediaType,
                "this operation takes no request body",
                None,
            )
        })?;
        body.content
            .iter()
            .find(|(k, _)| pick(&essence(k)))
            .map(|(_, m)| m)
            .ok_or_else(|| {
                Violation::new(
                    ViolationKind::UnsupportedMediaType,
                    format!(
                        "this operation takes no {what} body (it accepts {})",
                        Self::accepted(body)
                    ),
                    None,
                )
            })
    }

    /// Checks a JSON body against the schema of the request body's JSON media type (`$ref`
    /// resolved; types, required, properties, additionalProperties, enum, anyOf/oneOf/allOf/not,
    /// nullable, formats uri/uuid/int32/int64, bounds and lengths). An absent
    /// `additionalProperties` allows any other member (JSON Schema's rule). The message names the
    /// JSON path, e.g. `body.fileSize: expected integer, got string`.
    pub fn check_json(&self, body: &Value) -> Result<(), Violation> {
        let media = self.body_media("JSON", is_json)?;
        let Some(schema) = &media.schema else {
            return Ok(());
        };
        Validator { doc: self.doc }
            .check_ref(schema, body, "body", 0)
            .map_err(|e| e.into_violation(ViolationKind::InvalidBody, ""))
    }

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

    /// Checks a response the emulator is about to send (status and JSON body) against the spec's
    /// response for that status (exact status, then its `NXX` range, then `default`). A response
    /// the spec gives JSON content must carry a body that fits its schema; one without content
    /// must carry none. For tests: proves the emulator answers what the spec says.
    pub fn check_response(&self, status: u16, body: Option<&Value>) -> Result<(), Violation> {
        let bad = |message: String| Violation::new(ViolationKind::InvalidBody, message, None);
        let responses = &self.op.responses;
        let response = responses
            .responses
            .get(&StatusCode::Code(status))
            .or_else(|| responses.responses.get(&StatusCode::Range(status / 100)))
            .or(responses.default.as_ref())
            .ok_or_else(|| {
                bad(format!(
                    "the spec describes no `{status}` response for `{}`",
                    self.id
                ))
            })?;
        let doc = self.doc;
        let response: &Response = resolve(response, "responses", |n| {
            doc.components.as_ref().and_then(|c| c.responses.get(n))
        })
        .ok_or_else(|| bad(format!("the spec's `{status}` response does not resolve")))?;
        if response.content.is_empty() {
            return match body {
                Some(_) => Err(bad(format!(
                    "the spec's `{status}` response of `{}` has no body, yet one is sent",
                    self.id
                ))),
                None => Ok(()),
            };
        }
        let media = response.content.iter().find(|(k, _)| is_json(&essence(k)));
        let (Some((_, media)), Some(body)) = (media, body) else {
            return match (media, body) {
                (Some(_), None) => Err(bad(format!(
                    "the spec's `{status}` response of `{}` has a JSON body, yet none is sent",
                    self.id
                ))),
                (None, Some(_)) => Err(bad(format!(
                    "the spec's `{status}` response of `{}` is not JSON, yet a JSON body is sent",
                    self.id
                ))),
                _ => Ok(()),
            };
        };
        let Some(schema) = &media.schema else {
            return Ok(());
        };
        Validator { doc: self.doc }
            .check_ref(schema, body, "body", 0)
            .map_err(|e| {
                e.into_violation(
                    ViolationKind::InvalidBody,
                    &format!("the `{status}` response does not match the spec: "),
                )
            })
    }

    /// The `default` of the parameter with this name (e.g. `api-version`), if the spec gives one.
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

// ---------------------------------------------------------------------------------------------
// Loading

/// Every `$ref` must be a local `#/components/<kind>/<name>` that exists.
fn check_refs(root: &Value, value: &Value, file: &str) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref") {
                let target = r.as_str().unwrap_or_default();
                let ok = target.starts_with("#/components/")
                    && target.matches('/').count() == 3
                    && target
                        .strip_prefix('#')
                        .is_some_and(|pointer| root.pointer(pointer).is_some());
                if !ok {
                    return Err(format!(
                        "specs/{file}: the reference `{r}` does not resolve"
                    ));
                }
            }
            map.values().try_for_each(|v| check_refs(root, v, file))
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_refs(root, v, file)),
        _ => Ok(()),
    }
}

fn check_operations(doc: &OpenAPI, file: &str) -> Result<(), String> {
    let schemes: HashSet<&str> = doc
        .components
        .as_ref()
        .map(|c| c.security_schemes.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut ids = HashSet::new();
    let check_security = |security: Option<&Vec<openapiv3::SecurityRequirement>>| {
        for requirement in security.into_iter().flatten() {
            for name in requirement.keys() {
                if !schemes.contains(name.as_str()) {
                    return Err(format!(
                        "specs/{file}: the security scheme `{name}` is not declared"
                    ));
                }
            }
        }
        Ok(())
    };
    check_security(doc.security.as_ref())?;
    for (path, method, op) in doc.operations() {
        let Some(id) = op.operation_id.as_deref() else {
            return Err(format!("specs/{file}: {method} {path} has no operationId"));
        };
        if !ids.insert(id) {
            return Err(format!("specs/{file}: operationId `{id}` is used twice"));
        }
        check_security(op.security.as_ref())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Paths

/// The rest of `path` after the base `base` (which must end at a segment boundary).
fn strip_base<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(base)?;
    rest.starts_with('/').then_some(rest)
}

/// Matches `path` to `template` segment by segment; the score is the number of literal segments.
fn match_template(template: &str, path: &str) -> Option<(usize, Vec<(String, String)>)> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut score = 0;
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        let decoded = percent_encoding::percent_decode_str(ps)
            .decode_utf8()
            .ok()?;
        match ts.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                if decoded.is_empty() {
                    return None;
                }
                params.push((name.to_owned(), decoded.into_owned()));
            }
            None => {
                if decoded != *ts {
                    return None;
                }
                score += 1;
            }
        }
    }
    Some((score, params))
}

// ---------------------------------------------------------------------------------------------
// Resolution

/// The component name a `#/components/<kind>/<name>` reference points at (JSON-pointer unescaped).
fn component_name(reference: &str, kind: &str) -> Option<String> {
    let name = reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

fn resolve<'a, T>(
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

fn resolve_schema<'a>(doc: &'a OpenAPI, r: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    resolve(r, "schemas", |n| {
        doc.components.as_ref().and_then(|c| c.schemas.get(n))
    })
}

fn resolve_boxed<'a>(doc: &'a OpenAPI, r: &'a ReferenceOr<Box<Schema>>) -> Option<&'a Schema> {
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
fn primary_type(schema: &Schema) -> Option<&str> {
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

fn array_items<'a>(doc: &'a OpenAPI, schema: &'a Schema) -> Option<&'a Schema> {
    let items = match &schema.schema_kind {
        SchemaKind::Type(Type::Array(a)) => a.items.as_ref(),
        SchemaKind::Any(a) => a.items.as_ref(),
        _ => None,
    }?;
    resolve_boxed(doc, items)
}

fn is_binary(schema: &Schema) -> bool {
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
fn coerce(schema: &Schema, text: &str) -> Result<Value, String> {
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

// ---------------------------------------------------------------------------------------------
// Media types and headers

/// The lowercase essence (`type/subtype`) of a media type, parameters dropped.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// The value of a media type parameter (name case-insensitive, quotes removed).
fn media_param(media_type: &str, name: &str) -> Option<String> {
    media_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case(name) {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        Some(v.to_owned())
    })
}

fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
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

/// The scheme word of the backticked `` `Header: Word <...>` `` in a security scheme description.
fn scheme_word_from_description(description: &str, header: &str) -> Option<String> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .find_map(|snippet| {
            let (name, rest) = snippet.split_once(':')?;
            if !name.trim().eq_ignore_ascii_case(header) {
                return None;
            }
            let mut words = rest.split_whitespace();
            let word = words.next()?;
            let placeholder = words.next()?;
            (!word.starts_with('<') && placeholder.starts_with('<')).then(|| word.to_owned())
        })
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Request text fit to quote in a message: control characters dropped, length capped.
fn quote(text: &str) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control() && *c != '`')
        .take(MAX_QUOTED)
        .collect();
    if text.chars().count() > MAX_QUOTED {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Schema validation

/// Where a value broke its schema, and why.
#[derive(Debug)]
struct Invalid {
    path: String,
    reason: String,
}

impl Invalid {
    fn at(path: &str, reason: impl Into<String>) -> Self {
        Invalid {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    /// For a value checked from the root path "": the reason, with the path below it if any.
    fn describe_below(&self) -> String {
        let path = self.path.trim_start_matches('.');
        if path.is_empty() {
            self.reason.clone()
        } else {
            format!("{path}: {}", self.reason)
        }
    }

    fn into_violation(self, kind: ViolationKind, prefix: &str) -> Violation {
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

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn mismatch(path: &str, expected: &str, value: &Value) -> Invalid {
    Invalid::at(
        path,
        format!("expected {expected}, got {}", json_type(value)),
    )
}

/// A JSON number as an integer, if it is one (`1.0` counts, as in JSON Schema).
fn as_integer(value: &Value) -> Option<i128> {
    let n = value.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // 2^63: beyond it an f64 is not an exact int64 anyway.
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18).then_some(f as i128)
}

fn type_matches(typ: &str, value: &Value) -> bool {
    match typ {
        "string" => value.is_string(),
        "integer" => as_integer(value).is_some(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    }
}

fn string_rules(
    s: &str,
    format: Option<&str>,
    min_length: Option<usize>,
    max_length: Option<usize>,
) -> Result<(), String> {
    let length = s.chars().count();
    if let Some(min) = min_length
        && length < min
    {
        return Err(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters long")
        });
    }
    if let Some(max) = max_length
        && length > max
    {
        return Err(format!("must be at most {max} characters long"));
    }
    match format {
        Some("uri" | "url") if url::Url::parse(s).is_err() => {
            Err("expected an absolute URL".to_owned())
        }
        Some("uuid") if !is_uuid(s) => Err("expected a UUID".to_owned()),
        Some("date") if !is_date(s) => Err("expected a date (YYYY-MM-DD)".to_owned()),
        Some("date-time") if !is_date_time(s) => Err("expected an RFC 3339 date-time".to_owned()),
        _ => Ok(()),
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    y.len() == 4
        && m.len() == 2
        && d.len() == 2
        && digits(y).is_some()
        && digits(m).is_some_and(|m| (1..=12).contains(&m))
        && digits(d).is_some_and(|d| (1..=31).contains(&d))
}

fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let (clock, offset_ok) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, true)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let offset = time.get(i + 1..).unwrap_or_default();
        let ok = offset.split_once(':').is_some_and(|(h, m)| {
            h.len() == 2
                && m.len() == 2
                && digits(h).is_some_and(|h| h < 24)
                && digits(m).is_some_and(|m| m < 60)
        });
        (time.get(..i).unwrap_or_default(), ok)
    } else {
        return false;
    };
    let clock = clock.split('.').collect::<Vec<_>>();
    let fraction_ok = match clock.as_slice() {
        [_] => true,
        [_, f] => !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    let hms: Vec<&str> = clock
        .first()
        .copied()
        .unwrap_or_default()
        .split(':')
        .collect();
    let hms_ok = matches!(hms.as_slice(), [h, m, s]
        if h.len() == 2 && m.len() == 2 && s.len() == 2
            && digits(h).is_some_and(|h| h < 24)
            && digits(m).is_some_and(|m| m < 60)
            && digits(s).is_some_and(|s| s <= 60));
    offset_ok && fraction_ok && hms_ok
}

fn number_rules(
    n: f64,
    minimum: Option<f64>,
    exclusive_minimum: bool,
    maximum: Option<f64>,
    exclusive_maximum: bool,
    multiple_of: Option<f64>,
) -> Result<(), String> {
    if let Some(min) = minimum {
        if exclusive_minimum && n <= min {
            return Err(format!("must be greater than {min}"));
        }
        if n < min {
            return Err(format!("must be at least {min}"));
        }
    }
    if let Some(max) = maximum {
        if exclusive_maximum && n >= max {
            return Err(format!("must be less than {max}"));
        }
        if n > max {
            return Err(format!("must be at most {max}"));
        }
    }
    if let Some(m) = multiple_of
        && m > 0.0
        && ((n / m) - (n / m).round()).abs() > 1e-9
    {
        return Err(format!("must be a multiple of {m}"));
    }
    Ok(())
}

fn enum_list<'v>(values: impl Iterator<Item = &'v Value>) -> String {
    values
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of an object schema, from a typed `object` schema or an untyped one.
struct ObjectView<'a> {
    properties: Vec<(&'a str, &'a ReferenceOr<Box<Schema>>)>,
    required: &'a [String],
    additional: Option<&'a AdditionalProperties>,
    min_properties: Option<usize>,
    max_properties: Option<usize>,
}

impl<'a> ObjectView<'a> {
    fn of(schema: &'a Schema) -> Option<Self> {
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

    fn of_any(a: &'a AnySchema) -> Self {
        ObjectView {
            properties: a.properties.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            required: &a.required,
            additional: a.additional_properties.as_ref(),
            min_properties: a.min_properties,
            max_properties: a.max_properties,
        }
    }
}

struct Validator<'a> {
    doc: &'a OpenAPI,
}

impl<'a> Validator<'a> {
    fn check_ref(
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

    fn check_boxed(
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

    fn check(
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

    fn check_not(
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
    fn check_alternatives(
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

    fn check_type(
        &self,
        t: &'a Type,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        match t {
            Type::String(st) => {
                let Some(s) = value.as_str() else {
                    return Err(mismatch(path, "string", value));
                };
                if !st.enumeration.is_empty()
                    && !st.enumeration.iter().any(|e| e.as_deref() == Some(s))
                {
                    let list = st
                        .enumeration
                        .iter()
                        .flatten()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Invalid::at(path, format!("expected one of {list}")));
                }
                let format = match &st.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date"),
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time"),
                    VariantOrUnknownOrEmpty::Item(_) | VariantOrUnknownOrEmpty::Empty => None,
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.as_str()),
                };
                string_rules(s, format, st.min_length, st.max_length)
                    .map_err(|r| Invalid::at(path, r))
            }
            Type::Integer(it) => {
                let Some(n) = as_integer(value) else {
                    return Err(mismatch(path, "integer", value));
                };
                if !it.enumeration.is_empty()
                    && !it.enumeration.iter().any(|e| e.map(i128::from) == Some(n))
                {
                    let list = it
                        .enumeration
                        .iter()
                        .flatten()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Invalid::at(path, format!("expected one of {list}")));
                }
                let format = match &it.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Some("int32"),
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => Some("int64"),
                    _ => None,
                };
                integer_rules(n, format).map_err(|r| Invalid::at(path, r))?;
                let bound = |b: Option<i64>| b.map(|b| b as f64);
                number_rules(
                    n as f64,
                    bound(it.minimum),
                    it.exclusive_minimum,
                    bound(it.maximum),
                    it.exclusive_maximum,
                    None,
                )
                .map_err(|r| Invalid::at(path, r))?;
                if let Some(m) = it.multiple_of
                    && m > 0
                    && n % i128::from(m) != 0
                {
                    return Err(Invalid::at(path, format!("must be a multiple of {m}")));
                }
                Ok(())
            }
            Type::Number(nt) => {
                let Some(n) = value.as_f64() else {
                    return Err(mismatch(path, "number", value));
                };
                if !nt.enumeration.is_empty() && !nt.enumeration.contains(&Some(n)) {
                    let list = nt
                        .enumeration
                        .iter()
                        .flatten()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Invalid::at(path, format!("expected one of {list}")));
                }
                number_rules(
                    n,
                    nt.minimum,
                    nt.exclusive_minimum,
                    nt.maximum,
                    nt.exclusive_maximum,
                    nt.multiple_of,
                )
                .map_err(|r| Invalid::at(path, r))
            }
            Type::Boolean(bt) => {
                let Some(b) = value.as_bool() else {
                    return Err(mismatch(path, "boolean", value));
                };
                if !bt.enumeration.is_empty() && !bt.enumeration.contains(&Some(b)) {
                    return Err(Invalid::at(path, format!("must not be `{b}`")));
                }
                Ok(())
            }
            Type::Object(o) => {
                let view = ObjectView {
                    properties: o.properties.iter().map(|(k, v)| (k.as_str(), v)).collect(),
                    required: &o.required,
                    additional: o.additional_properties.as_ref(),
                    min_properties: o.min_properties,
                    max_properties: o.max_properties,
                };
                self.check_object(&view, value, path, depth)
            }
            Type::Array(a) => self.check_array(
                a.items.as_ref(),
                a.min_items,
                a.max_items,
                a.unique_items,
                value,
                path,
                depth,
            ),
        }
    }

    fn check_any(
        &self,
        a: &'a AnySchema,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        if let Some(t) = a.typ.as_deref()
            && !type_matches(t, value)
        {
            return Err(mismatch(path, t, value));
        }
        if !a.enumeration.is_empty() && !a.enumeration.contains(value) {
            return Err(Invalid::at(
                path,
                format!("expected one of {}", enum_list(a.enumeration.iter())),
            ));
        }
        match value {
            Value::String(s) => string_rules(s, a.format.as_deref(), a.min_length, a.max_length)
                .map_err(|r| Invalid::at(path, r))?,
            Value::Number(n) => {
                if let Some(i) = as_integer(value) {
                    integer_rules(i, a.format.as_deref()).map_err(|r| Invalid::at(path, r))?;
                }
                if let Some(f) = n.as_f64() {
                    number_rules(
                        f,
                        a.minimum,
                        a.exclusive_minimum.unwrap_or(false),
                        a.maximum,
                        a.exclusive_maximum.unwrap_or(false),
                        a.multiple_of,
                    )
                    .map_err(|r| Invalid::at(path, r))?;
                }
            }
            Value::Object(_) => {
                self.check_object(&ObjectView::of_any(a), value, path, depth)?;
            }
            Value::Array(_) => self.check_array(
                a.items.as_ref(),
                a.min_items,
                a.max_items,
                a.unique_items.unwrap_or(false),
                value,
                path,
                depth,
            )?,
            _ => {}
        }
        if !a.one_of.is_empty() {
            self.check_alternatives(&a.one_of, true, value, path, depth)?;
        }
        if !a.any_of.is_empty() {
            self.check_alternatives(&a.any_of, false, value, path, depth)?;
        }
        for r in &a.all_of {
            self.check_ref(r, value, path, depth + 1)?;
        }
        if let Some(not) = &a.not {
            self.check_not(not, value, path, depth)?;
        }
        Ok(())
    }

    fn check_object(
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
    fn check_array(
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

fn integer_rules(n: i128, format: Option<&str>) -> Result<(), String> {
    match format {
        Some("int32") if i32::try_from(n).is_err() => {
            Err("is out of range for a 32-bit integer".to_owned())
        }
        Some("int64") if i64::try_from(n).is_err() => {
            Err("is out of range for a 64-bit integer".to_owned())
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{AUTHORIZATION, CONTENT_TYPE};
    use http::{HeaderName, HeaderValue};
    use serde_json::json;

    fn specs() -> Specs {
        Specs::load().expect("the specs load")
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    fn op<'s>(specs: &'s Specs, method: Method, path: &str) -> Operation<'s> {
        specs
            .find(&method, path)
            .expect("the method is allowed")
            .expect("the path is known")
    }

    fn kind<T: fmt::Debug>(r: Result<T, Violation>) -> ViolationKind {
        r.expect_err("a violation").kind
    }

    #[test]
    fn loads_and_names() {
        let specs = specs();
        assert_eq!(specs.apis.len(), 4);
        let names: Vec<_> = specs.apis.iter().map(|a| a.id.name()).collect();
        assert_eq!(names, ["acs-chat", "rbm", "ai-agents", "maiagent"]);
        assert_eq!(ViolationKind::Unauthenticated.status(), 401);
        assert_eq!(ViolationKind::MethodNotAllowed.status(), 405);
        assert_eq!(ViolationKind::UnsupportedMediaType.status(), 415);
        assert_eq!(ViolationKind::InvalidBody.status(), 400);
    }

    #[test]
    fn finds_every_operation() {
        let specs = specs();
        let cases: &[(Method, &str, ApiId, &str)] = &[
            (
                Method::POST,
                "/chat/threads/19%3Aabc%40thread.v2/images",
                ApiId::AcsChat,
                "uploadChatImage",
            ),
            (Method::POST, "/upload/v1/files", ApiId::Rbm, "uploadFile"),
            (Method::POST, "/v1/files", ApiId::Rbm, "createFile"),
            (Method::POST, "/files", ApiId::AiAgents, "uploadFile"),
            (
                Method::GET,
                "/files/assistant-abc123",
                ApiId::AiAgents,
                "getFile",
            ),
            (
                Method::POST,
                "/api/attachments-upload/",
                ApiId::MaiAgent,
                "createAttachmentUpload",
            ),
            (
                Method::POST,
                "/api/v1/attachments-upload/",
                ApiId::MaiAgent,
                "createAttachmentUpload",
            ),
            (
                Method::POST,
                "/api/upload-presigned-url/",
                ApiId::MaiAgent,
                "createUploadPresignedUrl",
            ),
            (
                Method::POST,
                "/api/v1/upload-presigned-url/",
                ApiId::MaiAgent,
                "createUploadPresignedUrl",
            ),
            (
                Method::POST,
                "/api/attachments/",
                ApiId::MaiAgent,
                "createAttachment",
            ),
            (
                Method::POST,
                "/api/v1/attachments/",
                ApiId::MaiAgent,
                "createAttachment",
            ),
            (
                Method::POST,
                "/api/conversations/c-1/attachments/",
                ApiId::MaiAgent,
                "createConversationAttachment",
            ),
            (
                Method::POST,
                "/api/v1/conversations/c-1/attachments/",
                ApiId::MaiAgent,
                "createConversationAttachment",
            ),
        ];
        for (method, path, api, id) in cases {
            let op = op(&specs, method.clone(), path);
            assert_eq!(
                (op.api(), op.operation_id()),
                (*api, *id),
                "{method} {path}"
            );
        }
        // Every operation of every spec is reachable (templates filled with a sample value).
        for api in &specs.apis {
            for (template, method, operation) in api.doc.operations() {
                let concrete: String = template
                    .split('/')
                    .map(|s| if s.starts_with('{') { "x1" } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                for base in api.bases {
                    let method =
                        Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
                    let found = op(&specs, method, &format!("{base}{concrete}"));
                    assert_eq!(
                        Some(found.operation_id()),
                        operation.operation_id.as_deref()
                    );
                }
            }
        }
    }

    #[test]
    fn path_parameters_are_decoded() {
        let specs = specs();
        let acs = op(
            &specs,
            Method::POST,
            "/chat/threads/19%3Aabc%40thread.v2/images",
        );
        assert_eq!(acs.path_param("chatThreadId"), Some("19:abc@thread.v2"));
        assert_eq!(acs.path_param("nope"), None);
        let mai = op(
            &specs,
            Method::POST,
            "/api/v1/conversations/550e8400%2Dx/attachments/",
        );
        assert_eq!(mai.path_param("conversationPk"), Some("550e8400-x"));
    }

    #[test]
    fn unknown_paths_and_wrong_methods() {
        let specs = specs();
        for path in [
            "/nope",
            "/",
            "/api/attachments", // trailing slash missing
            "/api/v2/attachments/",
            "/attachments/", // MaiAgent lives under /api
            "/chat/threads//images",
            "/files/",
            "/chat/threads/%FF/images", // not UTF-8
        ] {
            assert!(specs.find(&Method::POST, path).unwrap().is_none(), "{path}");
        }
        let err = specs.find(&Method::GET, "/v1/files").unwrap_err();
        assert_eq!(err.kind, ViolationKind::MethodNotAllowed);
        assert!(err.message.contains("POST"), "{}", err.message);
        assert_eq!(
            kind(specs.find(&Method::DELETE, "/files/abc")),
            ViolationKind::MethodNotAllowed
        );
        assert_eq!(
            kind(specs.find(&Method::GET, "/api/v1/attachments/")),
            ViolationKind::MethodNotAllowed
        );
        assert_eq!(
            kind(specs.find(&Method::PUT, "/chat/threads/t/images")),
            ViolationKind::MethodNotAllowed
        );
    }

    #[test]
    fn credentials() {
        let specs = specs();
        let bearer_ops = [
            op(&specs, Method::POST, "/chat/threads/t/images"),
            op(&specs, Method::POST, "/upload/v1/files"),
            op(&specs, Method::POST, "/v1/files"),
            op(&specs, Method::POST, "/files"),
            op(&specs, Method::GET, "/files/f"),
        ];
        for o in &bearer_ops {
            let id = o.operation_id();
            assert_eq!(
                o.check_credential(&headers(&[("authorization", "Bearer tok-1")]))
                    .unwrap(),
                "tok-1",
                "{id}"
            );
            assert_eq!(
                o.check_credential(&headers(&[("authorization", "bearer tok-1")]))
                    .unwrap(),
                "tok-1",
                "{id}"
            );
            for bad in [
                "Api-Key tok-1",
                "tok-1",
                "Bearer ",
                "Bearer",
                "Basic dXNlcg==",
                "Bearer a b",
            ] {
                let err = o
                    .check_credential(&headers(&[("authorization", bad)]))
                    .unwrap_err();
                assert_eq!(err.kind, ViolationKind::Unauthenticated, "{id} {bad}");
                assert!(
                    !err.message.contains("tok-1") && !err.message.contains("dXNlcg"),
                    "{}",
                    err.message
                );
                assert!(err.message.contains("Bearer"), "{}", err.message);
            }
            assert_eq!(
                kind(o.check_credential(&HeaderMap::new())),
                ViolationKind::Unauthenticated
            );
        }
        let mai_ops = [
            op(&specs, Method::POST, "/api/attachments-upload/"),
            op(&specs, Method::POST, "/api/v1/upload-presigned-url/"),
            op(&specs, Method::POST, "/api/attachments/"),
            op(&specs, Method::POST, "/api/conversations/c/attachments/"),
        ];
        for o in &mai_ops {
            assert_eq!(
                o.check_credential(&headers(&[("authorization", "Api-Key k-9")]))
                    .unwrap(),
                "k-9"
            );
            for bad in ["Bearer k-9", "k-9", "Api-Key ", "Api-Key"] {
                let err = o
                    .check_credential(&headers(&[("authorization", bad)]))
                    .unwrap_err();
                assert_eq!(err.kind, ViolationKind::Unauthenticated, "{bad}");
                assert!(!err.message.contains("k-9"), "{}", err.message);
                assert!(err.message.contains("Api-Key"), "{}", err.message);
            }
            assert_eq!(
                kind(o.check_credential(&HeaderMap::new())),
                ViolationKind::Unauthenticated
            );
        }
        // Sent twice: refused.
        let twice = headers(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
        assert_eq!(
            kind(bearer_ops[0].check_credential(&twice)),
            ViolationKind::Unauthenticated
        );
    }

    #[test]
    fn scheme_word_comes_from_the_description() {
        assert_eq!(
            scheme_word_from_description(
                "sent as `Authorization: Api-Key <YOUR_API_KEY>`.",
                "Authorization"
            )
            .as_deref(),
            Some("Api-Key")
        );
        assert_eq!(
            scheme_word_from_description("`Authorization: <key>`", "Authorization"),
            None
        );
        assert_eq!(
            scheme_word_from_description("`X-Key: Token <k>`", "Authorization"),
            None
        );
        assert_eq!(
            scheme_word_from_description("no backticks", "Authorization"),
            None
        );
    }

    #[test]
    fn rbm_parameters() {
        let specs = specs();
        let upload = op(&specs, Method::POST, "/upload/v1/files");
        let none = HeaderMap::new();
        upload
            .check_parameters(Some("agentId=my-agent"), &none)
            .unwrap();
        upload
            .check_parameters(
                Some("agentId=my-agent&thumbnailUrl=https%3A%2F%2Fexample.com%2Ft.png"),
                &none,
            )
            .unwrap();
        let err = upload.check_parameters(None, &none).unwrap_err();
        assert_eq!(err.kind, ViolationKind::MissingParameter);
        assert_eq!(err.message, "the query parameter `agentId` is required");
        assert_eq!(err.param.as_deref(), Some("agentId"));
        assert_eq!(
            kind(upload.check_parameters(Some("agentId="), &none)),
            ViolationKind::MissingParameter
        );
        assert_eq!(
            kind(upload.check_parameters(Some("other=1"), &none)),
            ViolationKind::MissingParameter
        );
        let err = upload
            .check_parameters(Some("agentId=a&thumbnailUrl=not%20a%20url"), &none)
            .unwrap_err();
        assert_eq!(err.kind, ViolationKind::InvalidParameter);
        assert!(
            err.message.contains("`thumbnailUrl`") && err.message.contains("absolute URL"),
            "{}",
            err.message
        );
        assert_eq!(
            kind(upload.check_parameters(Some("agentId=a&thumbnailUrl=/relative.png"), &none)),
            ViolationKind::InvalidParameter
        );
        assert_eq!(
            kind(upload.check_parameters(Some("agentId=a&agentId=b"), &none)),
            ViolationKind::InvalidParameter
        );
        // createFile has no parameters at all.
        op(&specs, Method::POST, "/v1/files")
            .check_parameters(None, &none)
            .unwrap();
    }

    #[test]
    fn api_version() {
        let specs = specs();
        let acs = op(
            &specs,
            Method::POST,
            "/chat/threads/19%3Aa%40thread.v2/images",
        );
        let none = HeaderMap::new();
        assert_eq!(
            acs.parameter_default("api-version").as_deref(),
            Some("2024-03-15-preview")
        );
        assert_eq!(acs.parameter_default("image-filename"), None);
        acs.check_parameters(Some("api-version=2024-03-15-preview"), &none)
            .unwrap();
        acs.check_parameters(
            Some("api-version=2024-03-15-preview"),
            &headers(&[("image-filename", "a.png")]),
        )
        .unwrap();
        let err = acs.check_parameters(None, &none).unwrap_err();
        assert_eq!(err.kind, ViolationKind::MissingParameter);
        assert_eq!(err.param.as_deref(), Some("api-version"));
        let err = acs
            .check_parameters(Some("api-version=2023-11-07"), &none)
            .unwrap_err();
        assert_eq!(err.kind, ViolationKind::InvalidParameter);
        assert!(
            err.message.contains("2024-03-15-preview") && err.message.contains("2023-11-07"),
            "{}",
            err.message
        );

        let agents = op(&specs, Method::GET, "/files/assistant-1");
        assert_eq!(
            agents.parameter_default("api-version").as_deref(),
            Some("v1")
        );
        agents
            .check_parameters(Some("api-version=v1"), &none)
            .unwrap();
        assert_eq!(
            kind(agents.check_parameters(Some("api-version=2025-05-01"), &none)),
            ViolationKind::InvalidParameter
        );
        assert_eq!(
            kind(agents.check_parameters(Some("api-version="), &none)),
            ViolationKind::MissingParameter
        );
        let upload = op(&specs, Method::POST, "/files");
        assert_eq!(
            kind(upload.check_parameters(None, &none)),
            ViolationKind::MissingParameter
        );
    }

    #[test]
    fn content_types() {
        let specs = specs();
        let rbm = op(&specs, Method::POST, "/upload/v1/files");
        assert_eq!(
            rbm.check_content_type(&headers(&[("content-type", "image/png")]))
                .unwrap(),
            BodyKind::Binary {
                content_type: "image/png".into()
            }
        );
        assert_eq!(
            rbm.check_content_type(&headers(&[("content-type", "Image/PNG; foo=bar")]))
                .unwrap(),
            BodyKind::Binary {
                content_type: "image/png".into()
            }
        );
        let err = rbm
            .check_content_type(&headers(&[("content-type", "text/plain")]))
            .unwrap_err();
        assert_eq!(err.kind, ViolationKind::UnsupportedMediaType);
        assert!(
            err.message.starts_with(
                "Content-Type `text/plain` is not one this operation accepts (image/jpeg, "
            ),
            "{}",
            err.message
        );
        assert_eq!(
            kind(rbm.check_content_type(&HeaderMap::new())),
            ViolationKind::UnsupportedMediaType
        );

        let agents = op(&specs, Method::POST, "/files");
        assert_eq!(
            agents
                .check_content_type(&headers(&[(
                    "content-type",
                    "multipart/form-data; boundary=\"abc123\""
                )]))
                .unwrap(),
            BodyKind::Multipart {
                boundary: "abc123".into()
            }
        );
        assert_eq!(
            agents
                .check_content_type(&headers(&[(
                    "content-type",
                    "multipart/form-data; charset=utf-8; Boundary=xyz"
                )]))
                .unwrap(),
            BodyKind::Multipart {
                boundary: "xyz".into()
            }
        );
        assert_eq!(
            kind(agents.check_content_type(&headers(&[("content-type", "application/json")]))),
            ViolationKind::UnsupportedMediaType
        );
        assert_eq!(
            kind(agents.check_content_type(&headers(&[("content-type", "multipart/form-data")]))),
            ViolationKind::InvalidBody
        );
        // GET /files/{id} has no body: whatever the header says.
        assert_eq!(
            op(&specs, Method::GET, "/files/f")
                .check_content_type(&HeaderMap::new())
                .unwrap(),
            BodyKind::None
        );

        let mai = op(&specs, Method::POST, "/api/attachments/");
        assert_eq!(
            mai.check_content_type(&headers(&[("content-type", "application/json")]))
                .unwrap(),
            BodyKind::Json
        );
        assert_eq!(
            mai.check_content_type(&headers(&[(
                "content-type",
                "multipart/form-data; boundary=b"
            )]))
            .unwrap(),
            BodyKind::Multipart {
                boundary: "b".into()
            }
        );
        assert_eq!(
            kind(mai.check_content_type(&headers(&[("content-type", "application/pdf")]))),
            ViolationKind::UnsupportedMediaType
        );
        let acs = op(&specs, Method::POST, "/chat/threads/t/images");
        assert_eq!(
            acs.check_content_type(&headers(&[(
                CONTENT_TYPE.as_str(),
                "application/octet-stream"
            )]))
            .unwrap(),
            BodyKind::Binary {
                content_type: "application/octet-stream".into()
            }
        );
        assert_eq!(
            kind(acs.check_content_type(&headers(&[("content-type", "garbage")]))),
            ViolationKind::UnsupportedMediaType
        );
    }

    #[test]
    fn json_bodies() {
        let specs = specs();
        let presign = op(&specs, Method::POST, "/api/upload-presigned-url/");
        presign.check_json(&json!({"fileSize": 123})).unwrap();
        presign
            .check_json(&json!({"fileSize": 0, "modelName": "attachment", "fieldName": "file", "filename": "a.pdf"}))
            .unwrap();
        let err = presign.check_json(&json!({})).unwrap_err();
        assert_eq!(err.kind, ViolationKind::InvalidBody);
        assert_eq!(err.message, "body.fileSize: is required");
        assert_eq!(err.param.as_deref(), Some("fileSize"));
        let err = presign.check_json(&json!({"fileSize": "123"})).unwrap_err();
        assert_eq!(err.message, "body.fileSize: expected integer, got string");
        let err = presign.check_json(&json!({"fileSize": -1})).unwrap_err();
        assert_eq!(err.message, "body.fileSize: must be at least 0");
        assert_eq!(
            kind(presign.check_json(&json!({"fileSize": 1.5}))),
            ViolationKind::InvalidBody
        );
        assert_eq!(
            kind(presign.check_json(&json!({"fileSize": 1, "filename": 7}))),
            ViolationKind::InvalidBody
        );
        assert_eq!(
            kind(presign.check_json(&json!([1]))),
            ViolationKind::InvalidBody
        );
        assert_eq!(
            kind(presign.check_json(&json!(null))),
            ViolationKind::InvalidBody
        );

        let attach = op(&specs, Method::POST, "/api/v1/attachments/");
        attach
            .check_json(&json!({"type": null, "filename": "a.png", "file": "media/a.png"}))
            .unwrap();
        attach
            .check_json(&json!({"type": "image", "filename": "a.png", "file": "media/a.png"}))
            .unwrap();
        attach
            .check_json(&json!({"filename": "a.png", "file": "x", "type": {}}))
            .unwrap();
        let err = attach
            .check_json(&json!({"filename": "a.png"}))
            .unwrap_err();
        assert_eq!(err.message, "body.file: is required");

        let conv = op(&specs, Method::POST, "/api/conversations/c/attachments/");
        conv.check_json(&json!({"filename": "a", "file": "b", "conversation": "550e8400-e29b-41d4-a716-446655440000"}))
            .unwrap();
        let err = conv
            .check_json(&json!({"filename": "a", "file": "b", "conversation": "nope"}))
            .unwrap_err();
        assert_eq!(err.message, "body.conversation: expected a UUID");

        let create = op(&specs, Method::POST, "/v1/files");
        create
            .check_json(&json!({"fileUrl": "https://www.example.com/images/cat.jpg", "agentId": "my-agent"}))
            .unwrap();
        let err = create
            .check_json(&json!({"fileUrl": "cat.jpg", "agentId": "my-agent"}))
            .unwrap_err();
        assert_eq!(err.message, "body.fileUrl: expected an absolute URL");
        assert_eq!(err.param.as_deref(), Some("fileUrl"));
        assert_eq!(
            kind(create.check_json(&json!({"fileUrl": "https://e.com/a"}))),
            ViolationKind::InvalidBody
        );

        // Operations without a JSON body.
        assert_eq!(
            kind(op(&specs, Method::POST, "/files").check_json(&json!({}))),
            ViolationKind::UnsupportedMediaType
        );
        assert_eq!(
            kind(op(&specs, Method::GET, "/files/f").check_json(&json!({}))),
            ViolationKind::UnsupportedMediaType
        );
    }

    fn parts(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), v.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn multipart_bodies() {
        let specs = specs();
        let agents = op(&specs, Method::POST, "/files");
        assert_eq!(agents.binary_parts(), ["file"]);
        agents
            .check_multipart(&parts(&[("purpose", Some("assistants")), ("file", None)]))
            .unwrap();
        agents
            .check_multipart(&parts(&[
                ("file", None),
                ("purpose", Some("some-new-purpose")),
                ("filename", Some("a.pdf")),
            ]))
            .unwrap();
        let err = agents
            .check_multipart(&parts(&[("file", None)]))
            .unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ViolationKind::InvalidBody, "the part `purpose` is required")
        );
        assert_eq!(err.param.as_deref(), Some("purpose"));
        let err = agents
            .check_multipart(&parts(&[
                ("purpose", Some("assistants")),
                ("file", None),
                ("file", None),
            ]))
            .unwrap_err();
        assert_eq!(err.message, "the part `file` is sent more than once");
        let err = agents
            .check_multipart(&parts(&[
                ("purpose", Some("assistants")),
                ("file", None),
                ("extra", Some("x")),
            ]))
            .unwrap_err();
        assert!(
            err.message
                .starts_with("the part `extra` is not one this operation accepts"),
            "{}",
            err.message
        );
        assert_eq!(
            kind(agents.check_multipart(&parts(&[("purpose", Some("a")), ("", None)]))),
            ViolationKind::InvalidBody
        );

        let mai = op(&specs, Method::POST, "/api/attachments-upload/");
        assert_eq!(mai.binary_parts(), ["file"]);
        mai.check_multipart(&parts(&[("file", None)])).unwrap();
        assert_eq!(
            kind(mai.check_multipart(&parts(&[]))),
            ViolationKind::InvalidBody
        );
        assert_eq!(
            op(&specs, Method::POST, "/api/attachments/").binary_parts(),
            ["file"]
        );

        // No multipart body here.
        let presign = op(&specs, Method::POST, "/api/upload-presigned-url/");
        assert!(presign.binary_parts().is_empty());
        assert_eq!(
            kind(presign.check_multipart(&parts(&[("file", None)]))),
            ViolationKind::UnsupportedMediaType
        );
    }

    #[test]
    fn responses() {
        let specs = specs();
        let acs = op(&specs, Method::POST, "/chat/threads/t/images");
        acs.check_response(
            201,
            Some(
                &json!({"id": "0-eus-d2-x", "attachmentType": "inlineImage", "name": "sample.png"}),
            ),
        )
        .unwrap();
        let err = acs
            .check_response(
                201,
                Some(&json!({"attachmentType": "inlineImage", "name": "sample.png"})),
            )
            .unwrap_err();
        assert_eq!(err.kind, ViolationKind::InvalidBody);
        assert!(
            err.message.contains("body.id: is required"),
            "{}",
            err.message
        );
        assert_eq!(
            kind(acs.check_response(201, Some(&json!({"id": "x", "attachmentType": 3})))),
            ViolationKind::InvalidBody
        );
        assert_eq!(
            kind(acs.check_response(201, None)),
            ViolationKind::InvalidBody
        );
        acs.check_response(
            401,
            Some(&json!({"error": {"code": "Unauthorized", "message": "no", "details": []}})),
        )
        .unwrap();

        let agents = op(&specs, Method::POST, "/files");
        let info = json!({"object": "file", "id": "assistant-abc123", "bytes": 120000, "filename": "sample.pdf",
            "created_at": 1727800000, "purpose": "assistants", "status": "processed"});
        agents.check_response(200, Some(&info)).unwrap();
        let too_big = json!({"object": "file", "id": "a", "bytes": 5_000_000_000u64, "filename": "s",
            "created_at": 1, "purpose": "assistants"});
        assert!(
            agents
                .check_response(200, Some(&too_big))
                .unwrap_err()
                .message
                .contains("body.bytes")
        );
        agents
            .check_response(400, Some(&json!({"error": {"code": null, "message": "m", "param": "file", "type": "invalid_request_error"}})))
            .unwrap();

        let rbm = op(&specs, Method::POST, "/upload/v1/files");
        rbm.check_response(200, Some(&json!({"name": "files/a1b2c3d4"})))
            .unwrap();
        rbm.check_response(400, Some(&json!({"error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}})))
            .unwrap();
        assert_eq!(
            kind(rbm.check_response(500, Some(&json!({"error": {"code": "x"}})))),
            ViolationKind::InvalidBody
        );

        let mai = op(&specs, Method::POST, "/api/attachments-upload/");
        mai.check_response(200, None).unwrap();
        mai.check_response(201, Some(&json!({"id": "550e8400-e29b-41d4-a716-446655440000", "filename": "f", "file": "u", "type": "other"})))
            .unwrap();
        mai.check_response(403, Some(&json!({"detail": "Invalid API key."})))
            .unwrap();
        assert_eq!(
            kind(mai.check_response(500, None)),
            ViolationKind::InvalidBody
        );
        let presign = op(&specs, Method::POST, "/api/upload-presigned-url/");
        presign
            .check_response(200, Some(&json!({"url": "https://s3.example.com/b", "fields": {"key": "k", "policy": "p"}})))
            .unwrap();
        assert_eq!(
            kind(presign.check_response(
                200,
                Some(&json!({"url": "https://s3.example.com/b", "fields": {"key": 1}}))
            )),
            ViolationKind::InvalidBody
        );
    }

    #[test]
    fn validator_details() {
        assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!is_uuid("550e8400e29b41d4a716446655440000"));
        assert!(is_date("2024-03-15") && !is_date("2024-13-01"));
        assert!(
            is_date_time("2024-03-15T10:00:00Z") && is_date_time("2024-03-15T10:00:00.5+01:00")
        );
        assert!(!is_date_time("2024-03-15 10:00:00"));
        assert_eq!(as_integer(&json!(1.0)), Some(1));
        assert_eq!(as_integer(&json!(1.5)), None);
        assert_eq!(quote(&"a".repeat(100)).chars().count(), MAX_QUOTED + 1);
        assert_eq!(headers(&[(AUTHORIZATION.as_str(), "x")]).len(), 1);
    }
}

impl Specs {
    /// The specs, parsed on first use and kept for the life of the process.
    pub fn get() -> Result<&'static Specs, String> {
        static SPECS: std::sync::OnceLock<Result<Specs, String>> = std::sync::OnceLock::new();
        SPECS.get_or_init(Specs::load).as_ref().map_err(Clone::clone)
    }

    /// Every operation of every spec, as (API, operationId).
    pub fn operations(&self) -> Vec<(ApiId, String)> {
        self.apis
            .iter()
            .flat_map(|api| {
                api.doc.operations().filter_map(move |(_, _, op)| {
                    op.operation_id.clone().map(|id| (api.id, id))
                })
            })
            .collect()
    }
}
