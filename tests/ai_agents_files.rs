//! Azure AI Foundry Agents files against httpmock: `uploadFile` (the hand-written multipart
//! upload) and `getFile` (generated), exact requests, typed success and error bodies.

use crate::common;

use common::ExpectedPart;
use httpmock::prelude::*;
use upload_clients::ai_agents::AiAgentsFilesExt;
use upload_clients::body::Part;
use upload_clients::generated::ai_agents_files::{Client, Error, types};

const FILE_INFO: &str = r#"{"object":"file","id":"assistant-abc123","bytes":8,"filename":"notes.txt","created_at":1727800000,"purpose":"assistants","status":"uploaded"}"#;

#[tokio::test]
async fn upload_file_sends_purpose_filename_and_file_as_multipart() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/files")
                .is_true(|req| req.uri().query() == Some("api-version=v1"))
                .header("authorization", "Bearer entra-token")
                .header_exists("content-length")
                .header_missing("api-version")
                .is_true(|req| {
                    common::multipart_is(
                        req,
                        &[
                            ExpectedPart {
                                name: "purpose",
                                filename: None,
                                content_type: None,
                                data: b"assistants",
                            },
                            ExpectedPart {
                                name: "filename",
                                filename: None,
                                content_type: None,
                                data: b"notes.txt",
                            },
                            ExpectedPart {
                                name: "file",
                                filename: Some("notes.txt"),
                                content_type: Some("text/plain"),
                                data: b"my notes",
                            },
                        ],
                    )
                });
            then.status(200)
                .header("content-type", "application/json")
                .body(FILE_INFO);
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer entra-token"),
    );
    let part = Part::bytes(b"my notes".to_vec())
        .file_name("notes.txt")
        .mime_str("text/plain")
        .expect("mime");
    let info = client
        .upload_file()
        .file(part)
        .purpose(types::KnownFilePurpose::Assistants)
        .filename("notes.txt")
        .send()
        .await
        .expect("200 parses");
    mock.assert_async().await;
    assert_eq!(info.id, "assistant-abc123");
    assert_eq!(info.bytes, 8);
    assert_eq!(info.created_at, 1727800000);
    assert!(matches!(
        info.purpose,
        types::FilePurpose::KnownFilePurpose(types::KnownFilePurpose::Assistants)
    ));
    assert!(matches!(
        info.status,
        Some(types::FileState::KnownFileState(
            types::KnownFileState::Uploaded
        ))
    ));
}

#[tokio::test]
async fn upload_file_errors_parse_as_agent_v1_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/files");
            then.status(413).json_body(serde_json::json!({
                "error": {"code": "file_too_large", "message": "The file is too large.", "param": "file", "type": "invalid_request_error"}
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let err = client
        .upload_file()
        .file(Part::bytes(vec![0u8; 16]).file_name("big.bin"))
        .purpose(types::KnownFilePurpose::Vision)
        .send()
        .await
        .expect_err("413");
    let Error::ErrorResponse(body) = err else {
        panic!("expected ErrorResponse, got {err:?}")
    };
    assert_eq!(body.status(), 413);
    let detail = body.into_inner().error.expect("error member");
    assert_eq!(detail.code.as_deref(), Some("file_too_large"));
    assert_eq!(detail.param.as_deref(), Some("file"));
    assert_eq!(detail.type_.as_deref(), Some("invalid_request_error"));
}

#[tokio::test]
async fn get_file_reads_the_file_info_and_keeps_unknown_states() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/files/assistant-abc123")
                .is_true(|req| req.uri().query() == Some("api-version=v1"))
                .header("authorization", "Bearer entra-token")
                .header_missing("api-version");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "assistant-abc123", "bytes": 8, "filename": "notes.txt",
                "created_at": 1727800000, "purpose": "evals", "status": "archiving",
                "status_details": null
            }));
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer entra-token"),
    );
    let info = client
        .get_file()
        .file_id("assistant-abc123")
        .api_version("v1")
        .send()
        .await
        .expect("200 parses");
    mock.assert_async().await;
    assert!(matches!(&info.purpose, types::FilePurpose::String(p) if p == "evals"));
    assert!(matches!(&info.status, Some(types::FileState::String(s)) if s == "archiving"));
    // Shown as the wire value, unknown or known.
    assert_eq!(info.purpose.to_string(), "evals");
    assert_eq!(info.purpose.known(), None);
    let state = info.status.as_ref().expect("status");
    assert_eq!(state.to_string(), "archiving");
    assert!(!state.is_processed());
}

#[test]
fn open_enums_show_their_wire_value_and_match_known_values() {
    use types::{FilePurpose, FileState, KnownFilePurpose, KnownFileState};
    let processed: FileState = serde_json::from_str("\"processed\"").expect("parses");
    assert_eq!(processed.to_string(), "processed");
    assert!(processed.is_processed() && !processed.is_error());
    assert_eq!(processed.known(), Some(&KnownFileState::Processed));
    for (wire, known) in [
        ("assistants", KnownFilePurpose::Assistants),
        ("assistants_output", KnownFilePurpose::AssistantsOutput),
        ("vision", KnownFilePurpose::Vision),
        ("batch", KnownFilePurpose::Batch),
        ("fine-tune", KnownFilePurpose::FineTune),
    ] {
        let purpose: FilePurpose = wire.parse().expect("infallible");
        assert_eq!(purpose.known(), Some(&known), "{wire}");
        assert_eq!(purpose.to_string(), wire);
        assert_eq!(serde_json::to_value(&purpose).expect("JSON"), wire);
    }
    assert!(FilePurpose::from("fine-tune").is_fine_tune());
    assert!(matches!(FilePurpose::from("evals"), FilePurpose::String(p) if p == "evals"));
}

/// The typed error `getFile` gives for a 404 answering `body`.
async fn get_file_error(body: serde_json::Value) -> types::AgentErrorDetail {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/files/missing");
            then.status(404).json_body(body);
        })
        .await;
    let client = Client::new_with_client(
        &server.base_url(),
        reqwest::Client::new(),
        common::hooks("Bearer t"),
    );
    let err = client
        .get_file()
        .file_id("missing")
        .api_version("v1")
        .send()
        .await
        .expect_err("404");
    let Error::ErrorResponse(body) = err else {
        panic!("expected the typed AgentV1Error, got {err:?}")
    };
    assert_eq!(body.status(), 404);
    body.into_inner().error.expect("error")
}

#[tokio::test]
async fn get_file_errors_parse_as_agent_v1_errors() {
    let detail = get_file_error(serde_json::json!({
        "error": {"code": "not_found", "message": "No such file.", "type": "invalid_request_error"}
    }))
    .await;
    assert_eq!(detail.code.as_deref(), Some("not_found"));
}

#[tokio::test]
async fn error_fields_may_be_null_as_microsofts_own_spec_says() {
    let detail = get_file_error(serde_json::json!({
        "error": {"code": "not_found", "message": "No such file.", "param": null, "type": null}
    }))
    .await;
    assert_eq!(detail.message.as_deref(), Some("No such file."));
    assert_eq!((detail.param, detail.type_), (None, None));
}
