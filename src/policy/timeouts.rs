//! Timeouts that fit large uploads. A fixed whole-request timeout either cuts off a big file on
//! a slow link or lets a dead connection hang for as long as it allows; the **stall timeout**
//! instead fails an attempt only when nothing moves for a while: no body bytes taken by the
//! connection and no response.
//!
//! Three clocks guard each request:
//! - **connect**: on the `reqwest` client ([`crate::transport::CONNECT_TIMEOUT`], 10 s);
//! - **stall** ([`Timeouts::stall`], 2 minutes by default): no upload progress and no response
//!   for that long fails the attempt with [`Error::Timeout`];
//! - **request** ([`Timeouts::request`], off by default): one attempt may last at most this long.
//!
//! A timed-out attempt is retried like a dropped connection (see [`crate::policy::retry`]), within the
//! retry policy's attempts and deadline.

use std::future::Future;
use std::time::Duration;

use crate::Error;
use crate::service::attempt::Activity;

/// The stall timeout clients use unless told otherwise.
pub const DEFAULT_STALL: Duration = Duration::from_secs(120);

/// How long an attempt may go without progress, and how long it may last in all.
///
/// ```
/// use std::time::Duration;
/// use upload_clients::policy::Timeouts;
///
/// let strict = Timeouts::default()
///     .with_stall(Some(Duration::from_secs(30)))
///     .with_request(Some(Duration::from_secs(600)));
/// assert_eq!(strict.stall, Some(Duration::from_secs(30)));
/// assert_eq!(Timeouts::default().request, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Fail an attempt after this long without upload progress or a response (`None`: never).
    pub stall: Option<Duration>,
    /// Fail an attempt after this long in all, however it is going (`None`: never).
    pub request: Option<Duration>,
}

impl Default for Timeouts {
    /// A [`DEFAULT_STALL`] stall timeout and no whole-request timeout.
    fn default() -> Self {
        Self {
            stall: Some(DEFAULT_STALL),
            request: None,
        }
    }
}

impl Timeouts {
    /// No stall and no whole-request timeout.
    pub fn none() -> Self {
        Self {
            stall: None,
            request: None,
        }
    }

    /// Replaces the stall timeout.
    pub fn with_stall(mut self, stall: Option<Duration>) -> Self {
        self.stall = stall;
        self
    }

    /// Replaces the whole-request timeout.
    pub fn with_request(mut self, request: Option<Duration>) -> Self {
        self.request = request;
        self
    }

    /// Runs one attempt under these timeouts: the stall clock `activity` starts now and is
    /// reset by every chunk the body hands to the connection and by the response's arrival
    /// (see [`crate::service::attempt`]).
    pub(crate) async fn guard<T, Fut>(&self, activity: &Activity, attempt: Fut) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, Error>>,
    {
        let stall = async {
            match self.stall {
                Some(stall) => activity.stalled(stall).await,
                None => std::future::pending().await,
            }
        };
        let request = async {
            match self.request {
                Some(limit) => {
                    tokio::time::sleep(limit).await;
                    format!(
                        "the request took longer than {}s; raise the request timeout for large files",
                        limit.as_secs_f64()
                    )
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = attempt => result,
            message = stall => Err(Error::Timeout(message)),
            message = request => Err(Error::Timeout(message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn progress_keeps_an_attempt_alive_and_silence_ends_it() {
        let timeouts = Timeouts::none().with_stall(Some(Duration::from_secs(5)));
        let activity = Activity::default();
        let alive = timeouts
            .guard(&activity, async {
                for _ in 0..4 {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    activity.touch();
                }
                Ok::<_, Error>(12)
            })
            .await;
        assert_eq!(alive.ok(), Some(12));

        let started = Instant::now();
        let activity = Activity::default();
        let silent = timeouts
            .guard(&activity, async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                activity.touch();
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok::<_, Error>(0)
            })
            .await;
        assert!(matches!(silent, Err(Error::Timeout(ref m)) if m.contains("no upload progress")));
        assert_eq!(
            started.elapsed().as_secs(),
            8,
            "3 s of work, then 5 s of silence"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_request_timeout_bounds_an_attempt_that_keeps_moving() {
        let timeouts = Timeouts::none().with_request(Some(Duration::from_secs(10)));
        let started = Instant::now();
        let activity = Activity::default();
        let result = timeouts
            .guard(&activity, async {
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    activity.touch();
                }
                #[allow(unreachable_code)]
                Ok::<(), Error>(())
            })
            .await;
        assert!(matches!(result, Err(Error::Timeout(ref m)) if m.contains("longer than 10s")));
        assert_eq!(started.elapsed().as_secs(), 10);
    }
}
