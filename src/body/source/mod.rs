//! [`UploadSource`]: what to upload, from a path, bytes or a stream, with its length, file name
//! and content type; turned into a streamed request body (or multipart part) for each attempt.
//!
//! The file name is sent in Unicode Normalization Form C (the form people type), whichever way
//! it was given; [`UploadSource::keep_file_name_bytes`] sends the exact bytes instead.
//!
//! A body is never read whole into memory: a path is streamed from disk in chunks of 512 KiB
//! (a file of up to 2 MiB is read as one chunk), and bytes are sent as slices of
//! the one buffer the caller gave. When the length is known the
//! body says so exactly, so the request carries `Content-Length` instead of chunked encoding
//! (storage services refuse chunked uploads), and a source that ends early or runs long fails
//! the request instead of sending a wrong file.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_core::Stream;
use tokio::io::AsyncRead;

use crate::Error;
use crate::body::file_io::{SNIFF, cannot_read, inspect, read_path};
use crate::body::file_stream::FileStream;
use crate::body::sent_digest::SentDigest;
use crate::service::attempt::Attempt;

/// The largest file read whole in one trip to tokio's blocking pool (a small upload costs less
/// than three trips: open, read, end of file), and the chunk size for slicing bytes.
const CHUNK: usize = 2 * 1024 * 1024;

/// The read size of a larger file, streamed by [`FileStream`] one chunk ahead of the
/// connection, at most three chunks alive at a time: against nginx, 512 KiB used no more CPU or time
/// than 1 or 2 MiB and kept the CLI's peak RSS at 11.5–13 MiB instead of 16–18 (BENCHMARKS.md).
const STREAM_CHUNK: usize = 512 * 1024;

use crate::body::upload_body::ByteStream;
pub use crate::body::upload_body::{Progress, ProgressFn};

enum Origin {
    Path(PathBuf),
    Bytes(Bytes),
    /// Taken on the first attempt; a one-shot stream cannot be sent twice.
    Stream(Mutex<Option<ByteStream>>),
}

/// The one source type of every upload.
///
/// Its file name is sent in Unicode Normalization Form C
/// ([`file_name::normalized`](crate::body::file_name::normalized)), whether it came from the path,
/// [`from_bytes`](Self::from_bytes), [`from_stream`](Self::from_stream) or
/// [`with_file_name`](Self::with_file_name): a name macOS gave decomposed (`회의록` as
/// conjoining jamo) arrives composed, as people typed it. For a service that must see the
/// exact bytes, [`keep_file_name_bytes`](Self::keep_file_name_bytes).
///
/// ```no_run
/// use upload_clients::UploadSource;
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let from_disk = UploadSource::from_path("photo.jpg").await?;
/// assert_eq!(from_disk.content_type(), "image/jpeg");
///
/// let from_memory = UploadSource::from_bytes(b"hello".to_vec(), "hello.txt")
///     .with_content_type("text/plain")
///     .on_progress(|p| eprintln!("{} of {:?} bytes", p.sent, p.total));
/// assert_eq!(from_memory.len(), Some(5));
/// # Ok(()) }
/// ```
pub struct UploadSource {
    origin: Origin,
    /// The file name as it was given (from the path, or by the caller).
    given_name: String,
    /// The given name in NFC, when that differs from it.
    nfc_name: Option<String>,
    /// Send `given_name` exactly instead of in NFC.
    keep_name_bytes: bool,
    /// Why the name taken from a path cannot be sent, until another name is given.
    name_problem: Option<String>,
    content_type: String,
    len: Option<u64>,
    /// A file's modification time when it was opened.
    modified: Option<std::time::SystemTime>,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match &self.origin {
            Origin::Path(p) => format!("path {}", p.display()),
            Origin::Bytes(_) => "bytes".to_string(),
            Origin::Stream(_) => "stream".to_string(),
        };
        f.debug_struct("UploadSource")
            .field("origin", &origin)
            .field("file_name", &self.file_name())
            .field("content_type", &self.content_type)
            .field("len", &self.len)
            .finish()
    }
}

impl UploadSource {
    /// A file on disk, re-opened and read for each attempt: streamed in chunks, or read in one
    /// go when it fits one 2 MiB chunk. Its name comes from the path (sent in NFC) and its type
    /// from its first bytes (then its extension).
    ///
    /// The file is checked now and read when sent, so what goes out is what is on disk then; a
    /// file removed meanwhile, or one that fits one chunk and changed length, fails before
    /// anything is sent.
    ///
    /// Fails, before any request, when the path does not exist, is not a regular file, cannot
    /// be read, or is empty.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        // One trip to the blocking pool for metadata, open and sniffing: three trips cost
        // more than the whole of a small upload (see BENCHMARKS.md).
        let inspected = tokio::task::spawn_blocking({
            let path = path.clone();
            move || inspect(&path)
        })
        .await
        .map_err(|e| cannot_read(&path, e))??;
        let (file_name, name_problem) = match path.file_name().map(|n| n.to_str()) {
            Some(Some(name)) => (name.to_string(), None),
            _ => (
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                Some(format!(
                    "the file name of {} is not valid UTF-8, so it cannot be sent as it is (its letters would arrive as replacement characters)",
                    path.display()
                )),
            ),
        };
        let (given_name, nfc_name) = named(file_name);
        Ok(Self {
            content_type: crate::body::content_type::detect_content_type(
                &inspected.head,
                &given_name,
            ),
            origin: Origin::Path(path),
            given_name,
            nfc_name,
            keep_name_bytes: false,
            name_problem,
            len: Some(inspected.len),
            modified: inspected.modified,
            progress: None,
        })
    }

    /// Bytes in memory, named `file_name` (sent in NFC); the type is recognised from the
    /// bytes, then the name. Retries re-send the same buffer without copying it.
    pub fn from_bytes(bytes: impl Into<Bytes>, file_name: impl Into<String>) -> Self {
        let bytes = bytes.into();
        let (given_name, nfc_name) = named(file_name.into());
        Self {
            content_type: crate::body::content_type::detect_content_type(
                &bytes[..bytes.len().min(SNIFF)],
                &given_name,
            ),
            len: Some(bytes.len() as u64),
            origin: Origin::Bytes(bytes),
            given_name,
            nfc_name,
            keep_name_bytes: false,
            name_problem: None,
            modified: None,
            progress: None,
        }
    }

    /// A stream of chunks, sent once (a failed attempt cannot be retried). Give `len` when it is
    /// known: uploads without one are sent chunked, and some services refuse them. The type
    /// comes from the name (sent in NFC).
    pub fn from_stream<S>(stream: S, file_name: impl Into<String>, len: Option<u64>) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        let (given_name, nfc_name) = named(file_name.into());
        Self {
            content_type: crate::body::content_type::detect_content_type(&[], &given_name),
            origin: Origin::Stream(Mutex::new(Some(Box::pin(stream)))),
            given_name,
            nfc_name,
            keep_name_bytes: false,
            name_problem: None,
            len,
            modified: None,
            progress: None,
        }
    }

    /// Any `AsyncRead`, read in chunks as the body is sent; like [`from_stream`](Self::from_stream).
    pub fn from_async_read<R>(reader: R, file_name: impl Into<String>, len: Option<u64>) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Self::from_stream(
            tokio_util::io::ReaderStream::with_capacity(reader, STREAM_CHUNK),
            file_name,
            len,
        )
    }

    /// Overrides the file name sent to the service: any name in any script, sent in NFC (see
    /// [`file_name`](crate::body::file_name) for how it travels).
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        (self.given_name, self.nfc_name) = named(file_name.into());
        self.name_problem = None;
        self
    }

    /// Sends the file name's exact bytes as given (from the path, `from_bytes`,
    /// `with_file_name`, before or after this call) instead of its Unicode Normalization Form
    /// C: for a service that must see them, such as one matching names against files it
    /// already holds in NFD. Every API's path honours it (the ACS header, the multipart file
    /// names, AI Agents' `filename` field, MaiAgent's presign request, storage form and
    /// registration).
    ///
    /// ```
    /// use upload_clients::UploadSource;
    /// // 회의록.md as macOS may give it: conjoining jamo.
    /// let nfd = "\u{1112}\u{116C}\u{110B}\u{1174}\u{1105}\u{1169}\u{11A8}.md";
    /// let composed = UploadSource::from_bytes(&b"# notes"[..], nfd);
    /// assert_eq!(composed.file_name(), "회의록.md");
    /// let exact = UploadSource::from_bytes(&b"# notes"[..], nfd).keep_file_name_bytes();
    /// assert_eq!(exact.file_name(), nfd);
    /// ```
    pub fn keep_file_name_bytes(mut self) -> Self {
        self.keep_name_bytes = true;
        self
    }

    /// Whether the file name is sent with its exact bytes
    /// ([`keep_file_name_bytes`](Self::keep_file_name_bytes)) rather than in NFC.
    pub fn keeps_file_name_bytes(&self) -> bool {
        self.keep_name_bytes
    }

    /// Checks that the file name, as it is sent, can be sent
    /// ([`file_name::check_sendable`](crate::body::file_name::check_sendable)), and, for a path, that its name is
    /// UTF-8. Every facade runs it before sending anything.
    pub fn check_file_name(&self) -> Result<(), Error> {
        if let Some(problem) = &self.name_problem {
            return Err(Error::InvalidInput(format!(
                "{problem}; rename the file or give a name with `with_file_name`"
            )));
        }
        crate::body::file_name::check_sendable(self.file_name())
    }

    /// Overrides the detected content type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Calls `callback` as the body is sent.
    pub fn on_progress(mut self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// The file name sent to the service: the name given in NFC, or its exact bytes after
    /// [`keep_file_name_bytes`](Self::keep_file_name_bytes).
    pub fn file_name(&self) -> &str {
        match &self.nfc_name {
            Some(nfc) if !self.keep_name_bytes => nfc,
            _ => &self.given_name,
        }
    }

    /// The content type (detected or set).
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The path of a source made by [`from_path`](Self::from_path).
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Path(path) => Some(path),
            _ => None,
        }
    }

    /// A file's modification time when [`from_path`](Self::from_path) opened it (where the
    /// platform has one): with its path and length, what identifies it in a
    /// [`journal`](crate::bulk::journal).
    pub fn modified(&self) -> Option<std::time::SystemTime> {
        self.modified
    }

    /// The length in bytes, when known.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// The file name's extension, lower case.
    pub fn extension(&self) -> Option<String> {
        Path::new(self.file_name())
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
    }

    /// Whether the source can be sent again (a path or bytes; not a stream).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.origin, Origin::Stream(_))
    }
}

/// A name as given, and its NFC form when that differs (most names are NFC already).
fn named(name: String) -> (String, Option<String>) {
    let nfc = match crate::body::file_name::normalized(&name) {
        std::borrow::Cow::Owned(nfc) => Some(nfc),
        std::borrow::Cow::Borrowed(_) => None,
    };
    (name, nfc)
}

mod body;
