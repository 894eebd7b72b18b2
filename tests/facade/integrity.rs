//! What arrives is what was sent: storage's ETag, AI Agents' size, the service's clock.

use crate::common;
use httpmock::prelude::*;
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::{AiAgentsClient, Error, MaiAgentClient, UploadSource};

use super::png_source;

/// What one presigned upload against httpmock did: its result, and how many storage POSTs and
/// registrations the service saw.
struct PresignedRun {
    result: Result<upload_clients::maiagent::Attachment, Error>,
    storage_posts: usize,
    registrations: usize,
}

/// What the presign answer carries: its `Date` header, when given, and the form's `policy`.
struct PresignAnswer<'a> {
    date: Option<&'a str>,
    policy: &'a str,
}

/// A presign answer without a `Date`, whose policy is not base64 JSON (nothing to pre-check).
const PLAIN_PRESIGN: PresignAnswer<'static> = PresignAnswer {
    date: None,
    policy: "cG9saWN5",
};

/// MaiAgent's presigned flow for `source` against httpmock: the presign answer as `presign`
/// says, storage answering 204 with `etag` and `headers`, the client trying 3 times with no
/// real wait.
async fn presigned_with_storage_answer(
    source: &UploadSource,
    presign: PresignAnswer<'_>,
    etag: Option<&str>,
    headers: &[(&str, &str)],
) -> PresignedRun {
    let server = MockServer::start_async().await;
    let storage = server.url("/bucket");
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/upload-presigned-url/");
            let mut then = then.status(200);
            if let Some(date) = presign.date {
                then = then.header("date", date);
            }
            then.json_body(serde_json::json!({
                "url": storage, "fields": {"key": "media/${filename}", "policy": presign.policy}
            }));
        })
        .await;
    let stored = server
        .mock_async(|when, then| {
            when.method(POST).path("/bucket");
            let mut then = then.status(204);
            if let Some(etag) = etag {
                then = then.header("etag", etag);
            }
            for (name, value) in headers {
                then = then.header(*name, *value);
            }
        })
        .await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/attachments/");
            then.status(201).json_body(serde_json::json!({
                "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "filename": source.file_name(),
                "file": format!("media/{}", source.file_name())
            }));
        })
        .await;
    let mai = MaiAgentClient::new(Credential::api_key("mai-secret"))
        .expect("client")
        .with_base_url(&server.url("/api"))
        .expect("endpoint")
        .with_retry(upload_clients::policy::RetryPolicy {
            max_attempts: 3,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(5),
            deadline: None,
        });
    let result = mai.upload_presigned(source, None).await;
    PresignedRun {
        result,
        storage_posts: stored.calls_async().await,
        registrations: register.calls_async().await,
    }
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A 3 MiB file (streamed, not sent as one buffer) that is not one byte repeated.
fn large_file(dir: &std::path::Path) -> (std::path::PathBuf, Vec<u8>) {
    let data: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..3 * 1024 * 1024u32).map(|i| (i * 7 % 251) as u8))
        .collect();
    let path = dir.join("report.pdf");
    std::fs::write(&path, &data).expect("write");
    (path, data)
}

#[tokio::test]
async fn a_storage_etag_other_than_the_md5_sent_is_sent_again_then_fails_and_nothing_is_registered()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, data) = large_file(dir.path());
    let streamed = UploadSource::from_path(&path).await.expect("source");
    let small = png_source();
    let wrong = "\"0123456789abcdef0123456789abcdef\"";
    for (what, source, content) in [
        ("sent as one buffer", &small, common::PNG_1X1),
        ("streamed", &streamed, data.as_slice()),
    ] {
        let run = presigned_with_storage_answer(source, PLAIN_PRESIGN, Some(wrong), &[]).await;
        let error = run.result.expect_err(what);
        let Error::RetriesExhausted {
            attempts,
            source: cause,
        } = &error
        else {
            panic!("{what}: not retried: {error:?}");
        };
        assert!(
            matches!(**cause, Error::Integrity { .. }),
            "{what}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&md5_hex(content))
                && message.contains("0123456789abcdef0123456789abcdef")
                && message.contains("media/"),
            "{what}: the message names both MD5s and the key: {message}"
        );
        assert_eq!(
            (*attempts, run.storage_posts, run.registrations),
            (3, 3, 0),
            "{what}: sent again each attempt, never registered"
        );
        // The control: storage answering the MD5 of what was sent.
        let right = format!("\"{}\"", md5_hex(content));
        let run = presigned_with_storage_answer(source, PLAIN_PRESIGN, Some(&right), &[]).await;
        run.result.expect(what);
        assert_eq!((run.storage_posts, run.registrations), (1, 1), "{what}");
    }
}

#[tokio::test]
async fn an_etag_that_states_no_md5_checks_nothing() {
    let wrong = "0123456789abcdef0123456789abcdef";
    let multipart = format!("\"{wrong}-2\"");
    let quoted = format!("\"{wrong}\"");
    for (what, etag, headers) in [
        ("no ETag", None, &[][..]),
        ("a multipart ETag", Some(multipart.as_str()), &[][..]),
        (
            "SSE-KMS",
            Some(quoted.as_str()),
            &[("x-amz-server-side-encryption", "aws:kms")][..],
        ),
        (
            "SSE-C",
            Some(quoted.as_str()),
            &[("x-amz-server-side-encryption-customer-algorithm", "AES256")][..],
        ),
    ] {
        let run = presigned_with_storage_answer(&png_source(), PLAIN_PRESIGN, etag, headers).await;
        assert!(run.result.is_ok(), "{what}: {:?}", run.result);
        assert_eq!((run.storage_posts, run.registrations), (1, 1), "{what}");
    }
}

#[tokio::test]
async fn an_ai_agents_file_of_another_size_fails_naming_it_and_is_not_uploaded_again() {
    let server = MockServer::start_async().await;
    let len = common::PNG_1X1.len();
    let upload = server
        .mock_async(|when, then| {
            when.method(POST).path("/files");
            then.status(200).json_body(serde_json::json!({
                "object": "file", "id": "assistant-short", "bytes": len - 1,
                "filename": "sample.png", "created_at": 1, "purpose": "assistants",
            }));
        })
        .await;
    let agents = AiAgentsClient::new(&server.url(""), Credential::bearer("t")).expect("client");
    let error = agents
        .upload(&png_source(), KnownFilePurpose::Assistants.into())
        .await
        .expect_err("a short file");
    assert!(matches!(error, Error::Integrity { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("assistant-short")
            && message.contains(&len.to_string())
            && message.contains(&(len - 1).to_string()),
        "names the file and both sizes: {message}"
    );
    assert_eq!(upload.calls_async().await, 1, "not uploaded again");
}

/// A policy document expiring at `expiration`, base64 as presigners send it.
fn policy_expiring(expiration: chrono::DateTime<chrono::Utc>) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(
        serde_json::json!({
            "expiration": expiration.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "conditions": [["starts-with", "$key", "media/"]],
        })
        .to_string(),
    )
}

/// The presigned flow with the service's clock `service_ahead` of this machine's and its
/// policy valid for `valid_for` by its clock (negative: expired).
async fn presigned_on_the_services_clock(
    service_ahead: chrono::TimeDelta,
    valid_for: chrono::TimeDelta,
) -> PresignedRun {
    let service_now = chrono::Utc::now() + service_ahead;
    let date = httpdate::fmt_http_date(service_now.into());
    let policy = policy_expiring(service_now + valid_for);
    let presign = PresignAnswer {
        date: Some(&date),
        policy: &policy,
    };
    presigned_with_storage_answer(&png_source(), presign, None, &[]).await
}

#[tokio::test]
async fn a_policy_is_valid_or_expired_by_the_services_clock_not_this_machines() {
    let hours = chrono::TimeDelta::hours;
    // The service is 3 h behind: its policy, valid for another hour by its clock, expired
    // 2 h ago by this machine's.
    let behind = presigned_on_the_services_clock(hours(-3), hours(1)).await;
    assert!(behind.result.is_ok(), "accepted: {:?}", behind.result);
    assert_eq!((behind.storage_posts, behind.registrations), (1, 1));
    // The service is 3 h ahead: its policy expired an hour ago by its clock, and is valid
    // for 2 h more by this machine's. Refused before anything goes to storage.
    let ahead = presigned_on_the_services_clock(hours(3), hours(-1)).await;
    let error = ahead.result.expect_err("expired by the service's clock");
    let message = error.to_string();
    assert!(
        message.contains("expired")
            && message.contains("service's clock")
            && message.contains("this machine's"),
        "names both clocks: {message}"
    );
    assert_eq!(
        (ahead.storage_posts, ahead.registrations),
        (0, 0),
        "nothing sent to storage"
    );
}
