//! Spec conformance against a real OpenAPI validator: Stoplight Prism (`@stoplight/prism-cli`,
//! pinned by `cli/tests/prism/package-lock.json`, installed with `npm ci` under `target/` on first
//! use) mocks each spec with `--errors`, so every request that breaks its spec is answered with
//! an error status and an `sl-violations` header naming what is wrong. As these specs give their
//! error responses (`default`, `4XX`) examples, that answer is the spec's own error example at the
//! violation's status (401, 415 or 422) — in the facade an `Error::Api` with the vendor's typed
//! body — and the details are only in the header; the problem+json body with `validation` comes
//! only when Prism's own response breaks the spec (a 500).
//!
//! Every facade operation and every CLI subcommand runs against the Prism of its spec, through a
//! small recording proxy that fails the test on any `sl-violations` header, warnings included.
//! Negative controls (raw requests that break the spec) prove that Prism does validate each spec.
//!
//! # What Prism 5.14.2 checks, as seen here
//!
//! - Security: presence only. An `apiKey` in a header (ACS, MaiAgent) passes with any value;
//!   `oauth2` (RBM, AI Agents) needs `Authorization: Bearer …` (`Basic …` is refused). Otherwise
//!   401 "Invalid security scheme used".
//! - Parameters: required query parameters, `format: uri` and `enum` on a query parameter (ACS's
//!   `api-version` must be one of the versions its spec lists).
//! - Media bodies (`application/octet-stream`, RBM's 20 media types): the request's
//!   `Content-Type` must be one the operation lists (else 415, listing them) and a required body
//!   must not be empty; the bytes themselves are not looked at. All 20 RBM types are accepted.
//! - `multipart/form-data`: the parts are parsed by name and checked as an object of strings
//!   against the schema (required parts, enums); `format: binary`, a part's `Content-Type` (the
//!   `encoding`) and whether `file` is a file part are not checked. Bodies over 10 MB are refused
//!   by Prism's body parser, so only small files are used here.
//! - JSON bodies: the full schema (required, types, formats, minimum).
//! - Its own mock responses against the spec: a response that breaks its schema is a 500.
//! - Not handled: a multipart file part without a `Content-Type` makes Prism exit
//!   ([`prism_dies_on_a_file_part_without_content_type`]), so the raw controls set one.
//!
//! # Found with Prism and fixed in the spec
//!
//! - MaiAgent's `AttachmentCreate.file` and `ConversationAttachmentCreate.file` had
//!   `format: uri`, which the spec's own request example (`file: request_string`, from the page)
//!   breaks, as does the storage key the facade registers (`media/chat/attachment/…`); the format
//!   is dropped there, as it already was for the response's `file`.
//! - Open enums were written `oneOf: [{$ref: Known…}, {type: string}]`. Under JSON Schema's
//!   `oneOf` (exactly one alternative must match) a *known* value matches both alternatives and is
//!   invalid, so Prism refused the facade's `purpose=assistants` (422, "must match exactly one
//!   schema in oneOf") and its own examples (`object: file`, `purpose: assistants`,
//!   `status: processed`, a 500). The specs now say `anyOf`, which is what they mean. progenitor
//!   (typify) renders an `anyOf` as a struct of optional flattened fields, so `build.rs` turns
//!   exactly this pattern back into `oneOf` on its own copy, and the generated types stay the
//!   untagged enums the facade uses (`tests/specs.rs` checks both).
//! - MaiAgent's `AttachmentType` had `nullable: true` without a `type`. OpenAPI 3.0.3 says
//!   `nullable` "only takes effect if type is explicitly defined", so it meant nothing (a schema
//!   without `type` accepts null anyway), but it kept Prism from validating the bodies of
//!   `/attachments/` and `/conversations/{pk}/attachments/` at all: its OpenAPI converter
//!   (`@stoplight/http-spec`) only rewrites `nullable` next to a `type`, ajv then refuses to
//!   compile the schema ("nullable" cannot be used without "type"), and Prism's
//!   `validateAgainstSchema` swallows that error (`O.tryCatch`). It is gone;
//!   [`maiagent_committed_spec_validates_registration`] checks that Prism now refuses a bad
//!   registration body against the committed spec.
//!
//! # What the copies Prism reads change, and why ([`prism_copy`] lists each change)
//!
//! 1. Base paths: Prism ignores the path of `servers` by design (its FAQ; stoplightio/prism#906,
//!    #1591, #1823, #2191, where its maintainers advise putting the base path into the paths), so
//!    each path is prefixed with the path of the first server (variables at their defaults):
//!    `/api` for MaiAgent, `/api/projects/your-project` for AI Agents. The clients are then given
//!    base URLs with those paths, as against the real APIs.
//! 2. MaiAgent's presigned POST example `url` (`https://s3.example.com/bucket-name`) is not a host
//!    a test may reach, so the copy points it to a local storage stub on 127.0.0.1 that checks the
//!    form (fields in the presigner's order, the file last, no credential). `presign` and
//!    `register` are also called one by one, so each is checked against Prism on its own.
#![cfg(unix)]

use crate::common;

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::json;
use serde_yaml_ng::{Mapping, Value as Yaml};
use upload_clients::ai_agents::{FilePurpose, KnownFilePurpose, WaitOptions};
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, Limits, MaiAgentClient, RbmClient, UploadSource,
};

const PRISM_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/prism");
const SPECS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
/// The version `cli/tests/prism/package.json` pins (the newest whose engines accept Node.js 20).
const PRISM_VERSION: &str = "5.14.2";
/// How long Prism may take to listen (it loads the spec first; other builds may share the CPU).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x18, 0x57, 0x63, 0xf8, 0x0f, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x5a, 0x4d, 0x6f, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];
/// `pdf` followed by a comment line of spaces, `len` bytes in all.
fn padded(pdf: &[u8], len: usize) -> Vec<u8> {
    let mut out = pdf.to_vec();
    out.push(b'%');
    out.resize(len - 1, b' ');
    out.push(b'\n');
    out
}

/// A small PDF with bytes that are not UTF-8 and the characters form encodings reserve.
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog (a=b&c;d) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

// Values of the specs' examples, which Prism answers with.
const ACS_THREAD: &str = "19:34adfa4f-cedf-4dc0-ba29-b6d1a69ab345@thread.v2";
const ACS_IMAGE_ID: &str = "0-eus-d2-fb42e272282ebb6ef76a3aedd1974433";
const RBM_FILE: &str = "files/a1b2c3d4";
const AGENTS_FILE_ID: &str = "assistant-abc123";
const MAI_ID: &str = "550e8400-e29b-41d4-a716-446655440000";
const MAI_KEY: &str = "media/chat/attachment/filename.pdf";
const MAI_FIELDS: [(&str, &str); 6] = [
    ("key", MAI_KEY),
    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
    (
        "x-amz-credential",
        "AKIAXXXXXXXXXXXXXXXX/YYYYMMDD/region/s3/aws4_request",
    ),
    ("x-amz-date", "YYYYMMDDTHHMMSSZ"),
    ("policy", "base64-encoded-policy-document"),
    ("x-amz-signature", "generated-signature-hash"),
];

// ---------------------------------------------------------------------------------------------
// Installing Prism

/// The directory holding `node_modules/.bin/prism`, installed once per `target/`.
fn prism_install() -> &'static Path {
    static INSTALL: OnceLock<PathBuf> = OnceLock::new();
    INSTALL.get_or_init(install)
}

/// `npm ci` of `cli/tests/prism` into `target/tmp/prism`, unless the same manifest and lock are
/// installed there already. The install happens in a directory of this process's own, renamed
/// into place when complete: a rename is atomic, so two test processes installing at once never
/// use a half-installed Prism, and the one that loses the race uses the winner's.
fn install() -> PathBuf {
    let read = |name: &str| {
        std::fs::read_to_string(format!("{PRISM_DIR}/{name}"))
            .unwrap_or_else(|e| panic!("cli/tests/prism/{name}: {e}"))
    };
    let stamp = format!("{}\n{}", read("package.json"), read("package-lock.json"));
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dest = root.join("prism");
    let installed = |dir: &Path| {
        std::fs::read_to_string(dir.join(".installed-from"))
            .ok()
            .as_deref()
            == Some(&stamp)
    };
    if installed(&dest) {
        return dest;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let staging = root.join(format!("prism-installing-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&staging).expect("staging directory");
    for name in ["package.json", "package-lock.json"] {
        std::fs::copy(format!("{PRISM_DIR}/{name}"), staging.join(name)).expect("copy manifest");
    }
    if let Err(problem) = npm_ci(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        panic!("{problem}");
    }
    std::fs::write(staging.join(".installed-from"), &stamp).expect("install marker");
    for attempt in 0..5 {
        match std::fs::rename(&staging, &dest) {
            Ok(()) => return dest,
            Err(_) if installed(&dest) => {
                let _ = std::fs::remove_dir_all(&staging);
                return dest;
            }
            Err(_) => {
                // Another version is installed there: move it aside (only one process can),
                // then try again.
                let aside = root.join(format!(
                    "prism-stale-{}-{nanos}-{attempt}",
                    std::process::id()
                ));
                if std::fs::rename(&dest, &aside).is_ok() {
                    let _ = std::fs::remove_dir_all(&aside);
                }
            }
        }
    }
    panic!(
        "could not move the Prism install {} to {}",
        staging.display(),
        dest.display()
    );
}

/// `npm ci` in `dir`, then a check that the installed Prism is [`PRISM_VERSION`].
fn npm_ci(dir: &Path) -> Result<(), String> {
    let npm = Command::new("npm")
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm (Node.js and npm are needed): {e}"))?;
    if !npm.status.success() {
        return Err(format!(
            "npm ci of tests/prism failed ({}):\n{}\n{}",
            npm.status,
            String::from_utf8_lossy(&npm.stdout),
            String::from_utf8_lossy(&npm.stderr)
        ));
    }
    let version = Command::new(dir.join("node_modules/.bin/prism"))
        .arg("--version")
        .output()
        .map_err(|e| format!("the installed prism does not run: {e}"))?;
    let printed = String::from_utf8_lossy(&version.stdout);
    if printed.trim() != PRISM_VERSION {
        return Err(format!(
            "installed Prism {:?}, expected {PRISM_VERSION}; stderr: {}",
            printed.trim(),
            String::from_utf8_lossy(&version.stderr)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The spec copies Prism reads

/// The spec `file` as Prism gets it, and the changes made, each named (the module docs say
/// why): paths prefixed with the server's base path, and MaiAgent's presigned POST `url` pointed
/// to `storage_url`. The schemas are those of the committed spec.
fn prism_copy(file: &str, storage_url: Option<&str>) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(format!("{SPECS_DIR}/{file}")).expect("spec");
    let mut doc: Yaml = serde_yaml_ng::from_str(&text).expect("spec parses");
    let mut changes = Vec::new();

    // The first server's URL with its variables at their defaults.
    let server = &doc["servers"][0];
    let mut url = server["url"].as_str().expect("servers[0].url").to_string();
    if let Some(variables) = server["variables"].as_mapping() {
        for (name, variable) in variables {
            let (Some(name), Some(default)) = (name.as_str(), variable["default"].as_str()) else {
                continue;
            };
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let base_path = url::Url::parse(&url)
        .expect("server URL")
        .path()
        .trim_end_matches('/')
        .to_string();
    if !base_path.is_empty() {
        let paths = doc["paths"].as_mapping_mut().expect("paths");
        let prefixed: Mapping = std::mem::take(paths)
            .into_iter()
            .map(|(path, item)| {
                let path = path.as_str().expect("path");
                (Yaml::from(format!("{base_path}{path}")), item)
            })
            .collect();
        *paths = prefixed;
        changes.push(format!("paths prefixed with {base_path}"));
    }

    if let Some(storage_url) = storage_url {
        let example = &mut doc["paths"]["/api/upload-presigned-url/"]["post"]["responses"]["200"]["content"]
            ["application/json"]["example"]["url"];
        assert_eq!(example.as_str(), Some("https://s3.example.com/bucket-name"));
        *example = Yaml::from(storage_url.to_string());
        changes.push("presigned POST example url → the local storage stub".to_string());
    }
    (serde_yaml_ng::to_string(&doc).expect("YAML"), changes)
}

// ---------------------------------------------------------------------------------------------
// Running Prism

/// One `prism mock --errors` on 127.0.0.1, killed with its process group when dropped (so a
/// failed assertion still stops it), behind a proxy that records its responses.
struct Prism {
    child: Child,
    /// Prism's own port, for the raw requests of the negative controls.
    port: u16,
    proxy: Proxy,
    log: PathBuf,
    /// Holds the spec copy and the log.
    _dir: Option<tempfile::TempDir>,
}

impl Prism {
    /// Prism for `spec_text` (YAML), named `name` in messages.
    fn start(name: &str, spec_text: &str) -> Self {
        let bin = prism_install().join("node_modules/.bin/prism");
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = dir.path().join(format!("{name}.yaml").replace(' ', "-"));
        std::fs::write(&spec, spec_text).expect("write spec");
        let log = dir.path().join("prism.log");
        // A port taken by someone else between `free_port` and Prism's bind: try another.
        for _ in 0..3 {
            let port = common::free_port();
            let out = std::fs::File::create(&log).expect("log");
            let child = Command::new(&bin)
                .arg("mock")
                .arg(&spec)
                .args(["--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log"))
                .stderr(out)
                // Its own process group, so that Drop can kill anything it might spawn.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
            let mut prism = Prism {
                child,
                port,
                proxy: Proxy::start(port),
                log: log.clone(),
                _dir: None,
            };
            if prism.wait_until_listening(name) {
                prism._dir = Some(dir);
                return prism;
            }
        }
        panic!("Prism for {name}: its port was taken 3 times");
    }

    /// Waits (at most [`START_TIMEOUT`]) until Prism says it listens and takes connections.
    /// False when its port was taken; a panic with its output for any other failure.
    fn wait_until_listening(&mut self, name: &str) -> bool {
        let started = Instant::now();
        let listening = format!("Prism is listening on http://127.0.0.1:{}", self.port);
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let output = self.output();
                if output.contains("EADDRINUSE") {
                    return false;
                }
                panic!("Prism for {name} exited ({status}) before listening:\n{output}");
            }
            if self.output().contains(&listening)
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            {
                return true;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "Prism for {name} did not listen on {addr} within {START_TIMEOUT:?}; its output:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The base URL clients use (through the recording proxy), with `path` appended.
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.proxy.port)
    }

    /// Prism's own URL for `path`, bypassing the proxy.
    fn direct(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Prism's stdout and stderr so far (the last 6000 characters).
    fn output(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(6000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text[start..].to_string()
    }

    /// The statuses and `sl-violations` of the responses since the last call.
    fn take(&self) -> Exchanges {
        self.proxy.take()
    }

    /// The value of a facade call, after checking that it succeeded and that Prism found nothing
    /// wrong with its requests (or its own responses); otherwise a panic with Prism's findings.
    /// Returns the statuses of the responses the call got.
    #[track_caller]
    fn conforms<T>(&self, what: &str, result: Result<T, Error>) -> (T, Vec<u16>) {
        let exchanges = self.take();
        match result {
            Ok(value) => {
                assert!(
                    exchanges.violations.is_empty(),
                    "{what}: Prism reported violations: {:#?}",
                    exchanges.violations
                );
                (value, exchanges.statuses)
            }
            Err(error) => panic!(
                "{what} failed: {error}\n{error:?}\nPrism's violations: {:#?}\nPrism's log:\n{}",
                exchanges.violations,
                self.output()
            ),
        }
    }

    /// Prism's answer to a raw `request` (sent straight to it, for the negative controls).
    #[track_caller]
    fn send(&self, rt: &tokio::runtime::Runtime, request: reqwest::RequestBuilder) -> Answer {
        rt.block_on(send(request)).unwrap_or_else(|e| {
            panic!(
                "no answer from Prism: {e:?}\nPrism's log:\n{}",
                self.output()
            )
        })
    }

    /// Runs the CLI with `args` (plus `--json --no-progress --attempts 1`), checks that it
    /// succeeded with no violations, and returns the JSON object it printed.
    #[track_caller]
    fn cli(&self, args: &[&str]) -> serde_json::Value {
        let output = crate::cli_command()
            .args(args)
            .args(["--json", "--no-progress", "--attempts", "1"])
            .output()
            .expect("the CLI runs");
        let exchanges = self.take();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && exchanges.violations.is_empty(),
            "upload-clients {args:?}: {}\nstdout: {stdout}\nstderr: {}\nPrism's violations: {:#?}\nPrism's log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            exchanges.violations,
            self.output()
        );
        assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // Prism 5.14.2 is one node process without children (checked with `ps --ppid`); the
        // group is killed anyway, then the process itself, then reaped. (In its own group it
        // does not get a terminal's Ctrl-C: an interrupted `cargo test` can leave it running.)
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy saw Prism answer.
#[derive(Debug, Default)]
struct Exchanges {
    statuses: Vec<u16>,
    /// One line per violation: `location: message (severity)`.
    violations: Vec<String>,
}

/// The bytes Prism sent on one connection.
type Recording = Arc<Mutex<Vec<u8>>>;

/// A TCP proxy to Prism that records each connection's responses, so that a test sees the
/// `sl-violations` header of every response the facade and the CLI get.
struct Proxy {
    port: u16,
    connections: Arc<Mutex<Vec<Recording>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let connections: Arc<Mutex<Vec<Recording>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (record, stopped) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let buffer = Arc::new(Mutex::new(Vec::new()));
                record.lock().expect("lock").push(buffer.clone());
                let (Ok(mut client_read), Ok(mut server_read)) =
                    (client.try_clone(), server.try_clone())
                else {
                    continue;
                };
                let (mut client_write, mut server_write) = (client, server);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut server_write);
                    let _ = server_write.shutdown(Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let mut chunk = vec![0u8; 64 * 1024];
                    loop {
                        let n = match server_read.read(&mut chunk) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        // Recorded before the client can see it, so after a call returns its
                        // responses are all here.
                        buffer.lock().expect("lock").extend_from_slice(&chunk[..n]);
                        if client_write.write_all(&chunk[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = client_write.shutdown(Shutdown::Write);
                });
            }
        });
        Proxy {
            port,
            connections,
            stop,
        }
    }

    fn take(&self) -> Exchanges {
        let mut exchanges = Exchanges::default();
        for buffer in self.connections.lock().expect("lock").iter() {
            let bytes = std::mem::take(&mut *buffer.lock().expect("lock"));
            let text = String::from_utf8_lossy(&bytes);
            // A status line follows the previous response's body directly (no CRLF after it).
            for (at, _) in text.match_indices("HTTP/1.1 ") {
                let code = text.get(at + 9..at + 12).and_then(|c| c.parse().ok());
                exchanges.statuses.push(code.expect("status code"));
            }
            for line in text.split("\r\n") {
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("sl-violations")
                {
                    exchanges.violations.extend(violations(value.trim()));
                }
            }
        }
        exchanges
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The violations of an `sl-violations` header, one line each: `location: message (severity)`.
fn violations(header: &str) -> Vec<String> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(header) else {
        return vec![format!("unparsed: {header}")];
    };
    items
        .iter()
        .map(|v| {
            let location: Vec<&str> = v["location"]
                .as_array()
                .map(|l| l.iter().filter_map(|p| p.as_str()).collect())
                .unwrap_or_default();
            format!(
                "{}: {} ({})",
                location.join("."),
                v["message"].as_str().unwrap_or_default(),
                v["severity"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Negative controls: raw requests straight to Prism

/// Prism's answer to a raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    violations: Vec<String>,
    body: serde_json::Value,
}

async fn send(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let violations = response
        .headers()
        .get("sl-violations")
        .map(|v| violations(v.to_str().expect("ASCII header")))
        .unwrap_or_default();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Ok(Answer {
        status,
        violations,
        body,
    })
}

/// Checks that Prism refused a request with `status` for exactly `expected` (each a
/// `location: message` prefix of a violation, in order).
#[track_caller]
fn refused(what: &str, answer: &Answer, status: u16, expected: &[&str]) {
    assert_eq!(answer.status, status, "{what}: {answer:#?}");
    assert_eq!(
        answer.violations.len(),
        expected.len(),
        "{what}: {answer:#?}"
    );
    for (violation, expected) in answer.violations.iter().zip(expected) {
        assert!(
            violation.starts_with(expected) && violation.ends_with("(Error)"),
            "{what}: expected {expected:?}, got {violation:?}"
        );
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

// ---------------------------------------------------------------------------------------------
// ACS Chat

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

// ---------------------------------------------------------------------------------------------
// RBM

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

// ---------------------------------------------------------------------------------------------
// Azure AI Agents

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

// ---------------------------------------------------------------------------------------------
// MaiAgent

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

// ---------------------------------------------------------------------------------------------
// The emulator refuses what Prism refuses

/// A raw request to `url`, built afresh for each server.
type Build = Box<dyn Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder>;

/// A raw POST to the URL it is given followed by `query`: `Content-Type: content_type`, an
/// `Authorization` when `auth` is given, and `body` when given.
fn post(
    query: &'static str,
    auth: Option<&'static str>,
    content_type: &'static str,
    body: Option<&'static [u8]>,
) -> Build {
    Box::new(move |h, u| {
        let mut request = h
            .post(format!("{u}{query}"))
            .header("content-type", content_type);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        match body {
            Some(body) => request.body(body),
            None => request,
        }
    })
}

const BEARER: Option<&str> = Some("Bearer t");

/// A multipart form for AI Agents with these parts (the file part with a `Content-Type`, which
/// Prism needs).
fn agents_form(purpose: bool) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    if purpose {
        form = form.text("purpose", "assistants");
    }
    form.part(
        "file",
        reqwest::multipart::Part::bytes(b"# notes".to_vec())
            .file_name("notes.md")
            .mime_str("text/markdown")
            .expect("mime"),
    )
}

/// The same requests go to Prism (an independent OpenAPI validator) for the spec `file` and to
/// the emulator, at `path` under each one's base path (the emulator's is `emu_base`): every
/// request in `bad` (each named for what is wrong with it) breaks the spec and is refused by
/// both (4xx), and the valid `control` is accepted by both, so the refusals are for what was
/// broken.
fn both_refuse_what_breaks_the_spec(
    file: &str,
    emu_base: &str,
    path: &str,
    control: Build,
    bad: Vec<(&str, Build)>,
) {
    let rt = runtime();
    let emu = rt
        .block_on(upload_clients_emulator::Emulator::start())
        .expect("emulator");
    let http = reqwest::Client::new();
    let (spec, _) = prism_copy(file, None);
    let prism = Prism::start(file, &spec);
    // Prism serves the paths under the spec's own base path (see `prism_copy`).
    let prism_base = match file {
        "ai-agents-files.yaml" => "/api/projects/your-project",
        "maiagent-attachments.yaml" => "/api",
        _ => "",
    };
    let prism_url = format!("http://127.0.0.1:{}{prism_base}{path}", prism.port);
    let emu_url = format!("{}{emu_base}{path}", emu.base_url());
    let status =
        |build: &Build, url: &str| rt.block_on(send(build(&http, url))).expect("send").status;
    let (p, e) = (status(&control, &prism_url), status(&control, &emu_url));
    assert!(
        p < 400 && e < 400,
        "{file}: the valid control: Prism {p}, emulator {e}"
    );
    for (what, build) in &bad {
        let (p, e) = (status(build, &prism_url), status(build, &emu_url));
        assert!(
            (400..500).contains(&p) && (400..500).contains(&e),
            "{file}, {what}: Prism {p}, emulator {e}"
        );
    }
}

#[test]
fn the_emulator_refuses_what_prism_refuses_of_acs_chat() {
    let version = "?api-version=2024-03-15-preview";
    let octets = "application/octet-stream";
    both_refuse_what_breaks_the_spec(
        "acs-chat.yaml",
        "",
        "/chat/threads/19%3Aa%40thread.v2/images",
        post(version, BEARER, octets, Some(PNG)),
        vec![
            ("no credential", post(version, None, octets, Some(PNG))),
            ("no api-version", post("", BEARER, octets, Some(PNG))),
            (
                "an api-version the spec does not list",
                post("?api-version=2023-11-07", BEARER, octets, Some(PNG)),
            ),
            (
                "a text body",
                post(version, BEARER, "text/plain", Some(b"hello")),
            ),
            ("an empty body", post(version, BEARER, octets, None)),
        ],
    );
}

#[test]
fn the_emulator_refuses_what_prism_refuses_of_rbm() {
    let agent = "?agentId=a";
    both_refuse_what_breaks_the_spec(
        "rbm-files.yaml",
        "",
        "/upload/v1/files",
        post(agent, BEARER, "image/png", Some(PNG)),
        vec![
            ("no agentId", post("", BEARER, "image/png", Some(PNG))),
            (
                "Basic instead of Bearer",
                post(agent, Some("Basic dTpw"), "image/png", Some(PNG)),
            ),
            (
                "a text body",
                post(agent, BEARER, "text/plain", Some(b"hello")),
            ),
            (
                "a thumbnailUrl that is not a URL",
                post(
                    "?agentId=a&thumbnailUrl=not%20a%20url",
                    BEARER,
                    "image/png",
                    Some(PNG),
                ),
            ),
        ],
    );
}

#[test]
fn the_emulator_refuses_what_prism_refuses_of_ai_agents() {
    both_refuse_what_breaks_the_spec(
        "ai-agents-files.yaml",
        "",
        "/files",
        Box::new(|h, u| {
            h.post(format!("{u}?api-version=v1"))
                .bearer_auth("t")
                .multipart(agents_form(true))
        }),
        vec![
            (
                "no purpose part",
                Box::new(|h, u| {
                    h.post(format!("{u}?api-version=v1"))
                        .bearer_auth("t")
                        .multipart(agents_form(false))
                }),
            ),
            (
                "no api-version",
                Box::new(|h, u| h.post(u).bearer_auth("t").multipart(agents_form(true))),
            ),
            (
                "a JSON body",
                Box::new(|h, u| {
                    h.post(format!("{u}?api-version=v1"))
                        .bearer_auth("t")
                        .json(&json!({"purpose": "assistants"}))
                }),
            ),
            (
                "no credential",
                Box::new(|h, u| {
                    h.post(format!("{u}?api-version=v1"))
                        .multipart(agents_form(true))
                }),
            ),
        ],
    );
}

#[test]
fn the_emulator_refuses_what_prism_refuses_of_maiagent() {
    let presign = |body: serde_json::Value| -> Build {
        Box::new(move |h, u| h.post(u).header("authorization", "Api-Key k").json(&body))
    };
    both_refuse_what_breaks_the_spec(
        "maiagent-attachments.yaml",
        "/api",
        "/upload-presigned-url/",
        presign(json!({"fileSize": 5})),
        vec![
            ("no fileSize", presign(json!({"filename": "a.md"}))),
            ("fileSize as a string", presign(json!({"fileSize": "5"}))),
            ("a negative fileSize", presign(json!({"fileSize": -1}))),
            (
                "no credential",
                Box::new(|h, u| h.post(u).json(&json!({"fileSize": 5}))),
            ),
        ],
    );
}
