//! What an API accepts, as data: content types, file extensions and a size limit. Each facade
//! checks a source against its [`Limits`] before sending anything; callers can replace them
//! (`with_limits` on each client) when a service changes. Each API's own limits
//! ([`Limits::acs_chat_images`], …) are defined in its folder, `vendors/<api>/api.rs`.

use crate::{Error, UploadSource};

/// One MiB, for the APIs' size limits.
pub(crate) const MB: u64 = 1024 * 1024;

/// The content types, extensions and size an API accepts.
///
/// ```
/// # #[cfg(feature = "acs-chat")] {
/// use upload_clients::{Limits, UploadSource};
///
/// let limits = Limits::acs_chat_images();
/// assert!(limits.admit(&UploadSource::from_bytes(vec![1, 2, 3], "notes.txt")).is_err());
///
/// // A caller's own policy: any image up to 1 KiB.
/// let mine = Limits::new(["image/*"], [] as [&str; 0], Some(1024));
/// assert!(mine.admit(&UploadSource::from_bytes(vec![0; 10], "a.png")).is_ok());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Accepted content types; `type/*` accepts a whole type. Empty: any type.
    pub content_types: Vec<String>,
    /// Accepted extensions (lower case, no dot), accepted whatever the content type.
    pub extensions: Vec<String>,
    /// The largest accepted size in bytes, if there is one.
    pub max_bytes: Option<u64>,
}

impl Limits {
    /// Limits from lists of content types and extensions and a size.
    pub fn new<T: Into<String>, E: Into<String>>(
        content_types: impl IntoIterator<Item = T>,
        extensions: impl IntoIterator<Item = E>,
        max_bytes: Option<u64>,
    ) -> Self {
        Self {
            content_types: content_types.into_iter().map(Into::into).collect(),
            extensions: extensions.into_iter().map(Into::into).collect(),
            max_bytes,
        }
    }

    /// No limits at all.
    pub fn none() -> Self {
        Self::new([] as [&str; 0], [] as [&str; 0], None)
    }

    /// Whether `content_type` is accepted by the content type list alone.
    pub fn accepts_type(&self, content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        self.content_types
            .iter()
            .any(|allowed| match allowed.strip_suffix("/*") {
                Some(top) => essence.split('/').next() == Some(top),
                None => *allowed == essence,
            })
    }

    /// Checks `source`: a name that can be sent, not empty, not over the size limit, of an
    /// accepted type or extension.
    /// The error says what was found and what is accepted.
    pub fn admit(&self, source: &UploadSource) -> Result<(), Error> {
        source.check_file_name()?;
        let name = source.file_name();
        match (source.len(), self.max_bytes) {
            (Some(0), _) => {
                return Err(Error::InvalidInput(format!(
                    "{name} is empty; there is nothing to upload"
                )));
            }
            (Some(len), Some(max)) if len > max => {
                return Err(Error::InvalidInput(format!(
                    "{name} is {len} bytes, over the limit of {max} bytes ({} MiB) for this service",
                    max / MB
                )));
            }
            _ => {}
        }
        if self.accepts(source.extension().as_deref(), Some(source.content_type())) {
            return Ok(());
        }
        Err(Error::InvalidInput(format!(
            "{name} is {}, which this service does not accept (accepted: {}); set the content type if it was detected wrongly",
            source.content_type(),
            self.accepted()
        )))
    }

    /// Whether a file with this extension (lower case, no dot) or content type is accepted:
    /// either one is enough, and limits without types or extensions accept anything.
    ///
    /// ```
    /// let limits = upload_clients::Limits::maiagent_attachments();
    /// assert!(limits.accepts(Some("pdf"), None) && limits.accepts(None, Some("image/png")));
    /// assert!(!limits.accepts(Some("exe"), Some("application/octet-stream")));
    /// ```
    pub fn accepts(&self, extension: Option<&str>, content_type: Option<&str>) -> bool {
        let open = self.content_types.is_empty() && self.extensions.is_empty();
        open || extension.is_some_and(|e| self.extensions.iter().any(|x| x == e))
            || content_type.is_some_and(|t| self.accepts_type(t))
    }

    /// What is accepted, for messages: the types, then the extensions with their dots.
    pub fn accepted(&self) -> String {
        let mut accepted = self.content_types.clone();
        accepted.extend(self.extensions.iter().map(|e| format!(".{e}")));
        accepted.join(", ")
    }
}
