//! The MaiAgent presigned flow end to end against a real S3-compatible server: moto's server,
//! installed from PyPI into a venv under `target/` on first use, started on 127.0.0.1 and
//! stopped by PID. A recording proxy between the client and moto checks what moto does not
//! enforce: the fields in the presigner's order, the file last, an exact `Content-Length`, and
//! no credential on the storage request. The object is read back and compared byte for byte.

use crate::common;

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use upload_clients::auth::Credential;
use upload_clients::{MaiAgentClient, UploadSource};

const S3_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/s3");

/// The venv holding moto and boto3, created once (tests in this file share it).
fn venv() -> PathBuf {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _once = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("s3-venv");
    let ready = venv.join("installed-requirements.txt");
    let requirements =
        std::fs::read_to_string(format!("{S3_DIR}/requirements.txt")).expect("requirements");
    if std::fs::read_to_string(&ready).ok().as_deref() == Some(requirements.as_str()) {
        return venv;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "python3 -m venv failed");
    let status = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile", // no .pyc at install (a third of pip's time)
            "--timeout",
            "60",
            "-r",
        ])
        .arg(format!("{S3_DIR}/requirements.txt"))
        .status()
        .expect("pip runs");
    assert!(status.success(), "pip install of moto failed");
    std::fs::write(&ready, requirements).expect("marker");
    venv
}

/// moto's server, killed (by PID) when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start() -> Self {
        let venv = venv();
        let port = common::free_port();
        let child = Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto { child, port };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        for _ in 0..150 {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return moto;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not listen on {addr} within 15 s");
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates `bucket` and returns a presigned POST for it from boto3.
    fn presign(&self, bucket: &str, max_bytes: u64) -> serde_json::Value {
        let output = Command::new(venv().join("bin/python"))
            .arg(format!("{S3_DIR}/presign.py"))
            .args(["presign", &self.endpoint(), bucket, &max_bytes.to_string()])
            .output()
            .expect("presign.py runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("presigned POST JSON")
    }

    /// The bytes of the object `key` in `bucket`, read with boto3.
    fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        self.boto3("get", bucket, key)
    }

    /// The `ETag` of the object `key` in `bucket`, as boto3's HEAD reads it.
    fn etag(&self, bucket: &str, key: &str) -> String {
        String::from_utf8(self.boto3("etag", bucket, key))
            .expect("text")
            .trim()
            .to_owned()
    }

    /// What `presign.py command ENDPOINT bucket key` printed.
    fn boto3(&self, command: &str, bucket: &str, key: &str) -> Vec<u8> {
        let output = Command::new(venv().join("bin/python"))
            .arg(format!("{S3_DIR}/presign.py"))
            .args([command, &self.endpoint(), bucket, key])
            .output()
            .expect("presign.py runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy to `target` that records every byte the client sends.
async fn recording_proxy(target: u16) -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let record = recorded.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let upstream = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match client_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        record.lock().expect("lock").extend_from_slice(&buf[..n]);
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let downstream = async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(upstream, downstream);
            });
        }
    });
    (port, recorded)
}

/// The names of the multipart parts of a raw HTTP request, in order.
fn part_names(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    text.match_indices("Content-Disposition: form-data; name=\"")
        .map(|(i, m)| {
            let rest = &text[i + m.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
        .collect()
}

/// A 3 MiB PDF in `dir` that is not the same byte repeated: its path and bytes.
fn three_mib_pdf(dir: &Path) -> (PathBuf, Vec<u8>) {
    let path = dir.join("report.pdf");
    let data: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..3 * 1024 * 1024u32).map(|i| (i * 7 % 251) as u8))
        .collect();
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&data))
        .expect("write");
    (path, data)
}

/// Posts `source` (whose bytes are `data`) once more with a fresh presigned POST, and checks
/// that the MD5 the client computed of what it streamed is S3's ETag of the object.
async fn etag_is_the_md5_of_what_was_sent(moto: &Moto, source: &UploadSource, data: &[u8]) {
    // S3's ETag of an object from one POST is its MD5, and the client's MD5 of what it
    // streamed is the same: the check it makes on every presigned upload compares like with
    // like. (moto answers the POST without an ETag, which the client takes as nothing to
    // check; AWS's S3 sends it: the object's ETag is read back with HEAD here.)
    let presigned = moto.presign("attachments", 10 * 1024 * 1024);
    let post = upload_clients::maiagent::presigned_post::PresignedPost::new(
        presigned["url"].as_str().expect("url"),
        presigned["fields"]
            .as_object()
            .expect("fields")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("text").to_owned())),
    );
    let direct = upload_clients::maiagent::presigned_post::upload(
        &reqwest::Client::new(),
        &post,
        source,
        true,
    )
    .await
    .expect("stored");
    let md5: String = {
        use md5::Digest as _;
        md5::Md5::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(
        direct.md5.as_deref(),
        Some(md5.as_str()),
        "the MD5 of what was sent"
    );
    assert_eq!(
        moto.etag("attachments", "media/chat/attachment/report.pdf"),
        format!("\"{md5}\""),
        "S3's ETag is that MD5"
    );
}

/// Checks what went over the wire to storage (`raw`, the whole request): no credential, an
/// exact `Content-Length` instead of a chunked body, and the form's fields (`field_names`, in
/// the presigner's order) before the file.
fn storage_got_the_form_in_order_and_no_credential(raw: &[u8], field_names: Vec<String>) {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("request head")
        + 4;
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    assert!(head.starts_with("post /attachments"), "{head}");
    assert!(
        !head.contains("authorization"),
        "credential sent to storage: {head}"
    );
    assert!(
        !head.contains("mai-secret-key")
            && !String::from_utf8_lossy(raw).contains("mai-secret-key")
    );
    assert!(
        !head.contains("transfer-encoding"),
        "chunked upload: {head}"
    );
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("content-length")
        .trim()
        .parse()
        .expect("number");
    assert_eq!(
        length,
        raw.len() - head_end,
        "Content-Length must be the body's length"
    );
    let mut expected_order = field_names;
    expected_order.push("file".to_string());
    assert_eq!(
        part_names(&raw[head_end..]),
        expected_order,
        "fields in order, file last"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_upload_reaches_s3_byte_for_byte_with_fields_in_order_and_no_credentials() {
    let moto = tokio::task::spawn_blocking(Moto::start)
        .await
        .expect("moto");
    let presigned = moto.presign("attachments", 10 * 1024 * 1024);
    let (proxy_port, recorded) = recording_proxy(moto.port).await;
    // Send the form through the recording proxy; the policy does not cover the host.
    let url = presigned["url"]
        .as_str()
        .expect("url")
        .replace(&moto.port.to_string(), &proxy_port.to_string());
    let fields = presigned["fields"].clone();
    let field_names: Vec<String> = fields
        .as_object()
        .expect("fields")
        .keys()
        .cloned()
        .collect();

    let dir = tempfile::tempdir().expect("tempdir");
    let (path, data) = three_mib_pdf(dir.path());

    let api = MockServer::start_async().await;
    let presign = api
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/upload-presigned-url/")
                .header("authorization", "Api-Key mai-secret-key")
                .json_body(serde_json::json!({
                    "fileSize": data.len(), "filename": "report.pdf",
                    "modelName": "attachment", "fieldName": "file",
                }));
            then.status(200)
                .json_body(serde_json::json!({"url": url, "fields": fields}));
        })
        .await;
    let register = api
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/attachments/")
                .json_body(serde_json::json!({"type": null, "filename": "report.pdf", "file": "media/chat/attachment/report.pdf"}));
            then.status(201).json_body(serde_json::json!({
                "id": "550e8400-e29b-41d4-a716-446655440000", "filename": "report.pdf",
                "file": "media/chat/attachment/report.pdf"
            }));
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("mai-secret-key"))
        .expect("client")
        .with_base_url(&api.url("/api"))
        .expect("endpoint");
    let source = UploadSource::from_path(&path).await.expect("source");
    let attachment = mai
        .upload_presigned(&source, None)
        .await
        .expect("stored and registered");
    presign.assert_async().await;
    register.assert_async().await;
    assert_eq!(attachment.file, "media/chat/attachment/report.pdf");

    // The object in S3 is the file, byte for byte.
    let stored = moto.get("attachments", "media/chat/attachment/report.pdf");
    assert_eq!(stored.len(), data.len());
    assert!(stored == data, "stored object differs");

    etag_is_the_md5_of_what_was_sent(&moto, &source, &data).await;
    storage_got_the_form_in_order_and_no_credential(&recorded.lock().expect("lock"), field_names);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_errors_from_s3_are_typed() {
    let moto = tokio::task::spawn_blocking(Moto::start)
        .await
        .expect("moto");
    let presigned = moto.presign("errors", 1024);
    // A bucket that does not exist: S3 answers with its XML error body.
    let url = presigned["url"]
        .as_str()
        .expect("url")
        .replace("/errors", "/no-such-bucket");
    let post = upload_clients::maiagent::presigned_post::PresignedPost::new(
        url,
        presigned["fields"]
            .as_object()
            .expect("fields")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())),
    );
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "a.png");
    let err = upload_clients::maiagent::presigned_post::upload(
        &reqwest::Client::new(),
        &post,
        &source,
        true,
    )
    .await
    .expect_err("no such bucket");
    let upload_clients::Error::Storage(storage) = &err else {
        panic!("expected Storage, got {err:?}")
    };
    assert_eq!(storage.status, 404);
    assert_eq!(storage.code.as_deref(), Some("NoSuchBucket"));
    assert!(
        !format!("{err:?}").contains(post.fields.get("policy").map(String::as_str).unwrap_or("~"))
    );
}
