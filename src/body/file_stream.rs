//! A file streamed as a request body: each chunk is read on tokio's blocking pool straight into a
//! page-aligned buffer ([`crate::body::page_buffer`]), one chunk ahead of the connection, so the disk
//! read of the next chunk overlaps the send of this one.
//!
//! Compared with `ReaderStream` over `tokio::fs::File`, which reads into the file's own buffer
//! and then copies into the stream's, each byte is copied once fewer, the read lands on a page
//! boundary, and the read-ahead keeps the connection busy. At most three chunks are alive per
//! stream (hyper asks for the next one while under ~400 KiB of the last is still queued, and
//! one is being read), so memory stays flat at any file size.

use std::fs::File;
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use tokio::task::JoinHandle;

use crate::body::page_buffer::{PageBuffer, Pool};

/// What one read on the blocking pool gives back: the file (for the next read) and the chunk it
/// read, `None` at the end of the file.
type Read1 = io::Result<(File, Option<Bytes>)>;

/// The chunks of an open file, in order, each at most `chunk` bytes (only the last is shorter).
pub(crate) struct FileStream {
    pool: Arc<Pool>,
    /// The read in flight, if any.
    reading: Option<JoinHandle<Read1>>,
    /// The file, while no read is in flight.
    file: Option<File>,
}

impl FileStream {
    /// Streams `file` from its current position in chunks of `chunk` bytes.
    pub(crate) fn new(file: File, chunk: usize) -> Self {
        Self {
            pool: Pool::new(chunk.max(1)),
            reading: None,
            file: Some(file),
        }
    }

    /// Starts reading the next chunk on the blocking pool.
    fn start_read(&mut self) {
        if let Some(file) = self.file.take() {
            let buffer = self.pool.take();
            self.reading = Some(tokio::task::spawn_blocking(move || fill(file, buffer)));
        }
    }
}

/// Reads the next chunk of `file` into `buffer`.
fn fill(mut file: File, mut buffer: PageBuffer) -> Read1 {
    let filled = buffer.fill_from(&mut file)?;
    Ok((file, (filled > 0).then(|| buffer.freeze(filled))))
}

impl Stream for FileStream {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.reading.is_none() {
            this.start_read();
        }
        let Some(reading) = this.reading.as_mut() else {
            // The file ended or failed earlier.
            return Poll::Ready(None);
        };
        let read = ready!(Pin::new(reading).poll(cx));
        this.reading = None;
        match read {
            Ok(Ok((file, Some(chunk)))) => {
                this.file = Some(file);
                // Read ahead: the next chunk comes off the disk while this one is sent.
                this.start_read();
                Poll::Ready(Some(Ok(chunk)))
            }
            Ok(Ok((_, None))) => Poll::Ready(None),
            Ok(Err(e)) => Poll::Ready(Some(Err(e))),
            Err(joined) => Poll::Ready(Some(Err(io::Error::other(format!(
                "the file read was stopped: {joined}"
            ))))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::io::Write;

    async fn collect(content: &[u8], chunk: usize) -> Vec<Bytes> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        use std::io::Seek;
        file.rewind().unwrap();
        FileStream::new(file, chunk)
            .map(|c| c.unwrap())
            .collect()
            .await
    }

    #[tokio::test]
    async fn chunks_are_the_file_in_order_and_page_aligned() {
        let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let chunks = collect(&content, 16 * 1024).await;
        assert_eq!(chunks.len(), 7);
        assert!(chunks[..6].iter().all(|c| c.len() == 16 * 1024));
        assert_eq!(chunks.concat(), content);
        for c in &chunks {
            assert_eq!(c.as_ptr() as usize % crate::body::page_buffer::PAGE, 0);
        }
    }

    #[tokio::test]
    async fn an_exact_multiple_of_the_chunk_ends_cleanly_and_an_empty_file_gives_nothing() {
        let content = vec![7u8; 8192];
        let chunks = collect(&content, 4096).await;
        assert_eq!(
            chunks.iter().map(Bytes::len).collect::<Vec<_>>(),
            [4096, 4096]
        );
        assert!(collect(&[], 4096).await.is_empty());
    }

    #[tokio::test]
    async fn after_the_end_the_stream_stays_ended() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"abc").unwrap();
        use std::io::Seek;
        file.rewind().unwrap();
        let mut stream = FileStream::new(file, 2);
        assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"ab");
        assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"c");
        assert!(stream.next().await.is_none());
        assert!(stream.next().await.is_none());
    }
}
