//! What every facade client applies around its requests, in one place: the type and size
//! checks ([`Limits`]), the [`RetryPolicy`] and the [`Timeouts`]; and the builder methods that
//! set them, generated once for all four clients so they cannot drift apart.

use std::future::Future;

use crate::retry::RetryPolicy;
use crate::timeouts::Timeouts;
use crate::{Error, Limits, UploadSource};

/// A client's checks, retries and timeouts.
#[derive(Debug, Clone)]
pub(crate) struct ClientOptions {
    pub(crate) limits: Limits,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
}

impl ClientOptions {
    /// The defaults with the API's `limits`.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
        }
    }

    /// Runs `attempt` under the retry policy, each attempt under the timeouts. `source`, when
    /// given, is the body the attempts send.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        source: Option<&UploadSource>,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.retry.run(&self.timeouts, source, attempt).await
    }
}

/// `with_limits`, `with_retry` and `with_timeouts` for a client with an `options` field; the
/// argument names the client's default limits for the docs.
macro_rules! option_setters {
    ($default_limits:literal) => {
        #[doc = concat!("Replaces the content type and size checks (", $default_limits, ").")]
        pub fn with_limits(mut self, limits: $crate::Limits) -> Self {
            self.options.limits = limits;
            self
        }

        /// Replaces the retry policy ([`RetryPolicy::default`](crate::retry::RetryPolicy::default)).
        pub fn with_retry(mut self, retry: $crate::retry::RetryPolicy) -> Self {
            self.options.retry = retry;
            self
        }

        /// Replaces the stall and whole-request timeouts
        /// ([`Timeouts::default`](crate::timeouts::Timeouts::default): a 2-minute stall timeout).
        pub fn with_timeouts(mut self, timeouts: $crate::timeouts::Timeouts) -> Self {
            self.options.timeouts = timeouts;
            self
        }
    };
}
pub(crate) use option_setters;
