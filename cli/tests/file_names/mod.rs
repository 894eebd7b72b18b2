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

use crate::common;

use common::scripted::{self, Recorded, Scripted, response};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{AcsChatClient, AiAgentsClient, MaiAgentClient, RbmClient, UploadSource};

use common::THREAD;

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

#[tokio::test]
async fn acs_sends_the_name_as_percent_encoded_utf8_in_image_filename() {
    let created = response(
        "201 Created",
        &["location: /chat/threads/x/images/img1"],
        r#"{"id":"img1","attachmentType":"inlineImage","name":"x.png"}"#,
    );
    let server = scripted::serve(vec![created]).await;
    let acs = AcsChatClient::new(&server.url, Credential::bearer("t"))
        .expect("endpoint")
        .with_retry(once());
    for name in names() {
        acs.upload_image(THREAD, &png(&name))
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    let recorded = requests(&server);
    assert_eq!(recorded.len(), names().len());
    for (request, name) in recorded.iter().zip(names()) {
        let value = header(&request.raw_head, "image-filename")
            .unwrap_or_else(|| panic!("{name:?}: no image-filename header"));
        assert!(
            value.iter().all(|b| (b'!'..=b'~').contains(b)),
            "{name:?}: {value:?} is not visible ASCII"
        );
        assert_eq!(percent_decode(value), name.as_bytes(), "{name:?}");
        assert!(nothing_injected(&request.raw_head), "{name:?}");
        assert_eq!(request.body, common::PNG_1X1);
    }
    // The exact values, for a reader: ASCII unchanged, Korean and a space encoded, `%` too.
    assert_eq!(
        header(&recorded[0].raw_head, "image-filename"),
        Some(&b"cat.png"[..])
    );
    assert_eq!(
        header(&recorded[1].raw_head, "image-filename"),
        Some(&b"%EA%B3%A0%EC%96%91%EC%9D%B4%20%EC%82%AC%EC%A7%84.png"[..])
    );
    assert_eq!(
        header(&recorded[10].raw_head, "image-filename"),
        Some(&b"100%25%20real.png"[..])
    );
}

#[tokio::test]
async fn rbm_sends_the_file_and_no_part_of_its_name() {
    let server = scripted::serve(vec![response("200 OK", &[], r#"{"name":"files/f1"}"#)]).await;
    let rbm = RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(&server.url)
        .expect("endpoint")
        .with_retry(once());
    for name in names() {
        let file = rbm
            .upload_file("agent-1", &png(&name), None)
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(file.name, "files/f1");
    }
    for (request, name) in requests(&server).iter().zip(names()) {
        assert!(nothing_injected(&request.raw_head), "{name:?}");
        assert_eq!(request.body, common::PNG_1X1, "{name:?}");
    }
}

#[tokio::test]
async fn ai_agents_sends_the_name_html_escaped_in_the_part_and_exact_in_the_field() {
    let info = r#"{"object":"file","id":"f1","bytes":67,"filename":"x.png","created_at":1,"purpose":"assistants","status":"processed"}"#;
    let server = scripted::serve(vec![response("200 OK", &[], info)]).await;
    let agents = AiAgentsClient::new(&server.url, Credential::bearer("t"))
        .expect("endpoint")
        .with_retry(once());
    for name in names() {
        agents
            .upload(&png(&name), KnownFilePurpose::Assistants.into())
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    for (request, name) in requests(&server).iter().zip(names()) {
        assert_file_part(&request.body, &name);
        // The `filename` field is a value, not a header: the name exactly, CR LF and all.
        let field =
            format!("\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\n{name}\r\n--");
        assert!(
            find(&request.body, field.as_bytes()).is_some(),
            "{name:?}: filename field"
        );
        let length = header(&request.raw_head, "content-length").expect("content-length");
        assert_eq!(
            std::str::from_utf8(length).unwrap(),
            request.body.len().to_string()
        );
    }
}

#[tokio::test]
async fn maiagent_multipart_uploads_send_the_name_html_escaped() {
    let created = response(
        "201 Created",
        &[],
        r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","type":"image","filename":"x","file":"media/x"}"#,
    );
    for path in ["/attachments-upload/", "/attachments/"] {
        let server = scripted::serve(vec![created.clone()]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&server.url)
            .expect("endpoint")
            .with_retry(once());
        for name in names() {
            let source = png(&name);
            let uploaded = match path {
                "/attachments/" => mai.upload_attachment(&source).await.map(drop),
                _ => mai.upload(&source).await.map(drop),
            };
            uploaded.unwrap_or_else(|e| panic!("{path} {name:?}: {e}"));
        }
        for (request, name) in requests(&server).iter().zip(names()) {
            let line = format!("POST {path} HTTP/1.1\r\n");
            assert!(request.raw_head.starts_with(line.as_bytes()), "{path}");
            assert_file_part(&request.body, &name);
        }
    }
}

#[tokio::test]
async fn the_presigned_flow_stores_the_escaped_name_and_registers_the_real_one() {
    let storage = scripted::serve_on("127.0.0.2", vec![response("204 No Content", &[], "")]).await;
    let mut answers = Vec::new();
    for name in names() {
        answers.push(response(
            "200 OK",
            &[],
            &serde_json::json!({
                "url": format!("{}/bucket", storage.url),
                "fields": {"key": "media/${filename}", "policy": "cG9saWN5", "x-amz-signature": "sig"},
            })
            .to_string(),
        ));
        answers.push(response(
            "201 Created",
            &[],
            &serde_json::json!({
                "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "filename": name,
                "file": format!("media/{}", html_escaped(&name)),
            })
            .to_string(),
        ));
    }
    let api = scripted::serve(answers).await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(once());
    for name in names() {
        let attachment = mai
            .upload_presigned(&png(&name), None)
            .await
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(attachment.filename, name);
    }
    let stored = requests(&storage);
    let api_requests = requests(&api);
    assert_eq!(stored.len(), names().len());
    for (i, name) in names().into_iter().enumerate() {
        // Storage: the key field as the presigner gave it, then the file under the escaped name.
        assert_file_part(&stored[i].body, &name);
        // The presign request: the name in the JSON body exactly.
        let presign: serde_json::Value =
            serde_json::from_slice(&api_requests[2 * i].body).expect("presign body is JSON");
        assert_eq!(presign["filename"], name.as_str(), "{name:?}");
        assert!(nothing_injected(&api_requests[2 * i].raw_head), "{name:?}");
        // Registration: the real name, and the key storage substituted `${filename}` into.
        let register: serde_json::Value =
            serde_json::from_slice(&api_requests[2 * i + 1].body).expect("register body is JSON");
        assert_eq!(register["filename"], name.as_str(), "{name:?}");
        assert_eq!(
            register["file"],
            format!("media/{}", html_escaped(&name)),
            "{name:?}"
        );
    }
}

#[tokio::test]
async fn names_that_cannot_be_sent_are_refused_naming_the_reason_and_nothing_is_sent() {
    let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&server.url)
        .expect("endpoint");
    for (name, reason) in [
        ("", "it is empty"),
        ("a\0b.png", "NUL"),
        (&"x".repeat(1025) as &str, "longer than 1024 bytes"),
    ] {
        let err = mai.upload(&png(name)).await.expect_err("refused");
        assert!(err.is_invalid_input(), "{err:?}");
        let shown = err.to_string();
        assert!(
            shown.contains("cannot be sent") && shown.contains(reason),
            "{shown}"
        );
    }
    assert!(requests(&server).is_empty());
}

#[cfg(unix)]
#[tokio::test]
async fn a_path_whose_name_is_not_utf8_is_refused_unless_renamed() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    // "報告" in Shift_JIS: bytes a Japanese archive may still carry.
    let path = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"\x95\xf1\x8d\x90.png"));
    std::fs::write(&path, common::PNG_1X1).expect("write");
    let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&server.url)
        .expect("endpoint");
    let source = UploadSource::from_path(&path).await.expect("readable");
    let err = mai.upload(&source).await.expect_err("refused");
    let shown = err.to_string();
    assert!(
        err.is_invalid_input() && shown.contains("not valid UTF-8") && shown.contains(".png"),
        "{shown}"
    );
    assert!(requests(&server).is_empty());
    // Given a name, it goes out under that name.
    mai.upload(&source.with_file_name("報告.png"))
        .await
        .expect("uploaded");
    assert_file_part(&requests(&server)[0].body, "報告.png");
}

#[tokio::test]
async fn the_cli_sends_names_from_disk_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in names() {
        std::fs::write(dir.path().join(&name), common::PNG_1X1).expect("write");
    }
    let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
    let output = tokio::process::Command::from(crate::cli_command())
        .args(["maiagent", "upload", "--dir"])
        .arg(dir.path())
        .args(["--endpoint", &server.url, "--token", "k", "--json"])
        .args(["--no-progress", "--attempts", "1"])
        .output()
        .await
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded = requests(&server);
    assert_eq!(recorded.len(), names().len());
    for name in names() {
        let part = file_part_head(&name);
        let request = recorded
            .iter()
            .find(|r| find(&r.body, &part).is_some())
            .unwrap_or_else(|| panic!("{name:?} was not sent under its own name"));
        assert_file_part(&request.body, &name);
    }
}

// ---------------------------------------------------------------------------------------------
// Names in the form people type: NFC on every path, the exact bytes only when asked.
//
// The names are written with escapes so that no editor can normalise this file and hide a
// failure: `given` is what the caller (or macOS) hands over, `nfc` what must arrive.

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

mod nfc_acs_image_filename {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let created = response(
            "201 Created",
            &["location: /chat/threads/x/images/img1"],
            r#"{"id":"img1","attachmentType":"inlineImage","name":"x.png"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let acs = AcsChatClient::new(&server.url, Credential::bearer("t"))
            .expect("endpoint")
            .with_retry(once());
        acs.upload_image(THREAD, &case.source(form))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", case.given));
        let recorded = requests(&server);
        let value = header(&recorded[0].raw_head, "image-filename").expect("image-filename");
        assert_eq!(
            String::from_utf8_lossy(value),
            String::from_utf8_lossy(&percent_encoded(case.expected(form))),
            "image-filename for {:?}",
            case.given
        );
    }

    every_case!(check);

    /// The exact header for a reader: 회의록.md composed, as UTF-8 percent-encoded.
    #[tokio::test]
    async fn korean_nfd_is_sent_as_the_composed_syllables_percent_encoded() {
        let created = response(
            "201 Created",
            &[],
            r#"{"id":"img1","attachmentType":"inlineImage","name":"x.png"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let acs = AcsChatClient::new(&server.url, Credential::bearer("t"))
            .expect("endpoint")
            .with_retry(once());
        acs.upload_image(THREAD, &png(KOREAN_NFD.given))
            .await
            .expect("uploaded");
        assert_eq!(
            header(&requests(&server)[0].raw_head, "image-filename"),
            Some(&b"%ED%9A%8C%EC%9D%98%EB%A1%9D.md"[..])
        );
    }
}

mod nfc_ai_agents_form {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let info = r#"{"object":"file","id":"f1","bytes":67,"filename":"x.png","created_at":1,"purpose":"assistants","status":"processed"}"#;
        let server = scripted::serve(vec![response("200 OK", &[], info)]).await;
        let agents = AiAgentsClient::new(&server.url, Credential::bearer("t"))
            .expect("endpoint")
            .with_retry(once());
        agents
            .upload(&case.source(form), KnownFilePurpose::Assistants.into())
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", case.given));
        let body = &requests(&server)[0].body;
        let expected = case.expected(form);
        assert_file_part(body, expected);
        let field = format!(
            "\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\n{expected}\r\n--"
        );
        assert!(
            find(body, field.as_bytes()).is_some(),
            "the `filename` field for {:?} is not {expected:?}",
            case.given
        );
        assert_no_decomposed_bytes("AI Agents form", case, form, body);
    }

    every_case!(check);
}

mod nfc_maiagent_attachments_upload {
    use super::*;

    pub(super) async fn check_on(path: &str, case: &Case, form: Form) {
        let created = response(
            "201 Created",
            &[],
            r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","type":"image","filename":"x","file":"media/x"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&server.url)
            .expect("endpoint")
            .with_retry(once());
        let source = case.source(form);
        let uploaded = match path {
            "/attachments/" => mai.upload_attachment(&source).await.map(drop),
            _ => mai.upload(&source).await.map(drop),
        };
        uploaded.unwrap_or_else(|e| panic!("{path} {:?}: {e}", case.given));
        let request = &requests(&server)[0];
        assert!(
            request
                .raw_head
                .starts_with(format!("POST {path} ").as_bytes())
        );
        assert_file_part(&request.body, case.expected(form));
        assert_no_decomposed_bytes(path, case, form, &request.body);
    }

    async fn check(case: &Case, form: Form) {
        check_on("/attachments-upload/", case, form).await;
    }

    every_case!(check);
}

mod nfc_maiagent_attachments {
    use super::*;

    async fn check(case: &Case, form: Form) {
        nfc_maiagent_attachments_upload::check_on("/attachments/", case, form).await;
    }

    every_case!(check);
}

/// The three requests of one presigned upload.
struct PresignedFlow {
    presign: Recorded,
    storage: Recorded,
    register: Recorded,
}

async fn presigned_flow(case: &Case, form: Form) -> PresignedFlow {
    let storage = scripted::serve_on("127.0.0.2", vec![response("204 No Content", &[], "")]).await;
    let presigned = serde_json::json!({
        "url": format!("{}/bucket", storage.url),
        "fields": {"key": "media/${filename}", "policy": "cG9saWN5", "x-amz-signature": "sig"},
    });
    let registered = serde_json::json!({
        "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "filename": "x",
        "file": "media/x",
    });
    let api = scripted::serve(vec![
        response("200 OK", &[], &presigned.to_string()),
        response("201 Created", &[], &registered.to_string()),
    ])
    .await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(once());
    mai.upload_presigned(&case.source(form), None)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", case.given));
    let (mut api, storage) = (requests(&api), requests(&storage));
    assert_eq!((api.len(), storage.len()), (2, 1));
    let register = api.pop().expect("register");
    let presign = api.pop().expect("presign");
    let storage = storage.into_iter().next().expect("storage");
    PresignedFlow {
        presign,
        storage,
        register,
    }
}

mod nfc_maiagent_presign_request {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let presign = presigned_flow(case, form).await.presign;
        let expected = case.expected(form);
        assert!(
            find(&presign.body, &json_member("filename", expected)).is_some(),
            "presign JSON for {:?} does not carry {expected:?}: {}",
            case.given,
            String::from_utf8_lossy(&presign.body)
        );
        let query = query_param(&presign.raw_head, "filename").expect("filename in the query");
        assert_eq!(
            String::from_utf8_lossy(&form_decode(query)),
            expected,
            "presign query for {:?}",
            case.given
        );
        assert_no_decomposed_bytes("presign JSON", case, form, &presign.body);
    }

    every_case!(check);
}

mod nfc_maiagent_storage_form {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let storage = presigned_flow(case, form).await.storage;
        assert_file_part(&storage.body, case.expected(form));
        assert_no_decomposed_bytes("storage form", case, form, &storage.body);
    }

    every_case!(check);
}

mod nfc_maiagent_registration {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let register = presigned_flow(case, form).await.register;
        let expected = case.expected(form);
        let body = &register.body;
        assert!(
            find(body, &json_member("filename", expected)).is_some(),
            "registration JSON for {:?} does not carry {expected:?}: {}",
            case.given,
            String::from_utf8_lossy(body)
        );
        // The key storage filled `${filename}` of with the name the form sent.
        assert!(
            find(body, &json_member("file", &format!("media/{expected}"))).is_some(),
            "registration key for {:?}: {}",
            case.given,
            String::from_utf8_lossy(body)
        );
        assert_no_decomposed_bytes("registration JSON", case, form, body);
    }

    every_case!(check);
}

/// `MaiAgentClient::register` with a name from the caller: NFC; `register_exact`: the bytes.
mod nfc_maiagent_register_with_a_name {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let registered = r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","conversation":"3fa85f64-5717-4562-b3fc-2c963f66afa6","filename":"x","file":"media/x"}"#;
        let api = scripted::serve(vec![response("201 Created", &[], registered)]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&api.url)
            .expect("endpoint")
            .with_retry(once());
        for conversation in [None, Some("3fa85f64-5717-4562-b3fc-2c963f66afa6")] {
            match form {
                Form::Nfc => mai.register("media/k", case.given, conversation).await,
                Form::Exact => {
                    mai.register_exact("media/k", case.given, conversation)
                        .await
                }
            }
            .unwrap_or_else(|e| panic!("{:?} on {conversation:?}: {e}", case.given));
        }
        let expected = case.expected(form);
        for (request, on) in requests(&api)
            .iter()
            .zip(["no conversation", "a conversation"])
        {
            assert!(
                find(&request.body, &json_member("filename", expected)).is_some(),
                "registration on {on} of {:?} does not carry {expected:?}: {}",
                case.given,
                String::from_utf8_lossy(&request.body)
            );
        }
    }

    every_case!(check);
}

/// Every way a source gets its name normalises it: a path, a stream, `with_file_name` (and
/// `keep_file_name_bytes` holds whichever comes first).
mod nfc_every_source {
    use super::*;

    async fn sent_name(source: UploadSource) -> Recorded {
        let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&server.url)
            .expect("endpoint")
            .with_retry(once());
        mai.upload(&source).await.expect("uploaded");
        requests(&server).remove(0)
    }

    #[tokio::test]
    async fn a_path_named_in_nfd_is_sent_composed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = common::write(dir.path(), KOREAN_NFD.given, common::PNG_1X1);
        let source = UploadSource::from_path(&path).await.expect("readable");
        assert_file_part(&sent_name(source).await.body, KOREAN_NFD.nfc);
    }

    #[tokio::test]
    async fn a_path_named_in_nfd_is_sent_exactly_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = common::write(dir.path(), KOREAN_NFD.given, common::PNG_1X1);
        let source = UploadSource::from_path(&path).await.expect("readable");
        let sent = sent_name(source.keep_file_name_bytes()).await;
        assert_file_part(&sent.body, KOREAN_NFD.given);
    }

    #[tokio::test]
    async fn a_stream_named_in_nfd_is_sent_composed() {
        let chunks = futures_util::stream::iter([Ok(bytes::Bytes::from_static(common::PNG_1X1))]);
        let len = Some(common::PNG_1X1.len() as u64);
        let source = UploadSource::from_stream(chunks, JAPANESE_NFD.given, len);
        assert_file_part(&sent_name(source).await.body, JAPANESE_NFD.nfc);
    }

    #[tokio::test]
    async fn with_file_name_in_nfd_is_sent_composed() {
        let source = png("cat.png").with_file_name(LATIN_NFD.given);
        assert_file_part(&sent_name(source).await.body, LATIN_NFD.nfc);
    }

    #[tokio::test]
    async fn keeping_the_bytes_holds_for_a_name_given_after_it() {
        let source = png("cat.png")
            .keep_file_name_bytes()
            .with_file_name(LATIN_NFD.given);
        assert_file_part(&sent_name(source).await.body, LATIN_NFD.given);
    }
}

/// The 1024-byte limit applies to the name as it is sent.
mod nfc_length_limit {
    use super::*;

    async fn upload(source: UploadSource) -> (Result<(), upload_clients::Error>, usize) {
        let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&server.url)
            .expect("endpoint")
            .with_retry(once());
        let result = mai.upload(&source).await.map(drop);
        (result, requests(&server).len())
    }

    /// 180 times 회 as two jamo: 1,084 bytes given, 544 bytes sent.
    fn long_nfd() -> String {
        format!("{}.png", "\u{1112}\u{116C}".repeat(180))
    }

    #[tokio::test]
    async fn a_name_over_the_limit_only_in_nfd_is_sent_composed() {
        let name = long_nfd();
        assert!(name.len() > 1024);
        let (result, sent) = upload(png(&name)).await;
        result.expect("its NFC is 544 bytes");
        assert_eq!(sent, 1);
    }

    #[tokio::test]
    async fn the_same_name_kept_exactly_is_over_the_limit_and_not_sent() {
        let (result, sent) = upload(png(&long_nfd()).keep_file_name_bytes()).await;
        let err = result.expect_err("1,084 bytes are sent");
        assert!(err.to_string().contains("longer than 1024 bytes"), "{err}");
        assert_eq!(sent, 0);
    }

    /// U+0958 (DEVANAGARI LETTER QA) is excluded from composition: its NFC is two letters, six
    /// bytes for three.
    #[tokio::test]
    async fn a_name_that_grows_over_the_limit_in_nfc_is_refused() {
        let name = format!("{}.png", "\u{0958}".repeat(300));
        assert!(name.len() <= 1024);
        let (result, sent) = upload(png(&name)).await;
        let err = result.expect_err("its NFC is 1,804 bytes");
        assert!(err.to_string().contains("longer than 1024 bytes"), "{err}");
        assert_eq!(sent, 0);
    }
}

mod nfc_cli {
    use super::*;

    async fn run(args: &[&str], dir: &std::path::Path, server: &Scripted) {
        let output = tokio::process::Command::from(crate::cli_command())
            .args(args)
            .arg("--dir")
            .arg(dir)
            .args(["--token", "k", "--json", "--no-progress", "--attempts", "1"])
            .args(["--endpoint", &server.url])
            .output()
            .await
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[tokio::test]
    async fn a_file_named_in_nfd_on_disk_is_sent_composed() {
        let dir = tempfile::tempdir().expect("tempdir");
        common::write(dir.path(), JAPANESE_NFD.given, common::PNG_1X1);
        let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
        run(&["maiagent", "upload"], dir.path(), &server).await;
        assert_file_part(&requests(&server)[0].body, JAPANESE_NFD.nfc);
    }

    #[tokio::test]
    async fn keep_name_bytes_sends_the_name_on_disk_exactly() {
        let dir = tempfile::tempdir().expect("tempdir");
        common::write(dir.path(), JAPANESE_NFD.given, common::PNG_1X1);
        let server = scripted::serve(vec![response("200 OK", &[], "")]).await;
        run(
            &["maiagent", "upload", "--keep-name-bytes"],
            dir.path(),
            &server,
        )
        .await;
        assert_file_part(&requests(&server)[0].body, JAPANESE_NFD.given);
    }

    #[tokio::test]
    async fn filename_given_in_nfd_is_sent_composed() {
        let dir = tempfile::tempdir().expect("tempdir");
        common::write(dir.path(), "cat.png", common::PNG_1X1);
        let created = response(
            "201 Created",
            &[],
            r#"{"id":"img1","attachmentType":"inlineImage","name":"x.png"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let args = [
            "acs-chat",
            "upload-image",
            "--thread-id",
            THREAD,
            "--filename",
            KOREAN_NFD.given,
        ];
        run(&args, dir.path(), &server).await;
        assert_eq!(
            header(&requests(&server)[0].raw_head, "image-filename"),
            Some(&b"%ED%9A%8C%EC%9D%98%EB%A1%9D.md"[..])
        );
    }
}
