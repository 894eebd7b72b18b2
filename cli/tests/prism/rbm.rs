//! RBM's file upload and create-from-URL, through the facade and the CLI, against Prism; and
//! the raw requests Prism must refuse.

use crate::common;

use serde_json::json;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{Limits, RbmClient, UploadSource};

use super::server::Prism;
use super::setup::prism_copy;
use super::{PDF, PNG, RBM_FILE, refused, runtime};

#[test]
fn rbm_upload_file_and_create_from_url_conform() {
    let (spec, changes) = prism_copy("rbm-files.yaml", None);
    assert!(changes.is_empty(), "{changes:?}");
    let prism = Prism::start("rbm-files", &spec);
    let rt = runtime();
    rbm_facade_conforms(&prism, &rt);
    rbm_cli_conforms(&prism);
    rbm_controls_are_refused(&prism, &rt);
}

/// A thumbnail URL of the spec's examples.
const RBM_THUMBNAIL: &str = "https://www.example.com/images/cat-thumb.jpg";

/// The facade's `upload_file` (with and without a thumbnail, and as each of the 20 media
/// types) and `create_from_url`.
fn rbm_facade_conforms(prism: &Prism, rt: &tokio::runtime::Runtime) {
    let rbm = RbmClient::new(Credential::bearer("rbm-token"))
        .expect("client")
        .with_base_url(&prism.url(""))
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    let png = UploadSource::from_bytes(PNG.to_vec(), "cat.png");
    for thumbnail in [None, Some(RBM_THUMBNAIL)] {
        let (file, statuses) = prism.conforms(
            &format!("upload_file (thumbnail {thumbnail:?})"),
            rt.block_on(rbm.upload_file("my-agent", &png, thumbnail)),
        );
        assert_eq!(
            (file.name.as_str(), statuses.as_slice()),
            (RBM_FILE, &[200][..])
        );
    }
    // Every media type RBM lists is a content type of the spec's upload, and Prism takes each.
    let types = Limits::rbm_files().content_types;
    assert_eq!(types.len(), 20);
    for content_type in &types {
        let source =
            UploadSource::from_bytes(PDF.to_vec(), "media").with_content_type(content_type);
        let (file, statuses) = prism.conforms(
            &format!("upload_file as {content_type}"),
            rt.block_on(rbm.upload_file("my-agent", &source, None)),
        );
        assert_eq!(
            (file.name.as_str(), statuses.as_slice()),
            (RBM_FILE, &[200][..])
        );
    }
    for thumbnail in [None, Some(RBM_THUMBNAIL)] {
        let (file, statuses) = prism.conforms(
            &format!("create_from_url (thumbnail {thumbnail:?})"),
            rt.block_on(rbm.create_from_url(
                "my-agent",
                "https://www.example.com/images/cat.jpg",
                thumbnail,
            )),
        );
        assert_eq!(
            (file.name.as_str(), statuses.as_slice()),
            (RBM_FILE, &[200][..])
        );
    }
}

/// `rbm upload` (with a thumbnail) and `rbm upload-url`.
fn rbm_cli_conforms(prism: &Prism) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = common::write(dir.path(), "cat.png", PNG)
        .display()
        .to_string();
    let endpoint = prism.url("");
    let printed = prism.cli(&[
        "rbm",
        "upload",
        &file,
        "--agent-id",
        "my-agent",
        "--thumbnail-url",
        RBM_THUMBNAIL,
        "--endpoint",
        &endpoint,
        "--token",
        "rbm-token",
    ]);
    assert_eq!(printed["name"], RBM_FILE);
    let printed = prism.cli(&[
        "rbm",
        "upload-url",
        "--file-url",
        "https://www.example.com/images/cat.jpg",
        "--agent-id",
        "my-agent",
        "--endpoint",
        &endpoint,
        "--token",
        "rbm-token",
    ]);
    assert_eq!(printed["name"], RBM_FILE);
}

/// Negative controls.
fn rbm_controls_are_refused(prism: &Prism, rt: &tokio::runtime::Runtime) {
    let http = reqwest::Client::new();
    let upload = |query: &str, ct: &str| {
        http.post(prism.direct(&format!("/upload/v1/files{query}")))
            .header("content-type", ct)
            .body(PNG.to_vec())
    };
    let answer = prism.send(
        rt,
        upload("?agentId=my-agent", "application/octet-stream").bearer_auth("t"),
    );
    refused(
        "octet-stream body",
        &answer,
        415,
        &[
            "request: Supported content types: image/jpeg,image/jpg,image/gif,image/png,audio/aac,audio/mp3,audio/mpeg,audio/mpg,audio/mp4,audio/mp4-latm,audio/3gpp,application/ogg,audio/ogg,video/h263,video/m4v,video/mp4,video/mpeg,video/mpeg4,video/webm,application/pdf",
        ],
    );
    assert_eq!(answer.body["error"]["status"], "INVALID_ARGUMENT");
    refused(
        "no Authorization",
        &prism.send(rt, upload("?agentId=my-agent", "image/png")),
        401,
        &["request: Invalid security scheme used"],
    );
    refused(
        "Basic instead of Bearer",
        &prism.send(
            rt,
            upload("?agentId=my-agent", "image/png").basic_auth("user", Some("password")),
        ),
        401,
        &["request: Invalid security scheme used"],
    );
    refused(
        "no agentId",
        &prism.send(rt, upload("", "image/png").bearer_auth("t")),
        422,
        &["request.query: Request query must have required property 'agentid'"],
    );
    refused(
        "thumbnailUrl not a URI",
        &prism.send(
            rt,
            upload("?agentId=my-agent&thumbnailUrl=cat-thumb.jpg", "image/png").bearer_auth("t"),
        ),
        422,
        &[
            "request.query.thumbnailurl: Request query parameter thumbnailurl must match format \"uri\"",
        ],
    );
    refused(
        "empty body",
        &prism.send(
            rt,
            http.post(prism.direct("/upload/v1/files?agentId=my-agent"))
                .bearer_auth("t")
                .header("content-type", "image/png"),
        ),
        422,
        &["request: Body parameter is required"],
    );
    let create = |body: serde_json::Value| {
        http.post(prism.direct("/v1/files"))
            .bearer_auth("t")
            .json(&body)
    };
    refused(
        "createFile without agentId",
        &prism.send(
            rt,
            create(json!({"fileUrl": "https://www.example.com/images/cat.jpg"})),
        ),
        422,
        &["request.body: Request body must have required property 'agentId'"],
    );
    refused(
        "createFile with a relative fileUrl",
        &prism.send(
            rt,
            create(json!({"fileUrl": "cat.jpg", "agentId": "my-agent"})),
        ),
        422,
        &["request.body.fileUrl: Request body property fileUrl must match format \"uri\""],
    );
}
