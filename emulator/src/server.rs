//! The HTTP/1.1 server (hyper) and the one path every request takes: record it, find its
//! operation in the specs, refuse it beyond the rate limit, apply a fault if one waits (or chaos
//! mode draws one), check it against the spec, and hand it to its API's handler.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::body::{BodyStream, Meter};
use super::faults::{Fault, RetryAfter};
use super::objects::{Stored, WriteError};
use super::record::{RecordedRequest, recorded_headers};
use super::reply::{self, Reply};
use super::route::Route;
use super::spec_check::{ApiId, BodyKind, Operation, Violation, ViolationKind};
use super::state::State;
use super::storage;
use super::vendors::errors;
use super::vendors::{acs_chat, ai_agents, maiagent, rbm};

/// Accepts connections until the task is aborted (which aborts every connection with it).
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let state = Arc::clone(&state);
                    connections.spawn(async move {
                        let service = service_fn(move |request| handle(request, Arc::clone(&state)));
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                // Out of file descriptors, say: try again shortly rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What a handler gets: the request head, its operation and body kind, and where to record.
pub(crate) struct Call<'a> {
    pub(crate) head: &'a Parts,
    pub(crate) op: &'a Operation<'static>,
    pub(crate) kind: BodyKind,
    pub(crate) state: &'a State,
    pub(crate) record: &'a mut RecordedRequest,
}

impl Call<'_> {
    /// The error answer of this call's API.
    pub(crate) fn error(&self, status: u16, message: &str, param: Option<&str>) -> Reply {
        errors::reply(self.op.api(), status, message, param)
    }

    /// The decoded value of the query parameter `name`.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.head.uri.query()?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A raw body streamed to a new object of at most `limit` bytes; the error is the API's
    /// answer (over the limit, the rest is read first, so the client gets the answer instead
    /// of a reset). `what` names the body in messages ("image", "file").
    pub(crate) async fn store(
        &self,
        body: &mut BodyStream,
        limit: Option<u64>,
        what: &str,
    ) -> Result<Stored, Reply> {
        match self.state.objects.write(&mut *body, limit, false).await {
            Ok(stored) => Ok(stored),
            Err(WriteError::TooLarge { limit }) => {
                body.drain().await;
                let message = format!("the {what} is over the limit of {limit} bytes");
                Err(self.error(413, &message, None))
            }
            Err(WriteError::Body(e)) => {
                Err(self.error(400, &format!("the body could not be read: {e}"), None))
            }
            Err(WriteError::Io(e)) => {
                let message = format!("the {what} could not be stored: {e}");
                Err(self.error(500, &message, None))
            }
        }
    }

    /// A JSON body (at most 1 MiB) checked against the operation's schema; the error is the
    /// API's answer.
    pub(crate) async fn read_json(
        &self,
        body: &mut BodyStream,
    ) -> Result<serde_json::Value, Reply> {
        let bytes = body
            .collect(1024 * 1024)
            .await
            .map_err(|e| self.error(400, &e, None))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| self.error(400, &format!("the body is not valid JSON: {e}"), None))?;
        self.op
            .check_json(&value)
            .map_err(|v| self.error(v.kind.status(), &v.message, v.param.as_deref()))?;
        Ok(value)
    }
}

/// One request, start to end; an `Err` drops the connection (the reset and stall faults).
async fn handle(
    request: hyper::Request<Incoming>,
    state: Arc<State>,
) -> Result<Reply, std::io::Error> {
    let (head, body) = request.into_parts();
    let meter = Meter::default();
    let body = BodyStream::new(body, meter.clone());
    let mut record = RecordedRequest {
        route: None,
        method: head.method.to_string(),
        path: head.uri.path().to_owned(),
        query: head.uri.query().map(super::record::recorded_query),
        headers: recorded_headers(&head.headers),
        body_bytes: 0,
        body_sha256: String::new(),
        parts: Vec::new(),
        status: 0,
        fault: None,
        created: None,
    };
    if let Some(rest) = head.uri.path().strip_prefix("/_emulator/") {
        return Ok(super::inspect::handle(&head, rest, body, &state).await);
    }
    let outcome = route(&head, body, &state, &mut record).await;
    (record.body_bytes, record.body_sha256) = meter.read();
    record.status = outcome.as_ref().map_or(0, |r| r.status().as_u16());
    // A stalled request was recorded when it stalled.
    if !outcome
        .as_ref()
        .is_err_and(|e| e.kind() == std::io::ErrorKind::TimedOut)
    {
        state.records.push(record);
    }
    outcome
}

async fn route(
    head: &Parts,
    mut body: BodyStream,
    state: &State,
    record: &mut RecordedRequest,
) -> Result<Reply, std::io::Error> {
    if let Some(rest) = head.uri.path().strip_prefix("/s3/") {
        let route = match head.method {
            http::Method::GET => Route::storage_get(),
            _ => Route::storage_post(),
        };
        let fault = match gate(route, None, head, &mut body, state, record).await {
            ControlFlow::Continue(fault) => fault,
            ControlFlow::Break(outcome) => return outcome,
        };
        let reply = storage::handle(head, rest, body, state, record).await;
        return finish(fault, reply).await;
    }
    let op = match state.specs.find(&head.method, head.uri.path()) {
        Ok(Some(op)) => op,
        Ok(None) => {
            body.drain().await;
            let message = format!("no API of this emulator has the path {}", head.uri.path());
            return Ok(reply::json(404, &json!({ "error": message })));
        }
        Err(violation) => {
            body.drain().await;
            return Ok(reply::json(
                violation.kind.status(),
                &json!({ "error": violation.message }),
            ));
        }
    };
    let api = op.api();
    let route = Route::operation(api.name(), op.operation_id());
    let fault = match gate(route, Some(api), head, &mut body, state, record).await {
        ControlFlow::Continue(fault) => fault,
        ControlFlow::Break(outcome) => return outcome,
    };
    let kind = match check(&op, head, state) {
        Ok(kind) => kind,
        Err(violation) => {
            body.drain().await;
            return Ok(errors::reply(
                api,
                violation.kind.status(),
                &violation.message,
                violation.param.as_deref(),
            ));
        }
    };
    let call = Call {
        head,
        op: &op,
        kind,
        state,
        record,
    };
    let reply = match api {
        ApiId::AcsChat => acs_chat::handle(call, body).await,
        ApiId::Rbm => rbm::handle(call, body).await,
        ApiId::AiAgents => ai_agents::handle(call, body).await,
        ApiId::MaiAgent => maiagent::handle(call, body).await,
    };
    finish(fault, reply).await
}

/// What a request to `route` meets before its handler: the rate limit, then a fault. `Break`
/// is the outcome instead of the handler's (a refusal, or a fault in its place); `Continue`
/// carries a fault that acts after the handler (slow, reset-after), if any.
async fn gate(
    route: Route,
    api: Option<ApiId>,
    head: &Parts,
    body: &mut BodyStream,
    state: &State,
    record: &mut RecordedRequest,
) -> ControlFlow<Result<Reply, std::io::Error>, Option<Fault>> {
    record.route = Some(route.to_string());
    if let Some(limit) = &state.rate_limit
        && let Err(wait) = limit.take()
    {
        body.drain().await;
        return ControlFlow::Break(Ok(limit.refusal(api, wait)));
    }
    let (fault, stall) = state.next_fault(&route);
    record.fault = fault.as_ref().map(Fault::to_string);
    match fault {
        Some(fault @ (Fault::Slow(_) | Fault::ResetAfterStore)) => {
            ControlFlow::Continue(Some(fault))
        }
        Some(fault) => {
            ControlFlow::Break(apply(fault, api, head, body, stall, state, record).await)
        }
        None => ControlFlow::Continue(None),
    }
}

/// The checks every operation gets from its spec, before its body is read.
fn check(op: &Operation<'static>, head: &Parts, state: &State) -> Result<BodyKind, Violation> {
    let credential = op.check_credential(&head.headers)?;
    if state
        .config
        .credential
        .as_ref()
        .is_some_and(|expected| *expected != credential)
    {
        return Err(Violation {
            kind: ViolationKind::Unauthenticated,
            message: "the credential is not valid for this resource".into(),
            param: None,
        });
    }
    op.check_parameters(head.uri.query(), &head.headers)?;
    op.check_content_type(&head.headers)
}

/// The faults that act after the handler: a slow one sends the answer later; a reset-after
/// drops it (the handler's work done, the upload kept) and the connection with it.
async fn finish(fault: Option<Fault>, reply: Reply) -> Result<Reply, std::io::Error> {
    match fault {
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(reply)
        }
        Some(Fault::ResetAfterStore) => Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: reset after the request was handled",
        )),
        _ => Ok(reply),
    }
}

/// Every other fault, instead of the answer.
async fn apply(
    fault: Fault,
    api: Option<ApiId>,
    head: &Parts,
    body: &mut BodyStream,
    stall: Duration,
    state: &State,
    record: &RecordedRequest,
) -> Result<Reply, std::io::Error> {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            body.drain().await;
            let message = format!("injected fault: status {status}");
            let mut reply = match api {
                Some(api) => errors::reply(api, status, &message, None),
                None => reply::xml(status, storage::fault_xml(status)),
            };
            if let Some(retry_after) = retry_after {
                let (name, value) = match retry_after {
                    RetryAfter::Seconds(s) => ("retry-after", s.to_string()),
                    RetryAfter::Millis(ms) => ("retry-after-ms", ms.to_string()),
                    RetryAfter::MillisAndSeconds { millis, seconds } => {
                        if let Ok(value) = http::HeaderValue::from_str(&millis.to_string()) {
                            reply.headers_mut().insert("retry-after-ms", value);
                        }
                        ("retry-after", seconds.to_string())
                    }
                    // At most a year ahead: httpdate cannot write dates after 9999.
                    RetryAfter::HttpDate(s) => (
                        "retry-after",
                        httpdate::fmt_http_date(
                            std::time::SystemTime::now()
                                + Duration::from_secs(s.min(366 * 24 * 3600)),
                        ),
                    ),
                };
                if let Ok(value) = http::HeaderValue::from_str(&value) {
                    reply.headers_mut().insert(name, value);
                }
            }
            Ok(reply)
        }
        Fault::Reset => {
            // Half of the body (or the first chunk), then the connection goes with unread
            // bytes in its buffer, which the kernel answers with a reset.
            let length = head
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            body.skip((length / 2).max(1)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected fault: reset",
            ))
        }
        Fault::Stall => {
            // Recorded now (status 0, nothing read), not after the wait.
            let mut stalled = record.clone();
            (stalled.body_bytes, stalled.body_sha256) = body.meter().read();
            state.records.push(stalled);
            tokio::time::sleep(stall).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "injected fault: stall",
            ))
        }
        Fault::HugeBody(len) => {
            body.drain().await;
            Ok(reply::huge(len))
        }
        // Both act after the handler (`finish`); never here.
        Fault::Slow(_) | Fault::ResetAfterStore => Ok(reply::empty(500)),
    }
}
