//! One attempt of an operation, and the one place per-attempt state lives: the stall clock the
//! request body and the hooks reset, the status and headers of the response the attempt got,
//! and a credential's error, which the hooks can only hand to progenitor as text.
//!
//! The retry loop runs every attempt through [`run`], which holds the state in the crate's only
//! task-local (progenitor's hooks and hyper's body polling have no other way to reach it); the
//! facades turn a generated operation's result into the facade's [`Error`] with [`check`],
//! which reads that state back. Nothing else reads or writes it.

use std::sync::{Arc, Mutex};

use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;

use crate::api::Api;
use crate::error::{Error, Observed};
use crate::timeouts::{Activity, Timeouts};

tokio::task_local! {
    /// The attempt running in this task.
    static CURRENT: Arc<Attempt>;
}

/// What one attempt has seen so far.
#[derive(Debug, Default)]
pub(crate) struct Attempt {
    /// When the attempt last made progress.
    pub(crate) activity: Activity,
    /// The status and headers of the last response.
    last_response: Mutex<Option<(u16, HeaderMap)>>,
    /// The error a credential gave, whole (the hooks pass progenitor only its text).
    credential_error: Mutex<Option<Error>>,
}

impl Attempt {
    /// The attempt running in this task, for a body that is polled elsewhere (hyper polls
    /// request bodies on its connection task).
    pub(crate) fn current() -> Option<Arc<Attempt>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// Records progress on the attempt running in this task, if any.
    pub(crate) fn touch_current() {
        let _ = CURRENT.try_with(|attempt| attempt.activity.touch());
    }

    /// Records the response the attempt running in this task received.
    pub(crate) fn record_response(status: u16, headers: &HeaderMap) {
        let _ = CURRENT.try_with(|attempt| {
            attempt.activity.touch();
            if let Ok(mut last) = attempt.last_response.lock() {
                *last = Some((status, headers.clone()));
            }
        });
    }

    /// Keeps the error a credential gave for the attempt running in this task; returns its
    /// text for progenitor.
    pub(crate) fn record_credential_error(error: Error) -> String {
        let text = error.to_string();
        let _ = CURRENT.try_with(|attempt| {
            if let Ok(mut slot) = attempt.credential_error.lock() {
                *slot = Some(error);
            }
        });
        text
    }

    /// What this attempt observed, for turning a generated operation's error into the
    /// facade's.
    fn observed(&self) -> Observed {
        Observed {
            last_response: self.last_response.lock().ok().and_then(|mut l| l.take()),
            credential_error: self.credential_error.lock().ok().and_then(|mut e| e.take()),
        }
    }
}

/// Runs `attempt` as one attempt under `timeouts`, with its own [`Attempt`] state.
pub(crate) async fn run<T, Fut>(timeouts: &Timeouts, attempt: Fut) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Error>>,
{
    let state = Arc::new(Attempt::default());
    timeouts
        .guard(&state.activity, CURRENT.scope(state.clone(), attempt))
        .await
}

/// The response of a generated operation of the API `A`, or the facade's error for its
/// failure, told with what the running attempt observed (an error status whose body is not the
/// vendor's JSON keeps its status; a credential's error is returned whole).
pub(crate) async fn check<A: Api, T>(
    result: Result<ResponseValue<T>, progenitor_client::Error<A::ErrorBody>>,
) -> Result<ResponseValue<T>, Error> {
    match result {
        Ok(response) => Ok(response),
        Err(error) => {
            let observed = Attempt::current()
                .map(|attempt| attempt.observed())
                .unwrap_or_default();
            Err(Error::from_generated(A::NAME, error, A::error_body, observed).await)
        }
    }
}
