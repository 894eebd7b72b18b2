//! A request body as a stream of chunks, counted and hashed as it is read, so the record of a
//! 1 GiB upload costs no memory; and the few ways a handler reads one.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use http_body::Body;
use hyper::body::Incoming;
use sha2::{Digest, Sha256};

/// How many bytes went by, and their SHA-256.
#[derive(Clone, Default)]
pub(crate) struct Meter(Arc<Mutex<(Sha256, u64)>>);

impl Meter {
    fn add(&self, chunk: &[u8]) {
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        inner.0.update(chunk);
        inner.1 += chunk.len() as u64;
    }

    /// The byte count and the lower-case hex SHA-256 so far.
    pub(crate) fn read(&self) -> (u64, String) {
        let inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (inner.1, hex(&inner.0.clone().finalize()))
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The request body: its data frames, metered.
pub(crate) struct BodyStream {
    body: Incoming,
    meter: Meter,
}

impl BodyStream {
    pub(crate) fn new(body: Incoming, meter: Meter) -> Self {
        Self { body, meter }
    }

    /// The meter of this body.
    pub(crate) fn meter(&self) -> &Meter {
        &self.meter
    }

    /// Reads and forgets the rest of the body, so the client gets the answer instead of a
    /// broken pipe. Errors (the client went away) end it.
    pub(crate) async fn drain(&mut self) {
        while let Some(Ok(_)) = self.next().await {}
    }

    /// Reads at least `n` bytes (or to the end) and forgets them.
    pub(crate) async fn skip(&mut self, n: u64) {
        let mut read = 0u64;
        while read < n {
            match self.next().await {
                Some(Ok(chunk)) => read += chunk.len() as u64,
                _ => return,
            }
        }
    }

    /// The whole body, when it is at most `cap` bytes (JSON bodies); the error says which.
    pub(crate) async fn collect(&mut self, cap: usize) -> Result<Vec<u8>, String> {
        let mut all = Vec::new();
        while let Some(chunk) = self.next().await {
            let chunk = chunk.map_err(|e| format!("the body could not be read: {e}"))?;
            if all.len() + chunk.len() > cap {
                self.drain().await;
                return Err(format!("the body is over {cap} bytes"));
            }
            all.extend_from_slice(&chunk);
        }
        Ok(all)
    }
}

impl Stream for BodyStream {
    type Item = Result<Bytes, hyper::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.meter.add(&data);
                        return Poll::Ready(Some(Ok(data)));
                    }
                    // Trailers: nothing to count.
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
