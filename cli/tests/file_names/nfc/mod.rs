//! Names in the form people type: NFC on every path, the exact bytes only when asked.
//!
//! The names are written with escapes so that no editor can normalise this file and hide a
//! failure: `given` is what the caller (or macOS) hands over, `nfc` what must arrive.

use upload_clients::UploadSource;

use super::{find, percent_decode, png};

/// A name as given, and its Unicode Normalization Form C.
struct Case {
    given: &'static str,
    nfc: &'static str,
}

/// `회의록.md` as macOS gives it: conjoining jamo (ᄒ ᅬ ᄋ ᅴ ᄅ ᅩ ᆨ).
const KOREAN_NFD: Case = Case {
    given: "\u{1112}\u{116C}\u{110B}\u{1174}\u{1105}\u{1169}\u{11A8}.md",
    nfc: "\u{D68C}\u{C758}\u{B85D}.md",
};
/// `がいぎ.png`: `か` and `ぎ`'s `き` each followed by the combining dakuten U+3099.
const JAPANESE_NFD: Case = Case {
    given: "\u{304B}\u{3099}\u{3044}\u{304D}\u{3099}.png",
    nfc: "\u{304C}\u{3044}\u{304E}.png",
};
/// `Café menu.png`: `e` followed by the combining acute accent U+0301.
const LATIN_NFD: Case = Case {
    given: "Cafe\u{301} me\u{301}nu.png",
    nfc: "Caf\u{E9} m\u{E9}nu.png",
};
/// `회의록.md` already composed: sent byte for byte as it is.
const KOREAN_NFC: Case = Case {
    given: "\u{D68C}\u{C758}\u{B85D}.md",
    nfc: "\u{D68C}\u{C758}\u{B85D}.md",
};
/// Plain ASCII: unchanged.
const ASCII: Case = Case {
    given: "cat.png",
    nfc: "cat.png",
};

/// Whether the source is left to normalise its name or keeps the name's bytes.
#[derive(Clone, Copy, PartialEq)]
enum Form {
    Nfc,
    Exact,
}

impl Case {
    /// The source a test sends: the name as given, kept exactly when `form` says so.
    fn source(&self, form: Form) -> UploadSource {
        let source = png(self.given);
        match form {
            Form::Nfc => source,
            Form::Exact => source.keep_file_name_bytes(),
        }
    }

    /// The name that must arrive.
    fn expected(&self, form: Form) -> &'static str {
        match form {
            Form::Nfc => self.nfc,
            Form::Exact => self.given,
        }
    }
}

/// One `#[tokio::test]` per case and form for a path's check, named for the case, so that a
/// failure names the case that broke.
macro_rules! every_case {
    ($check:path) => {
        #[tokio::test]
        async fn korean_nfd_arrives_composed() {
            $check(&super::KOREAN_NFD, super::Form::Nfc).await;
        }
        #[tokio::test]
        async fn japanese_dakuten_nfd_arrives_composed() {
            $check(&super::JAPANESE_NFD, super::Form::Nfc).await;
        }
        #[tokio::test]
        async fn latin_accent_nfd_arrives_composed() {
            $check(&super::LATIN_NFD, super::Form::Nfc).await;
        }
        #[tokio::test]
        async fn korean_already_nfc_is_byte_identical() {
            $check(&super::KOREAN_NFC, super::Form::Nfc).await;
        }
        #[tokio::test]
        async fn ascii_is_byte_identical() {
            $check(&super::ASCII, super::Form::Nfc).await;
        }
        #[tokio::test]
        async fn korean_nfd_kept_exactly_when_asked() {
            $check(&super::KOREAN_NFD, super::Form::Exact).await;
        }
        #[tokio::test]
        async fn japanese_dakuten_nfd_kept_exactly_when_asked() {
            $check(&super::JAPANESE_NFD, super::Form::Exact).await;
        }
        #[tokio::test]
        async fn latin_accent_nfd_kept_exactly_when_asked() {
            $check(&super::LATIN_NFD, super::Form::Exact).await;
        }
    };
}

/// Percent-encoding as the `image-filename` rule says: every UTF-8 byte outside `!`..=`~`, and
/// `%`, as `%XX` (upper case).
fn percent_encoded(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for byte in name.bytes() {
        if (b'!'..=b'~').contains(&byte) && byte != b'%' {
            out.push(byte);
        } else {
            out.extend_from_slice(format!("%{byte:02X}").as_bytes());
        }
    }
    out
}

/// Decodes an `application/x-www-form-urlencoded` query value (`+` is a space).
fn form_decode(value: &[u8]) -> Vec<u8> {
    let plus_as_space: Vec<u8> = value
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&plus_as_space)
}

/// The raw value of the query parameter `name` in a request's first line.
fn query_param<'a>(raw_head: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let line_end = find(raw_head, b" HTTP/1.1\r\n")?;
    let line = &raw_head[..line_end];
    let query = &line[find(line, b"?")? + 1..];
    query.split(|&b| b == b'&').find_map(|pair| {
        pair.strip_prefix(name.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"="))
    })
}

/// The bytes `"field":"value"` as a compact JSON body carries them (no escapes are needed for
/// these names).
fn json_member(field: &str, value: &str) -> Vec<u8> {
    format!("\"{field}\":\"{value}\"").into_bytes()
}

/// Asserts that a request sent for `case` in NFC carries none of the given decomposed bytes.
fn assert_no_decomposed_bytes(what: &str, case: &Case, form: Form, raw: &[u8]) {
    if form == Form::Nfc && case.given != case.nfc {
        assert!(
            find(raw, case.given.as_bytes()).is_none(),
            "{what}: {:?} still carries the decomposed bytes",
            case.given
        );
    }
}

// Declared after `every_case!`, which they use.
mod acs_and_ai_agents;
mod cli;
mod maiagent;
mod sources;
