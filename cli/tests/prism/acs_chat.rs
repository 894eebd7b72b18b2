//! ACS Chat's image upload, through the facade and the CLI, against Prism; and the raw
//! requests Prism must refuse.

use crate::common;

use serde_json::json;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{AcsChatClient, UploadSource};

use super::server::Prism;
use super::setup::prism_copy;
use super::{ACS_IMAGE_ID, ACS_THREAD, PNG, refused, runtime};

#[test]
fn acs_chat_upload_image_conforms() {
    let (spec, changes) = prism_copy("acs-chat.yaml", None);
    assert!(changes.is_empty(), "{changes:?}");
    let prism = Prism::start("acs-chat", &spec);
    let rt = runtime();
    let location = acs_facade_conforms(&prism, &rt);
    acs_cli_conforms(&prism, &location);
    acs_controls_are_refused(&prism, &rt);
}

/// The facade's `upload_image`, at the default api-version and the others the spec lists;
/// returns the image's URL.
fn acs_facade_conforms(prism: &Prism, rt: &tokio::runtime::Runtime) -> String {
    let acs = AcsChatClient::new(&prism.url(""), Credential::bearer("acs-token"))
        .expect("client")
        .with_retry(RetryPolicy::none());
    let source = UploadSource::from_bytes(PNG.to_vec(), "sample.png");
    let (image, statuses) = prism.conforms(
        "upload_image",
        rt.block_on(acs.upload_image(ACS_THREAD, &source)),
    );
    assert_eq!(statuses, [201]);
    assert_eq!(image.id, ACS_IMAGE_ID);
    assert_eq!(image.name.as_deref(), Some("sample.png"));
    assert_eq!(
        serde_json::to_value(&image.attachment_type).expect("JSON"),
        "inlineImage"
    );
    let location = prism.url(&format!("/chat/threads/{ACS_THREAD}/images/{ACS_IMAGE_ID}"));
    assert_eq!(
        image.url.as_ref().map(|u| u.as_str()),
        Some(location.as_str())
    );
    // The other versions the spec lists: the generally available one, and the one Microsoft's
    // JavaScript SDK sends by default.
    for version in ["2025-03-15", "2024-06-05-preview"] {
        let (image, statuses) = prism.conforms(
            &format!("upload_image with api-version {version}"),
            rt.block_on(
                acs.clone()
                    .with_api_version(version)
                    .upload_image(ACS_THREAD, &source),
            ),
        );
        assert_eq!(
            (image.id.as_str(), statuses.as_slice()),
            (ACS_IMAGE_ID, &[201][..])
        );
    }
    location
}

/// `acs-chat upload-image`, which prints the image at `location`.
fn acs_cli_conforms(prism: &Prism, location: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = common::write(dir.path(), "cat.png", PNG)
        .display()
        .to_string();
    let printed = prism.cli(&[
        "acs-chat",
        "upload-image",
        &file,
        "--endpoint",
        &prism.url(""),
        "--thread-id",
        ACS_THREAD,
        "--token",
        "acs-token",
    ]);
    assert_eq!(printed["id"], ACS_IMAGE_ID);
    assert_eq!(printed["url"], location);
}

/// Negative controls: what the facade sends, broken one way at a time.
fn acs_controls_are_refused(prism: &Prism, rt: &tokio::runtime::Runtime) {
    let http = reqwest::Client::new();
    let url = prism.direct(
        "/chat/threads/19%3A34adfa4f-cedf-4dc0-ba29-b6d1a69ab345%40thread.v2/images?api-version=2024-03-15-preview",
    );
    let image = |ct: &str| {
        http.post(&url)
            .header("content-type", ct)
            .header("image-filename", "sample.png")
            .body(PNG.to_vec())
    };
    let answer = prism.send(rt, image("application/octet-stream"));
    refused(
        "no Authorization",
        &answer,
        401,
        &["request: Invalid security scheme used"],
    );
    // Prism answers with the spec's `default` error example.
    assert_eq!(
        answer.body,
        json!({"error": {"code": "Unauthorized", "message": "The request is not authorized.", "details": []}})
    );
    refused(
        "image/png body",
        &prism.send(rt, image("image/png").bearer_auth("t")),
        415,
        &["request: Supported content types: application/octet-stream"],
    );
    refused(
        "no api-version",
        &prism.send(
            rt,
            http.post(url.replace("?api-version=2024-03-15-preview", ""))
                .bearer_auth("t")
                .header("content-type", "application/octet-stream")
                .body(PNG.to_vec()),
        ),
        422,
        &["request.query: Request query must have required property 'api-version'"],
    );
    refused(
        "an api-version the spec does not list",
        &prism.send(
            rt,
            http.post(url.replace("2024-03-15-preview", "2023-11-07"))
                .bearer_auth("t")
                .header("content-type", "application/octet-stream")
                .body(PNG.to_vec()),
        ),
        422,
        &[
            "request.query.api-version: Request query parameter api-version must be equal to one of the allowed values: 2024-03-15-preview, 2024-06-05-preview, 2025-03-15",
        ],
    );
    // The same request with everything in place passes: the controls differ in one thing.
    let answer = prism.send(rt, image("application/octet-stream").bearer_auth("t"));
    assert_eq!(
        (answer.status, answer.violations.len()),
        (201, 0),
        "{answer:#?}"
    );
}
