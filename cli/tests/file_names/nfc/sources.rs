//! NFC from every way a source gets its name, and the name's length limit as sent.

use crate::common;

use common::scripted::{self, Recorded, response};
use upload_clients::auth::Credential;
use upload_clients::{MaiAgentClient, UploadSource};

use crate::file_names::{assert_file_part, once, png, requests};

use super::{JAPANESE_NFD, KOREAN_NFD, LATIN_NFD};

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
