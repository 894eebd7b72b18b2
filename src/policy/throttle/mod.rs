//! One throttle for a whole run, so that a service's "slow down" slows every upload at once
//! instead of each backing off alone while the others keep knocking.
//!
//! Every attempt of every request a client sends (through the one retry loop,
//! [`crate::policy::retry`]) first takes a permit from its client's [`Throttle`], which clones of the
//! client share and [`with_throttle`](crate::AcsChatClient::with_throttle) can share between
//! clients. The throttle keeps two things:
//!
//! - **a gate**: after a `429` or `503`, no request starts before the service's wait
//!   (`Retry-After`, `retry-after-ms`) is over, or, without one, the retry policy's backoff;
//! - **a window**: how many requests may be in flight. An answer of `429` or `503` halves it
//!   (once per window: the answers to requests that were already in flight when it was halved
//!   do not halve it again), and each window of successes grows it by one, never above what
//!   the run actually uses ([`bulk`](crate::bulk)'s concurrency) or the throttle's maximum.
//!   This is TCP's additive increase and multiplicative decrease, on requests in flight;
//! - **a pace**: the same cut also spaces the starts of requests to 85% of the rate of
//!   successes the service sustained over the last second (as the AWS SDKs' adaptive mode
//!   measures its sending rate), and each success shortens the space by 2% so the rate
//!   recovers. Without it, short requests against a per-second limit would meet it again at
//!   each opening of the gate.
//!
//! While the run makes progress (another request succeeded since the upload's previous answer),
//! a throttled attempt does not count against the retry policy's `max_attempts`: a large run
//! against a rate limit gets through at the service's pace and fails only at the policy's
//! deadline. Time is tokio's, so tests drive it with a paused clock.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Over how long the rate of successes is measured.
const RATE_WINDOW: Duration = Duration::from_secs(1);
/// After a throttled answer, the send rate becomes this share of the rate measured.
const RATE_CUT: f64 = 0.85;
/// Each success shortens the time between starts by this share (the rate recovers).
const GAP_RECOVERY: f64 = 0.98;

/// The most requests a throttle lets be in flight unless told otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// A run's shared limit on requests in flight and its gate after a service asked to slow
/// down. Cloning shares it.
///
/// ```
/// use upload_clients::policy::Throttle;
///
/// let throttle = Throttle::new(16);
/// assert_eq!(throttle.snapshot().limit, 16);
/// assert_eq!(throttle.snapshot().in_flight, 0);
/// ```
#[derive(Debug, Clone)]
pub struct Throttle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    /// Requests allowed in flight now (at least 1, at most `max`).
    limit: usize,
    max: usize,
    in_flight: usize,
    /// Successes counted towards growing `limit` by one.
    successes: usize,
    /// The window was full at some point since it last changed: only then is it what limits
    /// the run, and only then do successes earn a larger one.
    saturated: bool,
    /// No request starts before this.
    resume_at: Option<Instant>,
    /// When `limit` was last cut: answers to requests started before it do not cut it again.
    last_cut: Option<Instant>,
    last_success: Option<Instant>,
    /// The successes of the last [`RATE_WINDOW`]: the rate the service sustains.
    recent: VecDeque<Instant>,
    /// The least time between two starts (zero until the service throttles): the send rate.
    gap: Duration,
    last_start: Option<Instant>,
    /// Counts for reports and tests.
    throttled: u64,
    succeeded: u64,
}

/// What a throttle looks like now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSnapshot {
    /// Requests allowed in flight now.
    pub limit: usize,
    /// Requests in flight now.
    pub in_flight: usize,
    /// Answers of `429` or `503` so far.
    pub throttled: u64,
    /// Successful requests so far.
    pub succeeded: u64,
    /// How long until the gate opens (zero when it is open).
    pub paused_for: Duration,
}

impl Default for Throttle {
    /// A throttle allowing up to [`DEFAULT_MAX_IN_FLIGHT`] requests in flight.
    fn default() -> Self {
        Self::new(DEFAULT_MAX_IN_FLIGHT)
    }
}

impl Throttle {
    /// A throttle allowing at most `max_in_flight` requests in flight (0 counts as 1); it
    /// starts there and halves on throttling.
    pub fn new(max_in_flight: usize) -> Self {
        let max = max_in_flight.max(1);
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    limit: max,
                    max,
                    in_flight: 0,
                    successes: 0,
                    saturated: false,
                    resume_at: None,
                    last_cut: None,
                    last_success: None,
                    recent: VecDeque::new(),
                    gap: Duration::ZERO,
                    last_start: None,
                    throttled: 0,
                    succeeded: 0,
                }),
                changed: Notify::new(),
            }),
        }
    }

    /// The throttle's state now.
    pub fn snapshot(&self) -> ThrottleSnapshot {
        let state = self.lock();
        let now = Instant::now();
        ThrottleSnapshot {
            limit: state.limit,
            in_flight: state.in_flight,
            throttled: state.throttled,
            succeeded: state.succeeded,
            paused_for: state
                .resume_at
                .map_or(Duration::ZERO, |at| at.saturating_duration_since(now)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the gate is open and a place in the window is free, and takes it.
    pub(crate) async fn acquire(&self) -> Permit {
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let wait_until = {
                let mut state = self.lock();
                let now = Instant::now();
                let paced = state.last_start.map(|at| at + state.gap);
                match state.resume_at {
                    Some(at) if at > now => Some(at),
                    _ if paced.is_some_and(|at| at > now) => paced,
                    _ if state.in_flight < state.limit => {
                        state.in_flight += 1;
                        state.last_start = Some(now);
                        state.saturated |= state.in_flight >= state.limit;
                        return Permit {
                            throttle: self.clone(),
                            started: now,
                            open: true,
                        };
                    }
                    _ => None,
                }
            };
            match wait_until {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    /// Whether a request succeeded after `since`: the run is making progress.
    pub(crate) fn progressed_since(&self, since: Instant) -> bool {
        self.lock().last_success.is_some_and(|at| at > since)
    }
}

/// A place in the window for one attempt; it is given back when the attempt's answer is known
/// ([`succeeded`](Permit::succeeded), [`throttled`](Permit::throttled)) or, neutrally, when it
/// is dropped (another failure, or the attempt was cancelled).
#[derive(Debug)]
pub(crate) struct Permit {
    throttle: Throttle,
    started: Instant,
    open: bool,
}

impl Permit {
    /// When the attempt started.
    #[cfg(test)]
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// The attempt succeeded: one more success towards growing the window.
    pub(crate) fn succeeded(mut self) {
        let mut state = self.release();
        let now = Instant::now();
        state.succeeded += 1;
        state.last_success = Some(now);
        state.recent.push_back(now);
        while state
            .recent
            .front()
            .is_some_and(|at| now - *at > RATE_WINDOW)
        {
            state.recent.pop_front();
        }
        state.gap = state.gap.mul_f64(GAP_RECOVERY);
        // Grow only while the window is what limits the run; a run using fewer does not earn
        // a larger window it has not tried.
        if state.saturated {
            state.successes += 1;
            if state.successes >= state.limit {
                state.limit = (state.limit + 1).min(state.max);
                state.successes = 0;
                state.saturated = state.in_flight >= state.limit;
            }
        }
        drop(state);
        self.throttle.inner.changed.notify_waiters();
    }

    /// The service answered `429` or `503`: no request starts for `wait`, and the window is
    /// halved unless it was already cut after this attempt started.
    pub(crate) fn throttled(mut self, wait: Duration) {
        let started = self.started;
        let mut state = self.release();
        let now = Instant::now();
        state.throttled += 1;
        if state.last_cut.is_none_or(|cut| started > cut) {
            // Halve what was in flight (this attempt included), not a window larger than use.
            let used = (state.in_flight + 1).min(state.limit);
            state.limit = (used / 2).max(1);
            state.successes = 0;
            state.saturated = state.in_flight >= state.limit;
            state.last_cut = Some(now);
            // Send at a share of the rate the service sustained over the last second.
            while state
                .recent
                .front()
                .is_some_and(|at| now - *at > RATE_WINDOW)
            {
                state.recent.pop_front();
            }
            let sustained = state.recent.len() as f64 / RATE_WINDOW.as_secs_f64();
            if sustained > 0.0 {
                state.gap = state
                    .gap
                    .max(Duration::from_secs_f64(1.0 / (sustained * RATE_CUT)));
            }
        }
        let until = now + wait;
        state.resume_at = Some(state.resume_at.map_or(until, |at| at.max(until)));
        drop(state);
        self.throttle.inner.changed.notify_waiters();
    }

    /// Gives the place back; the caller holds the state's lock.
    fn release(&mut self) -> MutexGuard<'_, State> {
        let mut state = self.throttle.lock();
        if self.open {
            self.open = false;
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        state
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.open {
            drop(self.release());
            self.throttle.inner.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests;
