//! One attempt of an operation and the one place its state lives: the stall clock the request
//! body and the hooks reset, the status and headers of the response the attempt got, and a
//! credential's error, which the hooks can only hand to progenitor as text.
//!
//! The retry loop runs each attempt inside [`scope`] (the crate's only task-local: progenitor's
//! hooks and hyper's body polling have no other way to reach the state); [`crate::service::api::result`]
//! reads back what the attempt [`Observed`] to tell its error. This module depends on no other
//! of the crate but `auth`, so every module can use it.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::auth::AuthError;

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
    credential_error: Mutex<Option<AuthError>>,
}

/// What the attempt that got an error observed, beside the error itself.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    /// The status and headers of the last response.
    pub(crate) last_response: Option<(u16, HeaderMap)>,
    /// The error a credential gave, whole.
    pub(crate) credential_error: Option<AuthError>,
}

/// Runs `attempt` with `state` as the attempt running in its task.
pub(crate) fn scope<F: Future>(state: Arc<Attempt>, attempt: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(state, attempt)
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
    pub(crate) fn record_credential_error(error: AuthError) -> String {
        let text = error.to_string();
        let _ = CURRENT.try_with(|attempt| {
            if let Ok(mut slot) = attempt.credential_error.lock() {
                *slot = Some(error);
            }
        });
        text
    }

    /// What the attempt running in this task observed (nothing outside an attempt).
    pub(crate) fn observed() -> Observed {
        CURRENT
            .try_with(|attempt| Observed {
                last_response: attempt.last_response.lock().ok().and_then(|mut l| l.take()),
                credential_error: attempt
                    .credential_error
                    .lock()
                    .ok()
                    .and_then(|mut e| e.take()),
            })
            .unwrap_or_default()
    }
}

/// When an attempt last made progress.
#[derive(Debug)]
pub(crate) struct Activity {
    started: Instant,
    /// Milliseconds after `started` of the last progress.
    last: AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            last: AtomicU64::new(0),
        }
    }
}

impl Activity {
    /// Records progress now.
    pub(crate) fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(now, Ordering::Relaxed);
    }

    /// Resolves once there has been no progress for `stall`, with the message to report.
    pub(crate) async fn stalled(&self, stall: Duration) -> String {
        loop {
            let last = self.started + Duration::from_millis(self.last.load(Ordering::Relaxed));
            let idle = last.elapsed();
            if idle >= stall {
                return format!(
                    "no upload progress and no response for {}s; the connection looks stalled (raise the stall timeout for very slow links)",
                    stall.as_secs_f64()
                );
            }
            tokio::time::sleep(stall - idle).await;
        }
    }
}
