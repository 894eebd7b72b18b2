//! Each vendor's error body, so a client under test meets the shape it will meet in
//! production: ACS's `ErrorResponse`, Google's `google.rpc.Status`, AI Agents' `AgentV1Error`
//! and MaiAgent's Django REST framework errors. The spec tests check each against its spec.

use serde_json::{Value, json};

use crate::reply::{Reply, json as json_reply};
use crate::spec_check::ApiId;

/// The error body `api` answers with `status`, saying `message` (and naming `param`, the
/// parameter, part or field at fault, when there is one).
pub(crate) fn body(api: ApiId, status: u16, message: &str, param: Option<&str>) -> Value {
    match api {
        ApiId::AcsChat => json!({
            "error": {"code": azure_code(status), "message": message, "details": []}
        }),
        ApiId::Rbm => json!({
            "error": {"code": status, "message": message, "status": google_status(status)}
        }),
        ApiId::AiAgents => json!({
            "error": {
                "code": azure_code(status),
                "message": message,
                "param": param,
                "type": if status < 500 { "invalid_request_error" } else { "server_error" },
            }
        }),
        // DRF: a field's errors as a list under its name, everything else as `detail`.
        ApiId::MaiAgent => match param {
            Some(field) if status == 400 => json!({ field: [message] }),
            _ => json!({ "detail": message }),
        },
    }
}

/// The error answer of `api`.
pub(crate) fn reply(api: ApiId, status: u16, message: &str, param: Option<&str>) -> Reply {
    json_reply(status, &body(api, status, message, param))
}

/// Azure's error codes for the statuses the emulator answers.
fn azure_code(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        _ if status >= 500 => "InternalServerError",
        _ => "BadRequest",
    }
}

/// The `google.rpc.Code` name Google's front ends pair with `status`.
fn google_status(status: u16) -> &'static str {
    match status {
        400 | 413 | 415 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        405 => "UNIMPLEMENTED",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status >= 500 => "INTERNAL",
        _ => "FAILED_PRECONDITION",
    }
}
