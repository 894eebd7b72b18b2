//! Checks a posted form as S3 does: its fields, credential, signature and policy, then the file's size.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::conditions::evaluate;
use super::credential::parse_credential;
use super::error::{S3Error, access_denied, invalid_argument, missing_field, policy_denied};
use super::form::Form;
use super::policy::parse_policy;
use super::signing::{constant_time_eq, policy_signature};
use super::{ALGORITHM, AMZ_DATE_FORMAT, AcceptedForm, SigningKey};

/// Checks the fields of a POSTed form against its policy, as S3 does.
///
/// `fields` are the (name, value) pairs sent BEFORE the file part, in the order sent (S3 ignores
/// fields after the file). `file_name` is the file part's `filename` parameter, used for
/// `${filename}`. `bucket` comes from the request URL. `now` is the time the policy's
/// expiration is compared with.
///
/// The checks, in this order:
/// 1. Field names are matched case-insensitively. A name sent twice is 400 `InvalidArgument`.
/// 2. No `key` field is 400 `InvalidArgument`. A key that is empty after `${filename}` is
///    replaced is also 400 `InvalidArgument`.
/// 3. Without a `policy`, or without any of the SigV4 fields, the request is anonymous: 403
///    `AccessDenied` (the emulator's buckets are not publicly writable). If only some SigV4
///    fields are present, the first missing one is 400 `InvalidArgument`.
/// 4. The algorithm, the credential (scope, region, access key) and `x-amz-date` are checked
///    (400 `InvalidArgument`, 403 `InvalidAccessKeyId`).
/// 5. The signature is checked over the policy text as sent (403 `SignatureDoesNotMatch`).
/// 6. The policy is decoded and parsed (400 `InvalidPolicyDocument`).
/// 7. The expiration is checked, then every condition in order, then that every field is
///    covered by a condition (403 `AccessDenied`, "Invalid according to Policy: ...").
pub fn check_form(
    key: &SigningKey,
    bucket: &str,
    fields: &[(String, String)],
    file_name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AcceptedForm, S3Error> {
    let form = Form::new(fields, file_name)?;

    // Observed: S3 names the key first when fields are missing. The "field after the file"
    // hint matters because S3 ignores fields after the file part.
    let Some(object_key) = form.value("key") else {
        return Err(missing_field("key"));
    };
    if object_key.is_empty() {
        // Chosen: S3's message for an empty key on PUT. AWS documents no POST answer.
        return Err(S3Error::new(
            400,
            "InvalidArgument",
            "User key must have a length greater than 0.",
        ));
    }

    // AWS: "If you don't provide elements required for authenticated requests, such as the
    // policy element, the request is assumed to be anonymous and will succeed only if you have
    // configured the bucket for public read and write." The emulator's buckets are not. Observed:
    // without any SigV4 field the request is anonymous too (403). With some of them, S3 names
    // the first missing one in its canonical spelling (400 InvalidArgument).
    let Some(policy) = form.value("policy") else {
        return Err(access_denied());
    };
    let sigv4 = [
        ("x-amz-algorithm", "X-Amz-Algorithm"),
        ("x-amz-credential", "X-Amz-Credential"),
        ("x-amz-date", "X-Amz-Date"),
        ("x-amz-signature", "X-Amz-Signature"),
    ];
    if sigv4.iter().all(|(name, _)| form.value(name).is_none()) {
        return Err(access_denied());
    }
    let mut sigv4_values = [""; 4];
    for (slot, (name, canonical)) in sigv4_values.iter_mut().zip(sigv4) {
        *slot = form.value(name).ok_or_else(|| missing_field(canonical))?;
    }
    let [algorithm, credential, amz_date, signature] = sigv4_values;

    if algorithm != ALGORITHM {
        // Chosen wording: S3's answer to another algorithm in a presigned URL.
        return Err(invalid_argument(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ));
    }
    let scope = parse_credential(credential)?;
    if scope.region != key.region {
        // Observed: 400 InvalidArgument naming X-Amz-Credential.
        return Err(invalid_argument(&format!(
            "the region '{}' is wrong; expecting '{}'",
            scope.region, key.region
        )));
    }
    if scope.access_key_id != key.access_key_id {
        return Err(S3Error::new(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ));
    }
    if NaiveDateTime::parse_from_str(amz_date, AMZ_DATE_FORMAT).is_err() {
        // Observed wording, S3's spelling included. Chosen: the credential's day is not
        // compared with x-amz-date, and x-amz-date is not compared with the clock; S3's
        // behaviour there is unrecorded. The policy's expiration bounds the form's life.
        return Err(invalid_argument(
            "X-Amz-Date must be formated via ISO8601 Long format",
        ));
    }

    // AWS: the string to sign is the base64 policy. It is the field exactly as sent, so it is
    // checked before the policy is decoded. (Observed: a truncated policy is
    // SignatureDoesNotMatch, not InvalidPolicyDocument.)
    let expected = policy_signature(&key.secret_access_key, scope.date, &key.region, policy);
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(S3Error::new(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method.",
        ));
    }

    let policy = parse_policy(policy)?;
    if now > policy.expiration {
        // AWS: "2013-08-01T12:00:00.000Z specifies that the POST policy is not valid after"
        // that instant, so the instant itself is still valid.
        return Err(policy_denied("Policy expired."));
    }

    let range = evaluate(&policy.conditions, &form, bucket)?;

    // AWS: "This field accepts the values 200, 201, or 204 (the default). ... If the value is
    // not set or if it is set to a value that is not valid, Amazon S3 returns an empty document
    // with a 204 status code."
    let success_action_status = match form.value("success_action_status") {
        Some("200") => 200,
        Some("201") => 201,
        _ => 204,
    };
    Ok(AcceptedForm {
        object_key: object_key.to_owned(),
        content_length_range: range,
        success_action_status,
    })
}

/// The size check after the file has streamed: S3's `EntityTooSmall` or `EntityTooLarge`.
///
/// Both bounds are inclusive. Without a range every size is accepted.
pub fn check_size(range: Option<(u64, u64)>, size: u64) -> Result<(), S3Error> {
    let Some((min, max)) = range else {
        return Ok(());
    };
    if size < min {
        return Err(S3Error::new(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
        ));
    }
    if size > max {
        return Err(S3Error::new(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        ));
    }
    Ok(())
}
