//! The presigned flow's unusable presign answers, through the facade and the CLI: one request to
//! the API, none to storage.

use crate::common;

use common::counting::{self, Counting};
use common::scripted;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{Error, MaiAgentClient, UploadSource};

use super::{Files, cli, files, shown};

/// A presigned form's secret values: an answer that is refused must not show them.
const POLICY: &str = "eyJleHBpcmF0aW9uIjoiUE9MSUNZLVNFQ1JFVC0xMjM0In0=";
const SIGNATURE: &str = "5ec7e75160a7f1e0000000000000000000000000000000000000000000000abc";

/// Presign answers without a usable url or fields, each named, with what the error must say;
/// their urls point to `storage` (or to nothing usable).
fn unusable_presign_answers(
    storage: &Counting,
) -> Vec<(&'static str, serde_json::Value, Vec<String>)> {
    let fields = serde_json::json!({
        "key": "media/${filename}", "policy": POLICY, "x-amz-signature": SIGNATURE
    });
    vec![
        (
            "no url",
            serde_json::json!({ "fields": fields }),
            vec!["missing field `url`".into()],
        ),
        (
            "no fields",
            serde_json::json!({ "url": storage.url }),
            vec!["missing field `fields`".into()],
        ),
        (
            "fields not an object",
            serde_json::json!({ "url": storage.url, "fields": [POLICY, SIGNATURE] }),
            vec!["not valid JSON of that shape".into()],
        ),
        (
            "url not a string",
            serde_json::json!({ "url": 7, "fields": fields }),
            vec!["not valid JSON of that shape".into()],
        ),
        (
            "empty fields",
            serde_json::json!({ "url": storage.url, "fields": {} }),
            vec!["the presigned POST has no form fields".into()],
        ),
        (
            "ftp url",
            serde_json::json!({ "url": format!("ftp://127.0.0.2:{}/bucket", storage.port), "fields": fields }),
            vec![
                format!("\"ftp://127.0.0.2:{}/bucket\"", storage.port),
                "is not an http:// or https:// URL".into(),
            ],
        ),
        (
            "file url",
            serde_json::json!({ "url": "file:///etc/passwd", "fields": fields }),
            vec![
                "\"file:///etc/passwd\"".into(),
                "is not an http:// or https:// URL".into(),
            ],
        ),
        (
            "relative url",
            serde_json::json!({ "url": "/bucket", "fields": fields }),
            vec!["\"/bucket\" is not an http:// or https:// URL".into()],
        ),
        (
            "url without a host",
            serde_json::json!({ "url": "http://", "fields": fields }),
            vec!["\"http://\" is not an http:// or https:// URL".into()],
        ),
    ]
}

/// One unusable presign `answer`, named `case`: the facade's upload of `f.pdf` fails with an
/// invalid response whose message holds each of `needles` and no secret, after the presign
/// request alone; the CLI exits 1 with that message as its one line.
async fn an_unusable_presign_answer_is_refused(
    case: &str,
    answer: &serde_json::Value,
    needles: &[String],
    f: &Files,
) {
    let api = scripted::serve(vec![scripted::response("200 OK", &[], &answer.to_string())]).await;
    let mai = MaiAgentClient::new(Credential::api_key("mai-key"))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(RetryPolicy::none());
    let source = UploadSource::from_path(&f.pdf).await.expect("readable");
    let err = mai.upload_presigned(&source, None).await.expect_err(case);
    assert!(
        matches!(
            err,
            Error::InvalidResponse {
                api: "maiagent",
                ..
            }
        ),
        "{case}: {err:?}"
    );
    assert!(
        !err.is_invalid_input(),
        "{case}: the caller's input was fine"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("maiagent sent an unexpected response: "),
        "{case}: {message}"
    );
    for needle in needles {
        assert!(
            message.contains(needle.as_str()),
            "{case}: {message:?} lacks {needle:?}"
        );
    }
    let debug = format!("{err:?}");
    for secret in [POLICY, SIGNATURE] {
        assert!(
            !message.contains(secret) && !debug.contains(secret),
            "{case}: {debug}"
        );
    }
    println!("MaiPresigned {case}: {message}");
    let requests = api.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{case}: only the presign request");
    assert!(
        requests[0].head.starts_with("post /upload-presigned-url/?"),
        "{case}: {}",
        requests[0].head
    );

    // The CLI: one line, exit status 1 (the API failed; the caller's input was fine).
    let (code, err) = cli(
        vec![
            "maiagent".into(),
            "upload".into(),
            shown(&f.pdf),
            "--presigned".into(),
            "--endpoint".into(),
            api.url.clone(),
        ],
        false,
    )
    .await;
    assert_eq!(code, Some(1), "{case}: {err}");
    assert_eq!(err, format!("error: {message}\n"), "{case}");
    assert_eq!(api.requests.lock().unwrap().len(), 2, "{case}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_answers_without_a_usable_url_or_fields_send_nothing_to_storage() {
    // Storage on another loopback address: any form sent there is a connection it counts.
    let storage = counting::listen("127.0.0.2").await;
    let f = files();
    for (case, answer, needles) in &unusable_presign_answers(&storage) {
        an_unusable_presign_answer_is_refused(case, answer, needles, &f).await;
    }
    assert_eq!(storage.connections().await, 0, "nothing may reach storage");
}
