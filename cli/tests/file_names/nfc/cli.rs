//! NFC through the CLI, from names on disk.

use crate::common;

use common::scripted::{self, Scripted, response};

use common::THREAD;

use crate::file_names::{assert_file_part, header, requests};

use super::{JAPANESE_NFD, KOREAN_NFD};

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
