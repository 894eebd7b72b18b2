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
//!
//! Layout: this file holds the public types and [`Specs`]; `loading` parses and vets the
//! embedded specs, `paths` matches request paths to templates, `operation` with `credential`,
//! `parameters`, `body`, `multipart` and `response` holds the checks of one matched operation,
//! `resolve` and `media` are shared helpers, and `schema`, `schema_types` and `rules` validate
//! JSON values against the specs' schemas.

mod body;
mod credential;
mod loading;
mod media;
mod multipart;
mod operation;
mod parameters;
mod paths;
mod resolve;
mod response;
mod rules;
mod schema;
mod schema_types;
#[cfg(test)]
mod tests;

use std::fmt;

use http::Method;
use openapiv3::{OpenAPI, PathItem, ReferenceOr};
use serde_json::Value;

use loading::{SOURCES, check_operations, check_refs};
use paths::{match_template, strip_base};

pub use operation::Operation;

/// How deep `$ref` chains and nested schemas may go before the checker gives up.
const MAX_DEPTH: usize = 64;

/// Longest stretch of request text (a content type, an api-version) quoted back in a message.
const MAX_QUOTED: usize = 64;

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

    /// The specs, parsed on first use and kept for the life of the process.
    pub fn get() -> Result<&'static Specs, String> {
        static SPECS: std::sync::OnceLock<Result<Specs, String>> = std::sync::OnceLock::new();
        SPECS
            .get_or_init(Specs::load)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Every operation of every spec, as (API, operationId).
    pub fn operations(&self) -> Vec<(ApiId, String)> {
        self.apis
            .iter()
            .flat_map(|api| {
                api.doc
                    .operations()
                    .filter_map(move |(_, _, op)| op.operation_id.clone().map(|id| (api.id, id)))
            })
            .collect()
    }
}

/// A path template that matches the request's path.
struct Candidate<'a> {
    api: &'a LoadedApi,
    template: &'a str,
    item: &'a PathItem,
    params: Vec<(String, String)>,
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

/// Whether `body`, answered with `status` to `method` `path`, is what the spec of that operation
/// states (the status listed, the JSON schema met): the check this crate's own answers are put
/// through in its tests, for a user's stand-in service too. `Err` says what differs.
pub fn check_answer(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
    let specs = Specs::get()?;
    let method: Method = method
        .parse()
        .map_err(|_| format!("`{method}` is not an HTTP method"))?;
    let operation = specs
        .find(&method, path)
        .map_err(|violation| violation.to_string())?
        .ok_or_else(|| format!("no operation of the specs is {method} {path}"))?;
    operation
        .check_response(status, Some(body))
        .map_err(|violation| violation.to_string())
}
