//! Decodes and parses a POST policy document into its expiration and conditions, with S3's error texts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::error::{S3Error, invalid_policy};

/// A parsed policy: the instant after which it is void, and its conditions in order.
pub(super) struct Policy {
    pub(super) expiration: DateTime<Utc>,
    pub(super) conditions: Vec<Condition>,
}

/// One policy condition: a match on a field, or the file's size bounds.
pub(super) enum Condition {
    Match(MatchRule),
    Range { min: Bound, max: Bound },
}

/// The match operators.
#[derive(Clone, Copy)]
pub(super) enum Op {
    Eq,
    StartsWith,
}

/// `["eq" | "starts-with", "$field", "value"]`; `{"field": "value"}` is `eq` on `$field`.
pub(super) struct MatchRule {
    pub(super) op: Op,
    /// The field reference as written in the policy, e.g. `$Content-Type`.
    pub(super) target: String,
    pub(super) value: String,
}

/// A `content-length-range` bound: S3 takes numbers and numeric strings.
pub(super) enum Bound {
    Number(u64),
    Text(String),
}

/// Decodes and parses the policy. The texts after "Invalid Policy: " are S3's where recorded.
pub(super) fn parse_policy(encoded: &str) -> Result<Policy, S3Error> {
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| invalid_policy("invalid Base64 encoding."))?;
    let document: Value =
        serde_json::from_slice(&bytes).map_err(|_| invalid_policy("Invalid JSON."))?;
    let Value::Object(members) = document else {
        return Err(invalid_policy("Invalid JSON."));
    };
    // Observed: a member the language lacks is refused by its lowercased name. The two known
    // member names are case-sensitive (ceph s3-tests expect 400 for "EXPIRATION").
    if let Some(unexpected) = members
        .keys()
        .find(|name| *name != "expiration" && *name != "conditions")
    {
        return Err(invalid_policy(&format!(
            "Unexpected: '{}'",
            unexpected.to_lowercase()
        )));
    }
    let expiration = match members.get("expiration") {
        None => return Err(invalid_policy("Policy missing expiration.")),
        Some(Value::String(text)) => parse_expiration(text)
            .ok_or_else(|| invalid_policy(&format!("Invalid 'expiration' value: '{text}'")))?,
        Some(other) => {
            return Err(invalid_policy(&format!(
                "Invalid 'expiration' value: '{other}'"
            )));
        }
    };
    let conditions = match members.get("conditions") {
        None => return Err(invalid_policy("Policy missing conditions.")),
        Some(Value::Array(items)) => items
            .iter()
            .map(parse_condition)
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(invalid_policy(
                "Invalid 'conditions' value: must be a List.",
            ));
        }
    };
    Ok(Policy {
        expiration,
        conditions,
    })
}

/// ISO 8601 in UTC, with or without fractional seconds. Observed: S3 refuses an offset and a
/// space for the `T`, and accepts `2015-12-29T01:00:00Z` (botocore's form).
pub(super) fn parse_expiration(text: &str) -> Option<DateTime<Utc>> {
    let body = text.strip_suffix('Z')?;
    NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

fn parse_condition(item: &Value) -> Result<Condition, S3Error> {
    match item {
        Value::Object(members) => {
            let mut entries = members.iter();
            let (Some((name, value)), None) = (entries.next(), entries.next()) else {
                return Err(invalid_policy(
                    "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
                ));
            };
            match value {
                Value::String(text) => Ok(Condition::Match(MatchRule {
                    op: Op::Eq,
                    target: format!("${name}"),
                    value: text.clone(),
                })),
                // Observed: null is "Invalid JSON.", a number "value must be a string.".
                Value::Null => Err(invalid_policy("Invalid JSON.")),
                _ => Err(invalid_policy(
                    "Invalid Simple-Condition: value must be a string.",
                )),
            }
        }
        Value::Array(parts) => {
            let Some(Value::String(op)) = parts.first() else {
                return Err(invalid_policy(
                    "Invalid Condition: missing operation identifier.",
                ));
            };
            // Chosen: operators are matched case-insensitively, like field names (ceph s3-tests
            // expect "StArTs-WiTh" to work; S3's own answer is unrecorded).
            let lower = op.to_ascii_lowercase();
            let op = match lower.as_str() {
                "eq" => Op::Eq,
                "starts-with" => Op::StartsWith,
                "content-length-range" => {
                    let [_, min, max] = parts.as_slice() else {
                        return Err(wrong_arity(op));
                    };
                    return Ok(Condition::Range {
                        min: parse_bound(min)?,
                        max: parse_bound(max)?,
                    });
                }
                _ => {
                    return Err(invalid_policy(&format!(
                        "Invalid Condition: unknown operation '{op}'."
                    )));
                }
            };
            let [_, target, value] = parts.as_slice() else {
                return Err(wrong_arity(op_name(op)));
            };
            let (Value::String(target), Value::String(value)) = (target, value) else {
                return Err(invalid_policy("Invalid JSON."));
            };
            Ok(Condition::Match(MatchRule {
                op,
                target: target.clone(),
                value: value.clone(),
            }))
        }
        _ => Err(invalid_policy(
            "Invalid condition test: must be a List or Object.",
        )),
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::StartsWith => "starts-with",
    }
}

fn wrong_arity(op: &str) -> S3Error {
    invalid_policy(&format!("Invalid {op}: wrong number of arguments."))
}

/// Observed: numbers and numeric strings are accepted, a float is "Invalid JSON."; a string
/// that is not a number fails the condition later. Chosen: a negative bound is a malformed
/// policy (ceph s3-tests expect 400; S3's text is unrecorded).
fn parse_bound(value: &Value) -> Result<Bound, S3Error> {
    match value {
        Value::Number(number) => match number.as_u64() {
            Some(n) => Ok(Bound::Number(n)),
            None if number.is_i64() => Err(invalid_policy(
                "Invalid content-length-range: the bounds must not be negative.",
            )),
            None => Err(invalid_policy("Invalid JSON.")),
        },
        Value::String(text) => Ok(Bound::Text(text.clone())),
        _ => Err(invalid_policy("Invalid JSON.")),
    }
}

/// A JSON string literal (quoted and escaped).
pub(super) fn json_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}
