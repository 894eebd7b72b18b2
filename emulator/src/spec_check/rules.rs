//! The value rules of JSON Schema: JSON types, formats, lengths, bounds and enum messages.

use serde_json::Value;

pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON number as an integer, if it is one (`1.0` counts, as in JSON Schema).
pub(super) fn as_integer(value: &Value) -> Option<i128> {
    let n = value.as_number()?;
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // 2^63: beyond it an f64 is not an exact int64 anyway.
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.223_372_036_854_776e18).then_some(f as i128)
}

pub(super) fn type_matches(typ: &str, value: &Value) -> bool {
    match typ {
        "string" => value.is_string(),
        "integer" => as_integer(value).is_some(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    }
}

pub(super) fn string_rules(
    s: &str,
    format: Option<&str>,
    min_length: Option<usize>,
    max_length: Option<usize>,
) -> Result<(), String> {
    let length = s.chars().count();
    if let Some(min) = min_length
        && length < min
    {
        return Err(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters long")
        });
    }
    if let Some(max) = max_length
        && length > max
    {
        return Err(format!("must be at most {max} characters long"));
    }
    match format {
        Some("uri" | "url") if url::Url::parse(s).is_err() => {
            Err("expected an absolute URL".to_owned())
        }
        Some("uuid") if !is_uuid(s) => Err("expected a UUID".to_owned()),
        Some("date") if !is_date(s) => Err("expected a date (YYYY-MM-DD)".to_owned()),
        Some("date-time") if !is_date_time(s) => Err("expected an RFC 3339 date-time".to_owned()),
        _ => Ok(()),
    }
}

pub(super) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub(super) fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

pub(super) fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    y.len() == 4
        && m.len() == 2
        && d.len() == 2
        && digits(y).is_some()
        && digits(m).is_some_and(|m| (1..=12).contains(&m))
        && digits(d).is_some_and(|d| (1..=31).contains(&d))
}

pub(super) fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let (clock, offset_ok) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, true)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let offset = time.get(i + 1..).unwrap_or_default();
        let ok = offset.split_once(':').is_some_and(|(h, m)| {
            h.len() == 2
                && m.len() == 2
                && digits(h).is_some_and(|h| h < 24)
                && digits(m).is_some_and(|m| m < 60)
        });
        (time.get(..i).unwrap_or_default(), ok)
    } else {
        return false;
    };
    let clock = clock.split('.').collect::<Vec<_>>();
    let fraction_ok = match clock.as_slice() {
        [_] => true,
        [_, f] => !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    let hms: Vec<&str> = clock
        .first()
        .copied()
        .unwrap_or_default()
        .split(':')
        .collect();
    let hms_ok = matches!(hms.as_slice(), [h, m, s]
        if h.len() == 2 && m.len() == 2 && s.len() == 2
            && digits(h).is_some_and(|h| h < 24)
            && digits(m).is_some_and(|m| m < 60)
            && digits(s).is_some_and(|s| s <= 60));
    offset_ok && fraction_ok && hms_ok
}

pub(super) fn number_rules(
    n: f64,
    minimum: Option<f64>,
    exclusive_minimum: bool,
    maximum: Option<f64>,
    exclusive_maximum: bool,
    multiple_of: Option<f64>,
) -> Result<(), String> {
    if let Some(min) = minimum {
        if exclusive_minimum && n <= min {
            return Err(format!("must be greater than {min}"));
        }
        if n < min {
            return Err(format!("must be at least {min}"));
        }
    }
    if let Some(max) = maximum {
        if exclusive_maximum && n >= max {
            return Err(format!("must be less than {max}"));
        }
        if n > max {
            return Err(format!("must be at most {max}"));
        }
    }
    if let Some(m) = multiple_of
        && m > 0.0
        && ((n / m) - (n / m).round()).abs() > 1e-9
    {
        return Err(format!("must be a multiple of {m}"));
    }
    Ok(())
}

pub(super) fn enum_list<'v>(values: impl Iterator<Item = &'v Value>) -> String {
    values
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn integer_rules(n: i128, format: Option<&str>) -> Result<(), String> {
    match format {
        Some("int32") if i32::try_from(n).is_err() => {
            Err("is out of range for a 32-bit integer".to_owned())
        }
        Some("int64") if i64::try_from(n).is_err() => {
            Err("is out of range for a 64-bit integer".to_owned())
        }
        _ => Ok(()),
    }
}
