//! Evaluates a parsed policy's conditions against the form, as S3 does, and renders failed ones.

use std::collections::HashSet;
use std::fmt;

use super::error::{S3Error, condition_failed, policy_denied};
use super::form::Form;
use super::policy::{Bound, Condition, MatchRule, Op, json_string};

impl MatchRule {
    /// The lowercased field this rule names, or `None` without the `$`.
    fn field_name(&self) -> Option<String> {
        self.target.strip_prefix('$').map(str::to_ascii_lowercase)
    }

    fn holds(&self, form: &Form<'_>, bucket: &str) -> bool {
        // Observed: a reference without `$` is a failed condition, not a malformed policy.
        let Some(name) = self.field_name() else {
            return false;
        };
        // The bucket condition checks the bucket the request was sent to.
        let actual = if name == "bucket" {
            Some(bucket)
        } else {
            form.value(&name)
        };
        // Observed: a condition on a field the form lacks fails, even `starts-with ""`.
        let Some(actual) = actual else {
            return false;
        };
        match self.op {
            Op::Eq => actual == self.value,
            // AWS: "Content-Types values for a starts-with condition that include commas are
            // interpreted as lists. Each value in the list must meet the condition ... Data
            // elements other than Content-Type are treated as strings".
            Op::StartsWith if name == "content-type" => actual
                .split(',')
                .all(|item| item.trim().starts_with(self.value.as_str())),
            Op::StartsWith => actual.starts_with(self.value.as_str()),
        }
    }
}

impl fmt::Display for MatchRule {
    /// S3's rendering in "Policy Condition failed: ...": simple conditions print as `eq`, the
    /// field keeps the policy's spelling, strings are JSON-escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Eq => "eq",
            Op::StartsWith => "starts-with",
        };
        write!(
            f,
            "[\"{op}\", {}, {}]",
            json_string(&self.target),
            json_string(&self.value)
        )
    }
}

impl Bound {
    fn value(&self) -> Option<u64> {
        match self {
            Bound::Number(n) => Some(*n),
            Bound::Text(text) => text.parse().ok(),
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Number(n) => write!(f, "{n}"),
            Bound::Text(text) => f.write_str(&json_string(text)),
        }
    }
}

/// Checks every condition in order, then that every field is covered by one. Returns the
/// intersection of the `content-length-range` conditions, if there are any.
pub(super) fn evaluate(
    conditions: &[Condition],
    form: &Form<'_>,
    bucket: &str,
) -> Result<Option<(u64, u64)>, S3Error> {
    let mut covered: HashSet<String> = HashSet::new();
    let mut range: Option<(u64, u64)> = None;
    for condition in conditions {
        match condition {
            Condition::Match(rule) => {
                if let Some(name) = rule.field_name() {
                    covered.insert(name);
                }
                if !rule.holds(form, bucket) {
                    return Err(condition_failed(&rule.to_string()));
                }
            }
            Condition::Range { min, max } => {
                let (Some(low), Some(high)) = (min.value(), max.value()) else {
                    // Observed: ["content-length-range", "test", "10"] is a failed condition.
                    return Err(condition_failed(&format!(
                        "[\"content-length-range\", {min}, {max}]"
                    )));
                };
                // Chosen: several ranges all apply, so the file must fit their intersection.
                range = Some(match range {
                    Some((old_low, old_high)) => (old_low.max(low), old_high.min(high)),
                    None => (low, high),
                });
            }
        }
    }

    // AWS: "Each form field that you specify in a form (except x-amz-signature, file, policy,
    // and field names that have an x-ignore- prefix) must appear in the list of conditions."
    // Chosen: the first uncovered field is named, in form order and as sent.
    if let Some(extra) = form.fields.iter().find(|field| {
        !matches!(field.lower.as_str(), "policy" | "x-amz-signature" | "file")
            && !field.lower.starts_with("x-ignore-")
            && !covered.contains(&field.lower)
    }) {
        return Err(policy_denied(&format!(
            "Extra input fields: {}",
            extra.name
        )));
    }
    Ok(range)
}
