//! A record as a line of the journal, written field by field: in a run of many small files
//! this is the journal's largest cost, and serde's flattened map (every key escaped, the
//! stage's tag through a map serializer, the time through `fmt`) cost several times more.
//!
//! The format is serde's: [`Record`](super::Record) reads it back, and the tests check every
//! stage against `serde_json` writing the same record through a derive, byte for byte.

use std::time::SystemTime;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

use super::{FileIdentity, Stage};

/// Appends `id`'s record of `stage`, written at `at`, and its newline to `buf`.
pub(super) fn write(
    buf: &mut Vec<u8>,
    id: &FileIdentity,
    stage: &Stage,
    at: SystemTime,
) -> serde_json::Result<()> {
    // Taken apart whole, so that a new field of the identity cannot be left out here.
    let FileIdentity {
        target,
        file,
        name,
        size,
        modified_ns,
    } = id;
    buf.extend_from_slice(b"{\"target\":");
    serde_json::to_writer(&mut *buf, target)?;
    field(buf, "file", file)?;
    field(buf, "name", name)?;
    field(buf, "size", size)?;
    field(buf, "modified_ns", modified_ns)?;
    match stage {
        Stage::Sending => field(buf, "stage", "sending")?,
        Stage::Stored { key, md5 } => {
            field(buf, "stage", "stored")?;
            field(buf, "key", key)?;
            if let Some(md5) = md5 {
                field(buf, "md5", md5)?;
            }
        }
        Stage::Uploaded { file_id } => {
            field(buf, "stage", "uploaded")?;
            field(buf, "file_id", file_id)?;
        }
        Stage::Done { result, summary } => {
            field(buf, "stage", "done")?;
            field(buf, "result", result)?;
            if let Some(summary) = summary {
                field(buf, "summary", summary)?;
            }
        }
    }
    buf.extend_from_slice(b",\"at\":\"");
    push_rfc3339_millis(buf, at.into());
    buf.extend_from_slice(b"\"}\n");
    Ok(())
}

/// Appends `,"name":value` (`name` needs no escaping: it is one of this file's own keys).
fn field(
    buf: &mut Vec<u8>,
    name: &str,
    value: &(impl Serialize + ?Sized),
) -> serde_json::Result<()> {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *buf, value)
}

/// Appends `time` as RFC 3339 in UTC to the millisecond (`2026-12-07T14:23:39.664Z`), as
/// `to_rfc3339_opts(SecondsFormat::Millis, true)` writes it, without `fmt`.
fn push_rfc3339_millis(buf: &mut Vec<u8>, time: DateTime<Utc>) {
    let (year, nanos) = (time.year(), time.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        // A year beyond four digits (chrono adds a sign) or a leap second: rare, so chrono.
        let text = time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        buf.extend_from_slice(text.as_bytes());
        return;
    }
    // Each part, its width, and the character after it.
    let parts = [
        (year.unsigned_abs(), 4, b'-'),
        (time.month(), 2, b'-'),
        (time.day(), 2, b'T'),
        (time.hour(), 2, b':'),
        (time.minute(), 2, b':'),
        (time.second(), 2, b'.'),
        (nanos / 1_000_000, 3, b'Z'),
    ];
    for (value, width, after) in parts {
        push_digits(buf, value, width);
        buf.push(after);
    }
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(buf: &mut Vec<u8>, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        buf.push(b'0' + digit as u8);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    /// The record as serde's derive writes it: the format [`write`] must match.
    #[derive(Serialize)]
    struct BySerde<'a> {
        #[serde(flatten)]
        id: &'a FileIdentity,
        #[serde(flatten)]
        stage: &'a Stage,
        at: String,
    }

    fn by_serde(id: &FileIdentity, stage: &Stage, at: SystemTime) -> String {
        let at = DateTime::<Utc>::from(at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut line = serde_json::to_string(&BySerde { id, stage, at }).unwrap_or_default();
        line.push('\n');
        line
    }

    fn by_hand(id: &FileIdentity, stage: &Stage, at: SystemTime) -> String {
        let mut buf = Vec::new();
        if let Err(e) = write(&mut buf, id, stage, at) {
            return format!("error: {e}");
        }
        String::from_utf8(buf).unwrap_or_else(|e| format!("not UTF-8: {e}"))
    }

    #[test]
    fn every_stage_is_written_as_serde_writes_it_byte_for_byte() {
        let ids = [
            FileIdentity {
                target: "maiagent https://api.maiagent.ai/api presigned conversation=- type=-"
                    .into(),
                file: "/srv/문서/회의록 2026.md".into(),
                name: "회의록 2026.md".into(),
                size: 10_240,
                modified_ns: 1_796_653_312_650_733_800,
            },
            FileIdentity {
                target: "acs \"quoted\" \\ back\tslash\u{1}".into(),
                file: "hex:ff00".into(),
                name: "資料_最終版.pdf\u{7f}".into(),
                size: 0,
                modified_ns: -1_500_000_000,
            },
        ];
        let stages = [
            Stage::Sending,
            Stage::Stored {
                key: "u/1/\"k\".md".into(),
                md5: None,
            },
            Stage::Stored {
                key: "u/1/k.md".into(),
                md5: Some("e4d7f1b4ed2e42d15898f4b27b019da4".into()),
            },
            Stage::Uploaded {
                file_id: "assistant-文件".into(),
            },
            Stage::Done {
                result: serde_json::json!({"id": "a1", "n": 3, "nested": {"x": [1, null, "は\n"]}}),
                summary: None,
            },
            Stage::Done {
                result: serde_json::json!(null),
                summary: Some("회의록.md: attachment a1 \"ok\"".into()),
            },
        ];
        let times = [
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_millis(1_796_653_419_664),
            UNIX_EPOCH + Duration::new(951_782_400, 999_999_999), // 2000-02-29, last ns
            UNIX_EPOCH + Duration::new(4_102_444_799, 1_000_000), // 2099-12-31T23:59:59.001
            UNIX_EPOCH - Duration::from_millis(1),                // 1969-12-31T23:59:59.999
        ];
        for id in &ids {
            for stage in &stages {
                for at in times {
                    let (hand, serde) = (by_hand(id, stage, at), by_serde(id, stage, at));
                    assert_eq!(hand, serde, "{stage:?} at {at:?}");
                    let read: super::super::Record = serde_json::from_str(&hand)
                        .unwrap_or_else(|e| panic!("{hand} does not read back: {e}"));
                    assert_eq!((&read.id, &read.stage), (id, stage), "{hand}");
                }
            }
        }
    }

    #[test]
    fn a_year_beyond_four_digits_is_left_to_chrono() {
        let far = DateTime::<Utc>::from_timestamp(253_402_300_800, 5_000_000).unwrap_or_default();
        let mut buf = Vec::new();
        push_rfc3339_millis(&mut buf, far);
        assert_eq!(
            String::from_utf8_lossy(&buf),
            far.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        assert!(buf.starts_with(b"+10000-01-01T00:00:00.005Z"), "{buf:?}");
    }
}
