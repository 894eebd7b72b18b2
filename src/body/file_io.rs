//! Reading upload files on tokio's blocking pool, in as few trips as it takes: measuring and
//! sniffing a file in one, and reading a small one whole in one (each trip costs more than a
//! small upload's own work; BENCHMARKS.md).

use std::fmt;
use std::io;
use std::path::Path;

use bytes::Bytes;

use crate::Error;
use crate::body::page_buffer::PageBuffer;

/// How much of the start of a file is read to recognise its type.
pub(crate) const SNIFF: usize = 8 * 1024;

/// What [`inspect`] found of a file.
pub(crate) struct Inspected {
    pub(crate) len: u64,
    /// The modification time, where the platform has one.
    pub(crate) modified: Option<std::time::SystemTime>,
    /// The first [`SNIFF`] bytes.
    pub(crate) head: Vec<u8>,
}

/// The length, modification time and first [`SNIFF`] bytes of the regular, non-empty file at
/// `path`, or the input error saying why it cannot be uploaded.
pub(crate) fn inspect(path: &Path) -> Result<Inspected, Error> {
    use std::io::Read;
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::InvalidInput(format!("{shown}: no such file")),
        _ => cannot_read(path, e),
    })?;
    if metadata.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{shown} is a directory, not a file"
        )));
    }
    if !metadata.is_file() {
        return Err(Error::InvalidInput(format!(
            "{shown} is not a regular file"
        )));
    }
    if metadata.len() == 0 {
        return Err(Error::InvalidInput(format!(
            "{shown} is empty; there is nothing to upload"
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| cannot_read(path, e))?;
    let mut head = Vec::with_capacity(SNIFF);
    file.take(SNIFF as u64)
        .read_to_end(&mut head)
        .map_err(|e| cannot_read(path, e))?;
    Ok(Inspected {
        len: metadata.len(),
        modified: metadata.modified().ok(),
        head,
    })
}

/// [`read_small`] on the blocking pool, with its error as the input error it is.
pub(crate) async fn read_path(path: &Path, len: u64) -> Result<Bytes, Error> {
    tokio::task::spawn_blocking({
        let path = path.to_path_buf();
        move || read_small(&path, len)
    })
    .await
    .map_err(|e| cannot_read(path, e))?
    .map_err(|e| cannot_read(path, e))
}

/// The input error for a file at `path` that could not be read.
pub(crate) fn cannot_read(path: &Path, error: impl fmt::Display) -> Error {
    Error::InvalidInput(format!("{}: cannot read: {error}", path.display()))
}

/// The content of the file at `path`, announced as `len` bytes, read with one `open` and as few
/// reads as it takes. At most `len + 1` bytes are read, so a file that grew since it was
/// measured is seen to have grown (the body then fails) without reading all of it.
fn read_small(path: &Path, len: u64) -> io::Result<Bytes> {
    let mut file = std::fs::File::open(path)?;
    let capacity = usize::try_from(len)
        .map_err(|_| io::Error::other("the file is too large to read at once"))?
        .saturating_add(1);
    // Page-aligned, so the copy from the page cache runs at full speed (`page_buffer`).
    let mut buffer = PageBuffer::new(capacity);
    let filled = buffer.fill_from(&mut file)?;
    Ok(buffer.freeze(filled))
}
