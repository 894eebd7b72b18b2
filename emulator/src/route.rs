//! The routes of the emulator, the names faults and records use: `{api}.{operationId}` of the
//! specs, and storage's `storage.post` and `storage.get`.

use std::fmt;
use std::str::FromStr;

use super::spec_check::Specs;

/// A route of the emulator: an operation of a spec as `{api}.{operationId}` (for example
/// `rbm.uploadFile`, `ai-agents.getFile`, `maiagent.createUploadPresignedUrl`), or storage's
/// `storage.post` / `storage.get`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route(String);

impl Route {
    /// The route of storage's presigned POST.
    pub fn storage_post() -> Self {
        Self("storage.post".into())
    }

    /// The route of storage's object download.
    pub fn storage_get() -> Self {
        Self("storage.get".into())
    }

    /// The route of an operation of a spec.
    pub(crate) fn operation(api: &str, operation_id: &str) -> Self {
        Self(format!("{api}.{operation_id}"))
    }

    /// The route's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Route {
    type Err = String;

    /// A route the specs (or storage) have; the error lists them all.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut known = vec!["storage.post".to_owned(), "storage.get".to_owned()];
        if let Ok(specs) = Specs::get() {
            known.extend(
                specs
                    .operations()
                    .into_iter()
                    .map(|(api, op)| format!("{}.{op}", api.name())),
            );
        }
        if known.iter().any(|k| k == text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "unknown route `{text}`; the routes are: {}",
                known.join(", ")
            ))
        }
    }
}
