//! The emulator refuses what Prism refuses: the same raw requests to both, for every spec.

use serde_json::json;

use super::server::Prism;
use super::setup::prism_copy;
use super::{PNG, runtime, send};

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
