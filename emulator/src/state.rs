//! What a running emulator holds: its configuration, the specs it checks against, the storage
//! signing key, the objects, the AI Agents files, the faults waiting, chaos mode, the rate limit
//! and the requests seen.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use super::chaos::{CHAOS_STALL, Chaos};
use super::faults::{Fault, Faults};
use super::objects::Objects;
use super::rate_limit::RateLimit;
use super::record::Records;
use super::route::Route;
use super::s3_post_policy::SigningKey;
use super::spec_check::{ApiId, Specs};
use super::{DEFAULT_STALL, EmulatorBuilder, EmulatorError};
use upload_clients::Limits;

/// An AI Agents file: its `FileInfo` as uploaded, and when.
#[derive(Debug, Clone)]
pub(crate) struct AgentFile {
    pub(crate) info: serde_json::Value,
    pub(crate) uploaded: tokio::time::Instant,
}

pub(crate) struct State {
    pub(crate) config: EmulatorBuilder,
    pub(crate) base_url: String,
    pub(crate) specs: &'static Specs,
    pub(crate) signing: SigningKey,
    pub(crate) objects: Objects,
    pub(crate) records: Records,
    pub(crate) faults: Faults,
    pub(crate) chaos: Option<Chaos>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) agent_files: Mutex<HashMap<String, AgentFile>>,
}

/// The bucket MaiAgent's presigned POSTs point at.
pub(crate) const BUCKET: &str = "maiagent-uploads";

impl State {
    pub(crate) fn new(
        config: EmulatorBuilder,
        addr: SocketAddr,
        chaos: Option<Chaos>,
        rate_limit: Option<RateLimit>,
    ) -> Result<Self, EmulatorError> {
        let specs = Specs::get().map_err(EmulatorError::Specs)?;
        let objects =
            Objects::new(config.data_dir.as_deref()).map_err(|source| EmulatorError::DataDir {
                path: config.data_dir.clone().unwrap_or_else(std::env::temp_dir),
                source,
            })?;
        // A fresh secret per run: a form signed by another emulator is refused.
        let signing = SigningKey {
            access_key_id: "EMULATORACCESSKEY01".into(),
            secret_access_key: uuid::Uuid::new_v4().simple().to_string(),
            region: "us-east-1".into(),
        };
        Ok(Self {
            config,
            base_url: format!("http://{addr}"),
            specs,
            signing,
            objects,
            records: Records::default(),
            faults: Faults::default(),
            chaos,
            rate_limit,
            agent_files: Mutex::new(HashMap::new()),
        })
    }

    /// The fault the next request to `route` gets, if any: one waiting for it first
    /// (`fail_next`, `--fault`), else chaos mode's draw (`storage.get` gets none); and how long
    /// a stall holds it.
    pub(crate) fn next_fault(&self, route: &Route) -> (Option<Fault>, Duration) {
        if let Some(fault) = self.faults.take(route) {
            return (Some(fault), self.config.stall_for.unwrap_or(DEFAULT_STALL));
        }
        let drawn = self
            .chaos
            .as_ref()
            .filter(|_| *route != Route::storage_get())
            .and_then(Chaos::draw);
        (drawn, self.config.stall_for.unwrap_or(CHAOS_STALL))
    }

    /// What `api` accepts.
    pub(crate) fn limits(&self, api: ApiId) -> Limits {
        self.config
            .limits
            .iter()
            .find(|(a, _)| *a == api)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(Limits::none)
    }
}
