//! The pre-flight of a presigned POST: read the policy the presigner returned (base64 JSON)
//! and refuse, before a byte goes to storage, what storage would refuse only after the whole
//! file: an expired policy, or a file outside its `content-length-range`.
//!
//! The expiry is read on the service's clock, which signed the policy and which its storage
//! shares, not this machine's: the presign answer's `Date` header says what time the service
//! thought it was ([`Clocks`]). Without a `Date`, this machine's clock is used.
//!
//! A policy that cannot be read (some presigners hand out opaque values) is left to storage.

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::Error;
use crate::maiagent::presigned_post::PresignedPost;

/// The time now on this machine's clock and, when known, on the service's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// This machine's clock.
    pub local: DateTime<Utc>,
    /// The service's clock, when an answer of the service said its time (`Date`).
    pub service: Option<DateTime<Utc>>,
}

impl Clocks {
    /// Now, with the service's clock `offset` ahead of this machine's (negative: behind), as
    /// [`offset_from_date`] measured it.
    pub fn now(offset: Option<TimeDelta>) -> Self {
        let local = Utc::now();
        Self {
            local,
            service: offset.and_then(|offset| local.checked_add_signed(offset)),
        }
    }
}

/// How far the service's clock is ahead of this machine's (negative: behind): its answer's
/// `Date` header (an HTTP date, to the second) against this machine's clock when the answer
/// came. `None` without a readable `Date`.
///
/// ```
/// use upload_clients::maiagent::presigned_policy::offset_from_date;
///
/// let received = chrono::DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z").unwrap().to_utc();
/// let behind = offset_from_date(Some("Mon, 07 Dec 2026 09:00:00 GMT"), received);
/// assert_eq!(behind, Some(chrono::TimeDelta::hours(-3)));
/// assert_eq!(offset_from_date(Some("yesterday"), received), None);
/// ```
pub fn offset_from_date(date: Option<&str>, received: DateTime<Utc>) -> Option<TimeDelta> {
    let service: DateTime<Utc> = httpdate::parse_http_date(date?.trim()).ok()?.into();
    Some(service - received)
}

/// What a policy allows, as far as the pre-flight checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// When the policy stops being accepted.
    pub expiration: Option<DateTime<Utc>>,
    /// The file sizes accepted, in bytes, both ends included.
    pub content_length_range: Option<(u64, u64)>,
}

impl Policy {
    /// The policy of `post` (its `policy` field, any case), or `None` when there is none or it
    /// is not base64 JSON.
    ///
    /// ```
    /// use upload_clients::maiagent::presigned_policy::Policy;
    /// use upload_clients::maiagent::presigned_post::PresignedPost;
    ///
    /// // {"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",1,10]]}
    /// let policy = "eyJleHBpcmF0aW9uIjoiMjAzMC0wMS0wMVQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbWyJjb250ZW50LWxlbmd0aC1yYW5nZSIsMSwxMF1dfQ==";
    /// let post = PresignedPost::new("https://s3.example.com/b", [("policy", policy)]);
    /// assert_eq!(Policy::of(&post).unwrap().content_length_range, Some((1, 10)));
    /// ```
    pub fn of(post: &PresignedPost) -> Option<Self> {
        let encoded = post
            .fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("policy"))?
            .1;
        let json = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let doc: Value = serde_json::from_slice(&json).ok()?;
        let expiration = doc
            .get("expiration")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let content_length_range = doc
            .get("conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .find(|c| {
                c.first()
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case("content-length-range"))
            })
            .and_then(|c| Some((number(c.get(1)?)?, number(c.get(2)?)?)));
        Some(Self {
            expiration,
            content_length_range,
        })
    }

    /// Refuses a file of `len` bytes sent `now` that this policy would have storage refuse;
    /// the expiry on the service's clock when it is known, else on this machine's.
    pub fn admit(&self, len: u64, now: Clocks) -> Result<(), Error> {
        if let Some(expiration) = self.expiration
            && expiration <= now.service.unwrap_or(now.local)
        {
            let local = now.local;
            let clocks = match now.service {
                Some(service) => format!(
                    "by the service's clock, which says {service} (this machine's says {local})"
                ),
                None => format!(
                    "by this machine's clock, which says {local} (the service did not say its time)"
                ),
            };
            return Err(Error::InvalidResponse {
                api: <super::api::MaiAgent as crate::service::api::Api>::NAME,
                message: format!(
                    "the presigned POST's policy expired at {expiration} {clocks}; nothing was sent to storage: ask for a new one, and if this repeats, the service hands out policies that are already expired"
                ),
            });
        }
        if let Some((min, max)) = self.content_length_range
            && !(min..=max).contains(&len)
        {
            return Err(Error::InvalidInput(format!(
                "the file is {len} bytes, but the presigned POST's policy accepts only {min} to {max} bytes; nothing was sent to storage"
            )));
        }
        Ok(())
    }
}

/// A policy number: JSON number or a string of digits (both are seen).
fn number(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(policy: &Value) -> PresignedPost {
        let encoded = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
        PresignedPost::new(
            "https://s3.example.com/b",
            [("key", "k"), ("Policy", encoded.as_str())],
        )
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn expiry_and_size_are_checked_against_the_given_clock() {
        let policy = Policy::of(&post(&serde_json::json!({
            "expiration": "2030-01-01T00:00:00.000Z",
            "conditions": [{"bucket": "b"}, ["starts-with", "$key", "media/"], ["content-length-range", "10", 20]],
        })))
        .expect("reads");
        assert_eq!(policy.content_length_range, Some((10, 20)));
        let before = local(at("2029-12-31T23:59:59Z"));
        assert!(policy.admit(10, before).is_ok());
        assert!(policy.admit(20, before).is_ok());
        let small = policy.admit(9, before).expect_err("too small");
        assert!(small.is_invalid_input() && small.to_string().contains("10 to 20"));
        assert!(policy.admit(21, before).is_err());
        let late = policy
            .admit(15, local(at("2030-01-01T00:00:00Z")))
            .expect_err("expired");
        assert!(late.to_string().contains("expired"), "{late}");
    }

    fn local(now: DateTime<Utc>) -> Clocks {
        Clocks {
            local: now,
            service: None,
        }
    }

    #[test]
    fn the_expiry_is_read_on_the_services_clock_when_it_is_known() {
        let policy = Policy::of(&post(&serde_json::json!({
            "expiration": "2030-01-01T01:00:00Z", "conditions": [],
        })))
        .expect("reads");
        // This machine is 3 h ahead of the service, whose policy is valid for another hour.
        let behind = Clocks {
            local: at("2030-01-01T03:00:00Z"),
            service: Some(at("2030-01-01T00:00:00Z")),
        };
        assert!(policy.admit(1, behind).is_ok());
        assert!(policy.admit(1, local(behind.local)).is_err(), "the control");
        // The service is 3 h ahead, and its policy expired an hour ago by its clock.
        let ahead = Clocks {
            local: at("2029-12-31T23:00:00Z"),
            service: Some(at("2030-01-01T02:00:00Z")),
        };
        let refused = policy
            .admit(1, ahead)
            .expect_err("expired by the service's clock");
        let message = refused.to_string();
        assert!(
            message.contains("2030-01-01 02:00:00 UTC")
                && message.contains("2029-12-31 23:00:00 UTC"),
            "both clocks named: {message}"
        );
        assert!(policy.admit(1, local(ahead.local)).is_ok(), "the control");
    }

    #[test]
    fn an_unreadable_or_open_policy_checks_nothing() {
        let opaque = PresignedPost::new(
            "https://s3.example.com/b",
            [("policy", "base64-encoded-policy-document")],
        );
        assert_eq!(Policy::of(&opaque), None);
        let open = Policy::of(&post(&serde_json::json!({"conditions": []}))).expect("reads");
        assert!(
            open.admit(u64::MAX, local(at("2100-01-01T00:00:00Z")))
                .is_ok()
        );
    }
}
