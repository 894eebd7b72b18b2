//! The opt-in RBM upload cache: the same content (or URL) is uploaded once per agent, across
//! clients sharing the cache file, until the entry is older than the maximum age.

use crate::common;

use std::time::Duration;

use httpmock::prelude::*;
use upload_clients::auth::Credential;
use upload_clients::rbm::cache::UploadCache;
use upload_clients::{RbmClient, UploadSource};

async fn client(server: &MockServer, cache: UploadCache) -> RbmClient {
    RbmClient::new(Credential::bearer("t"))
        .expect("client")
        .with_base_url(&server.base_url())
        .expect("endpoint")
        .with_cache(cache)
}

#[tokio::test]
async fn the_same_file_is_uploaded_once_and_remembered_in_the_file() {
    let server = MockServer::start_async().await;
    let upload = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .query_param("agentId", "agent");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/once"}));
        })
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_path = dir.path().join("cache.json");
    let png = dir.path().join("a.png");
    std::fs::write(&png, common::PNG_1X1).expect("write");
    let source = UploadSource::from_path(&png).await.expect("source");

    let rbm = client(
        &server,
        UploadCache::open(&cache_path).await.expect("new cache"),
    )
    .await;
    assert_eq!(
        rbm.upload_file("agent", &source, None)
            .await
            .expect("upload")
            .name,
        "files/once"
    );
    assert_eq!(
        rbm.upload_file("agent", &source, None)
            .await
            .expect("cached")
            .name,
        "files/once"
    );
    // The same bytes under another name are the same content.
    let copy = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "copy.png");
    assert_eq!(
        rbm.upload_file("agent", &copy, None)
            .await
            .expect("cached")
            .name,
        "files/once"
    );
    assert_eq!(upload.calls_async().await, 1);

    // A new client with the same cache file: still cached.
    let rbm = client(
        &server,
        UploadCache::open(&cache_path)
            .await
            .expect("existing cache"),
    )
    .await;
    rbm.upload_file("agent", &source, None)
        .await
        .expect("cached");
    assert_eq!(upload.calls_async().await, 1);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache_path).expect("file")).expect("JSON");
    let entries = stored["entries"].as_object().expect("entries");
    assert_eq!(entries.len(), 1);
    let (key, entry) = entries.iter().next().expect("entry");
    assert!(key.starts_with("agent|sha256:"), "{key}");
    assert_eq!(entry["name"], "files/once");

    // Another agent, or expired entries, upload again.
    let other = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/upload/v1/files")
                .query_param("agentId", "other");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/other"}));
        })
        .await;
    assert_eq!(
        rbm.upload_file("other", &source, None)
            .await
            .expect("upload")
            .name,
        "files/other"
    );
    assert_eq!(other.calls_async().await, 1);
    let expired = UploadCache::open(&cache_path)
        .await
        .expect("cache")
        .with_max_age(Duration::ZERO);
    let rbm = client(&server, expired).await;
    rbm.upload_file("agent", &source, None)
        .await
        .expect("upload again");
    assert_eq!(upload.calls_async().await, 2);
}

#[tokio::test]
async fn file_urls_are_cached_and_bad_cache_files_are_refused() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/files");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/url"}));
        })
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let rbm = client(
        &server,
        UploadCache::open(dir.path().join("c.json"))
            .await
            .expect("cache"),
    )
    .await;
    for _ in 0..2 {
        let file = rbm
            .create_from_url("agent", "https://example.com/cat.jpg", None)
            .await
            .expect("created");
        assert_eq!(file.name, "files/url");
    }
    assert_eq!(create.calls_async().await, 1);

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "not json").expect("write");
    let err = UploadCache::open(&bad).await.expect_err("not a cache");
    assert!(
        err.is_invalid_input() && err.to_string().contains("is not an upload cache"),
        "{err}"
    );
}

/// A cache that cannot be written does not turn a successful upload into a failure (which a
/// caller would retry, sending the file again): the library returns the file, the CLI exits 0
/// and warns.
#[tokio::test]
async fn a_cache_that_cannot_be_written_does_not_fail_a_successful_upload() {
    let server = MockServer::start_async().await;
    let upload = server
        .mock_async(|when, then| {
            when.method(POST).path("/upload/v1/files");
            then.status(200)
                .json_body(serde_json::json!({"name": "files/kept"}));
        })
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_path = dir.path().join("cache.json");
    // The cache writes `cache.tmp` and renames it: a directory there makes every write fail.
    std::fs::create_dir(dir.path().join("cache.tmp")).expect("dir");
    let png = common::write(dir.path(), "a.png", common::PNG_1X1);
    let source = UploadSource::from_path(&png).await.expect("source");
    let rbm = client(
        &server,
        UploadCache::open(&cache_path).await.expect("cache"),
    )
    .await;
    let file = rbm
        .upload_file("agent", &source, None)
        .await
        .expect("the upload succeeded");
    assert_eq!(file.name, "files/kept");
    upload.assert_calls_async(1).await;
    assert!(!cache_path.exists(), "nothing was recorded");

    {
        let output = crate::cli_command()
            .args(["rbm", "upload"])
            .arg(&png)
            .args(["--agent-id", "agent", "--endpoint", &server.base_url()])
            .arg("--cache")
            .arg(&cache_path)
            .args(["--token", "t", "--no-progress"])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains("uploaded, but not recorded in the cache")
                && stderr.contains("cannot write the upload cache"),
            "{stderr}"
        );
        upload.assert_calls_async(2).await;
    }
}
