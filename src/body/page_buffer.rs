//! Read buffers whose content starts on a page boundary, so that the kernel's copy from the page
//! cache into them runs at full speed, and a small pool that lets a file stream reuse them.
//!
//! Why the alignment matters: a buffer of 128 KiB or more comes from glibc's `mmap` path and
//! starts 16 bytes past a page boundary. The kernel copies a `read` from page-aligned page-cache
//! pages with `rep movsb`, and on AMD Zen processors that copy runs about 3.5× slower when the
//! destination sits a few bytes past the source's page offset (measured here: 100 MiB read in
//! 2 MiB reads took 74 ms of CPU into such a buffer and 19–25 ms into a page-aligned one;
//! BENCHMARKS.md, "Reading files"). Starting every read on a page boundary avoids it on every
//! processor at the cost of at most one page per buffer.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// The alignment of a buffer's content: one page.
pub(crate) const PAGE: usize = 4096;

/// A zeroed buffer that can hold `capacity` bytes starting on a page boundary, and that start.
fn allocate(capacity: usize) -> (Vec<u8>, usize) {
    let storage = vec![0u8; capacity.saturating_add(PAGE - 1)];
    // `align_offset` may decline to compute (usize::MAX); the buffer is then used unaligned,
    // which is slower on some processors but still correct.
    let start = match storage.as_ptr().align_offset(PAGE) {
        offset if offset < PAGE => offset,
        _ => 0,
    };
    (storage, start)
}

/// A buffer of [`PageBuffer::capacity`] bytes starting on a page boundary, filled by the caller
/// and then frozen into [`Bytes`] without a copy. When it came from a [`Pool`], it goes back
/// there once the last `Bytes` of it is dropped.
pub(crate) struct PageBuffer {
    storage: Vec<u8>,
    start: usize,
    capacity: usize,
    len: usize,
    pool: Option<Arc<Pool>>,
}

impl PageBuffer {
    /// A new buffer for up to `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> Self {
        let (storage, start) = allocate(capacity);
        Self {
            storage,
            start,
            capacity,
            len: 0,
            pool: None,
        }
    }

    /// The whole writable space, `capacity` bytes (zeroed or holding an earlier chunk's bytes).
    fn space(&mut self) -> &mut [u8] {
        let end = self.start + self.capacity;
        &mut self.storage[self.start..end]
    }

    /// Reads from `reader` until the buffer is full or the reader ends; returns how many bytes
    /// it holds (fewer than the capacity only at the end).
    pub(crate) fn fill_from(&mut self, reader: &mut impl Read) -> io::Result<usize> {
        let space = self.space();
        let mut filled = 0;
        while filled < space.len() {
            match reader.read(&mut space[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }

    /// The first `len` bytes of [`space`](Self::space) as `Bytes` (no copy).
    pub(crate) fn freeze(mut self, len: usize) -> Bytes {
        self.len = len.min(self.capacity);
        Bytes::from_owner(self)
    }
}

impl AsRef<[u8]> for PageBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len]
    }
}

impl Drop for PageBuffer {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.put(std::mem::take(&mut self.storage), self.start, self.capacity);
        }
    }
}

/// Buffers of one capacity handed back by dropped chunks, kept for the next reads of one file
/// stream (at most [`Pool::KEEP`]), so a long upload allocates and zeroes a few buffers instead
/// of one per chunk. Dropped with the stream and its last chunk.
pub(crate) struct Pool {
    capacity: usize,
    free: Mutex<Vec<(Vec<u8>, usize)>>,
}

impl Pool {
    /// How many free buffers are kept: up to three are in use at a time (two queued in hyper, one
    /// being read), and a returned one is taken again at once.
    const KEEP: usize = 2;

    /// An empty pool of buffers of `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity,
            free: Mutex::new(Vec::new()),
        })
    }

    /// A buffer from the pool, or a new one; it returns to the pool when dropped.
    pub(crate) fn take(self: &Arc<Self>) -> PageBuffer {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let (storage, start) = reused.unwrap_or_else(|| allocate(self.capacity));
        PageBuffer {
            storage,
            start,
            capacity: self.capacity,
            len: 0,
            pool: Some(Arc::clone(self)),
        }
    }

    fn put(&self, storage: Vec<u8>, start: usize, capacity: usize) {
        if capacity != self.capacity {
            return;
        }
        if let Ok(mut free) = self.free.lock()
            && free.len() < Self::KEEP
        {
            free.push((storage, start));
        }
    }

    #[cfg(test)]
    fn free(&self) -> usize {
        self.free.lock().map(|f| f.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_starts_on_a_page_boundary_at_every_size() {
        for capacity in [1, 10 * 1024, 128 * 1024, 2 * 1024 * 1024] {
            let mut buffer = PageBuffer::new(capacity);
            assert_eq!(buffer.space().len(), capacity);
            assert_eq!(buffer.space().as_ptr() as usize % PAGE, 0, "{capacity}");
            let filled = buffer.fill_from(&mut &b"abc"[..]).unwrap();
            assert_eq!(filled, 3.min(capacity));
            let bytes = buffer.freeze(filled);
            assert_eq!(&bytes[..], &b"abc"[..filled]);
            assert_eq!(bytes.as_ptr() as usize % PAGE, 0);
        }
    }

    #[test]
    fn freeze_never_exposes_more_than_the_capacity() {
        let buffer = PageBuffer::new(4);
        assert_eq!(buffer.freeze(100).len(), 4);
    }

    #[test]
    fn a_dropped_chunk_returns_its_buffer_and_the_pool_keeps_at_most_two() {
        let pool = Pool::new(64 * 1024);
        let mut first = pool.take();
        let address = first.space().as_ptr() as usize;
        let bytes = first.freeze(10);
        let clone = bytes.clone();
        drop(bytes);
        assert_eq!(
            pool.free(),
            0,
            "a chunk still referenced stays out of the pool"
        );
        drop(clone);
        assert_eq!(pool.free(), 1);
        let mut again = pool.take();
        assert_eq!(
            again.space().as_ptr() as usize,
            address,
            "the buffer is reused"
        );
        assert_eq!(again.space().as_ptr() as usize % PAGE, 0);
        let all: Vec<Bytes> = (0..4).map(|_| pool.take().freeze(1)).collect();
        drop(again);
        drop(all);
        assert_eq!(pool.free(), Pool::KEEP);
    }
}
