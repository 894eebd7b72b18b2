//! SigV4 for POST: the signing key's HMAC chain, the policy signature, and a constant-time compare.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{SERVICE, TERMINATOR};

type HmacSha256 = Hmac<Sha256>;

/// `hex(HMAC-SHA256(signing key, policy))`, where the policy is the base64 text as sent.
pub(super) fn policy_signature(
    secret: &str,
    scope_date: &str,
    region: &str,
    policy: &str,
) -> String {
    hex(&hmac_sha256(
        &signing_key(secret, scope_date, region),
        policy.as_bytes(),
    ))
}

/// The SigV4 signing key: HMAC chain "AWS4"+secret → date → region → "s3" → "aws4_request".
pub(super) fn signing_key(secret: &str, scope_date: &str, region: &str) -> [u8; 32] {
    let date_key = hmac_sha256(format!("AWS4{secret}").as_bytes(), scope_date.as_bytes());
    let region_key = hmac_sha256(&date_key, region.as_bytes());
    let service_key = hmac_sha256(&region_key, SERVICE.as_bytes());
    hmac_sha256(&service_key, TERMINATOR.as_bytes())
}

/// HMAC-SHA256 with a key of any length.
///
/// RFC 2104 §2: a key longer than the hash's 64-byte block is first hashed, and the key is then
/// padded with zeros to the block. Doing that here gives `Mac::new` its fixed-size key, so no
/// fallible constructor (and no unwrap) is needed; the result is the same HMAC.
pub(super) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut block = hmac::digest::Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <HmacSha256 as Mac>::new(&block);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Compares without an early exit on the first differing byte. The length is not secret (a
/// SigV4 signature is always 64 hex digits).
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}
