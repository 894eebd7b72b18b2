//! A run's journal, so that a run cut short (Ctrl-C, `kill -9`, a lost machine) can be run
//! again without sending twice what the service already has, and without losing what it
//! created.
//!
//! The journal is a file of JSON lines, only ever appended to: a header, then one record per
//! step a file reached ([`Stage`]), each naming the file by its [`FileIdentity`].
//! [`Journal::record`] writes a record and syncs it to the disk (`fdatasync`) before it
//! returns. A run of many files does it in two steps: [`Journal::append`] as each step happens
//! (one `write`, which outlives the process however it ends, `kill -9` included; with
//! [`Journal::append_grouped`], one `write` for the files that end at the same moment) and one
//! [`Journal::sync`] for every result it is about to report, so a result is on the disk before
//! it is printed and the uploads do not wait for the disk. Concurrent syncs share one. A line
//! cut short by a crash is skipped when the journal is opened, never an error.
//!
//! What identifies a file is where it goes (the `target`: service, endpoint and every option
//! that changes what is created, such as the agent, thread, conversation, purpose or type),
//! its absolute path, the name it is sent under, its size and its modification time to the
//! nanosecond. A file edited since has another size or time and is sent again; an unchanged
//! one is not. Content hashes are not used: they would read every file twice, and an edit
//! that keeps both the size and the nanosecond time is what `rsync` and `rclone` also miss
//! by default.
//!
//! In memory the journal keeps one 64-bit hash and one offset per file, so resuming a run of
//! 100,000 files costs a few MiB; a record is read back from the file when it is needed and
//! compared in full.
//!
//! ```no_run
//! use upload_clients::bulk::journal::{Journal, Stage};
//! use upload_clients::{MaiAgentClient, UploadSource, auth::Credential};
//!
//! # async fn run() -> Result<(), upload_clients::Error> {
//! let journal = Journal::open("reports.journal").await?;
//! let mai = MaiAgentClient::new(Credential::api_key("<API key>"))?;
//! let source = UploadSource::from_path("reports/q3.pdf").await?;
//! let (id, last) = journal.begin(&source, "maiagent presigned https://api.maiagent.ai/api")?;
//! let key = match last {
//!     Some(Stage::Done { .. }) => return Ok(()), // sent in an earlier run: nothing to do
//!     Some(Stage::Stored { key, .. }) => key,     // in storage already: do not send it again
//!     _ => {
//!         let stored = mai.store_presigned(&source).await?;
//!         let (key, md5) = (stored.key.clone(), stored.md5);
//!         journal.append(&id, Stage::Stored { key: key.clone(), md5 })?;
//!         key
//!     }
//! };
//! let attachment = mai.register(&key, source.file_name(), None).await?;
//! let result = serde_json::to_value(attachment).unwrap_or_default();
//! journal.record(&id, Stage::Done { result, summary: None }).await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::{Error, UploadSource};

/// The first line of every journal.
const HEADER: &str = r#"{"journal":"upload-clients","version":1}"#;

/// Where a file got to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// Its upload started; if nothing follows, it was in flight when the run stopped and the
    /// service may hold it.
    Sending,
    /// In storage under `key` but not registered (MaiAgent's presigned flow): register it.
    Stored {
        /// The storage key.
        key: String,
        /// The MD5 of the bytes sent (32 lowercase hex digits), when the upload verified them;
        /// storage's `ETag` agreed when it stated one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        md5: Option<String>,
    },
    /// Uploaded as `file_id` but not yet processed (AI Agents with waiting): poll it.
    Uploaded {
        /// The service's file id.
        file_id: String,
    },
    /// Done: what the service answered, and a line for people.
    Done {
        /// The result, as JSON.
        result: serde_json::Value,
        /// A line describing it, for people.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
    },
}

/// One line of a journal, as it is read (and, field by field, as [`line`] writes it, with
/// `"at"`: when it was written, RFC 3339, for people reading the file).
#[derive(Deserialize)]
struct Record {
    #[serde(flatten)]
    id: FileIdentity,
    #[serde(flatten)]
    stage: Stage,
}

/// A run's journal file (see the [module docs](self)). Cloning shares it.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Writer>,
    /// How much of the file is known to be on the disk (bytes).
    synced: Mutex<u64>,
    /// A second handle on the file, for syncing without holding the writer.
    sync_handle: File,
    reader: Mutex<File>,
    skipped: usize,
}

#[derive(Debug)]
struct Writer {
    file: File,
    /// The file's length: where the next record goes.
    end: u64,
    /// Each file's last record: its identity's hash → the record's offset.
    index: HashMap<u64, u64>,
    /// Records queued but not yet written, in order, after `end`: [`Stage::Sending`] notes,
    /// and the records of [`Journal::append_grouped`] until their group's `write`.
    pending: Vec<u8>,
}

impl Writer {
    /// Queues `stage` as the last record of `id` (whose identity hashes to `hash`), written
    /// straight into the pending bytes.
    fn push(&mut self, hash: u64, id: &FileIdentity, stage: &Stage) -> std::io::Result<()> {
        let offset = self.queued_end();
        if let Err(e) = line::write(&mut self.pending, id, stage, std::time::SystemTime::now()) {
            // Nothing of a record that could not be written stays queued.
            self.pending.truncate((offset - self.end) as usize);
            return Err(std::io::Error::other(e));
        }
        self.index.insert(hash, offset);
        Ok(())
    }

    /// The offset just past everything written or queued.
    fn queued_end(&self) -> u64 {
        self.end + self.pending.len() as u64
    }

    /// Writes what is pending, in one `write` when the system takes it whole. After a
    /// failure (a full disk) what did reach the file is no longer pending, so the next flush
    /// goes on from there: a record is never written twice, and every offset stays true.
    fn flush(&mut self) -> std::io::Result<()> {
        let (mut written, mut result) = (0, Ok(()));
        while written < self.pending.len() && result.is_ok() {
            match self.file.write(&self.pending[written..]) {
                Ok(0) => result = Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => result = Err(e),
            }
        }
        self.end += written as u64;
        self.pending.drain(..written);
        result
    }
}

impl Drop for Writer {
    /// What is still pending is written when the journal is closed.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

impl Journal {
    /// Opens the journal at `path`, creating it if it does not exist. Lines cut short by a
    /// crash are skipped ([`skipped_lines`](Self::skipped_lines)); a file that is not a
    /// journal, or one another run is using, is an error and is left as it is.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        blocking(move || open::open(path)).await
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Lines that could not be read when the journal was opened (cut short by a crash).
    pub fn skipped_lines(&self) -> usize {
        self.inner.skipped
    }

    /// How many files the journal has records of.
    pub fn len(&self) -> usize {
        self.writer().index.len()
    }

    /// Whether the journal has no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.inner.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last stage recorded for `id`, if any.
    pub async fn last(&self, id: &FileIdentity) -> Result<Option<Stage>, Error> {
        let (this, id) = (self.clone(), id.clone());
        blocking(move || this.last_now(&id, id.hash64())).await
    }

    /// The last stage recorded for `id`, whose identity hashes to `hash`.
    fn last_now(&self, id: &FileIdentity, hash: u64) -> Result<Option<Stage>, Error> {
        let offset = {
            let mut writer = self.writer();
            let Some(offset) = writer.index.get(&hash).copied() else {
                return Ok(None);
            };
            if offset >= writer.end {
                // Still in memory: write it, then read it like any other.
                writer.flush().map_err(|e| self.error(e))?;
            }
            offset
        };
        let line = self.read_line_at(offset).map_err(|e| self.error(e))?;
        // Compared in full: two identities with one hash are not confused.
        Ok(serde_json::from_str::<Record>(&line)
            .ok()
            .filter(|record| record.id == *id)
            .map(|record| record.stage))
    }

    /// A file's start: its identity ([`FileIdentity::of_source`], sent to `target`), its last
    /// recorded stage, and, when there is none, [`Stage::Sending`] noted. Done on the calling
    /// thread, as [`append`](Self::append) is: no system call unless a record must be read
    /// back (a resume), and a handoff to the blocking pool per file cost more than the work in
    /// a run of many small files.
    ///
    /// `Sending` is kept in memory and written with the next record of any file (or the next
    /// [`sync`](Self::sync)), one `write` instead of two: it tells a later run which files
    /// were in flight, and a process killed before it reached the file only leaves that
    /// hint out.
    pub fn begin(
        &self,
        source: &UploadSource,
        target: impl Into<String>,
    ) -> Result<(FileIdentity, Option<Stage>), Error> {
        let id = FileIdentity::of_source(source, target)?;
        let hash = id.hash64();
        let last = self.last_now(&id, hash)?;
        if last.is_none() {
            self.writer()
                .push(hash, &id, &Stage::Sending)
                .map_err(|e| self.error(e))?;
        }
        Ok((id, last))
    }

    fn read_line_at(&self, offset: u64) -> std::io::Result<String> {
        let mut reader = self.inner.reader.lock().unwrap_or_else(|e| e.into_inner());
        reader.seek(SeekFrom::Start(offset))?;
        let mut line = String::new();
        BufReader::new(&mut *reader).read_line(&mut line)?;
        Ok(line)
    }

    /// Appends `stage` as `id`'s last record and syncs it: it is on the disk when this
    /// returns. [`append`](Self::append) and [`sync`](Self::sync) do the same in two steps.
    pub async fn record(&self, id: &FileIdentity, stage: Stage) -> Result<(), Error> {
        self.append(id, stage)?;
        self.sync().await
    }

    /// Appends `stage` as `id`'s last record without waiting for the disk: one `write` to the
    /// file, which outlives this process however it ends (`kill -9` included) but not a
    /// power loss until [`sync`](Self::sync). A run appends each step as it happens and syncs
    /// once for every result it is about to report.
    pub fn append(&self, id: &FileIdentity, stage: Stage) -> Result<(), Error> {
        let mut writer = self.writer();
        writer
            .push(id.hash64(), id, &stage)
            .map_err(|e| self.error(e))?;
        writer.flush().map_err(|e| self.error(e))
    }

    /// [`append`](Self::append), sharing one `write` with the records that other futures
    /// append at the same moment (the uploads of one `bulk::stream`, or tasks): the record is
    /// queued, the caller yields once, and whichever of the group runs on first writes them
    /// all. As with `append`, the record is written (it outlives the process) when this
    /// returns `Ok`. Dropped before that, or after an error, the record stays queued and is
    /// written with the next record, [`sync`](Self::sync) or the journal's close. A run of
    /// many small files appends its results this way: one `write` per group instead of one
    /// per file.
    pub async fn append_grouped(&self, id: &FileIdentity, stage: Stage) -> Result<(), Error> {
        let end = {
            let mut writer = self.writer();
            writer
                .push(id.hash64(), id, &stage)
                .map_err(|e| self.error(e))?;
            writer.queued_end()
        };
        tokio::task::yield_now().await;
        let mut writer = self.writer();
        if writer.end < end {
            writer.flush().map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Puts every record appended so far on the disk (`fdatasync`). Callers that come while a
    /// sync is running share the next one.
    pub async fn sync(&self) -> Result<(), Error> {
        let target = {
            let mut writer = self.writer();
            writer.flush().map_err(|e| self.error(e))?;
            writer.end
        };
        let this = self.clone();
        blocking(move || {
            let mut synced = this.inner.synced.lock().unwrap_or_else(|e| e.into_inner());
            if *synced < target {
                let covered = this.writer().end;
                this.inner
                    .sync_handle
                    .sync_data()
                    .map_err(|e| this.error(e))?;
                *synced = covered;
            }
            Ok(())
        })
        .await
    }

    fn error(&self, source: std::io::Error) -> Error {
        Error::Journal {
            path: self.inner.path.clone(),
            source,
        }
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Journal {
            path: PathBuf::new(),
            source: std::io::Error::other(e),
        })?
}

mod identity;
mod line;
mod open;
#[cfg(test)]
mod tests;

pub use identity::FileIdentity;
