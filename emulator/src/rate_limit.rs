//! The rate limit: one token bucket over every API and storage route (capacity N, refilled at
//! N per second, on Tokio's clock); a request beyond it is refused at once with 429 and the
//! vendor's error body (storage: S3's `503 SlowDown`), `retry-after-ms` and `Retry-After`, as
//! Azure sends both.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::EmulatorError;
use super::reply::{self, Reply};
use super::spec_check::ApiId;
use super::storage;
use super::vendors::errors;

/// One token, in the bucket's units (a nanosecond's refill at one request per second).
const TOKEN: u128 = 1_000_000_000;

/// The bucket: its level in units of [`TOKEN`] per request, refilled at `per_second` units per
/// nanosecond, so every step is exact integer arithmetic.
#[derive(Debug)]
pub(crate) struct RateLimit {
    per_second: u32,
    bucket: Mutex<(u128, Instant)>,
}

impl RateLimit {
    /// A full bucket of `per_second` requests.
    pub(crate) fn new(per_second: u32) -> Result<Self, EmulatorError> {
        if per_second == 0 {
            return Err(EmulatorError::ZeroRateLimit);
        }
        Ok(Self {
            per_second,
            bucket: Mutex::new((u128::from(per_second) * TOKEN, Instant::now())),
        })
    }

    /// Takes a token, or says how long until the next one.
    pub(crate) fn take(&self) -> Result<(), Duration> {
        let rate = u128::from(self.per_second);
        let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let (level, last) = &mut *bucket;
        let now = Instant::now();
        let refill = now.saturating_duration_since(*last).as_nanos() * rate;
        *level = level.saturating_add(refill).min(rate * TOKEN);
        *last = now;
        if *level >= TOKEN {
            *level -= TOKEN;
            return Ok(());
        }
        let nanos = (TOKEN - *level).div_ceil(rate);
        Err(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    /// The refusal of a request that found the bucket empty, the next token `wait` away: 429
    /// with `api`'s error body, or S3's `503 SlowDown` for storage (`api` is `None`).
    pub(crate) fn refusal(&self, api: Option<ApiId>, wait: Duration) -> Reply {
        let (millis, seconds) = retry_after(wait);
        let mut reply = match api {
            Some(api) => {
                let message = format!(
                    "Rate limit of {} requests per second exceeded; retry after {millis} ms.",
                    self.per_second
                );
                errors::reply(api, 429, &message, None)
            }
            None => reply::xml(503, storage::fault_xml(503)),
        };
        let headers = reply.headers_mut();
        headers.insert("retry-after-ms", http::HeaderValue::from(millis));
        headers.insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        reply
    }
}

/// `retry-after-ms` (at least 1) and `Retry-After` (those milliseconds rounded up to seconds).
fn retry_after(wait: Duration) -> (u64, u64) {
    let millis = u64::try_from(wait.as_nanos().div_ceil(1_000_000))
        .unwrap_or(u64::MAX)
        .max(1);
    (millis, millis.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_holds_n_and_refills_n_per_second() {
        let limit = RateLimit::new(5).unwrap();
        for _ in 0..5 {
            assert_eq!(limit.take(), Ok(()));
        }
        assert_eq!(limit.take(), Err(Duration::from_millis(200)));
        tokio::time::advance(Duration::from_millis(150)).await;
        assert_eq!(limit.take(), Err(Duration::from_millis(50)));
        tokio::time::advance(Duration::from_millis(50)).await;
        assert_eq!(limit.take(), Ok(()));
        assert_eq!(limit.take(), Err(Duration::from_millis(200)));
        // A long pause fills it to capacity, no more.
        tokio::time::advance(Duration::from_secs(60)).await;
        for _ in 0..5 {
            assert_eq!(limit.take(), Ok(()));
        }
        assert!(limit.take().is_err());
        // One request per second: a second to wait.
        let slow = RateLimit::new(1).unwrap();
        assert_eq!(slow.take(), Ok(()));
        assert_eq!(slow.take(), Err(Duration::from_secs(1)));
        tokio::time::advance(Duration::from_nanos(1)).await;
        assert_eq!(slow.take(), Err(Duration::from_nanos(999_999_999)));
    }

    #[test]
    fn both_headers_round_up() {
        assert_eq!(retry_after(Duration::from_nanos(1)), (1, 1));
        assert_eq!(retry_after(Duration::ZERO), (1, 1));
        assert_eq!(retry_after(Duration::from_millis(200)), (200, 1));
        assert_eq!(retry_after(Duration::from_micros(999_001)), (1000, 1));
        assert_eq!(retry_after(Duration::from_micros(1_000_001)), (1001, 2));
    }

    #[test]
    fn zero_requests_per_second_is_refused() {
        let error = RateLimit::new(0).unwrap_err();
        assert!(matches!(error, EmulatorError::ZeroRateLimit), "{error}");
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_carry_the_vendor_body_and_both_headers() {
        let limit = RateLimit::new(2).unwrap();
        let api = limit.refusal(Some(ApiId::Rbm), Duration::from_millis(1500));
        assert_eq!(api.status(), 429);
        assert_eq!(api.headers()["retry-after-ms"], "1500");
        assert_eq!(api.headers()["retry-after"], "2");
        let storage = limit.refusal(None, Duration::from_millis(20));
        assert_eq!(storage.status(), 503);
        assert_eq!(storage.headers()["retry-after-ms"], "20");
        assert_eq!(storage.headers()["retry-after"], "1");
    }
}
