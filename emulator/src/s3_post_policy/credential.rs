//! Parses `x-amz-credential` into its scope, refusing malformed credentials with S3's texts.

use chrono::NaiveDate;

use super::error::{S3Error, invalid_argument};
use super::{SCOPE_DATE_FORMAT, SERVICE, TERMINATOR};

/// The parts of a credential scope this module checks.
pub(super) struct Scope<'a> {
    pub(super) access_key_id: &'a str,
    pub(super) date: &'a str,
    pub(super) region: &'a str,
}

/// Parses `access/yyyymmdd/region/s3/aws4_request`. The texts are S3's for presigned URLs (AWS
/// documents none for POST).
pub(super) fn parse_credential(credential: &str) -> Result<Scope<'_>, S3Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(invalid_argument(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    };
    if access_key_id.is_empty() {
        return Err(invalid_argument(
            "a non-empty Access Key (AKID) must be provided in the credential.",
        ));
    }
    let date_ok = date.len() == 8
        && date.bytes().all(|b| b.is_ascii_digit())
        && NaiveDate::parse_from_str(date, SCOPE_DATE_FORMAT).is_ok();
    if !date_ok {
        return Err(invalid_argument(&format!(
            "incorrect date format \"{date}\". This date in the credential must be in the format \"yyyyMMdd\"."
        )));
    }
    if *service != SERVICE {
        return Err(invalid_argument(&format!(
            "incorrect service \"{service}\". This endpoint belongs to \"s3\"."
        )));
    }
    if *terminator != TERMINATOR {
        return Err(invalid_argument(&format!(
            "incorrect terminal \"{terminator}\". This endpoint uses \"aws4_request\"."
        )));
    }
    Ok(Scope {
        access_key_id,
        date,
        region,
    })
}
