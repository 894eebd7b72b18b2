//! Faults on demand: which route fails next, how, and how many times; parsed from the same
//! text in the CLI's `--fault`, over HTTP and in Rust.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use super::route::Route;

/// When a [`Fault::Status`] says to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: N` (seconds).
    Seconds(u64),
    /// `Retry-After: <HTTP-date>`, this many seconds from the answer.
    HttpDate(u64),
    /// `retry-after-ms: N` (Azure's milliseconds header).
    Millis(u64),
    /// Both `retry-after-ms: millis` and `Retry-After: seconds`, as Azure sends them
    /// (`retry-after-ms=200,retry-after=1` in the text form).
    MillisAndSeconds {
        /// The `retry-after-ms` value.
        millis: u64,
        /// The `Retry-After` value, in seconds.
        seconds: u64,
    },
}

/// How a request fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// An error status with the vendor's error body (and `Retry-After`, if given), after the
    /// body was read.
    Status {
        /// The HTTP status.
        status: u16,
        /// When to come back.
        retry_after: Option<RetryAfter>,
    },
    /// The connection is reset in the middle of the request body: the service stored nothing.
    Reset,
    /// `reset-after`: the request is handled completely (the upload stored, the file or
    /// attachment created, exactly as a success), then the connection is dropped without any
    /// answer, as an answer lost on its way back. The one fault after which a client cannot know
    /// whether the service kept its upload; its record has status 0 and
    /// [`created`](super::RecordedRequest::created) set
    /// ([`RecordedRequest::answer_lost`](super::RecordedRequest::answer_lost)).
    ResetAfterStore,
    /// The server stops reading the body and never answers (until the client gives up or
    /// [`EmulatorBuilder::stall_for`](super::EmulatorBuilder::stall_for) passes).
    Stall,
    /// The answer comes after this long.
    Slow(Duration),
    /// A `200` answer with a body of this many bytes.
    HugeBody(u64),
}

impl FromStr for Fault {
    type Err = String;

    /// `503`, `429,retry-after=2`, `503,retry-after-date=2`, `429,retry-after-ms=500`,
    /// `429,retry-after-ms=200,retry-after=1` (both headers), `reset`, `reset-after`, `stall`,
    /// `slow=1500ms` (or `slow=2s`), `huge=67108864` (or `huge=64MiB`). The same text as
    /// [`Fault`]'s `Display` writes.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut items = text.split(',').map(str::trim);
        let kind = items.next().unwrap_or_default();
        let (name, value) = kind.split_once('=').unwrap_or((kind, ""));
        if matches!(name, "reset" | "reset-after" | "stall") && kind.contains('=') {
            return Err(format!("`{kind}`: {name} takes no value"));
        }
        let fault = match name {
            "reset" => Fault::Reset,
            "reset-after" => Fault::ResetAfterStore,
            "stall" => Fault::Stall,
            "slow" => Fault::Slow(parse_duration(value)?),
            "huge" => Fault::HugeBody(parse_bytes(value)?),
            status => match status.parse::<u16>() {
                Ok(status @ 400..=599) => Fault::Status {
                    status,
                    retry_after: None,
                },
                _ => {
                    return Err(format!(
                        "unknown fault `{kind}`; use an error status (400-599, e.g. 503), reset, reset-after, stall, slow=DURATION or huge=BYTES"
                    ));
                }
            },
        };
        let mut fault = fault;
        for item in items {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("`{item}` needs a number"))
            };
            let retry_after = match key {
                "retry-after" => RetryAfter::Seconds(number()?),
                "retry-after-date" => RetryAfter::HttpDate(number()?),
                "retry-after-ms" => RetryAfter::Millis(number()?),
                _ => return Err(format!("unknown fault option `{item}`")),
            };
            let Fault::Status { retry_after: r, .. } = &mut fault else {
                return Err(format!("`{item}` only goes with an error status"));
            };
            *r = Some(match (*r, retry_after) {
                (None, new) => new,
                (Some(RetryAfter::Millis(millis)), RetryAfter::Seconds(seconds))
                | (Some(RetryAfter::Seconds(seconds)), RetryAfter::Millis(millis)) => {
                    RetryAfter::MillisAndSeconds { millis, seconds }
                }
                _ => {
                    return Err(format!(
                        "`{item}`: only retry-after-ms and retry-after go together"
                    ));
                }
            });
        }
        Ok(fault)
    }
}

impl fmt::Display for Fault {
    /// The text [`Fault::from_str`] reads back: `reset-after`, `503,retry-after=1`, ….
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status {
                status,
                retry_after,
            } => {
                write!(f, "{status}")?;
                match retry_after {
                    None => Ok(()),
                    Some(RetryAfter::Seconds(s)) => write!(f, ",retry-after={s}"),
                    Some(RetryAfter::HttpDate(s)) => write!(f, ",retry-after-date={s}"),
                    Some(RetryAfter::Millis(ms)) => write!(f, ",retry-after-ms={ms}"),
                    Some(RetryAfter::MillisAndSeconds { millis, seconds }) => {
                        write!(f, ",retry-after-ms={millis},retry-after={seconds}")
                    }
                }
            }
            Fault::Reset => f.write_str("reset"),
            Fault::ResetAfterStore => f.write_str("reset-after"),
            Fault::Stall => f.write_str("stall"),
            Fault::Slow(delay) => write!(f, "slow={}ms", delay.as_millis()),
            Fault::HugeBody(bytes) => write!(f, "huge={bytes}"),
        }
    }
}

/// A route, the fault its next requests get, and how many of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Where.
    pub route: Route,
    /// How.
    pub fault: Fault,
    /// How many requests (0 is taken as 1).
    pub times: u32,
}

impl FromStr for FaultRule {
    type Err = String;

    /// `ROUTE=FAULT[,times=N]`, for example `ai-agents.uploadFile=503,retry-after=1,times=2`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (route, rest) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not ROUTE=FAULT"))?;
        let mut times = 1;
        let mut fault_items = Vec::new();
        for item in rest.split(',') {
            match item.trim().strip_prefix("times=") {
                Some(n) => {
                    times = n
                        .parse()
                        .map_err(|_| format!("`{item}` needs a whole number"))?
                }
                None => fault_items.push(item),
            }
        }
        Ok(Self {
            route: route.trim().parse()?,
            fault: fault_items.join(",").parse()?,
            times,
        })
    }
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    let bad = || format!("`{value}` is not a duration such as 1500ms or 2s");
    if let Some(ms) = value.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    let secs = value.strip_suffix('s').unwrap_or(value);
    secs.parse().map(Duration::from_secs).map_err(|_| bad())
}

fn parse_bytes(value: &str) -> Result<u64, String> {
    let bad = || format!("`{value}` is not a size such as 1048576, 512KiB or 64MiB");
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => value.split_at(at),
        None => (value, ""),
    };
    let unit = match unit {
        "" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(bad()),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(bad)
}

/// The faults waiting for their routes.
#[derive(Debug, Default)]
pub(crate) struct Faults(Mutex<Vec<FaultRule>>);

impl Faults {
    pub(crate) fn add(&self, mut rule: FaultRule) {
        rule.times = rule.times.max(1);
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(rule);
    }

    /// The fault the next request to `route` gets, if any (counted down).
    pub(crate) fn take(&self, route: &Route) -> Option<Fault> {
        let mut rules = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let at = rules.iter().position(|r| &r.route == route)?;
        let fault = rules[at].fault.clone();
        rules[at].times -= 1;
        if rules[at].times == 0 {
            rules.remove(at);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let rule: FaultRule = "ai-agents.uploadFile=503,retry-after=2,times=3"
            .parse()
            .unwrap();
        assert_eq!(rule.route.as_str(), "ai-agents.uploadFile");
        assert_eq!(rule.times, 3);
        assert_eq!(
            rule.fault,
            Fault::Status {
                status: 503,
                retry_after: Some(RetryAfter::Seconds(2))
            }
        );
        assert_eq!("reset".parse(), Ok(Fault::Reset));
        assert_eq!("reset-after".parse(), Ok(Fault::ResetAfterStore));
        let rule: FaultRule = "storage.post=reset-after,times=2".parse().unwrap();
        assert_eq!(
            (rule.fault, rule.times),
            (Fault::ResetAfterStore, 2),
            "reset-after in a rule"
        );
        assert_eq!(
            "429,retry-after-ms=200,retry-after=1".parse(),
            Ok(Fault::Status {
                status: 429,
                retry_after: Some(RetryAfter::MillisAndSeconds {
                    millis: 200,
                    seconds: 1
                })
            })
        );
        assert_eq!("stall".parse(), Ok(Fault::Stall));
        assert_eq!(
            "slow=1500ms".parse(),
            Ok(Fault::Slow(Duration::from_millis(1500)))
        );
        assert_eq!("slow=2s".parse(), Ok(Fault::Slow(Duration::from_secs(2))));
        assert_eq!("huge=64MiB".parse(), Ok(Fault::HugeBody(64 << 20)));
        assert_eq!(
            "429,retry-after-ms=500".parse(),
            Ok(Fault::Status {
                status: 429,
                retry_after: Some(RetryAfter::Millis(500))
            })
        );
        assert_eq!(
            "503,retry-after-date=2".parse(),
            Ok(Fault::Status {
                status: 503,
                retry_after: Some(RetryAfter::HttpDate(2))
            })
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            "explode",
            "reset,retry-after=1",
            "reset-after,retry-after=1",
            "reset-after=1",
            "reset-afterwards",
            "429,retry-after=1,retry-after=2",
            "429,retry-after-ms=1,retry-after-date=2",
            "503,retry-after=soon",
            "huge=3TB",
            "200",
            "302",
            "99",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad}");
        }
        let err = "rbm.nope=503".parse::<FaultRule>().unwrap_err();
        assert!(err.contains("rbm.uploadFile"), "{err}");
        assert!("rbm.uploadFile".parse::<FaultRule>().is_err());
    }

    #[test]
    fn the_text_form_reads_back() {
        for text in [
            "503",
            "503,retry-after=1",
            "503,retry-after-date=2",
            "429,retry-after-ms=500",
            "429,retry-after-ms=200,retry-after=1",
            "reset",
            "reset-after",
            "stall",
            "slow=1500ms",
            "huge=1024",
        ] {
            let fault: Fault = text.parse().unwrap();
            assert_eq!(fault.to_string(), text);
        }
        // Either order of the two headers is the same fault, written one way.
        let fault: Fault = "429,retry-after=1,retry-after-ms=200".parse().unwrap();
        assert_eq!(fault.to_string(), "429,retry-after-ms=200,retry-after=1");
    }

    #[test]
    fn counts_down() {
        let faults = Faults::default();
        faults.add("storage.post=reset,times=2".parse().unwrap());
        let route = Route::storage_post();
        assert_eq!(faults.take(&route), Some(Fault::Reset));
        assert_eq!(faults.take(&route), Some(Fault::Reset));
        assert_eq!(faults.take(&route), None);
    }
}
