//! File names in Korean, Japanese, Chinese, with emoji, spaces, quotes, `;`, backslashes, CR/LF
//! and 255 bytes, through every upload path of the library and the CLI, checked as the exact
//! bytes a raw socket received (no HTTP or multipart parser between, which would hide the
//! difference).
//!
//! What is expected is written out here from the rules, not taken from the crate's encoders:
//! a header carries percent-encoded UTF-8 and decodes to the name; a multipart `filename` is the
//! UTF-8 as it is with `"` → `%22`, CR → `%0D`, LF → `%0A` (the HTML standard); JSON carries the
//! name as it is. The name is the one given in Unicode NFC (the names of the first tests are
//! NFC already), or its exact bytes when the source keeps them (the `nfc_` tests below).

mod nfc;
mod paths;

use crate::common;

use common::scripted::{Recorded, Scripted};
use upload_clients::UploadSource;
use upload_clients::policy::RetryPolicy;

/// The names every path is tried with.
fn names() -> Vec<String> {
    let mut names: Vec<String> = [
        "cat.png",
        "고양이 사진.png",
        "猫の写真 (1).png",
        "貓咪照片.png",
        "🐱 cat 😺.png",
        "my summer photo.png",
        "say \"cheese\".png",
        "a; filename=\"evil.png\"; x=.png",
        "back\\slash\\.png",
        "b\r\nX-Injected: 1\r\n.png",
        "100% real.png",
        "tab\tand\u{7f}del.png",
    ]
    .map(String::from)
    .to_vec();
    // 255 bytes, the longest name common file systems store: 'あ' is 3 bytes.
    let long = format!("{}ab.png", "あ".repeat(83));
    assert_eq!(long.len(), 255);
    names.push(long);
    names
}

/// The multipart `filename` the HTML standard writes for `name`.
fn html_escaped(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Percent-decoding, as a server does.
fn percent_decode(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'%' && i + 3 <= value.len() {
            let hex = std::str::from_utf8(&value[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex digits"));
            i += 3;
        } else {
            out.push(value[i]);
            i += 1;
        }
    }
    out
}

fn png(name: &str) -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), name)
}

fn once() -> RetryPolicy {
    RetryPolicy::none()
}

fn requests(server: &Scripted) -> Vec<Recorded> {
    server.requests.lock().expect("lock").clone()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of the header `name` (matched as written) in a raw request head, as bytes.
fn header<'a>(raw_head: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let start = find(raw_head, format!("\r\n{name}: ").as_bytes())? + name.len() + 4;
    let len = find(&raw_head[start..], b"\r\n")?;
    Some(&raw_head[start..start + len])
}

/// True when no line of `bytes` is the injected header: a CR or LF of a name never ends a line.
fn nothing_injected(bytes: &[u8]) -> bool {
    find(bytes, b"\r\nX-Injected").is_none() && find(bytes, b"\nX-Injected").is_none()
}

/// The exact `Content-Disposition` line and type of the `file` part that a form holding `name`
/// must carry.
fn file_part_head(name: &str) -> Vec<u8> {
    format!(
        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: image/png\r\n\r\n",
        html_escaped(name)
    )
    .into_bytes()
}

/// Asserts that a recorded form carries `name` as its file part's name, then the file's bytes.
fn assert_file_part(body: &[u8], name: &str) {
    let mut head = file_part_head(name);
    head.extend_from_slice(common::PNG_1X1);
    head.extend_from_slice(b"\r\n--");
    assert!(
        find(body, &head).is_some(),
        "{name:?}: file part not found in {:?}",
        String::from_utf8_lossy(body)
    );
    for part_head in part_heads(body) {
        assert!(nothing_injected(part_head), "{name:?}");
        assert_eq!(
            part_head.windows(2).filter(|w| w == b"\r\n").count(),
            usize::from(find(part_head, b"Content-Type").is_some()),
            "{name:?}: a part header has an extra line"
        );
    }
}

/// The header block of every part of a form (a text field's value may hold CR LF; a header
/// block may not gain a line).
fn part_heads(body: &[u8]) -> Vec<&[u8]> {
    let first_line = find(body, b"\r\n").expect("a boundary line");
    let delimiter = [b"\r\n", &body[..first_line]].concat();
    let mut heads = Vec::new();
    let mut rest = &body[first_line + 2..];
    loop {
        let end = find(rest, b"\r\n\r\n").expect("a part head");
        heads.push(&rest[..end]);
        let next = find(rest, &delimiter).expect("a delimiter");
        rest = &rest[next + delimiter.len()..];
        if rest.starts_with(b"--") {
            return heads;
        }
        rest = &rest[2..];
    }
}
