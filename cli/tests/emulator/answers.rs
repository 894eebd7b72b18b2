//! Answers look like the vendors' and match their specs; processing that fails; requests
//! recorded as sent; ACS's API versions.

use crate::common;
use std::time::Duration;

use common::{PNG_1X1, THREAD};
use reqwest::StatusCode;
use serde_json::{Value, json};
use upload_clients::UploadSource;
use upload_clients_emulator::Emulator;

use super::{ACS_PATH, conforms, send};

/// The emulator of the answers-look-like-the-vendors tests: AI Agents' files take 900 ms to
/// process.
async fn vendor_like_emulator() -> Emulator {
    Emulator::builder()
        .processing_time(Duration::from_millis(900))
        .start()
        .await
        .expect("start")
}

/// ACS: 201, a relative Location, inlineImage, the name decoded.
#[tokio::test]
async fn acs_answers_like_acs_and_matches_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}{ACS_PATH}?api-version=2024-03-15-preview"))
        .bearer_auth("t")
        .header("content-type", "application/octet-stream")
        .header("image-filename", "%E7%8C%AB.png")
        .body(PNG_1X1)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["attachmentType"], "inlineImage");
    assert_eq!(body["name"], "猫.png");
    let id = body["id"].as_str().expect("id");
    assert_eq!(
        location,
        format!("/chat/threads/19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2/images/{id}")
    );
    conforms("POST", ACS_PATH, StatusCode::CREATED, &body);
    assert_eq!(
        emu.object(id).await.expect("read").as_deref(),
        Some(PNG_1X1)
    );
}

/// RBM: the same content for the same agent is the same name; another agent another.
#[tokio::test]
async fn rbm_answers_like_rbm_and_matches_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let mut names = Vec::new();
    for agent in ["a", "a", "b"] {
        let (status, body) = send(
            http.post(format!("{base}/upload/v1/files?agentId={agent}"))
                .bearer_auth("t")
                .header("content-type", "image/png")
                .body(PNG_1X1),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        conforms("POST", "/upload/v1/files", status, &body);
        names.push(body["name"].as_str().expect("name").to_owned());
    }
    assert!(names[0].starts_with("files/"));
    assert_eq!(names[0], names[1]);
    assert_ne!(names[0], names[2]);
}

/// AI Agents: uploaded → pending → running → processed, with the time configured.
#[tokio::test]
async fn ai_agents_answers_like_ai_agents_and_match_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let agents =
        upload_clients::AiAgentsClient::new(&base, upload_clients::auth::Credential::bearer("t"))
            .expect("client");
    let info = agents
        .upload(
            &UploadSource::from_bytes(b"notes".to_vec(), "notes.md"),
            "assistants".into(),
        )
        .await
        .expect("upload");
    let mut states = vec![info.status.map(|s| s.to_string()).unwrap_or_default()];
    for _ in 0..100 {
        let (status, body) = send(
            http.get(format!("{base}/files/{}?api-version=v1", info.id))
                .bearer_auth("t"),
        )
        .await;
        conforms("GET", &format!("/files/{}", info.id), status, &body);
        let state = body["status"].as_str().unwrap_or_default().to_owned();
        if states.last() != Some(&state) {
            states.push(state.clone());
        }
        if state == "processed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(states, ["uploaded", "pending", "running", "processed"]);
    let (status, body) = send(
        http.get(format!("{base}/files/assistant-none?api-version=v1"))
            .bearer_auth("t"),
    )
    .await;
    assert_eq!(status, 404);
    conforms("GET", "/files/assistant-none", status, &body);
}

/// MaiAgent: a presigned POST with the fields in the order a client must send them.
#[tokio::test]
async fn maiagent_answers_like_maiagent_and_matches_its_spec() {
    let emu = vendor_like_emulator().await;
    let base = emu.base_url();
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/api/upload-presigned-url/"))
        .header("authorization", "Api-Key k")
        .json(&json!({"fileSize": 5, "filename": "a.md"}))
        .send()
        .await
        .expect("send");
    let text = response.text().await.expect("body");
    let order: Vec<usize> = [
        "\"key\"",
        "\"x-amz-algorithm\"",
        "\"x-amz-credential\"",
        "\"x-amz-date\"",
        "\"policy\"",
        "\"x-amz-signature\"",
    ]
    .iter()
    .map(|field| {
        text.find(field)
            .unwrap_or_else(|| panic!("{field} in {text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    conforms("POST", "/api/upload-presigned-url/", StatusCode::OK, &body);
}

#[tokio::test]
async fn a_file_that_fails_processing_ends_in_error_with_details() {
    let emu = Emulator::builder()
        .processing_time(Duration::ZERO)
        .processing_error("The file could not be parsed.")
        .start()
        .await
        .expect("start");
    let agents = upload_clients::AiAgentsClient::new(
        &emu.base_url(),
        upload_clients::auth::Credential::bearer("t"),
    )
    .expect("client");
    let error = agents
        .upload_and_wait(
            &UploadSource::from_bytes(b"x".to_vec(), "a.pdf"),
            "assistants".into(),
            Default::default(),
        )
        .await
        .expect_err("processing failed");
    assert!(
        error.to_string().contains("The file could not be parsed."),
        "{error}"
    );
}

#[tokio::test]
async fn requests_are_recorded_as_sent_without_credentials() {
    use sha2::Digest as _;
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url();
    let agents = upload_clients::AiAgentsClient::new(
        &base,
        upload_clients::auth::Credential::bearer("s3cr3t-token"),
    )
    .expect("client");
    let data = b"# \xe8\xad\xb0\xe4\xba\x8b\xe9\x8c\xb2\n".to_vec();
    agents
        .upload(
            &UploadSource::from_bytes(data.clone(), "회의 \"메모\".md"),
            "assistants".into(),
        )
        .await
        .expect("upload");
    let rbm =
        upload_clients::RbmClient::new(upload_clients::auth::Credential::bearer("s3cr3t-token"))
            .expect("client")
            .with_base_url(&base)
            .expect("endpoint");
    rbm.upload_file(
        "agent",
        &UploadSource::from_bytes(PNG_1X1.to_vec(), "a.png"),
        None,
    )
    .await
    .expect("upload");

    let recorded = emu.requests();
    let [upload, binary] = recorded.as_slice() else {
        panic!("{recorded:#?}")
    };
    assert_eq!(upload.route.as_deref(), Some("ai-agents.uploadFile"));
    let parts: Vec<(&str, Option<&str>, u64)> = upload
        .parts
        .iter()
        .map(|p| (p.name.as_str(), p.filename.as_deref(), p.bytes))
        .collect();
    assert_eq!(
        parts,
        [
            ("purpose", None, 10),
            ("filename", None, "회의 \"메모\".md".len() as u64),
            ("file", Some("회의 %22메모%22.md"), data.len() as u64)
        ]
    );
    assert_eq!(binary.body_bytes, PNG_1X1.len() as u64);
    assert_eq!(
        binary.body_sha256,
        format!("{:x}", sha2::Sha256::digest(PNG_1X1))
    );
    assert!(
        binary
            .headers
            .contains(&("authorization".into(), "Bearer <redacted>".into()))
    );

    let over_http = reqwest::get(format!("{base}/_emulator/requests"))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(!over_http.contains("s3cr3t"), "{over_http}");
    let listed: Value = serde_json::from_str(&over_http).expect("JSON");
    assert_eq!(listed[0]["parts"][2]["filename"], "회의 %22메모%22.md");
    assert_eq!(listed[1]["body_sha256"], binary.body_sha256);
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

/// ACS's API versions through the library client: the default is the page's; the others
/// `specs/acs-chat.yaml` lists (the generally available `2025-03-15`, and `2024-06-05-preview`,
/// which Microsoft's JavaScript SDK sends by default) are accepted and sent as chosen; a version
/// the spec does not list is still refused, naming the versions it lists.
#[tokio::test]
async fn acs_chat_takes_the_api_versions_its_spec_lists() {
    use upload_clients::{AcsChatClient, Error, auth::Credential, policy::RetryPolicy};
    let emu = Emulator::start().await.expect("start");
    let client = |version: Option<&str>| {
        let acs = AcsChatClient::new(&emu.base_url(), Credential::bearer("t"))
            .expect("client")
            .with_retry(RetryPolicy::none());
        match version {
            Some(version) => acs.with_api_version(version),
            None => acs,
        }
    };
    let png = UploadSource::from_bytes(PNG_1X1.to_vec(), "cat.png");
    assert_eq!(
        upload_clients::acs_chat::api_version(),
        "2024-03-15-preview"
    );
    for (chosen, sent) in [
        (None, "2024-03-15-preview"),
        (Some("2025-03-15"), "2025-03-15"),
        (Some("2024-06-05-preview"), "2024-06-05-preview"),
    ] {
        let image = client(chosen)
            .upload_image(THREAD, &png)
            .await
            .unwrap_or_else(|e| panic!("{sent}: {e}"));
        assert_eq!(image.name.as_deref(), Some("cat.png"));
        assert_eq!(
            emu.object(&image.id).await.expect("read").as_deref(),
            Some(PNG_1X1),
            "{sent}"
        );
        let recorded = emu.requests();
        let last = recorded.last().expect("recorded");
        assert_eq!(
            (last.status, last.query.clone()),
            (201, Some(format!("api-version={sent}")))
        );
    }

    let err = client(Some("2023-11-07"))
        .upload_image(THREAD, &png)
        .await
        .expect_err("a version the spec does not list");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 400, "{err}");
    assert_eq!(
        api.body.message().as_deref(),
        Some(
            "the query parameter `api-version` must be one of the versions this API's spec \
             lists, `2024-03-15-preview`, `2024-06-05-preview`, `2025-03-15` (got `2023-11-07`)"
        )
    );
}
