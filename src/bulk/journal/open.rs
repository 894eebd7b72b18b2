//! Opening a journal: the file locked for one run, its header checked (or written), and its
//! records read a line at a time into the index of each file's last record.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use super::{FileIdentity, HEADER, Inner, Journal, Writer};
use crate::Error;

/// Opens (or creates) and reads the journal at `path`.
pub(super) fn open(path: PathBuf) -> Result<Journal, Error> {
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
            sync_entry(&path, &file).map_err(error)?;
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

/// Makes a new journal's name durable: the directory it is in (the real one, when the path is
/// a symbolic link) is synced, so that a power loss cannot take the file with the records
/// later synced into it. The header needs no sync of its own: the first
/// [`Journal::sync`](super::Journal::sync) covers it, and a header lost before that is read
/// as a new journal. Where the directory cannot be opened or synced (no read permission, a
/// filesystem that refuses it, a system without the call), the file is synced instead, as
/// before.
fn sync_entry(path: &Path, file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let parent = match real.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if File::open(parent).and_then(|dir| dir.sync_all()).is_ok() {
            return Ok(());
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    file.sync_all()
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
