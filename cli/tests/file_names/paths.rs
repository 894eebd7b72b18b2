//! Every upload path of the library and the CLI with the names as given: the bytes each one
//! sends, names that cannot be sent, and a path whose name is not UTF-8.

use crate::common;

use common::scripted::{self, response};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, AiAgentsClient, MaiAgentClient, RbmClient, UploadSource};

use common::THREAD;

use super::{
    assert_file_part, file_part_head, find, header, html_escaped, names, nothing_injected, once,
    percent_decode, png, requests,
};

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
