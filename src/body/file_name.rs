//! How a file name travels: the form it is sent in (Unicode Normalization Form C, the form
//! people type), the one check that a name can be sent at all, and the two encodings that carry
//! any name exactly and never let it become a header of its own (a header value of visible
//! ASCII, and a multipart `filename` / `name` as the HTML standard writes them).
//!
//! Names come from strangers (a service relays its own users' files), so neither encoding lets
//! a CR, LF or `"` through as itself.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_normalization::UnicodeNormalization as _;

use crate::Error;

/// The name in Unicode Normalization Form C: what every upload sends
/// ([`UploadSource`](crate::UploadSource) normalises the names it is given, and so do the
/// facade methods that take a name), unless the caller asks for the exact bytes with
/// [`UploadSource::keep_file_name_bytes`](crate::UploadSource::keep_file_name_bytes) or
/// [`MaiAgentClient::register_exact`](crate::MaiAgentClient::register_exact).
///
/// macOS hands out many names decomposed (NFD): `회의록` as nine conjoining jamo, `が` as `か`
/// and a combining mark, `é` as `e` and a combining accent. Sent like that, Windows, the
/// services' web pages and their search show them broken apart; composed, they show as typed.
/// A name already in NFC (most names, and every ASCII one) is returned as it is, unchanged and
/// not copied.
///
/// ```
/// use upload_clients::body::file_name::normalized;
/// // 회의록.md as macOS may give it: conjoining jamo.
/// let nfd = "\u{1112}\u{116C}\u{110B}\u{1174}\u{1105}\u{1169}\u{11A8}.md";
/// assert_eq!(normalized(nfd), "회의록.md");
/// assert_eq!(normalized("\u{304B}\u{3099}.png"), "が.png");
/// assert_eq!(normalized("Cafe\u{301}.pdf"), "Café.pdf");
/// assert!(matches!(normalized("회의록.md"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn normalized(name: &str) -> Cow<'_, str> {
    if unicode_normalization::is_nfc(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.nfc().collect())
    }
}

/// The longest name accepted, in bytes of UTF-8: what the common file systems store (255), with
/// room for names that grew when they were normalised or given by a caller.
pub const MAX_LEN: usize = 1024;

/// Refuses, before anything is sent, a name that cannot be sent as it is: an empty one, one
/// longer than [`MAX_LEN`] bytes, or one holding a NUL (which no header or multipart parser
/// takes). Every other name, in any script, can be sent. Uploads check the name they send (in
/// NFC, see [`normalized`]), so the limit applies to the bytes that leave.
///
/// ```
/// use upload_clients::body::file_name;
/// assert!(file_name::check_sendable("고양이 사진.png").is_ok());
/// assert!(file_name::check_sendable("a\0b.png").is_err());
/// ```
pub fn check_sendable(name: &str) -> Result<(), Error> {
    let problem = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_LEN {
        "it is longer than 1024 bytes"
    } else if name.contains('\0') {
        "it holds a NUL character, which no server accepts in a file name"
    } else {
        return Ok(());
    };
    Err(Error::InvalidInput(format!(
        "the file name {:?} cannot be sent: {problem}; give another name (`UploadSource::with_file_name`) or rename the file",
        shown(name)
    )))
}

/// A name as errors show it: at most 100 characters, so a long name does not drown the message.
fn shown(name: &str) -> String {
    match name.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_string(),
    }
}

/// The name as a header value of visible ASCII only: every byte of its UTF-8 outside `!`..=`~`,
/// and `%` itself, percent-encoded (RFC 3986), so that percent-decoding gives the exact name
/// back. A plain ASCII name such as `cat.png` is unchanged.
///
/// ```
/// use upload_clients::body::file_name::header_value;
/// assert_eq!(header_value("cat.png"), "cat.png");
/// assert_eq!(header_value("고양이 사진.png"), "%EA%B3%A0%EC%96%91%EC%9D%B4%20%EC%82%AC%EC%A7%84.png");
/// assert_eq!(header_value("100%.png"), "100%25.png");
/// ```
pub fn header_value(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if (b'!'..=b'~').contains(&byte) && byte != b'%' {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A field name or file name as the HTML standard's `multipart/form-data` encoding writes it
/// inside the quotes of `Content-Disposition`: its UTF-8 as it is (RFC 7578 forbids
/// `filename*`), with `"` → `%22`, CR → `%0D` and LF → `%0A`. Backslashes are kept as they are.
///
/// ```
/// use upload_clients::body::file_name::multipart_value;
/// assert_eq!(multipart_value("報告書.pdf"), "報告書.pdf");
/// assert_eq!(multipart_value("b\r\nX-Injected: 1\r\n.pdf"), "b%0D%0AX-Injected: 1%0D%0A.pdf");
/// assert_eq!(multipart_value(r#"say "hi"\.txt"#), r#"say %22hi%22\.txt"#);
/// ```
pub fn multipart_value(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// Percent-decoding, as a server does.
    fn decode(value: &str) -> Vec<u8> {
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn a_normalized_name_is_nfc_and_normalizing_again_changes_nothing(name in any::<String>()) {
            let once = normalized(&name);
            prop_assert!(unicode_normalization::is_nfc(&once), "{:?}", once);
            prop_assert!(matches!(normalized(&once), Cow::Borrowed(_)), "{:?}", once);
        }

        #[test]
        fn a_name_already_in_nfc_is_returned_as_it_is(name in any::<String>()) {
            let nfc: String = name.nfc().collect();
            prop_assert!(matches!(normalized(&nfc), Cow::Borrowed(same) if same == nfc));
        }

        #[test]
        fn a_header_value_is_visible_ascii_and_decodes_to_the_name(name in any::<String>()) {
            let value = header_value(&name);
            prop_assert!(value.bytes().all(|b| (b'!'..=b'~').contains(&b)), "{:?}", value);
            prop_assert!(reqwest::header::HeaderValue::from_str(&value).is_ok());
            prop_assert_eq!(decode(&value), name.as_bytes());
        }

        #[test]
        fn a_multipart_value_has_no_quote_or_line_break(name in any::<String>()) {
            let value = multipart_value(&name);
            prop_assert!(!value.contains(['"', '\r', '\n']), "{:?}", value);
        }
    }
}
