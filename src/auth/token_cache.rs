//! The one token cache every token provider uses: a token is kept until shortly before it
//! expires, and refreshed by one caller at a time while concurrent uploads wait for that
//! caller's result instead of asking the token service themselves.
//!
//! Time is Tokio's clock, so tests move it with `tokio::time::pause` and `advance`.

use std::future::Future;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::auth::AuthError;

/// How long before its expiry a token is replaced, at most (a tenth of its lifetime when that
/// is shorter, so a short-lived token is still used).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A fetched token and how long it lives from when it was asked for.
pub struct Fetched {
    /// The token.
    pub token: SecretString,
    /// Its lifetime, counted from the moment it was asked for.
    pub lifetime: Duration,
}

/// A cached token, refreshed before expiry, one refresh at a time.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), upload_clients::auth::AuthError> {
/// use std::time::Duration;
/// use secrecy::ExposeSecret;
/// use upload_clients::auth::token_cache::{Fetched, TokenCache};
///
/// let cache = TokenCache::default();
/// let fetch = || async {
///     Ok(Fetched { token: "t1".into(), lifetime: Duration::from_secs(3600) })
/// };
/// assert_eq!(cache.get(fetch).await?.expose_secret(), "t1");
/// // Still fresh: the second fetch is never called.
/// let token = cache.get(|| async { unreachable!("cached") }).await?;
/// assert_eq!(token.expose_secret(), "t1");
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct TokenCache {
    slot: Mutex<Option<(SecretString, Instant, Duration)>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache(<redacted>)")
    }
}

impl TokenCache {
    /// The cached token while it is fresh; otherwise the token `fetch` gets (kept for the next
    /// callers). Callers that arrive during a fetch wait for it and share its token; a failed
    /// fetch is not cached, so the next caller tries again.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<SecretString, AuthError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched, AuthError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((token, asked, lifetime)) = slot.as_ref() {
            let margin = REFRESH_MARGIN.min(*lifetime / 10);
            if Instant::now() + margin < *asked + *lifetime {
                return Ok(token.clone());
            }
        }
        let asked = Instant::now();
        let fetched = fetch().await?;
        *slot = Some((fetched.token.clone(), asked, fetched.lifetime));
        Ok(fetched.token)
    }

    /// Forgets the cached token (after the API refused it, say).
    pub async fn clear(&self) {
        *self.slot.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use secrecy::ExposeSecret;

    use super::*;

    fn counting(
        count: &Arc<AtomicUsize>,
        lifetime: Duration,
    ) -> impl Future<Output = Result<Fetched, AuthError>> + use<> {
        let count = Arc::clone(count);
        async move {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Fetched {
                token: format!("token-{n}").into(),
                lifetime,
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_refresh_for_many_callers_and_again_before_expiry() {
        let cache = Arc::new(TokenCache::default());
        let count = Arc::new(AtomicUsize::new(0));
        let hour = Duration::from_secs(3600);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (cache, count) = (Arc::clone(&cache), Arc::clone(&count));
                tokio::spawn(async move { cache.get(|| counting(&count, hour)).await })
            })
            .collect();
        for task in tasks {
            let token = task.await.expect("task").expect("token");
            assert_eq!(token.expose_secret(), "token-1");
        }
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "one fetch for twenty callers"
        );

        // Five minutes before expiry it is replaced; before that it is not.
        tokio::time::advance(hour - REFRESH_MARGIN - Duration::from_secs(2)).await;
        let token = cache.get(|| counting(&count, hour)).await.expect("token");
        assert_eq!(token.expose_secret(), "token-1");
        tokio::time::advance(Duration::from_secs(2)).await;
        let token = cache.get(|| counting(&count, hour)).await.expect("token");
        assert_eq!(token.expose_secret(), "token-2");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_not_cached_and_a_short_token_is_used() {
        let cache = TokenCache::default();
        let failed = cache
            .get(|| async { Err(AuthError::Refused("no".into())) })
            .await;
        assert!(failed.is_err());
        let count = Arc::new(AtomicUsize::new(0));
        // A 20-second token is kept for 18 seconds (a tenth of its life as the margin).
        let short = Duration::from_secs(20);
        cache.get(|| counting(&count, short)).await.expect("token");
        tokio::time::advance(Duration::from_secs(17)).await;
        cache.get(|| counting(&count, short)).await.expect("token");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        cache.get(|| counting(&count, short)).await.expect("token");
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert_eq!(format!("{cache:?}"), "TokenCache(<redacted>)");
    }
}
