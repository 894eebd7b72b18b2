//! Bad input to the facade clients: missing, changed or unreadable files, types and sizes the
//! API does not take, malformed ids, bad endpoints and URLs.

use crate::common;

use common::counting;
use upload_clients::ai_agents::parse_purpose;
use upload_clients::auth::Credential;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

use super::Target::*;
use super::{ALL, Clients, MIB, files, nothing_was_sent, refused, shown};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_a_missing_empty_or_unreadable_file_or_a_directory() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let f = files();
    for target in ALL {
        let case = |what: &str| format!("{target:?} {what}");
        refused(
            &case("missing file"),
            clients.upload_path(target, &f.missing).await,
            &[&shown(&f.missing), "no such file"],
        );
        refused(
            &case("directory"),
            clients.upload_path(target, &f.directory).await,
            &[&shown(&f.directory), "is a directory"],
        );
        refused(
            &case("empty file"),
            clients.upload_path(target, &f.empty).await,
            &[&shown(&f.empty), "is empty"],
        );
        refused(
            &case("empty bytes"),
            clients
                .upload(target, &UploadSource::from_bytes(Vec::new(), "nothing.png"))
                .await,
            &["nothing.png is empty"],
        );
        refused(
            &case("unreadable file"),
            clients.upload_path(target, &f.unreadable).await,
            &[&shown(&f.unreadable), "cannot read", "ermission denied"],
        );
    }
    nothing_was_sent(&listener).await;
}

/// A file removed after its source was made: the clients open it when they send, and fail
/// before any byte goes out. (The presigned flow asks the API first, so it is not in this
/// list: its presign request would be sent.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_direct_upload_refuses_a_file_removed_after_its_source_was_made() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let dir = tempfile::tempdir().expect("tempdir");
    for target in [Acs, Rbm, Agents, MaiDirect] {
        let path = common::write(dir.path(), "vanishing.png", common::PNG_1X1);
        let source = UploadSource::from_path(&path).await.expect("readable");
        std::fs::remove_file(&path).expect("remove");
        refused(
            &format!("{target:?} file removed after from_path"),
            clients.upload(target, &source).await,
            &[&shown(&path), "cannot read"],
        );
    }
    nothing_was_sent(&listener).await;
}

/// A file that changed length after its source was made: a file that fits one read is read
/// whole before sending, so the change is found before any byte goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_direct_upload_refuses_a_file_whose_length_changed_after_its_source_was_made() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let dir = tempfile::tempdir().expect("tempdir");
    let was = format!("it had {} bytes", common::PNG_1X1.len());
    for target in [Acs, Rbm, Agents, MaiDirect] {
        for (change, content, now) in [
            ("shorter", common::PNG_1X1[..20].to_vec(), "now it has 20"),
            (
                "longer",
                [common::PNG_1X1, &[0; 4096]].concat(),
                "now it has more",
            ),
        ] {
            let path = common::write(dir.path(), "changing.png", common::PNG_1X1);
            let source = UploadSource::from_path(&path).await.expect("readable");
            std::fs::write(&path, content).expect("rewrite");
            refused(
                &format!("{target:?} file {change} after from_path"),
                clients.upload(target, &source).await,
                &[&shown(&path), "changed since it was measured", &was, now],
            );
        }
    }
    nothing_was_sent(&listener).await;
}

/// A type the API does not accept. AI Agents accepts any type, so it has no such case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_a_type_its_api_does_not_accept() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let f = files();
    for (target, path, found) in [
        (Acs, &f.text, "text/plain"),
        (Rbm, &f.text, "text/plain"),
        (
            MaiDirect,
            &f.exe,
            "application/vnd.microsoft.portable-executable",
        ),
        (
            MaiPresigned,
            &f.exe,
            "application/vnd.microsoft.portable-executable",
        ),
    ] {
        let name = path.file_name().unwrap().to_str().unwrap();
        refused(
            &format!("{target:?} type not accepted"),
            clients.upload_path(target, path).await,
            &[name, found, "does not accept"],
        );
    }
    nothing_was_sent(&listener).await;
}

/// One byte over the API's limit. MaiAgent states no limit, so it has no such case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_a_file_one_byte_over_its_apis_limit() {
    let listener = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let f = files();
    for (target, path, max) in [
        (Acs, &f.over_acs, 20 * MIB),
        (Rbm, &f.over_rbm, 100 * MIB),
        (Agents, &f.over_agents, 512 * MIB),
    ] {
        refused(
            &format!("{target:?} over the limit"),
            clients.upload_path(target, path).await,
            &[
                &format!("is {} bytes, over the limit of {max} bytes", max + 1),
                &format!("({} MiB)", max / MIB),
            ],
        );
    }
    nothing_was_sent(&listener).await;
}

/// Empty and malformed ids, of every client; and an empty purpose.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_empty_and_malformed_ids() {
    let listener = counting::listen("127.0.0.1").await;
    let c = Clients::at(&listener.url);
    let png = || UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png");
    let long = "x".repeat(1025);
    for (id, needle) in [
        ("", "is empty"),
        ("19:a b@thread.v2", "whitespace or control characters"),
        ("19:a\n@thread.v2", "whitespace or control characters"),
        ("19:a\u{0}@thread.v2", "whitespace or control characters"),
        (long.as_str(), "longer than 1024 bytes"),
    ] {
        let shown = format!("{id:?}");
        let shown = if id.len() > 100 { "long" } else { &shown };
        refused(
            &format!("Acs thread id {shown}"),
            c.acs.upload_image(id, &png()).await.map(drop),
            &["the thread id", needle],
        );
        refused(
            &format!("Rbm upload agent id {shown}"),
            c.rbm.upload_file(id, &png(), None).await.map(drop),
            &["the agent id", needle],
        );
        refused(
            &format!("Rbm fileUrl agent id {shown}"),
            c.rbm
                .create_from_url(id, "https://example.com/cat.png", None)
                .await
                .map(drop),
            &["the agent id", needle],
        );
        refused(
            &format!("MaiPresigned conversation id {shown}"),
            c.mai.upload_presigned(&png(), Some(id)).await.map(drop),
            &["the conversation id", needle],
        );
        refused(
            &format!("Agents file id {shown}"),
            c.agents.get(id).await.map(drop),
            &["the file id", needle],
        );
    }
    refused(
        "Agents empty purpose",
        parse_purpose("").map(drop),
        &["the purpose is empty"],
    );
    nothing_was_sent(&listener).await;
}

/// Invalid endpoints, and http:// off loopback, for each client's constructor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_refuses_invalid_endpoints_and_http_off_loopback() {
    let listener = counting::listen("127.0.0.1").await;
    let ftp = format!("ftp://127.0.0.1:{}", listener.port);
    for (endpoint, needle) in [
        ("not a url", "is not a valid URL"),
        ("", "is not a valid URL"),
        ("https://", "is not a valid URL"),
        ("/relative/path", "is not a valid URL"),
        (ftp.as_str(), "has scheme \"ftp\""),
        (
            "https://example.com/api?x=1",
            "must not have a query or fragment",
        ),
        ("http://example.com", "http:// on a non-loopback host"),
        ("http://10.1.2.3:8080/api", "http:// on a non-loopback host"),
        (
            "http://localhost.example.com",
            "http:// on a non-loopback host",
        ),
    ] {
        let results: [(&str, Result<(), Error>); 4] = [
            (
                "Acs",
                AcsChatClient::new(endpoint, Credential::bearer("t")).map(drop),
            ),
            (
                "Rbm",
                RbmClient::new(Credential::bearer("t"))
                    .expect("client")
                    .with_base_url(endpoint)
                    .map(drop),
            ),
            (
                "Agents",
                AiAgentsClient::new(endpoint, Credential::bearer("t")).map(drop),
            ),
            (
                "Mai",
                MaiAgentClient::new(Credential::api_key("k"))
                    .expect("client")
                    .with_base_url(endpoint)
                    .map(drop),
            ),
        ];
        for (client, result) in results {
            refused(
                &format!("{client} endpoint {endpoint:?}"),
                result,
                &[&format!("endpoint {endpoint:?}"), needle],
            );
        }
    }
    nothing_was_sent(&listener).await;
}

/// A fileUrl (or thumbnailUrl) that is not http(s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbm_refuses_a_file_url_or_thumbnail_url_that_is_not_http() {
    let listener = counting::listen("127.0.0.1").await;
    let c = Clients::at(&listener.url);
    let png = || UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png");
    let ftp_file = format!("ftp://127.0.0.1:{}/cat.png", listener.port);
    for url in [
        ftp_file.as_str(),
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "cat.png",
        "https://",
        "",
    ] {
        refused(
            &format!("Rbm fileUrl {url:?}"),
            c.rbm.create_from_url("agent-1", url, None).await.map(drop),
            &[&format!("fileUrl {url:?}")],
        );
        refused(
            &format!("Rbm thumbnailUrl with fileUrl {url:?}"),
            c.rbm
                .create_from_url("agent-1", "https://example.com/cat.png", Some(url))
                .await
                .map(drop),
            &[&format!("thumbnailUrl {url:?}")],
        );
        refused(
            &format!("Rbm thumbnailUrl with upload {url:?}"),
            c.rbm
                .upload_file("agent-1", &png(), Some(url))
                .await
                .map(drop),
            &[&format!("thumbnailUrl {url:?}")],
        );
    }
    nothing_was_sent(&listener).await;
}
