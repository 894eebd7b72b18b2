//! Checks a response the emulator sends against the operation's responses in the spec.

use openapiv3::{Response, StatusCode};
use serde_json::Value;

use super::media::{essence, is_json};
use super::resolve::resolve;
use super::schema::Validator;
use super::{Operation, Violation, ViolationKind};

impl<'a> Operation<'a> {
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
}
