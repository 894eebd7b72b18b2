//! Where uploads go: each one streamed to its own file in the data directory (a temporary one
//! unless the user named one), found again by id.

use std::collections::HashMap;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

/// An object written to disk.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) path: PathBuf,
    pub(crate) bytes: u64,
    /// Its first [`HEAD`] bytes (enough to recognise a file type).
    pub(crate) head: Vec<u8>,
    /// Its MD5, when the writer asked for it (storage answers it as the `ETag`, as S3 does).
    pub(crate) md5: Option<[u8; 16]>,
}

/// How many bytes of an object's start [`Stored::head`] keeps.
const HEAD: usize = 64;

/// Why an object could not be written.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// It went over `limit` bytes (the rest of the stream was not read).
    TooLarge { limit: u64 },
    /// The body could not be read (the client went away, or a malformed multipart body).
    Body(String),
    /// The disk refused.
    Io(std::io::Error),
}

/// Removes a file unless disarmed (its path taken out).
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The uploaded objects.
#[derive(Debug)]
pub(crate) struct Objects {
    dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    index: Mutex<HashMap<String, Stored>>,
    next: AtomicU64,
}

impl Objects {
    /// Objects under `dir` (created if missing), or under a new temporary directory.
    pub(crate) fn new(dir: Option<&Path>) -> std::io::Result<Self> {
        let (dir, temp) = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                (dir.to_path_buf(), None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("upload-clients-emulator-")
                    .tempdir()?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        Ok(Self {
            dir,
            _temp: temp,
            index: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        })
    }

    /// Streams `chunks` to a new file, refusing more than `limit` bytes; with `md5`, digesting
    /// them as they are written.
    pub(crate) async fn write<S, E>(
        &self,
        mut chunks: S,
        limit: Option<u64>,
        md5: bool,
    ) -> Result<Stored, WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        // Unique across runs and emulators sharing a data directory; never an existing file.
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self
            .dir
            .join(format!("{n:08}-{}.bin", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(WriteError::Io)?;
        // A write cut off (the connection task aborted) leaves no partial file behind.
        let mut guard = RemoveOnDrop(Some(path.clone()));
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
        let mut bytes = 0u64;
        let mut head = Vec::with_capacity(HEAD);
        let mut digest = md5.then(<md5::Md5 as md5::Digest>::new);
        let result = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| WriteError::Body(e.to_string()))?;
                let keep = (HEAD - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..keep]);
                bytes += chunk.len() as u64;
                if let Some(limit) = limit.filter(|&l| bytes > l) {
                    return Err(WriteError::TooLarge { limit });
                }
                if let Some(digest) = &mut digest {
                    md5::Digest::update(digest, &chunk);
                }
                out.write_all(&chunk).await.map_err(WriteError::Io)?;
            }
            out.flush().await.map_err(WriteError::Io)
        }
        .await;
        drop(out);
        match result {
            Ok(()) => {
                guard.0 = None;
                Ok(Stored {
                    path,
                    bytes,
                    head,
                    md5: digest.map(|d| md5::Digest::finalize(d).into()),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Files `stored` under `id`, replacing an object of the same id.
    pub(crate) fn keep(&self, id: impl Into<String>, stored: Stored) {
        let old = self
            .index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.into(), stored);
        if let Some(old) = old {
            let _ = std::fs::remove_file(old.path);
        }
    }

    /// Deletes an object that was written but refused.
    pub(crate) async fn discard(&self, stored: Stored) {
        let _ = tokio::fs::remove_file(stored.path).await;
    }

    /// The object filed under `id`.
    pub(crate) fn get(&self, id: &str) -> Option<Stored> {
        self.index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// The bytes of the object filed under `id`.
    pub(crate) async fn read(&self, id: &str) -> std::io::Result<Option<Vec<u8>>> {
        match self.get(id) {
            Some(stored) => tokio::fs::read(stored.path).await.map(Some),
            None => Ok(None),
        }
    }
}
