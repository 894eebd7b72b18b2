//! The MD5 of the bytes a request body handed to the connection, computed as they stream (the
//! file is never read a second time), so that what storage says it stored can be checked
//! against what was sent: S3 answers a single-part object's MD5 as its `ETag`.
//!
//! A streamed body's chunks are hashed on a blocking-pool thread beside the sending, not on
//! the connection's task: MD5 runs at about 575 MB/s on one core, slower than a fast link, and
//! in line it would slow the upload to that speed plus the sending; beside it, the slower of
//! the two sets the pace. At most [`AHEAD`] chunks wait for the hash, so memory stays bounded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::task::JoinHandle;
use tokio_util::sync::PollSender;

/// How many chunks may wait for the hashing thread before the body waits for it.
const AHEAD: usize = 4;

/// The MD5 of the bytes one attempt sent, known once its body was sent to the end. Cloning
/// shares it: the request's body fills it, the caller reads it when the answer came.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentDigest(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    /// The digest, once known.
    md5: OnceLock<[u8; 16]>,
    /// The thread hashing a streamed body's chunks.
    hashing: Mutex<Option<JoinHandle<[u8; 16]>>>,
    /// The streamed body ended with every byte it announced: what `hashing` returns is the
    /// digest of the whole body.
    complete: AtomicBool,
}

impl SentDigest {
    /// A tap for a body that streams: it hands each chunk to a hashing thread as the body
    /// hands it to the connection.
    pub(crate) fn tap(&self) -> Md5Tap {
        let (sender, mut chunks) = tokio::sync::mpsc::channel::<Bytes>(AHEAD);
        let hashing = tokio::task::spawn_blocking(move || {
            let mut md5 = Md5::new();
            while let Some(chunk) = chunks.blocking_recv() {
                md5.update(&chunk);
            }
            md5.finalize().into()
        });
        *self.0.hashing.lock().unwrap_or_else(|e| e.into_inner()) = Some(hashing);
        Md5Tap {
            sender: PollSender::new(sender),
            digest: self.0.clone(),
        }
    }

    /// Fills this digest from a body sent as one buffer.
    pub(crate) fn of_whole(&self, bytes: &[u8]) {
        let _ = self.0.md5.set(Md5::digest(bytes).into());
    }

    /// The MD5 as 32 lowercase hex digits, when the whole body was sent (waiting for the
    /// hashing thread to finish the last chunks).
    pub(crate) async fn md5_hex(&self) -> Option<String> {
        if self.0.md5.get().is_none() && self.0.complete.load(Ordering::Acquire) {
            let hashing = self
                .0
                .hashing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(hashing) = hashing
                && let Ok(md5) = hashing.await
            {
                let _ = self.0.md5.set(md5);
            }
        }
        self.0.md5.get().map(|digest| hex(digest))
    }
}

/// Hands a streamed body's chunks to the hashing thread; [`finish`](Self::finish) when the
/// body ended with every byte it announced.
pub(crate) struct Md5Tap {
    sender: PollSender<Bytes>,
    digest: Arc<Inner>,
}

impl Md5Tap {
    /// Ready when the hashing thread can take one more chunk; the body waits for it before it
    /// takes the next chunk from its source.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // A closed channel (the thread ended) only means no digest: never an upload error.
        self.sender.poll_reserve(cx).map(|_| ())
    }

    /// Hands over the chunk the body is sending (a reference, not a copy), in the place
    /// [`poll_ready`](Self::poll_ready) reserved.
    pub(crate) fn update(&mut self, chunk: &Bytes) {
        let _ = self.sender.send_item(chunk.clone());
    }

    /// The body ended with every byte it announced: the digest is the whole body's.
    pub(crate) fn finish(mut self) {
        self.digest.complete.store(true, Ordering::Release);
        self.sender.close();
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(32), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The MD5 an `ETag` states, as 32 lowercase hex digits: only a plain one (quoted or not, 32
/// hex digits). A multipart upload's `…-N`, a weak `W/` tag, or anything else states no MD5.
///
/// Storage encrypted with SSE-KMS or SSE-C answers 32 hex digits that are not the MD5: the
/// caller leaves those out by their headers ([`is_not_md5_by_encryption`]).
pub(crate) fn etag_md5(etag: &str) -> Option<String> {
    let tag = etag.trim();
    let tag = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag);
    (tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| tag.to_ascii_lowercase())
}

/// Whether storage's answer says the object is encrypted in a way whose `ETag` is not the MD5
/// of its bytes (S3's SSE-KMS, DSSE-KMS and SSE-C).
pub(crate) fn is_not_md5_by_encryption(headers: &http::HeaderMap) -> bool {
    let kms = headers
        .get("x-amz-server-side-encryption")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("aws:kms"));
    kms || headers.contains_key("x-amz-server-side-encryption-customer-algorithm")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_streamed_digest_equals_the_whole_ones_and_is_known_only_at_the_end() {
        let (streamed, whole) = (SentDigest::default(), SentDigest::default());
        let mut tap = streamed.tap();
        for chunk in ["hello, ", "world"] {
            std::future::poll_fn(|cx| tap.poll_ready(cx)).await;
            tap.update(&Bytes::from_static(chunk.as_bytes()));
        }
        assert_eq!(
            streamed.md5_hex().await,
            None,
            "not known before the body ended"
        );
        tap.finish();
        whole.of_whole(b"hello, world");
        assert_eq!(
            streamed.md5_hex().await.as_deref(),
            Some("e4d7f1b4ed2e42d15898f4b27b019da4")
        );
        assert_eq!(streamed.md5_hex().await, whole.md5_hex().await);
    }

    #[tokio::test]
    async fn a_body_cut_short_has_no_digest() {
        let streamed = SentDigest::default();
        let mut tap = streamed.tap();
        std::future::poll_fn(|cx| tap.poll_ready(cx)).await;
        tap.update(&Bytes::from_static(b"hello, "));
        drop(tap);
        assert_eq!(streamed.md5_hex().await, None);
    }

    #[test]
    fn only_a_plain_etag_states_an_md5() {
        let md5 = "e4d7f1b4ed2e42d15898f4b27b019da4";
        assert_eq!(etag_md5(&format!("\"{md5}\"")).as_deref(), Some(md5));
        assert_eq!(etag_md5(&md5.to_uppercase()).as_deref(), Some(md5));
        assert_eq!(etag_md5(&format!("\"{md5}-3\"")), None, "multipart");
        assert_eq!(etag_md5(&format!("W/\"{md5}\"")), None, "weak");
        assert_eq!(
            etag_md5("\"0f6c3f5e-1b9c-4d8e-9f0a-2b3c4d5e6f70\""),
            None,
            "a UUID"
        );
        assert_eq!(etag_md5(""), None);
    }

    #[test]
    fn kms_and_customer_keys_make_the_etag_no_md5() {
        let mut headers = http::HeaderMap::new();
        assert!(!is_not_md5_by_encryption(&headers));
        headers.insert("x-amz-server-side-encryption", "AES256".parse().unwrap());
        assert!(!is_not_md5_by_encryption(&headers), "SSE-S3 keeps the MD5");
        headers.insert("x-amz-server-side-encryption", "aws:kms".parse().unwrap());
        assert!(is_not_md5_by_encryption(&headers));
        let mut customer = http::HeaderMap::new();
        customer.insert(
            "x-amz-server-side-encryption-customer-algorithm",
            "AES256".parse().unwrap(),
        );
        assert!(is_not_md5_by_encryption(&customer));
    }
}
