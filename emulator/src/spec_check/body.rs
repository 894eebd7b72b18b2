//! Checks a request body's Content-Type, and a JSON body against its schema.

use http::HeaderMap;
use openapiv3::{MediaType, RequestBody};
use serde_json::Value;

use super::media::{essence, is_json, media_param};
use super::resolve::resolve;
use super::schema::Validator;
use super::{BodyKind, Operation, Violation, ViolationKind, quote};

impl<'a> Operation<'a> {
    /// The operation's request body, resolved.
    pub(super) fn request_body(&self) -> Option<&'a RequestBody> {
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
    pub(super) fn accepted(body: &RequestBody) -> String {
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
    pub(super) fn body_media(
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
}
