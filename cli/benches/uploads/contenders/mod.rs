//! The upload paths and, for each, the three contenders that send the same request to the sink:
//! the crate's facade, raw `reqwest` streaming the same file, and `curl`.
//!
//! Each contender sends what the facade sends on the wire (method, path, query, headers, form
//! fields in order, `Content-Length`), and reads and checks the answer. What the sink received
//! is checked after every upload by [`verify`], so a contender that sends a short body, a chunked
//! body or the wrong form fails the run instead of looking fast.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use tokio_util::io::ReaderStream;
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Limits, MaiAgentClient, RbmClient, UploadSource,
};

use crate::sink::{FILE_HEAD, Record};

/// Every wait of one upload is bounded by this.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// The ACS chat thread the harness uploads to.
pub const THREAD: &str = "19:bench-0000@thread.v2";
/// The RBM agent the harness uploads for.
pub const AGENT: &str = "bench-agent";
/// The AI Agents project endpoint path on the sink.
pub const AGENTS_PATH: &str = "/agents";
/// The MaiAgent base path on the sink.
pub const MAIAGENT_PATH: &str = "/api";

/// One MiB.
const MIB: u64 = 1024 * 1024;

/// An upload path of one facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// ACS Chat `upload_image`: raw `application/octet-stream` body.
    Acs,
    /// RBM `upload_file`: the media body with its own type.
    Rbm,
    /// AI Agents `upload`: multipart `purpose`, `filename`, `file`.
    Agents,
    /// MaiAgent `upload`: multipart with one `file` part.
    MaiAgent,
    /// MaiAgent `upload_presigned`: presign, form POST to storage, register.
    Presigned,
}

impl Api {
    /// Every path, in table order.
    pub const ALL: [Api; 5] = [
        Api::Acs,
        Api::Rbm,
        Api::Agents,
        Api::MaiAgent,
        Api::Presigned,
    ];

    /// The name `--paths` takes.
    pub fn name(self) -> &'static str {
        match self {
            Api::Acs => "acs",
            Api::Rbm => "rbm",
            Api::Agents => "agents",
            Api::MaiAgent => "maiagent",
            Api::Presigned => "presigned",
        }
    }

    /// How the tables show the path.
    pub fn describe(self) -> &'static str {
        match self {
            Api::Acs => "octet-stream: ACS `upload_image`",
            Api::Rbm => "octet-stream: RBM `upload_file`",
            Api::Agents => "multipart: AI Agents `upload`",
            Api::MaiAgent => "multipart: MaiAgent `upload`",
            Api::Presigned => "presigned form: MaiAgent `upload_presigned`",
        }
    }

    /// The size limit the facade (and so the CLI) applies by default.
    pub fn limit(self) -> Option<u64> {
        match self {
            Api::Acs => Limits::acs_chat_images().max_bytes,
            Api::Rbm => Limits::rbm_files().max_bytes,
            Api::Agents => Limits::ai_agents_files().max_bytes,
            Api::MaiAgent | Api::Presigned => Limits::maiagent_attachments().max_bytes,
        }
    }

    /// Parses a `--paths` name.
    pub fn parse(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.name() == name.trim())
    }

    /// What the sink must record for one upload: `(path, status, carries the file)` per request.
    fn expected(self) -> Vec<(String, u16, bool)> {
        match self {
            Api::Acs => vec![(format!("/chat/threads/{THREAD}/images"), 201, true)],
            Api::Rbm => vec![("/upload/v1/files".into(), 200, true)],
            Api::Agents => vec![(format!("{AGENTS_PATH}/files"), 200, true)],
            Api::MaiAgent => vec![(format!("{MAIAGENT_PATH}/attachments-upload/"), 200, true)],
            Api::Presigned => vec![
                (format!("{MAIAGENT_PATH}/upload-presigned-url/"), 200, false),
                ("/bucket".into(), 204, true),
                (format!("{MAIAGENT_PATH}/attachments/"), 201, false),
            ],
        }
    }
}

/// Who sends the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    /// The crate's facade client.
    Facade,
    /// Raw `reqwest`, streaming the same file.
    Raw,
    /// The `curl` command.
    Curl,
}

impl Contender {
    /// How the tables show the contender.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Facade => "facade",
            Contender::Raw => "raw reqwest",
            Contender::Curl => "curl",
        }
    }
}

/// What every contender shares: the sink's address, one `reqwest` client (one pool) and the
/// chunk size raw `reqwest` reads the file in.
#[derive(Clone)]
pub struct Env {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The client of the facades and of raw `reqwest`.
    pub http: reqwest::Client,
    /// The chunk size raw `reqwest` reads files in.
    pub raw_chunk: usize,
}

/// A facade client, built before any timing (building one sets up TLS, which is not upload
/// work), with the API's limits unless the file exceeds them.
pub enum Facade {
    /// ACS Chat.
    Acs(AcsChatClient),
    /// RBM.
    Rbm(RbmClient),
    /// AI Agents.
    Agents(AiAgentsClient),
    /// MaiAgent, one request or presigned.
    MaiAgent(MaiAgentClient, bool),
}

impl Facade {
    /// The facade of `api` on the sink, for files of `size` bytes.
    pub fn new(env: &Env, api: Api, size: u64) -> Result<Self, String> {
        let lift = api.limit().is_some_and(|max| size > max);
        let limits = |default: Limits| if lift { Limits::none() } else { default };
        let http = env.http.clone();
        let e = |e: upload_clients::Error| e.to_string();
        Ok(match api {
            Api::Acs => Facade::Acs(
                AcsChatClient::new(&env.base, Credential::bearer("bench-token"))
                    .map_err(e)?
                    .with_http_client(http)
                    .with_limits(limits(Limits::acs_chat_images()))
                    .with_retry(RetryPolicy::none()),
            ),
            Api::Rbm => Facade::Rbm(
                RbmClient::new(Credential::bearer("bench-token"))
                    .map_err(e)?
                    .with_base_url(&env.base)
                    .map_err(e)?
                    .with_http_client(http)
                    .with_limits(limits(Limits::rbm_files()))
                    .with_retry(RetryPolicy::none()),
            ),
            Api::Agents => Facade::Agents(
                AiAgentsClient::new(
                    &format!("{}{AGENTS_PATH}", env.base),
                    Credential::bearer("bench-token"),
                )
                .map_err(e)?
                .with_http_client(http)
                .with_limits(limits(Limits::ai_agents_files()))
                .with_retry(RetryPolicy::none()),
            ),
            Api::MaiAgent | Api::Presigned => Facade::MaiAgent(
                MaiAgentClient::new(Credential::api_key("bench-key"))
                    .map_err(e)?
                    .with_base_url(&format!("{}{MAIAGENT_PATH}", env.base))
                    .map_err(e)?
                    .with_http_client(http)
                    .with_limits(limits(Limits::maiagent_attachments()))
                    .with_retry(RetryPolicy::none()),
                api == Api::Presigned,
            ),
        })
    }

    /// Uploads the file at `path` as a user of the facade does: `UploadSource::from_path`,
    /// then the upload call; checks the result.
    pub async fn upload(&self, path: &Path) -> Result<(), String> {
        let source = UploadSource::from_path(path)
            .await
            .map_err(|e| e.to_string())?;
        self.upload_source(&source).await
    }

    /// Uploads `source` and checks the result.
    pub async fn upload_source(&self, source: &UploadSource) -> Result<(), String> {
        let e = |e: upload_clients::Error| e.to_string();
        match self {
            Facade::Acs(client) => {
                let image = client.upload_image(THREAD, source).await.map_err(e)?;
                check(image.id == "img-sink" && image.url.is_some(), "ACS image")
            }
            Facade::Rbm(client) => {
                let file = client.upload_file(AGENT, source, None).await.map_err(e)?;
                check(file.name == "files/sink", "RBM file")
            }
            Facade::Agents(client) => {
                let info = client
                    .upload(source, KnownFilePurpose::Assistants.into())
                    .await
                    .map_err(e)?;
                check(Some(info.bytes as u64) == source.len(), "FileInfo.bytes")
            }
            Facade::MaiAgent(client, false) => client.upload(source).await.map(drop).map_err(e),
            Facade::MaiAgent(client, true) => {
                let attachment = client.upload_presigned(source, None).await.map_err(e)?;
                check(attachment.file == "media/f", "attachment")
            }
        }
    }

    /// The facade's own `upload_many` (`upload_presigned_many` for the presigned path) over
    /// `sources`, `concurrency` at a time: one result per source, in order.
    pub async fn upload_many(
        &self,
        sources: &[UploadSource],
        concurrency: usize,
    ) -> Vec<Result<(), String>> {
        fn each<T>(results: Vec<Result<T, upload_clients::Error>>) -> Vec<Result<(), String>> {
            results
                .into_iter()
                .map(|r| r.map(drop).map_err(|e| e.to_string()))
                .collect()
        }
        match self {
            Facade::Acs(client) => each(client.upload_many(THREAD, sources, concurrency).await),
            Facade::Rbm(client) => {
                each(client.upload_many(AGENT, sources, None, concurrency).await)
            }
            Facade::Agents(client) => each(
                client
                    .upload_many(sources, KnownFilePurpose::Assistants.into(), concurrency)
                    .await,
            ),
            Facade::MaiAgent(client, false) => each(client.upload_many(sources, concurrency).await),
            Facade::MaiAgent(client, true) => each(
                client
                    .upload_presigned_many(sources, None, concurrency)
                    .await,
            ),
        }
    }
}

/// `Ok` when `ok`, else an error naming `what`.
fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected {what} in the answer"))
    }
}

/// The file at `path` as a streamed body of known length, read in `chunk`-byte reads, with the
/// buffer clamped to the file's length as the facade clamps it (a 10 KiB file gets a 10 KiB
/// buffer, not a 2 MiB one).
async fn raw_body(path: &Path, chunk: usize) -> Result<(reqwest::Body, u64), String> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let len = file.metadata().await.map_err(|e| e.to_string())?.len();
    let capacity = usize::try_from(len).unwrap_or(chunk).clamp(1, chunk);
    let stream = ReaderStream::with_capacity(file, capacity);
    Ok((reqwest::Body::wrap_stream(stream), len))
}

/// The file at `path` as a multipart `file` part of known length.
async fn raw_part(path: &Path, chunk: usize) -> Result<reqwest::multipart::Part, String> {
    let (body, len) = raw_body(path, chunk).await?;
    reqwest::multipart::Part::stream_with_length(body, len)
        .file_name(file_name(path))
        .mime_str("image/png")
        .map_err(|e| e.to_string())
}

/// The last component of `path`.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Sends `request`, expects `status`, and returns the body as JSON (`Null` when empty).
async fn expect(
    request: reqwest::RequestBuilder,
    status: u16,
) -> Result<serde_json::Value, String> {
    let response = request.send().await.map_err(|e| format!("{e:?}"))?;
    let got = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if got != status {
        return Err(format!(
            "status {got}, not {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    if body.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// Uploads the file at `path` with raw `reqwest`, the same request the facade sends.
pub async fn raw(env: &Env, api: Api, path: &Path) -> Result<(), String> {
    let http = &env.http;
    let base = &env.base;
    let name = file_name(path);
    match api {
        Api::Acs => {
            let (body, len) = raw_body(path, env.raw_chunk).await?;
            let request = acs_request(env, path)
                .header(CONTENT_LENGTH, len)
                .body(body);
            let json = expect(request, 201).await?;
            check(json["id"] == "img-sink", "ACS image")
        }
        Api::Rbm => {
            let (body, len) = raw_body(path, env.raw_chunk).await?;
            let request = http
                .post(format!("{base}/upload/v1/files"))
                .query(&[("agentId", AGENT)])
                .header(AUTHORIZATION, "Bearer bench-token")
                .header(CONTENT_TYPE, "image/png")
                .header(CONTENT_LENGTH, len)
                .body(body);
            let json = expect(request, 200).await?;
            check(json["name"] == "files/sink", "RBM file")
        }
        Api::Agents => {
            let form = reqwest::multipart::Form::new()
                .text("purpose", "assistants")
                .text("filename", name)
                .part("file", raw_part(path, env.raw_chunk).await?);
            let request = http
                .post(format!("{base}{AGENTS_PATH}/files"))
                .query(&[("api-version", "v1")])
                .header(AUTHORIZATION, "Bearer bench-token")
                .multipart(form);
            let json = expect(request, 200).await?;
            check(json["id"] == "assistant-sink", "FileInfo")
        }
        Api::MaiAgent => {
            let form =
                reqwest::multipart::Form::new().part("file", raw_part(path, env.raw_chunk).await?);
            let request = http
                .post(format!("{base}{MAIAGENT_PATH}/attachments-upload/"))
                .header(AUTHORIZATION, "Api-Key bench-key")
                .multipart(form);
            expect(request, 200).await.map(drop)
        }
        Api::Presigned => {
            let len = tokio::fs::metadata(path)
                .await
                .map_err(|e| e.to_string())?
                .len();
            #[derive(serde::Deserialize)]
            struct Post {
                url: String,
                fields: IndexMap<String, String>,
            }
            let request = http
                .post(format!("{base}{MAIAGENT_PATH}/upload-presigned-url/"))
                .query(&[
                    ("fieldName", "file"),
                    ("filename", name.as_str()),
                    ("modelName", "attachment"),
                ])
                .header(AUTHORIZATION, "Api-Key bench-key")
                .json(&serde_json::json!({ "fileSize": len }));
            let post: Post =
                serde_json::from_value(expect(request, 200).await?).map_err(|e| e.to_string())?;
            let mut form = reqwest::multipart::Form::new();
            for (field, value) in &post.fields {
                form = form.text(field.clone(), value.clone());
            }
            let form = form.part("file", raw_part(path, env.raw_chunk).await?);
            expect(http.post(&post.url).multipart(form), 204).await?;
            let key = post.fields["key"].replace("${filename}", &name);
            let request = http
                .post(format!("{base}{MAIAGENT_PATH}/attachments/"))
                .header(AUTHORIZATION, "Api-Key bench-key")
                .json(&serde_json::json!({ "filename": name, "file": key }));
            let json = expect(request, 201).await?;
            check(json["file"] == "media/f", "attachment")
        }
    }
}

/// What one curl run took.
#[derive(Debug, Clone, Copy)]
pub struct CurlTimes {
    /// curl's own `time_total`, summed over its transfers: the upload without process start.
    pub transfer: f64,
    /// From spawning curl to its exit, summed over its invocations.
    pub wall: f64,
    /// The largest peak RSS of its invocations, when measured.
    pub max_rss_kib: Option<u64>,
}

/// The curl invocations (each a list of arguments) for one upload of `path` on `api`.
///
/// The presigned flow is two curls: presign and the storage form in one (`--next`, one
/// connection), then the registration. curl cannot read the presign answer, so it sends the
/// fields the sink is known to return. One curl for all three transfers would be fairer on
/// process starts but not on bytes: curl 7.88 sends the storage form ~55% slower when a third
/// transfer follows it in the same invocation (BENCHMARKS.md has the measurement), which is
/// not the upload speed curl is the reference for.
fn curl_invocations(base: &str, api: Api, path: &Path) -> Vec<Vec<String>> {
    let name = file_name(path);
    let file = path.display().to_string();
    let common = |v: &mut Vec<String>| {
        v.extend(
            [
                "-sS",
                "--fail-with-body",
                "-o",
                "/dev/null",
                "--max-time",
                "600",
                "-w",
                "%{http_code} %{time_total}\\n",
            ]
            .map(String::from),
        );
    };
    let mut v = Vec::new();
    common(&mut v);
    let octet =
        |v: &mut Vec<String>, content_type: &str, auth: &str, extra: &[String], url: String| {
            v.extend(["-X", "POST", "-T", &file, "-H"].map(String::from));
            v.push(format!("Content-Type: {content_type}"));
            v.push("-H".into());
            v.push(format!("Authorization: {auth}"));
            v.extend(extra.iter().cloned());
            v.push(url);
        };
    match api {
        Api::Acs => octet(
            &mut v,
            "application/octet-stream",
            "Bearer bench-token",
            &["-H".into(), format!("image-filename: {name}")],
            format!(
                "{base}/chat/threads/{THREAD}/images?api-version={}",
                upload_clients::acs_chat::api_version()
            ),
        ),
        Api::Rbm => octet(
            &mut v,
            "image/png",
            "Bearer bench-token",
            &[],
            format!("{base}/upload/v1/files?agentId={AGENT}"),
        ),
        Api::Agents => {
            v.extend(["-H".into(), "Authorization: Bearer bench-token".into()]);
            v.extend(["-F".into(), "purpose=assistants".into()]);
            v.extend(["-F".into(), format!("filename={name}")]);
            v.extend(["-F".into(), format!("file=@{file};type=image/png")]);
            v.push(format!("{base}{AGENTS_PATH}/files?api-version=v1"));
        }
        Api::MaiAgent => {
            v.extend(["-H".into(), "Authorization: Api-Key bench-key".into()]);
            v.extend(["-F".into(), format!("file=@{file};type=image/png")]);
            v.push(format!("{base}{MAIAGENT_PATH}/attachments-upload/"));
        }
        Api::Presigned => {
            let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            v.extend(["-H".into(), "Authorization: Api-Key bench-key".into()]);
            v.extend(["-H".into(), "Content-Type: application/json".into()]);
            v.extend(["-d".into(), format!(r#"{{"fileSize":{len}}}"#)]);
            v.push(format!(
                "{base}{MAIAGENT_PATH}/upload-presigned-url/?fieldName=file&filename={name}&modelName=attachment"
            ));
            v.push("--next".into());
            common(&mut v);
            v.extend(["-F".into(), "key=media/${filename}".into()]);
            v.extend(["-F".into(), "policy=cG9saWN5".into()]);
            v.extend(["-F".into(), format!("file=@{file};type=image/png")]);
            v.push(format!("{base}/bucket"));
            let mut register = Vec::new();
            common(&mut register);
            register.extend(["-H".into(), "Authorization: Api-Key bench-key".into()]);
            register.extend(["-H".into(), "Content-Type: application/json".into()]);
            register.extend([
                "-d".into(),
                format!(r#"{{"filename":"{name}","file":"media/{name}"}}"#),
            ]);
            register.push(format!("{base}{MAIAGENT_PATH}/attachments/"));
            return vec![v, register];
        }
    }
    vec![v]
}

/// Uploads the file at `path` with curl; blocking.
pub fn curl(base: &str, api: Api, path: &Path) -> Result<CurlTimes, String> {
    curl_measured(base, api, path, false)
}

/// [`curl`], each invocation under `/usr/bin/time -v` when `rss` asks for its peak RSS (the
/// largest of the invocations, in [`CurlTimes::max_rss_kib`]).
pub fn curl_measured(base: &str, api: Api, path: &Path, rss: bool) -> Result<CurlTimes, String> {
    let mut times = CurlTimes {
        transfer: 0.0,
        wall: 0.0,
        max_rss_kib: None,
    };
    let mut statuses = Vec::new();
    for args in curl_invocations(base, api, path) {
        let mut command = crate::memory::command("curl", rss);
        command.args(args);
        let finished = crate::memory::run_measured(command, "curl", rss)?;
        times.wall += finished.secs;
        times.max_rss_kib = times.max_rss_kib.max(finished.max_rss_kib);
        for line in finished.stdout.lines().filter(|l| !l.trim().is_empty()) {
            let (code, secs) = line
                .split_once(' ')
                .ok_or_else(|| format!("curl printed {line:?}"))?;
            statuses.push(code.parse::<u16>().map_err(|e| e.to_string())?);
            times.transfer += secs.trim().parse::<f64>().map_err(|e| e.to_string())?;
        }
    }
    let expected: Vec<u16> = api.expected().iter().map(|(_, s, _)| *s).collect();
    if statuses != expected {
        return Err(format!("curl got statuses {statuses:?}, not {expected:?}"));
    }
    Ok(times)
}

/// One curl process sending every upload of `files` on `api` with `--parallel --parallel-max
/// max` (each upload the request of [`curl_invocations`], from a config file given with `-K`),
/// under `/usr/bin/time -v` when `rss` asks for its peak RSS.
pub struct CurlParallel {
    /// From spawning curl to its exit.
    pub wall: f64,
    /// The connections curl opened (`%{num_connects}` summed over the transfers).
    pub connects: u64,
    /// curl's peak RSS, when measured.
    pub max_rss_kib: Option<u64>,
}

/// A curl config file (`-K`) for the invocations of [`curl_invocations`]: each option on a line
/// of its own, `next` between transfers. `-sS` is left to the command line (it is global); the
/// write-out is replaced by `%{http_code} %{num_connects}`; `extra_headers` are added to every
/// transfer.
fn curl_config(invocations: &[Vec<String>], extra_headers: &[&str]) -> Result<String, String> {
    let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
    let mut config = String::new();
    for (i, args) in invocations.iter().enumerate() {
        if i > 0 {
            config.push_str("next\n");
        }
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let long = match arg.as_str() {
                "-sS" => continue,
                "--fail-with-body" => {
                    config.push_str("fail-with-body\n");
                    continue;
                }
                "--next" => {
                    for header in extra_headers {
                        config.push_str(&format!("header = {}\n", quote(header)));
                    }
                    config.push_str("next\n");
                    continue;
                }
                "-o" => "output",
                "-w" => {
                    it.next();
                    config.push_str("write-out = \"%{http_code} %{num_connects}\\n\"\n");
                    continue;
                }
                "-X" => "request",
                "-T" => "upload-file",
                "-H" => "header",
                "-F" => "form",
                "-d" => "data",
                other if other.starts_with("--") => &other[2..],
                other if other.starts_with('-') => {
                    return Err(format!("curl_config: unknown option {other}"));
                }
                url => {
                    config.push_str(&format!("url = {}\n", quote(url)));
                    continue;
                }
            };
            let value = it
                .next()
                .ok_or_else(|| format!("curl_config: {arg} without a value"))?;
            config.push_str(&format!("{long} = {}\n", quote(value)));
        }
        for header in extra_headers {
            config.push_str(&format!("header = {}\n", quote(header)));
        }
    }
    Ok(config)
}

/// Uploads every file of `files` on `api` with ONE curl process, `--parallel --parallel-max
/// max`; `extra_headers` are added to every transfer (`Expect:` drops curl's
/// `Expect: 100-continue`, which the facade does not send). Checks curl's exit status and every
/// transfer's status.
pub fn curl_parallel(
    base: &str,
    api: Api,
    files: &[PathBuf],
    max: usize,
    extra_headers: &[&str],
    rss: bool,
) -> Result<CurlParallel, String> {
    let invocations: Vec<Vec<String>> = files
        .iter()
        .flat_map(|f| curl_invocations(base, api, f))
        .collect();
    let config = curl_config(&invocations, extra_headers)?;
    let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut file, config.as_bytes()).map_err(|e| e.to_string())?;
    let mut command = crate::memory::command("curl", rss);
    command
        .args([
            "-sS",
            "--parallel",
            "--parallel-max",
            &max.to_string(),
            "-K",
        ])
        .arg(file.path());
    let finished = crate::memory::run_measured(command, "curl --parallel", rss)?;
    let (mut statuses, mut connects) = (Vec::new(), 0u64);
    for line in finished.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let (code, n) = line
            .split_once(' ')
            .ok_or_else(|| format!("curl printed {line:?}"))?;
        statuses.push(code.parse::<u16>().map_err(|e| e.to_string())?);
        connects += n.trim().parse::<u64>().map_err(|e| e.to_string())?;
    }
    // Parallel transfers end in any order: compare the statuses as counts.
    let mut expected: Vec<u16> = files
        .iter()
        .flat_map(|_| api.expected().into_iter().map(|(_, s, _)| s))
        .collect();
    expected.sort_unstable();
    statuses.sort_unstable();
    if statuses != expected {
        let ok = statuses.iter().filter(|s| (200..300).contains(*s)).count();
        return Err(format!(
            "curl --parallel got {} statuses ({ok} successes), not {}",
            statuses.len(),
            expected.len()
        ));
    }
    Ok(CurlParallel {
        wall: finished.secs,
        connects,
        max_rss_kib: finished.max_rss_kib,
    })
}

/// Runs `command` to completion with its output captured, killing it after `timeout`.
pub fn run_bounded(
    mut command: Command,
    timeout: Duration,
) -> Result<std::process::Output, String> {
    let shown = format!("{:?}", command.get_program());
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(timeout).is_err() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            true
        } else {
            false
        }
    });
    let output = child.wait_with_output().map_err(|e| e.to_string());
    let _ = done.send(());
    if watchdog.join().unwrap_or(false) {
        return Err(format!(
            "{shown} ran longer than {timeout:?} and was killed"
        ));
    }
    output
}

/// Checks what the sink recorded for one upload of `size` bytes on `api`: the expected
/// requests in order, each answered with success, none chunked, the file complete and starting
/// with `file_head`, and the form fields in the expected order.
pub fn verify(api: Api, records: &[Record], size: u64, file_head: &[u8]) -> Result<(), String> {
    let expected = api.expected();
    let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
    if records.len() != expected.len() {
        return Err(format!(
            "the sink saw {} requests {paths:?}, not {}",
            records.len(),
            expected.len()
        ));
    }
    for (record, (path, status, carries_file)) in records.iter().zip(&expected) {
        if record.path != *path || record.status != *status {
            return Err(format!(
                "the sink saw {} {} answered {}, not {path} answered {status}",
                record.method, record.path, record.status
            ));
        }
        if record.chunked {
            return Err(format!("{path} was sent chunked"));
        }
        let Some(file) = &record.file else {
            if *carries_file {
                return Err(format!(
                    "{path} carried no file ({} bytes of body)",
                    record.body_bytes
                ));
            }
            continue;
        };
        if file.bytes != size {
            return Err(format!(
                "{path}: the sink received {} bytes of the file, not {size}",
                file.bytes
            ));
        }
        let n = file_head.len().min(FILE_HEAD);
        if file.head.get(..n) != Some(&file_head[..n]) {
            return Err(format!(
                "{path}: the file's first bytes differ from the file's"
            ));
        }
        let names: Vec<&str> = file.fields.iter().map(|(n, _)| n.as_str()).collect();
        let want: &[&str] = match api {
            Api::Agents => &["purpose", "filename"],
            Api::Presigned => &["key", "policy"],
            _ => &[],
        };
        if names != want {
            return Err(format!(
                "{path}: form fields {names:?} before the file, not {want:?}"
            ));
        }
    }
    Ok(())
}

/// The small-uploads contenders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallContender {
    /// `UploadSource::from_path` for every file (`concurrency` at a time), then
    /// `AcsChatClient::upload_many`: the facade from files on disk, all of its work timed.
    FacadeMany,
    /// `AcsChatClient::upload_many` alone, over sources built before the clock starts.
    FacadeManyPrebuilt,
    /// `UploadSource::from_path` + `upload_image` per file, in `buffer_unordered`.
    FacadeFromPath,
    /// `tokio::fs::read` + `UploadSource::from_bytes` for every file, then `upload_many`: the
    /// facade given the bytes, as a caller who reads small files whole would use it.
    FacadeFromBytes,
    /// Raw `reqwest` reading each file whole (`tokio::fs::read`) and sending the bytes: what a
    /// caller who knows the files are small would write; shown, not the target's baseline.
    RawRead,
    /// Raw `reqwest`: open, stream, check the answer, in `buffer_unordered`.
    Raw,
}

impl SmallContender {
    /// How the tables show the contender.
    pub fn name(self) -> &'static str {
        match self {
            SmallContender::FacadeMany => "facade: `from_path` for each, then `upload_many`",
            SmallContender::FacadeManyPrebuilt => {
                "facade: `upload_many` only (sources built before timing)"
            }
            SmallContender::FacadeFromPath => "facade: `from_path` + `upload_image` per file",
            SmallContender::FacadeFromBytes => {
                "facade: `tokio::fs::read` + `from_bytes` for each, then `upload_many`"
            }
            SmallContender::RawRead => "raw reqwest: `tokio::fs::read` + bytes body per file",
            SmallContender::Raw => "raw reqwest: open + stream per file",
        }
    }
}

/// The ACS upload request for the file at `path`, without its body.
fn acs_request(env: &Env, path: &Path) -> reqwest::RequestBuilder {
    env.http
        .post(format!("{}/chat/threads/{THREAD}/images", env.base))
        .query(&[("api-version", upload_clients::acs_chat::api_version())])
        .header(AUTHORIZATION, "Bearer bench-token")
        .header(CONTENT_TYPE, "application/octet-stream")
        .header("image-filename", file_name(path))
}

/// The ACS request of [`raw`], with the file read whole into memory first.
async fn raw_acs_read(env: &Env, path: &Path) -> Result<(), String> {
    let content = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
    let json = expect(acs_request(env, path).body(content), 201).await?;
    check(json["id"] == "img-sink", "ACS image")
}

/// `UploadSource::from_path` for every file, `concurrency` at a time, in order.
async fn sources_of(files: &[PathBuf], concurrency: usize) -> Result<Vec<UploadSource>, String> {
    use futures_util::StreamExt;
    futures_util::stream::iter(files.iter().map(UploadSource::from_path))
        .buffered(concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
}

/// Uploads every file of `files` through ACS with `concurrency` uploads in flight; returns the
/// time taken. Every upload must succeed.
pub async fn small_batch(
    env: &Env,
    facade: &Facade,
    files: &[PathBuf],
    concurrency: usize,
    contender: SmallContender,
) -> Result<Duration, String> {
    use futures_util::StreamExt;
    let Facade::Acs(acs) = facade else {
        return Err("the small case needs the ACS facade".into());
    };
    let prebuilt = if contender == SmallContender::FacadeManyPrebuilt {
        sources_of(files, concurrency).await?
    } else {
        Vec::new()
    };
    let started = Instant::now();
    let many =
        |results: Vec<Result<upload_clients::acs_chat::ChatImage, upload_clients::Error>>| {
            results
                .into_iter()
                .map(|r| {
                    r.map_err(|e| e.to_string())
                        .and_then(|image| check(image.id == "img-sink", "ACS image"))
                })
                .collect::<Vec<_>>()
        };
    let results: Vec<Result<(), String>> = match contender {
        SmallContender::FacadeMany => {
            let sources = sources_of(files, concurrency).await?;
            many(acs.upload_many(THREAD, &sources, concurrency).await)
        }
        SmallContender::FacadeManyPrebuilt => {
            many(acs.upload_many(THREAD, &prebuilt, concurrency).await)
        }
        SmallContender::FacadeFromBytes => {
            let sources = futures_util::stream::iter(files.iter().map(|f| async move {
                let content = tokio::fs::read(f).await.map_err(|e| e.to_string())?;
                Ok::<_, String>(UploadSource::from_bytes(content, file_name(f)))
            }))
            .buffered(concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
            many(acs.upload_many(THREAD, &sources, concurrency).await)
        }
        SmallContender::FacadeFromPath => {
            futures_util::stream::iter(files.iter().map(|f| facade.upload(f)))
                .buffer_unordered(concurrency)
                .collect()
                .await
        }
        SmallContender::RawRead => {
            futures_util::stream::iter(files.iter().map(|f| raw_acs_read(env, f)))
                .buffer_unordered(concurrency)
                .collect()
                .await
        }
        SmallContender::Raw => {
            futures_util::stream::iter(files.iter().map(|f| raw(env, Api::Acs, f)))
                .buffer_unordered(concurrency)
                .collect()
                .await
        }
    };
    let elapsed = started.elapsed();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if let Some(first) = failures.first() {
        return Err(format!(
            "{} of {} uploads failed, first: {first}",
            failures.len(),
            files.len()
        ));
    }
    Ok(elapsed)
}

/// A plain blocking HTTP/1.1 connection to the sink that writes bodies from memory: the
/// fastest a client can feed the sink (no file reads, no HTTP client work), to show the sink is
/// not the bottleneck. Kept alive across uploads, as the `reqwest` contenders' pool is.
pub struct CeilingClient {
    stream: std::net::TcpStream,
    addr: String,
}

impl CeilingClient {
    /// Connects to the sink at `base`.
    pub fn connect(base: &str) -> Result<Self, String> {
        let addr = base.trim_start_matches("http://").to_string();
        let stream = std::net::TcpStream::connect(&addr).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(UPLOAD_TIMEOUT))
            .map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(UPLOAD_TIMEOUT))
            .map_err(|e| e.to_string())?;
        Ok(Self { stream, addr })
    }

    /// POSTs `size` bytes (`first_mib`, repeated) to `/upload/v1/files` and reads the answer;
    /// returns the seconds taken.
    pub fn upload(&mut self, first_mib: &[u8], size: u64) -> Result<f64, String> {
        use std::io::{Read, Write};
        let started = Instant::now();
        let head = format!(
            "POST /upload/v1/files?agentId={AGENT} HTTP/1.1\r\nhost: {}\r\ncontent-type: image/png\r\ncontent-length: {size}\r\n\r\n",
            self.addr
        );
        let e = |e: std::io::Error| e.to_string();
        self.stream.write_all(head.as_bytes()).map_err(e)?;
        let mut left = size;
        while left > 0 {
            let n = left.min(first_mib.len() as u64) as usize;
            self.stream.write_all(&first_mib[..n]).map_err(e)?;
            left -= n as u64;
        }
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.stream.read(&mut chunk).map_err(e)?;
            if n == 0 {
                return Err("the sink closed the connection".into());
            }
            answer.extend_from_slice(&chunk[..n]);
            if let Some(end) = crate::sink::find(&answer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
                let body_len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if answer.len() >= end + 4 + body_len {
                    break;
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        if !answer.starts_with(b"HTTP/1.1 200") {
            return Err(format!(
                "the sink answered {:?}",
                String::from_utf8_lossy(&answer)
            ));
        }
        Ok(secs)
    }
}

/// Throughput in MiB/s.
pub fn mib_per_s(size: u64, secs: f64) -> f64 {
    size as f64 / MIB as f64 / secs
}
