//! The request body of one attempt: a source's chunks handed to the connection as it takes
//! them, with progress reported, the attempt's stall clock reset, and the source held to the
//! length it declared (a file that grows or shrinks while sent fails the request), its bytes
//! digested as they go when the caller checks what storage stored.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};

use crate::service::attempt::Attempt;

pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// Upload progress: bytes sent so far and the total, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the body handed to the connection so far in this attempt.
    pub sent: u64,
    /// The length of the source, when known.
    pub total: Option<u64>,
}

/// A callback told about [`Progress`] as the body is sent.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// A request body over a source's chunks that reports progress and holds the source to the
/// length it declared.
pub(crate) struct UploadBody {
    pub(crate) stream: sync_wrapper::SyncWrapper<ByteStream>,
    pub(crate) expected: Option<u64>,
    pub(crate) sent: u64,
    pub(crate) progress: Option<ProgressFn>,
    /// The attempt sending this body, whose stall clock it resets (hyper polls it on another
    /// task).
    pub(crate) attempt: Option<Arc<Attempt>>,
    /// Digests the bytes as they go, when the caller checks what storage stored.
    pub(crate) digest: Option<crate::body::sent_digest::Md5Tap>,
}

impl http_body::Body for UploadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        // The hashing thread takes the next chunk before the source gives it.
        if let Some(digest) = &mut this.digest
            && digest.poll_ready(cx).is_pending()
        {
            return Poll::Pending;
        }
        match this.stream.get_mut().as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(attempt) = &this.attempt {
                    attempt.activity.touch();
                }
                this.sent += chunk.len() as u64;
                if let Some(digest) = &mut this.digest {
                    digest.update(&chunk);
                }
                if let Some(expected) = this.expected
                    && this.sent > expected
                {
                    return Poll::Ready(Some(Err(io::Error::other(format!(
                        "the file grew while it was sent: more than the {expected} bytes announced"
                    )))));
                }
                if let Some(progress) = &this.progress {
                    progress(Progress {
                        sent: this.sent,
                        total: this.expected,
                    });
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => match this.expected {
                Some(expected) if this.sent != expected => {
                    Poll::Ready(Some(Err(io::Error::other(format!(
                        "the file ended after {} of the {expected} bytes announced",
                        this.sent
                    )))))
                }
                _ => {
                    if let Some(digest) = this.digest.take() {
                        digest.finish();
                    }
                    // The response may take a while; give it a full stall period.
                    if let Some(attempt) = &this.attempt {
                        attempt.activity.touch();
                    }
                    Poll::Ready(None)
                }
            },
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.expected {
            Some(expected) => SizeHint::with_exact(expected.saturating_sub(self.sent)),
            None => SizeHint::default(),
        }
    }
}
