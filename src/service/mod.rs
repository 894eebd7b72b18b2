//! The one core every facade is built on: its API's generated client (base URL, the shared
//! connection pool, the credential hooks) and what every request of it runs under (the checks
//! on a source, the retry policy, the timeouts), with the builder methods that set them,
//! written once for all four facades. A facade keeps only what differs (ACS `Location`, RBM
//! regions and cache, AI Agents polling, MaiAgent's presign → storage → register).

pub(crate) mod api;
pub(crate) mod attempt;
pub(crate) mod send;

use std::future::Future;

use progenitor_client::ClientInfo;

use crate::auth::hooks::GeneratedClient;

use crate::auth::Credential;
use crate::auth::hooks::ClientAuth;
use crate::policy::retry::RetryPolicy;
use crate::policy::throttle::Throttle;
use crate::policy::timeouts::Timeouts;
use crate::service::api::Api;
use crate::transport::checks::parse_endpoint;
use crate::{Error, Limits, UploadSource};

/// The generated client of `A` and the options its requests run under.
#[derive(Debug, Clone)]
pub(crate) struct Service<A: Api> {
    pub(crate) api: A::Client,
    pub(crate) limits: Limits,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    /// Shared by the facade's clones: one run's pace ([`crate::policy::throttle`]).
    pub(crate) throttle: Throttle,
    /// Whether what the service says it stored is checked against what was sent.
    pub(crate) verify: bool,
}

impl<A: Api> Service<A> {
    /// `A`'s client for `endpoint` (https, or http on loopback) with `credential`, the crate's
    /// default connection settings, `A`'s default limits, retries and timeouts.
    pub(crate) fn new(endpoint: &str, credential: Credential) -> Result<Self, Error> {
        let base = parse_endpoint(endpoint)?;
        Ok(Self {
            api: A::Client::from_parts(
                &base,
                crate::transport::default_client()?,
                ClientAuth::new(credential),
            ),
            limits: A::default_limits(),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            throttle: Throttle::default(),
            verify: true,
        })
    }

    /// Sends to `endpoint` (https, or http on loopback) from now on.
    pub(crate) fn set_endpoint(&mut self, endpoint: &str) -> Result<(), Error> {
        let base = parse_endpoint(endpoint)?;
        self.api = A::Client::from_parts(&base, self.http(), self.api.inner().clone());
        Ok(())
    }

    /// Sends with `http` (its pool and settings) from now on.
    pub(crate) fn set_http(&mut self, http: reqwest::Client) {
        self.api = A::Client::from_parts(self.api.baseurl(), http, self.api.inner().clone());
    }

    /// The base URL requests go to.
    pub(crate) fn base_url(&self) -> &str {
        self.api.baseurl()
    }

    /// The connection pool requests go through.
    pub(crate) fn http(&self) -> reqwest::Client {
        self.api.client().clone()
    }

    /// Checks `source` against the limits; nothing is sent when it fails.
    pub(crate) fn check_source(&self, source: &UploadSource) -> Result<(), Error> {
        self.limits.admit(source)
    }

    /// Runs `attempt` under the retry policy, each attempt under the throttle and the timeouts
    /// ([`crate::service::attempt`]). `source`, when given, is the body the attempts send.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        source: Option<&UploadSource>,
        attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        self.retry
            .run(&self.timeouts, &self.throttle, source, attempt)
            .await
    }
}

/// The builder methods every facade shares, for a facade with a `service: Service<A>` field:
/// `with_base_url`, `with_http_client`, `with_limits`, `with_retry`, `with_timeouts`,
/// `with_throttle`, `with_verify`, `base_url()`, `throttle()` and `api()`. The argument names
/// the facade's default limits for the docs.
macro_rules! service_setters {
    ($default_limits:literal) => {
        /// Sends to another base URL, base path included (https, or http on loopback): a
        /// test server, a proxy, the emulator, or another resource.
        pub fn with_base_url(mut self, base_url: &str) -> Result<Self, $crate::Error> {
            self.service.set_endpoint(base_url)?;
            Ok(self)
        }

        /// Sends requests with `http` (its connection pool and settings), which must carry no
        /// credential of its own: the API's is added per request, and other hosts (a presigned
        /// POST's storage) must get none.
        pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
            self.service.set_http(http);
            self
        }

        #[doc = concat!("Replaces the content type and size checks (", $default_limits, ").")]
        pub fn with_limits(mut self, limits: $crate::Limits) -> Self {
            self.service.limits = limits;
            self
        }

        /// Replaces the retry policy ([`RetryPolicy::default`](crate::policy::retry::RetryPolicy::default)).
        pub fn with_retry(mut self, retry: $crate::policy::retry::RetryPolicy) -> Self {
            self.service.retry = retry;
            self
        }

        /// Replaces the stall and whole-request timeouts
        /// ([`Timeouts::default`](crate::policy::timeouts::Timeouts::default): a 2-minute stall timeout).
        pub fn with_timeouts(mut self, timeouts: $crate::policy::timeouts::Timeouts) -> Self {
            self.service.timeouts = timeouts;
            self
        }

        /// Paces this client's requests with `throttle` ([`crate::policy::throttle`]), which other
        /// clients may share; by default each client (and its clones) has its own.
        pub fn with_throttle(mut self, throttle: $crate::policy::throttle::Throttle) -> Self {
            self.service.throttle = throttle;
            self
        }

        /// Whether to check what the service says it stored against what was sent (on by
        /// default): storage's `ETag` against the MD5 of the bytes sent on MaiAgent's presigned
        /// path, the size AI Agents reports against the file's. Each check that fails is an
        /// [`Error::Integrity`](crate::Error::Integrity). The MD5 costs about 1.9 s of CPU
        /// per GiB, on a thread beside the sending (BENCHMARKS.md); `false` saves it, for
        /// storage that answers no MD5 or a link faster than the MD5 (about 4.6 Gbit/s).
        pub fn with_verify(mut self, verify: bool) -> Self {
            self.service.verify = verify;
            self
        }

        /// The base URL requests go to (base path included).
        pub fn base_url(&self) -> &str {
            self.service.base_url()
        }

        /// The throttle pacing this client's requests.
        pub fn throttle(&self) -> &$crate::policy::throttle::Throttle {
            &self.service.throttle
        }

        /// The generated client underneath, for operations the facade does not wrap.
        pub fn api(&self) -> &Client {
            &self.service.api
        }
    };
}
pub(crate) use service_setters;
