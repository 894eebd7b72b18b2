//! The MD5 of the bytes a request body handed to the connection, computed as they stream (the
//! file is never read a second time), so that what storage says it stored can be checked
//! against what was sent: S3 answers a single-part object's MD5 as its `ETag`.

use std::sync::{Arc, OnceLock};

use md5::{Digest, Md5};

/// The MD5 of the bytes one attempt sent, known once its body was sent to the end. Cloning
/// shares it: the request's body fills it, the caller reads it when the answer came.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentDigest(Arc<OnceLock<[u8; 16]>>);

impl SentDigest {
    /// A tap for a body that streams: it digests each chunk as the body hands it over, and
    /// fills this digest when the body ends.
    pub(crate) fn tap(&self) -> Md5Tap {
        Md5Tap {
            hasher: Md5::new(),
            out: self.0.clone(),
        }
    }

    /// Fills this digest from a body sent as one buffer.
    pub(crate) fn of_whole(&self, bytes: &[u8]) {
        let _ = self.0.set(Md5::digest(bytes).into());
    }

    /// The MD5 as 32 lowercase hex digits, when the whole body was sent.
    pub(crate) fn md5_hex(&self) -> Option<String> {
        self.0.get().map(|digest| hex(digest))
    }
}

/// Digests a streamed body's chunks; [`finish`](Self::finish) when it ended.
pub(crate) struct Md5Tap {
    hasher: Md5,
    out: Arc<OnceLock<[u8; 16]>>,
}

impl Md5Tap {
    /// Adds the chunk the body is handing over.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
    }

    /// The body ended with every byte it announced: the digest is known.
    pub(crate) fn finish(self) {
        let _ = self.out.set(self.hasher.finalize().into());
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

    #[test]
    fn a_streamed_digest_equals_the_whole_ones_and_is_known_only_at_the_end() {
        let (streamed, whole) = (SentDigest::default(), SentDigest::default());
        let mut tap = streamed.tap();
        tap.update(b"hello, ");
        tap.update(b"world");
        assert_eq!(streamed.md5_hex(), None, "not known before the body ended");
        tap.finish();
        whole.of_whole(b"hello, world");
        assert_eq!(
            streamed.md5_hex().as_deref(),
            Some("e4d7f1b4ed2e42d15898f4b27b019da4")
        );
        assert_eq!(streamed.md5_hex(), whole.md5_hex());
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
