//! An opt-in cache of RBM file names, so the same file is not uploaded twice.
//!
//! RBM keeps an uploaded file for 60 days and asks agents to reuse one name (or one URL) for
//! identical files. The cache maps the content's SHA-256 (or the `fileUrl`), per agent and
//! thumbnail, to the returned `files/{uid}` name and the time it was created, in a JSON file the
//! caller names. Entries older than the cache's maximum age (55 days by default, safely inside
//! RBM's 60) are ignored and replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::Error;

/// RBM keeps files 60 days; the cache trusts entries this long.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(55 * 24 * 3600);

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    name: String,
    /// Unix seconds.
    created_at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

/// A persisted map from uploaded content to its RBM file name.
///
/// ```no_run
/// use upload_clients::{RbmClient, auth::Credential, rbm::UploadCache};
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let cache = UploadCache::open("rbm-files.json").await?;
/// let rbm = RbmClient::new(Credential::bearer("<token>"))?.with_cache(cache);
/// // The second call sends nothing and returns the same name.
/// let source = upload_clients::UploadSource::from_path("cat.png").await?;
/// let first = rbm.upload_file("my-agent", &source, None).await?;
/// let again = rbm.upload_file("my-agent", &source, None).await?;
/// assert_eq!(first, again);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct UploadCache {
    path: PathBuf,
    max_age: Duration,
    file: Mutex<CacheFile>,
}

impl UploadCache {
    /// Opens the cache file at `path` (a missing file is an empty cache). A file that is not
    /// a cache is an error rather than silently overwritten.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let file = match tokio::fs::read(&path).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::InvalidInput(format!("{} is not an upload cache: {e}", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CacheFile {
                version: 1,
                ..Default::default()
            },
            Err(e) => {
                return Err(Error::InvalidInput(format!(
                    "{}: cannot read the cache: {e}",
                    path.display()
                )));
            }
        };
        Ok(Self {
            path,
            max_age: DEFAULT_MAX_AGE,
            file: Mutex::new(file),
        })
    }

    /// Trusts entries for `max_age` instead of [`DEFAULT_MAX_AGE`].
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The name stored for `key`, if it is younger than the maximum age.
    pub(crate) async fn get(&self, key: &str) -> Option<String> {
        let file = self.file.lock().await;
        let entry = file.entries.get(key)?;
        let age = now().saturating_sub(entry.created_at);
        (age < self.max_age.as_secs()).then(|| entry.name.clone())
    }

    /// Stores `name` for `key` as created now, drops expired entries, and writes the file
    /// (to a temporary file first, then renamed over it).
    pub(crate) async fn insert(&self, key: String, name: String) -> Result<(), Error> {
        let mut file = self.file.lock().await;
        let now = now();
        let max_age = self.max_age.as_secs();
        file.entries
            .retain(|_, e| now.saturating_sub(e.created_at) < max_age);
        file.entries.insert(
            key,
            Entry {
                name,
                created_at: now,
            },
        );
        file.version = 1;
        let cache_error = |source| Error::Cache {
            path: self.path.clone(),
            source,
        };
        let json = serde_json::to_vec_pretty(&*file).map_err(|e| cache_error(e.into()))?;
        let tmp = self.path.with_extension("tmp");
        tokio::fs::write(&tmp, json).await.map_err(cache_error)?;
        tokio::fs::rename(&tmp, &self.path)
            .await
            .map_err(cache_error)?;
        Ok(())
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
