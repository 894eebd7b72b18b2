//! A run's journal, so that a run cut short (Ctrl-C, `kill -9`, a lost machine) can be run
//! again without sending twice what the service already has, and without losing what it
//! created.
//!
//! The journal is a file of JSON lines, only ever appended to: a header, then one record per
//! step a file reached ([`Stage`]), each naming the file by its [`FileIdentity`].
//! [`Journal::record`] writes a record and syncs it to the disk (`fdatasync`) before it
//! returns. A run of many files does it in two steps: [`Journal::append`] as each step happens
//! (one `write`, which outlives the process however it ends, `kill -9` included) and one
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
//! use upload_clients::journal::{Journal, Stage};
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
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
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

/// What identifies a file in a journal: where it goes, where it is, the name it is sent under,
/// and its size and modification time (see the [module docs](self) for why these).
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

    fn hash64(&self) -> u64 {
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

/// One line of a journal.
#[derive(Serialize, Deserialize)]
struct Record {
    #[serde(flatten)]
    id: FileIdentity,
    #[serde(flatten)]
    stage: Stage,
    /// When it was written (RFC 3339), for people reading the file.
    at: String,
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
    /// Records noted but not yet written ([`Stage::Sending`]), in order, after `end`.
    pending: Vec<u8>,
}

impl Writer {
    /// Queues `line` as the last record of the file whose identity hashes to `hash`.
    fn push(&mut self, hash: u64, line: &[u8]) {
        let offset = self.end + self.pending.len() as u64;
        self.pending.extend_from_slice(line);
        self.index.insert(hash, offset);
    }

    /// Writes what is pending, in one `write`.
    fn flush(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.pending)?;
        self.end += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
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
        blocking(move || open(path)).await
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
        blocking(move || this.last_now(&id)).await
    }

    fn last_now(&self, id: &FileIdentity) -> Result<Option<Stage>, Error> {
        let offset = {
            let mut writer = self.writer();
            let Some(offset) = writer.index.get(&id.hash64()).copied() else {
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
        let last = self.last_now(&id)?;
        if last.is_none() {
            let line = self.line(&id, Stage::Sending)?;
            self.writer().push(id.hash64(), &line);
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
        let line = self.line(id, stage)?;
        let mut writer = self.writer();
        writer.push(id.hash64(), &line);
        writer.flush().map_err(|e| self.error(e))
    }

    /// One record as a line of the file.
    fn line(&self, id: &FileIdentity, stage: Stage) -> Result<Vec<u8>, Error> {
        let record = Record {
            id: id.clone(),
            stage,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        let mut line =
            serde_json::to_vec(&record).map_err(|e| self.error(std::io::Error::other(e)))?;
        line.push(b'\n');
        Ok(line)
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

/// Opens (or creates) and reads the journal at `path`.
fn open(path: PathBuf) -> Result<Journal, Error> {
    let error = |source| Error::Journal {
        path: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(error)?;
    if let Err(e) = file.try_lock() {
        return Err(Error::InvalidInput(format!(
            "{}: the journal is in use by another run ({e}); wait for it to end or give another journal file",
            path.display()
        )));
    }
    // Read as a stream, a line at a time: a journal of a large run is never held whole.
    let len = file.metadata().map_err(error)?.len();
    let mut reader = BufReader::new(&file);
    let mut header = Vec::new();
    (&mut reader)
        .take(HEADER.len() as u64 + 1)
        .read_until(b'\n', &mut header)
        .map_err(error)?;
    let scanned = if header.strip_suffix(b"\n") == Some(HEADER.as_bytes()) {
        Some(index(reader, header.len() as u64).map_err(error)?)
    } else if HEADER.as_bytes().starts_with(&header) && header.len() as u64 == len {
        None // empty, or a header cut short by a crash while it was created
    } else {
        return Err(Error::InvalidInput(format!(
            "{} is not an upload-clients journal (its first line is not {HEADER}); give a new file or the journal of the run to resume",
            path.display()
        )));
    };
    let (index, skipped, end) = match scanned {
        Some(Scan {
            index,
            skipped,
            end,
            torn_tail,
        }) => {
            if torn_tail {
                // A last line cut short: end it, so the next record starts a line of its own.
                file.write_all(b"\n").map_err(error)?;
            }
            (index, skipped, end + u64::from(torn_tail))
        }
        None => {
            file.set_len(0).map_err(error)?;
            file.write_all(format!("{HEADER}\n").as_bytes())
                .map_err(error)?;
            file.sync_all().map_err(error)?;
            (HashMap::new(), 0, HEADER.len() as u64 + 1)
        }
    };
    if skipped > 0 {
        tracing::warn!(journal = %path.display(), skipped, "skipped journal lines cut short by an earlier crash");
    }
    let sync_handle = file.try_clone().map_err(error)?;
    let reader = File::open(&path).map_err(error)?;
    Ok(Journal {
        inner: Arc::new(Inner {
            writer: Mutex::new(Writer {
                file,
                end,
                index,
                pending: Vec::new(),
            }),
            synced: Mutex::new(0),
            sync_handle,
            reader: Mutex::new(reader),
            skipped,
            path,
        }),
    })
}

/// What reading a journal found.
struct Scan {
    /// Each file's last record: its identity's hash → the record's offset.
    index: HashMap<u64, u64>,
    /// Lines that could not be read (cut short by a crash).
    skipped: usize,
    /// The file's length.
    end: u64,
    /// Its last line has no newline: a crash cut it short.
    torn_tail: bool,
}

/// Reads the records of a journal from `reader`, which starts at `offset` (after the header),
/// one line at a time.
fn index(mut reader: impl BufRead, mut offset: u64) -> std::io::Result<Scan> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(flatten)]
        id: FileIdentity,
    }
    let (mut index, mut skipped, mut torn_tail) = (HashMap::new(), 0, false);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        let at = offset;
        offset += read as u64;
        let complete = line.ends_with(b"\n");
        torn_tail = !complete;
        match serde_json::from_slice::<Head>(&line) {
            Ok(head) if complete => {
                index.insert(head.id.hash64(), at);
            }
            _ if line.iter().all(u8::is_ascii_whitespace) => {}
            _ => skipped += 1,
        }
    }
    Ok(Scan {
        index,
        skipped,
        end: offset,
        torn_tail,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn id(file: &str, size: u64) -> FileIdentity {
        FileIdentity {
            target: "test".into(),
            file: file.into(),
            name: file.into(),
            size,
            modified_ns: 1,
        }
    }

    #[tokio::test]
    async fn the_last_record_of_each_file_survives_reopening() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("run.journal");
        let journal = Journal::open(&path).await?;
        journal.record(&id("a", 1), Stage::Sending).await?;
        journal
            .record(
                &id("a", 1),
                Stage::Stored {
                    key: "k/a".into(),
                    md5: Some("e4d7f1b4ed2e42d15898f4b27b019da4".into()),
                },
            )
            .await?;
        journal.record(&id("b", 2), Stage::Sending).await?;
        drop(journal);
        let journal = Journal::open(&path).await?;
        assert_eq!(journal.len(), 2);
        assert_eq!(
            journal.last(&id("a", 1)).await?,
            Some(Stage::Stored {
                key: "k/a".into(),
                md5: Some("e4d7f1b4ed2e42d15898f4b27b019da4".into())
            })
        );
        assert_eq!(journal.last(&id("b", 2)).await?, Some(Stage::Sending));
        assert_eq!(journal.last(&id("a", 2)).await?, None, "another size");
        Ok(())
    }

    #[tokio::test]
    async fn a_torn_last_line_is_skipped_and_the_next_record_is_whole() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("run.journal");
        let journal = Journal::open(&path).await?;
        let done = Stage::Done {
            result: serde_json::json!({"id": 1}),
            summary: None,
        };
        journal.record(&id("a", 1), done.clone()).await?;
        drop(journal);
        let mut text = std::fs::read(&path)?;
        text.extend_from_slice(br#"{"target":"test","file":"b","na"#);
        std::fs::write(&path, &text)?;
        let journal = Journal::open(&path).await?;
        assert_eq!(journal.skipped_lines(), 1);
        assert_eq!(journal.last(&id("a", 1)).await?, Some(done));
        journal.record(&id("b", 2), Stage::Sending).await?;
        drop(journal);
        let journal = Journal::open(&path).await?;
        assert_eq!(journal.skipped_lines(), 1, "the torn line stays skipped");
        assert_eq!(journal.last(&id("b", 2)).await?, Some(Stage::Sending));
        Ok(())
    }

    #[tokio::test]
    async fn a_file_begun_is_sending_until_it_is_done_and_a_changed_file_is_new() -> TestResult {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("report.pdf");
        std::fs::write(&file, b"%PDF-1.4 one")?;
        let journal = Journal::open(dir.path().join("run.journal")).await?;
        let source = UploadSource::from_path(&file).await?;
        let (id, last) = journal.begin(&source, "target")?;
        assert_eq!((id.name.as_str(), id.size, last), ("report.pdf", 12, None));
        // Noted in memory, read back (written first) when asked for.
        assert_eq!(journal.begin(&source, "target")?.1, Some(Stage::Sending));
        let done = Stage::Done {
            result: serde_json::json!({"id": "a1"}),
            summary: None,
        };
        journal.record(&id, done.clone()).await?;
        assert_eq!(journal.begin(&source, "target")?.1, Some(done.clone()));
        assert_eq!(journal.begin(&source, "another target")?.1, None);
        std::fs::write(&file, b"%PDF-1.4 one, edited")?;
        let edited = UploadSource::from_path(&file).await?;
        assert_eq!(
            journal.begin(&edited, "target")?.1,
            None,
            "an edited file is new"
        );
        drop(journal);
        let journal = Journal::open(dir.path().join("run.journal")).await?;
        assert_eq!(
            journal.begin(&source, "target")?.1,
            Some(done),
            "after reopening"
        );
        assert!(
            journal
                .begin(&UploadSource::from_bytes(b"x".to_vec(), "x.txt"), "target")
                .is_err(),
            "bytes have no path to be known by"
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_journal_is_refused_and_left_alone() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "my notes\n")?;
        let error = Journal::open(&path).await.err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("is not an upload-clients journal")),
            "{error:?}"
        );
        let text = std::fs::read_to_string(&path)?;
        assert_eq!(text, "my notes\n");
        Ok(())
    }

    #[tokio::test]
    async fn a_header_cut_short_starts_the_journal_afresh() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("run.journal");
        std::fs::write(&path, &HEADER.as_bytes()[..10])?;
        let journal = Journal::open(&path).await?;
        assert!(journal.is_empty());
        journal.record(&id("a", 1), Stage::Sending).await?;
        drop(journal);
        let text = std::fs::read_to_string(&path)?;
        assert!(text.starts_with(&format!("{HEADER}\n{{")), "{text}");
        assert_eq!(
            Journal::open(&path).await?.last(&id("a", 1)).await?,
            Some(Stage::Sending)
        );
        Ok(())
    }

    #[tokio::test]
    async fn one_journal_is_used_by_one_run_at_a_time() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("run.journal");
        let first = Journal::open(&path).await?;
        let second = Journal::open(&path).await.err().map(|e| e.to_string());
        assert!(
            second
                .as_deref()
                .is_some_and(|e| e.contains("in use by another run")),
            "{second:?}"
        );
        drop(first);
        assert!(Journal::open(&path).await.is_ok());
        Ok(())
    }
}
