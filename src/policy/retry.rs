//! The one retry loop every facade operation goes through: exponential backoff with full
//! jitter, the server's requested wait honoured, and the body re-sent from its source on each
//! attempt (a path is re-opened, bytes re-used; a one-shot stream is not retried).
//!
//! Retried: HTTP 408, 429, 500, 502, 503, 504, failures to connect or to get a response (from
//! the API or from a credential's token endpoint), and attempts that timed out (see
//! [`crate::policy::timeouts`]).
//! Never retried: other statuses, bad input, auth failures, processing errors, a TLS
//! certificate the client refuses, and a request that cannot be built.
//!
//! Every attempt runs under the client's [`Throttle`]: it waits for a place in the run's
//! window, and a `429` or `503` closes the run's gate for the service's wait and halves the
//! window. Such an attempt does not count against [`RetryPolicy::max_attempts`] while the run
//! makes progress (another request succeeded since this upload's previous answer); the
//! deadline still holds.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::policy::throttle::Throttle;
use crate::policy::timeouts::Timeouts;
use crate::{Error, UploadSource};

/// How often and how long to retry.
///
/// ```
/// use std::time::Duration;
/// use upload_clients::policy::RetryPolicy;
///
/// let patient = RetryPolicy { max_attempts: 6, deadline: Some(Duration::from_secs(600)), ..RetryPolicy::default() };
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// # let _ = patient;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: no retry). Attempts answered `429` or `503`
    /// while the run still made progress are not counted ([`crate::policy::throttle`]).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles each time, with full jitter.
    pub base_delay: Duration,
    /// The longest wait between attempts (a server's `Retry-After` is honoured up to this).
    pub max_delay: Duration,
    /// No retry starts after this much time since the first attempt.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    /// 4 attempts, 500 ms base, 30 s cap, 10 minutes in all.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            deadline: Some(Duration::from_secs(600)),
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or the policy is spent, each attempt
    /// under `throttle` and `timeouts`. `source`, when given, is the body the attempts send: a
    /// one-shot stream is never sent twice.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        timeouts: &Timeouts,
        throttle: &Throttle,
        source: Option<&UploadSource>,
        mut attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let started = Instant::now();
        // Every attempt made, and those counted against `max_attempts`.
        let (mut attempts, mut counted) = (0, 0);
        // Progress is a success anywhere in the run since this upload's last answer (the
        // gate's wait included): a short request meets none while it is in flight.
        let mut last_answer = started;
        loop {
            let permit = throttle.acquire().await;
            attempts += 1;
            let state = std::sync::Arc::new(crate::service::attempt::Attempt::default());
            let this_attempt = timeouts.guard(
                &state.activity,
                crate::service::attempt::scope(state.clone(), attempt()),
            );
            let error = match this_attempt.await {
                Ok(value) => {
                    permit.succeeded();
                    return Ok(value);
                }
                Err(error) => error,
            };
            let Some(server_wait) = retryable(&error) else {
                return Err(error);
            };
            if source.is_some_and(|s| !s.is_replayable()) {
                return Err(Error::NotRetried {
                    reason: "the source is a one-shot stream; give a path or bytes to allow retries",
                    source: Box::new(error),
                });
            }
            let wait = self.delay(attempts, server_wait);
            let slowed_down = is_throttling(&error);
            // Throttled while others get through: the run is paced, not failing.
            if !(slowed_down && throttle.progressed_since(last_answer)) {
                counted += 1;
            }
            last_answer = Instant::now();
            if slowed_down {
                // The gate holds every request of the run (this one's retry included) for `wait`.
                permit.throttled(wait);
            } else {
                drop(permit);
            }
            let past_deadline = self.deadline.is_some_and(|d| started.elapsed() + wait > d);
            if counted >= self.max_attempts.max(1) || past_deadline {
                return Err(if attempts > 1 {
                    Error::RetriesExhausted {
                        attempts,
                        source: Box::new(error),
                    }
                } else {
                    error
                });
            }
            tracing::debug!(attempt = attempts, ?wait, error = %error, "retrying");
            if !slowed_down {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// The wait before retry number `attempt`: the server's, capped, else backoff with jitter.
    fn delay(&self, attempt: u32, server_wait: Option<Duration>) -> Duration {
        if let Some(wait) = server_wait {
            return wait.min(self.max_delay);
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(fastrand::f64())
    }
}

/// Whether `error` is a service asking the run to slow down (`429`, `503`).
fn is_throttling(error: &Error) -> bool {
    matches!(error.status(), Some(429 | 503))
}

/// `Some(server's wait)` when `error` is worth another attempt.
fn retryable(error: &Error) -> Option<Option<Duration>> {
    match error {
        Error::Api(api) if matches!(api.status, 408 | 429 | 500 | 502 | 503 | 504) => {
            Some(api.retry_after)
        }
        Error::Storage(storage) if matches!(storage.status, 408 | 429 | 500 | 502 | 503 | 504) => {
            Some(None)
        }
        // A refused certificate or a request that cannot be built fails the same way again.
        Error::Transport(e) if e.is_builder() || crate::error::is_certificate_error(e) => None,
        Error::TokenEndpoint { source, .. } if crate::error::is_certificate_error(source) => None,
        // Storage stored other bytes than were sent: sent again, like a broken transfer.
        Error::Transport(_)
        | Error::Integrity { .. }
        | Error::Timeout(_)
        | Error::TokenEndpoint { .. }
        | Error::TokenUnavailable(_) => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_that_cannot_be_built_is_not_retried() {
        let malformed = reqwest::Client::new()
            .get("http://[::1")
            .build()
            .expect_err("malformed URL");
        assert!(malformed.is_builder());
        assert_eq!(retryable(&Error::Transport(malformed)), None);
        assert_eq!(
            retryable(&Error::Timeout("stalled".into())),
            Some(None),
            "the control: a timeout is retried"
        );
    }

    #[test]
    fn backoff_is_capped_and_server_waits_are_capped() {
        let policy = RetryPolicy {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        for attempt in 1..20 {
            assert!(policy.delay(attempt, None) <= Duration::from_secs(5));
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }
}
