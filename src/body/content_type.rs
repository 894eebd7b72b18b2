//! What type a file is: recognised from its first bytes, else from its name, so the header or
//! part that says it is always a valid `type/subtype`.

/// The content type of a file: from its first bytes when they are a known format, else from the
/// name's extension, else `application/octet-stream`.
pub(crate) fn detect_content_type(head: &[u8], file_name: &str) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_string();
    }
    mime_guess::from_path(file_name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_string()
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    use crate::body::file_io::SNIFF;

    /// Starts of files of the formats `infer` knows, for heads that get past its first checks.
    const MAGIC: &[&[u8]] = &[
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF89a",
        b"%PDF-",
        b"PK\x03\x04",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"\x00\x00\x00\x18ftypheic",
        b"\x00\x00\x00\x20ftypisom",
        b"\x1a\x45\xdf\xa3",
        b"OggS",
        b"ID3",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"MZ",
        b"\x7fELF",
        b"\x00\x00\x01\xba",
    ];

    fn head() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            (
                prop::sample::select(MAGIC),
                prop::collection::vec(any::<u8>(), 0..SNIFF)
            )
                .prop_map(|(magic, tail)| [magic, &tail[..]].concat()),
        ]
    }

    fn file_name() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[A-Za-z0-9 ._/\\\\-]{0,20}\\.(png|JPG|jpeg|heic|webp|gif|pdf|md|txt|csv|json|jsonl|docx|xlsx|pptx|mp4|mp3|ogg|exe|tar\\.gz|)",
        ]
    }

    proptest! {
        #[test]
        fn detection_always_gives_a_valid_type_slash_subtype(head in head(), name in file_name()) {
            let detected = detect_content_type(&head, &name);
            let mime: mime_guess::Mime = detected.parse().expect("parses as a media type");
            prop_assert!(!mime.type_().as_str().is_empty() && !mime.subtype().as_str().is_empty());
            prop_assert_eq!(mime.essence_str(), detected.as_str(), "no parameters");
            // Both places it is sent accept it: a header value and a multipart part's type.
            prop_assert!(reqwest::header::HeaderValue::from_str(&detected).is_ok());
            prop_assert!(crate::body::multipart::Part::bytes(Vec::new()).mime_str(&detected).is_ok());
        }

        #[test]
        fn the_bytes_win_over_the_name(tail in prop::collection::vec(any::<u8>(), 0..256), name in file_name()) {
            let png = [&b"\x89PNG\r\n\x1a\n"[..], &tail[..]].concat();
            prop_assert_eq!(detect_content_type(&png, &name), "image/png");
        }
    }
}
