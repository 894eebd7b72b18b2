//! Azure AI Agents' upload, get and wait, through the facade and the CLI, against Prism; and the
//! raw requests Prism must refuse.

use crate::common;
use std::time::Duration;

use serde_json::json;
use upload_clients::ai_agents::{FilePurpose, KnownFilePurpose, WaitOptions};
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{AiAgentsClient, UploadSource};

use super::server::Prism;
use super::setup::prism_copy;
use super::{AGENTS_FILE_ID, PDF, padded, refused, runtime};

#[test]
fn ai_agents_upload_get_and_wait_conform() {
    let (spec, changes) = prism_copy("ai-agents-files.yaml", None);
    assert_eq!(changes, ["paths prefixed with /api/projects/your-project"]);
    let prism = Prism::start("ai-agents-files", &spec);
    let rt = runtime();
    // The spec's example answer reports a file of 120000 bytes, and the client checks the
    // size it is told: the file sent is that size.
    let handbook = padded(PDF, 120_000);
    agents_facade_conforms(&prism, &rt, &handbook);
    agents_cli_conforms(&prism, &handbook);
    agents_controls_are_refused(&prism, &rt);
}

/// The spec's example of a file, which Prism answers every call with.
fn agents_example() -> serde_json::Value {
    json!({
        "object": "file", "id": AGENTS_FILE_ID, "bytes": 120000, "filename": "sample.pdf",
        "created_at": 1727800000, "purpose": "assistants", "status": "processed"
    })
}

/// The facade's `upload` (with a listed and an unlisted purpose), `get` and `upload_and_wait`
/// of `handbook`.
fn agents_facade_conforms(prism: &Prism, rt: &tokio::runtime::Runtime, handbook: &[u8]) {
    let agents = AiAgentsClient::new(
        &prism.url("/api/projects/your-project"),
        Credential::bearer("entra-token"),
    )
    .expect("client")
    .with_retry(RetryPolicy::none());
    let source = UploadSource::from_bytes(handbook.to_vec(), "handbook.pdf");
    let example = agents_example();
    let assistants = FilePurpose::from(KnownFilePurpose::Assistants);
    let (info, statuses) = prism.conforms(
        "upload",
        rt.block_on(agents.upload(&source, assistants.clone())),
    );
    assert_eq!(statuses, [200]);
    assert_eq!(serde_json::to_value(&info).expect("JSON"), example);
    // A purpose the spec's enum does not list goes through the open enum's string alternative.
    let unlisted = FilePurpose::String("evals".to_string());
    let (info, statuses) = prism.conforms(
        "upload (unlisted purpose)",
        rt.block_on(agents.upload(&source, unlisted)),
    );
    assert_eq!(
        (info.id.as_str(), statuses.as_slice()),
        (AGENTS_FILE_ID, &[200][..])
    );
    let (info, statuses) = prism.conforms("get", rt.block_on(agents.get(AGENTS_FILE_ID)));
    assert_eq!(statuses, [200]);
    assert_eq!(serde_json::to_value(&info).expect("JSON"), example);
    // Prism answers with the spec's one example, whose status is `processed`: upload_and_wait
    // returns after the upload, without polling (one exchange). A state that is not terminal
    // could never change with static examples, so polling itself is not exercised here.
    let wait = WaitOptions {
        interval: Duration::from_millis(50),
        deadline: Duration::from_secs(5),
    };
    let (info, statuses) = prism.conforms(
        "upload_and_wait",
        rt.block_on(agents.upload_and_wait(&source, assistants, wait)),
    );
    assert_eq!(statuses, [200]);
    assert_eq!(info.id, AGENTS_FILE_ID);
}

/// `agents upload` of `handbook`, without and with `--wait`.
fn agents_cli_conforms(prism: &Prism, handbook: &[u8]) {
    let endpoint = prism.url("/api/projects/your-project");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = common::write(dir.path(), "handbook.pdf", handbook)
        .display()
        .to_string();
    for wait in [None, Some("--wait")] {
        let mut args = vec![
            "agents",
            "upload",
            file.as_str(),
            "--endpoint",
            endpoint.as_str(),
            "--purpose",
            "assistants",
            "--token",
            "entra-token",
        ];
        args.extend(wait);
        let printed = prism.cli(&args);
        assert_eq!(printed, agents_example(), "{args:?}");
    }
}

/// Negative controls.
fn agents_controls_are_refused(prism: &Prism, rt: &tokio::runtime::Runtime) {
    let http = reqwest::Client::new();
    let url = prism.direct("/api/projects/your-project/files?api-version=v1");
    // A file part without a Content-Type crashes Prism (see `prism_dies_on_a_file_part_without_content_type`).
    let file_part = || {
        reqwest::multipart::Part::bytes(PDF.to_vec())
            .file_name("handbook.pdf")
            .mime_str("application/pdf")
            .expect("MIME type")
    };
    let form = || {
        reqwest::multipart::Form::new()
            .text("purpose", "assistants")
            .part("file", file_part())
    };
    let answer = prism.send(
        rt,
        http.post(&url)
            .bearer_auth("t")
            .multipart(reqwest::multipart::Form::new().part("file", file_part())),
    );
    refused(
        "no purpose part",
        &answer,
        422,
        &["request.body: Request body must have required property 'purpose'"],
    );
    assert_eq!(answer.body["error"]["code"], "invalid_request_error");
    refused(
        "no file part",
        &prism.send(
            rt,
            http.post(&url)
                .bearer_auth("t")
                .multipart(reqwest::multipart::Form::new().text("purpose", "assistants")),
        ),
        422,
        &["request.body: Request body must have required property 'file'"],
    );
    refused(
        "JSON instead of multipart",
        &prism.send(
            rt,
            http.post(&url)
                .bearer_auth("t")
                .json(&json!({"purpose": "assistants", "file": "x"})),
        ),
        415,
        &["request: Supported content types: multipart/form-data"],
    );
    refused(
        "no Authorization",
        &prism.send(rt, http.post(&url).multipart(form())),
        401,
        &["request: Invalid security scheme used"],
    );
    refused(
        "no api-version",
        &prism.send(
            rt,
            http.post(url.replace("?api-version=v1", ""))
                .bearer_auth("t")
                .multipart(form()),
        ),
        422,
        &["request.query: Request query must have required property 'api-version'"],
    );
    refused(
        "getFile without api-version",
        &prism.send(
            rt,
            http.get(prism.direct(&format!(
                "/api/projects/your-project/files/{AGENTS_FILE_ID}"
            )))
            .bearer_auth("t"),
        ),
        422,
        &["request.query: Request query must have required property 'api-version'"],
    );
}
