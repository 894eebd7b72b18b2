//! MaiAgent's uploads, presign and registration, through the facade and the CLI, against Prism;
//! the raw requests Prism must refuse; the committed spec's registration bodies; and the
//! multipart request that makes Prism exit.

use crate::common;
use std::time::{Duration, Instant};

use serde_json::json;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{MaiAgentClient, UploadSource};

use super::server::Prism;
use super::setup::prism_copy;
use super::{MAI_FIELDS, MAI_ID, MAI_KEY, PDF, SPECS_DIR, refused, runtime, send};

/// The names of the multipart parts of `body`, in order.
fn part_names(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    text.match_indices("Content-Disposition: form-data; name=\"")
        .map(|(i, m)| {
            let rest = &text[i + m.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .collect()
}

#[test]
fn maiagent_upload_presign_and_register_conform() {
    let storage = httpmock::MockServer::start();
    let stored = maiagent_storage_stub(&storage);
    let storage_url = storage.url("/bucket-name");
    let (spec, changes) = prism_copy("maiagent-attachments.yaml", Some(&storage_url));
    assert_eq!(
        changes,
        [
            "paths prefixed with /api",
            "presigned POST example url → the local storage stub",
        ]
    );
    let prism = Prism::start("maiagent-attachments", &spec);
    let rt = runtime();
    maiagent_facade_conforms(&prism, &rt, &storage_url);
    stored.assert_calls(2);
    maiagent_cli_conforms(&prism);
    stored.assert_calls(4);
    maiagent_controls_are_refused(&prism, &rt);
}

/// The storage stub the presigned POST example is pointed to: it takes the form only with the
/// example's fields in order, the file last, and no credential.
fn maiagent_storage_stub(storage: &httpmock::MockServer) -> httpmock::Mock<'_> {
    storage.mock(|when, then| {
        when.method(httpmock::Method::POST)
            .path("/bucket-name")
            .is_true(|req| req.headers().get("authorization").is_none())
            .is_true(|req| {
                let mut expected: Vec<String> =
                    MAI_FIELDS.iter().map(|(k, _)| k.to_string()).collect();
                expected.push("file".to_string());
                part_names(req.body_ref()) == expected
            });
        then.status(204);
    })
}

/// The facade's direct upload, its upload to `/attachments/`, `presign` (whose POST goes to
/// `storage_url`), `register` (with a type, and with and without a conversation) and
/// `upload_presigned` (two forms to storage).
fn maiagent_facade_conforms(prism: &Prism, rt: &tokio::runtime::Runtime, storage_url: &str) {
    let mai = MaiAgentClient::new(Credential::api_key("mai-key"))
        .expect("client")
        .with_base_url(&prism.url("/api"))
        .expect("base URL")
        .with_retry(RetryPolicy::none());
    let source = UploadSource::from_bytes(PDF.to_vec(), "report.pdf");
    let (_, statuses) = prism.conforms("upload", rt.block_on(mai.upload(&source)));
    assert_eq!(statuses, [200]);
    // The multipart form to /attachments/ (beyond the page, marked so in the spec).
    let (attachment, statuses) = prism.conforms(
        "upload to /attachments/",
        rt.block_on(mai.upload_attachment(&source)),
    );
    assert_eq!(statuses, [201]);
    assert_eq!(attachment.id.to_string(), MAI_ID);
    // Registration with a `type` the caller chose.
    let typed = mai.clone().with_attachment_type("other");
    let (attachment, statuses) = prism.conforms(
        "register with a type",
        rt.block_on(typed.register(MAI_KEY, "report.pdf", None)),
    );
    assert_eq!(statuses, [201]);
    assert_eq!(attachment.id.to_string(), MAI_ID);

    let (post, statuses) = prism.conforms("presign", rt.block_on(mai.presign(&source)));
    assert_eq!(statuses, [200]);
    assert_eq!(post.url, storage_url);
    let fields: Vec<(&str, &str)> = post
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(fields, MAI_FIELDS, "the example's fields, in order");

    for conversation in [None, Some(MAI_ID)] {
        let (attachment, statuses) = prism.conforms(
            &format!("register (conversation {conversation:?})"),
            rt.block_on(mai.register(MAI_KEY, "report.pdf", conversation)),
        );
        assert_eq!(statuses, [201]);
        assert_eq!(attachment.id.to_string(), MAI_ID);
        assert_eq!(
            (attachment.filename.as_str(), attachment.file.as_str()),
            ("response_string", "response_string")
        );
        assert_eq!(
            attachment.conversation.map(|c| c.to_string()).as_deref(),
            conversation
        );
    }
    for conversation in [None, Some(MAI_ID)] {
        let (attachment, statuses) = prism.conforms(
            &format!("upload_presigned (conversation {conversation:?})"),
            rt.block_on(mai.upload_presigned(&source, conversation)),
        );
        // Presign and register; the storage POST goes to the stub, not through the proxy.
        assert_eq!(statuses, [200, 201]);
        assert_eq!(attachment.id.to_string(), MAI_ID);
    }
}

/// `maiagent upload`: direct, `--attachments`, and `--presigned` without and with a
/// conversation (two forms to storage).
fn maiagent_cli_conforms(prism: &Prism) {
    let base = prism.url("/api");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = common::write(dir.path(), "report.pdf", PDF)
        .display()
        .to_string();
    let upload = [
        "maiagent",
        "upload",
        file.as_str(),
        "--endpoint",
        base.as_str(),
        "--token",
        "mai-key",
    ];
    let printed = prism.cli(&upload);
    assert_eq!(printed["uploaded"], true, "{printed}");
    let printed = prism.cli(&[&upload[..], &["--attachments"][..]].concat());
    assert_eq!(printed["id"], MAI_ID, "{printed}");
    let printed = prism.cli(&[&upload[..], &["--presigned"][..]].concat());
    assert_eq!(printed["id"], MAI_ID, "{printed}");
    assert_eq!(
        printed["conversation"],
        serde_json::Value::Null,
        "{printed}"
    );
    let printed =
        prism.cli(&[&upload[..], &["--presigned", "--conversation", MAI_ID][..]].concat());
    assert_eq!(printed["id"], MAI_ID, "{printed}");
    assert_eq!(printed["conversation"], MAI_ID, "{printed}");
}

/// Negative controls.
fn maiagent_controls_are_refused(prism: &Prism, rt: &tokio::runtime::Runtime) {
    let http = reqwest::Client::new();
    let api = |path: &str| {
        http.post(prism.direct(&format!("/api{path}")))
            .header("authorization", "Api-Key k")
    };
    let answer = prism.send(
        rt,
        api("/upload-presigned-url/").json(&json!({"fileSize": -1})),
    );
    refused(
        "negative fileSize",
        &answer,
        422,
        &["request.body.fileSize: Request body property fileSize must be >= 0"],
    );
    assert_eq!(answer.body, json!({"detail": "Invalid API key."}));
    refused(
        "presign without fileSize",
        &prism.send(
            rt,
            api("/upload-presigned-url/").json(&json!({"filename": "a.pdf"})),
        ),
        422,
        &["request.body: Request body must have required property 'fileSize'"],
    );
    refused(
        "multipart without a file part",
        &prism.send(
            rt,
            api("/attachments-upload/")
                .multipart(reqwest::multipart::Form::new().text("attachment", "report.pdf")),
        ),
        422,
        &["request.body: Request body must have required property 'file'"],
    );
    refused(
        "JSON instead of multipart",
        &prism.send(
            rt,
            api("/attachments-upload/").json(&json!({"file": MAI_KEY})),
        ),
        415,
        &["request: Supported content types: multipart/form-data"],
    );
    refused(
        "register without filename",
        &prism.send(rt, api("/attachments/").json(&json!({"file": MAI_KEY}))),
        422,
        &["request.body: Request body must have required property 'filename'"],
    );
    refused(
        "conversation that is not a UUID",
        &prism.send(
            rt,
            api(&format!("/conversations/{MAI_ID}/attachments/"))
                .json(&json!({"file": MAI_KEY, "filename": "a.pdf", "conversation": "42"})),
        ),
        422,
        &[
            "request.body.conversation: Request body property conversation must match format \"uuid\"",
        ],
    );
    refused(
        "no Authorization",
        &prism.send(
            rt,
            http.post(prism.direct("/api/upload-presigned-url/"))
                .json(&json!({"fileSize": 1})),
        ),
        401,
        &["request: Invalid security scheme used"],
    );
}

/// Prism validates the registration bodies of the committed spec (served at the root, as Prism
/// ignores the server's base path), not only those of the copies: before `AttachmentType` lost its
/// `nullable` without `type` (see the module docs), it let `{}` and bodies of the wrong types
/// through with a 201.
#[test]
fn maiagent_committed_spec_validates_registration() {
    let spec =
        std::fs::read_to_string(format!("{SPECS_DIR}/maiagent-attachments.yaml")).expect("spec");
    let prism = Prism::start("maiagent-attachments (committed)", &spec);
    let rt = runtime();
    let http = reqwest::Client::new();
    let api = |path: &str| {
        http.post(prism.direct(path))
            .header("authorization", "Api-Key k")
    };
    let conversation = format!("/conversations/{MAI_ID}/attachments/");
    for path in ["/attachments/", conversation.as_str()] {
        refused(
            &format!("{path} without filename"),
            &prism.send(&rt, api(path).json(&json!({}))),
            422,
            &[
                "request.body: Request body must have required property 'filename'",
                "request.body: Request body must have required property 'file'",
            ],
        );
        refused(
            &format!("{path} of the wrong types"),
            &prism.send(&rt, api(path).json(&json!({"file": 5, "filename": []}))),
            422,
            &[
                "request.body.filename: Request body property filename must be string",
                "request.body.file: Request body property file must be string",
            ],
        );
        // The same request with a valid body passes (`type: null`, as in the page's example).
        let answer = prism.send(
            &rt,
            api(path).json(&json!({"file": MAI_KEY, "filename": "a.pdf", "type": null})),
        );
        assert_eq!(
            (answer.status, answer.violations.len()),
            (201, 0),
            "{path}: {answer:#?}"
        );
    }
}

/// A limitation of Prism 5.14.2 that matters for multipart requests: a file part without a
/// `Content-Type` (optional by RFC 7578) makes its multipart parser (`parse-multipart-data`)
/// throw outside any handler (`part.contentTypeHeader.split(':')[1].trim()`), and the whole Prism
/// process exits (the same crash family as stoplightio/prism#2672). The facade always sends a
/// part `Content-Type`, and the raw controls above set one; if the facade ever stopped, its
/// conformance tests would fail here with "no answer from Prism".
#[test]
fn prism_dies_on_a_file_part_without_content_type() {
    let (spec, _) = prism_copy("maiagent-attachments.yaml", None);
    let mut prism = Prism::start("maiagent-attachments (crash)", &spec);
    let rt = runtime();
    let part = reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("report.pdf");
    let request = reqwest::Client::new()
        .post(prism.direct("/api/attachments-upload/"))
        .header("authorization", "Api-Key k")
        .multipart(reqwest::multipart::Form::new().part("file", part));
    let error = rt
        .block_on(send(request))
        .expect_err("Prism exits instead of answering");
    assert!(error.is_request(), "{error:?}");
    let started = Instant::now();
    while prism.child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Prism still runs:\n{}",
            prism.output()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        prism
            .output()
            .contains("TypeError: Cannot read properties of undefined (reading 'trim')"),
        "{}",
        prism.output()
    );
}
