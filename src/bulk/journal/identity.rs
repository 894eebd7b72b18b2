//! What identifies a file in a journal (see the [journal's docs](super) for why these).

use std::hash::{Hash, Hasher};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, UploadSource};

/// What identifies a file in a journal: where it goes, where it is, the name it is sent under,
/// and its size and modification time (see the [journal's docs](super) for why these).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileIdentity {
    /// Where it goes: the service, endpoint and options that change what is created.
    pub target: String,
    /// The absolute path (`hex:` and its bytes when it is not UTF-8).
    pub file: String,
    /// The name it is sent under.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time, in nanoseconds since the Unix epoch (negative before it;
    /// saturated beyond the years 1677 and 2262).
    pub modified_ns: i64,
}

impl FileIdentity {
    /// The identity of the file `source` was opened from ([`UploadSource::from_path`]), sent
    /// under its file name to `target`, as it was when it was opened: no second look at the
    /// disk.
    pub fn of_source(source: &UploadSource, target: impl Into<String>) -> Result<Self, Error> {
        let (Some(path), Some(size), Some(modified)) =
            (source.path(), source.len(), source.modified())
        else {
            return Err(Error::InvalidInput(
                "a journal names files by their path, size and modification time; give a source made with UploadSource::from_path".into(),
            ));
        };
        let absolute = std::path::absolute(path).map_err(|e| {
            Error::InvalidInput(format!("{}: cannot read the file: {e}", path.display()))
        })?;
        Ok(Self {
            target: target.into(),
            file: path_text(&absolute),
            name: source.file_name().to_owned(),
            size,
            modified_ns: unix_nanos(modified),
        })
    }

    pub(super) fn hash64(&self) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// Nanoseconds since the Unix epoch (negative before it; saturated beyond the years 1677 and
/// 2262).
fn unix_nanos(time: std::time::SystemTime) -> i64 {
    match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// A path as text: UTF-8 as it is, anything else as `hex:` and its bytes.
fn path_text(path: &Path) -> String {
    match path.to_str() {
        Some(text) => text.to_owned(),
        None => {
            let bytes = path.as_os_str().as_encoded_bytes();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("hex:{hex}")
        }
    }
}
