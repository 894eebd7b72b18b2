//! The emulator's own endpoints under `/_emulator/`: the requests it recorded, faults to inject
//! from another process, and the objects it stored.

use http::Method;
use http::request::Parts;
use serde_json::json;

use super::body::BodyStream;
use super::faults::FaultRule;
use super::reply::{self, Reply};
use super::state::State;

/// `GET requests`, `DELETE requests`, `POST faults` (body `ROUTE=FAULT[,times=N]`) and
/// `GET objects/{id}`.
pub(crate) async fn handle(head: &Parts, rest: &str, mut body: BodyStream, state: &State) -> Reply {
    match (&head.method, rest) {
        (&Method::GET, "requests") => reply::json(
            200,
            &serde_json::to_value(state.records.all()).unwrap_or_default(),
        ),
        (&Method::DELETE, "requests") => {
            state.records.clear();
            reply::empty(204)
        }
        (&Method::POST, "faults") => {
            let rule = body
                .collect(64 * 1024)
                .await
                .and_then(|b| String::from_utf8(b).map_err(|_| "the body is not UTF-8".into()))
                .and_then(|text| text.trim().parse::<FaultRule>());
            match rule {
                Ok(rule) => {
                    state.faults.add(rule);
                    reply::empty(204)
                }
                Err(message) => reply::json(400, &json!({ "error": message })),
            }
        }
        (&Method::GET, object) if object.starts_with("objects/") => {
            let id = object.trim_start_matches("objects/");
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
            match state.objects.get(&id) {
                Some(stored) => match tokio::fs::File::open(&stored.path).await {
                    Ok(file) => reply::file(file, stored.bytes, "application/octet-stream"),
                    Err(e) => reply::json(500, &json!({ "error": e.to_string() })),
                },
                None => reply::json(404, &json!({ "error": format!("no object {id}") })),
            }
        }
        _ => {
            body.drain().await;
            reply::json(
                404,
                &json!({ "error": "the emulator's endpoints are GET/DELETE /_emulator/requests, POST /_emulator/faults and GET /_emulator/objects/{id}" }),
            )
        }
    }
}
