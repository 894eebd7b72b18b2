//! MaiAgent's presigned flow, storage on another host: no failure shows the key, the policy or
//! the signature, and storage never gets a credential.

use crate::common;

use common::scripted::{self, Scripted, response};
use upload_clients::auth::Credential;
use upload_clients::maiagent::presigned_post::PresignedPost;
use upload_clients::{Error, MaiAgentClient};

use super::{
    MAI_KEY, POLICY, SECURITY_TOKEN, SIGNATURE, assert_no_secret, assert_nothing_shown, fast,
    heads, log_buffer, pdf,
};

/// The `fields` of a presigned answer, with every secret field.
fn fields() -> serde_json::Value {
    serde_json::json!({
        "key": "media/${filename}",
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "AKIAEXAMPLE/20300101/us-east-1/s3/aws4_request",
        "x-amz-security-token": SECURITY_TOKEN,
        "policy": POLICY,
        "x-amz-signature": SIGNATURE,
    })
}

fn presign_answer(storage_url: &str) -> String {
    response(
        "200 OK",
        &[],
        &serde_json::json!({"url": format!("{storage_url}/bucket"), "fields": fields()})
            .to_string(),
    )
}

/// S3's answer to a form whose signature does not match, echoing the policy and the
/// signature; `padding` bytes of `StringToSignBytes` make it as long as a real one.
fn signature_does_not_match(padding: usize) -> String {
    let hex: String = POLICY
        .bytes()
        .map(|b| format!("{b:02x} "))
        .cycle()
        .take(padding)
        .collect();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId><StringToSign>{POLICY}</StringToSign><SignatureProvided>{SIGNATURE}</SignatureProvided><StringToSignBytes>{hex}</StringToSignBytes><RequestId>S3REQ1</RequestId></Error>"
    );
    format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Storage for the presigned failures, on another host (127.0.0.2), answering each form in
/// turn as the numbered comments say.
async fn presigned_storage() -> Scripted {
    scripted::serve_on(
        "127.0.0.2",
        vec![
            // 1: S3 refuses the signature, echoing policy and signature in a short body.
            signature_does_not_match(200),
            // 2: the same, as long as a real one: cut by the 2 KiB cap, no longer XML.
            signature_does_not_match(6000),
            // 3, 4: a 500 retried until given up.
            response("500 Internal Server Error", &[], "storage down"),
            response("500 Internal Server Error", &[], "storage down"),
            // 5, 6: accepted (registration then fails; then succeeds).
            response("204 No Content", &[], ""),
            response("204 No Content", &[], ""),
        ],
    )
    .await
}

/// MaiAgent's API for the presigned failures: a refused presign, then presigned POSTs to
/// `storage_url` and the registrations that follow them, as the comments say.
async fn presign_api(storage_url: &str) -> Scripted {
    let registered = r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","filename":"report.pdf","file":"media/report.pdf"}"#;
    scripted::serve(vec![
        response(
            "403 Forbidden",
            &[],
            r#"{"detail":"You do not have permission."}"#,
        ),
        presign_answer(storage_url),
        presign_answer(storage_url),
        presign_answer(storage_url),
        // Registration fails twice (retried), then the last flow succeeds.
        presign_answer(storage_url),
        response("500 Internal Server Error", &[], r#"{"detail":"db down"}"#),
        response("500 Internal Server Error", &[], r#"{"detail":"db down"}"#),
        presign_answer(storage_url),
        response("201 Created", &[], registered),
        // An answer without its url, holding the secret fields.
        response(
            "200 OK",
            &[],
            &serde_json::json!({"fields": fields()}).to_string(),
        ),
        presign_answer(storage_url),
    ])
    .await
}

/// Storage, another host, got the form and never a credential.
fn storage_got_the_form_and_never_a_credential(storage: &Scripted) {
    let stored = heads(storage);
    assert_eq!(stored.len(), 6);
    for request in &stored {
        assert!(
            request.head.starts_with("post /bucket "),
            "{}",
            request.head
        );
        assert!(!request.head.contains("authorization"), "{}", request.head);
        let all = format!("{}{}", request.head, String::from_utf8_lossy(&request.body));
        assert!(
            !all.to_lowercase().contains(&MAI_KEY.to_lowercase()),
            "{all}"
        );
        // It did get the form's own secret fields, which it needs.
        assert!(all.contains(POLICY) && all.contains(SIGNATURE), "{all}");
    }
}

/// The API got MaiAgent's key with every request.
fn the_api_got_the_key_each_time(presign_api: &Scripted) {
    for request in heads(presign_api) {
        assert!(
            request.head.contains(&format!(
                "authorization: api-key {}",
                MAI_KEY.to_lowercase()
            )),
            "{}",
            request.head
        );
    }
}

/// MaiAgent presigned, storage on another host (127.0.0.2): every way it can fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maiagent_presigned_failures_never_show_its_key_policy_or_signature() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let storage = presigned_storage().await;
    let presign_api = presign_api(&storage.url).await;
    let mai = MaiAgentClient::new(Credential::api_key(MAI_KEY))
        .expect("client")
        .with_base_url(&presign_api.url)
        .expect("endpoint")
        .with_retry(fast());
    let err = mai.upload_presigned(&pdf(), None).await.expect_err("403");
    assert_eq!(err.status(), Some(403), "{err}");
    errors.push(("presign 403".into(), err));
    for case in ["signature (short)", "signature (long)"] {
        let err = mai.upload_presigned(&pdf(), None).await.expect_err(case);
        let Error::Storage(storage_error) = &err else {
            panic!("{case}: {err:?}")
        };
        assert_eq!(storage_error.status, 403);
        assert_eq!(storage_error.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert!(
            storage_error
                .message
                .as_deref()
                .is_some_and(|m| m.starts_with("The request signature we calculated")),
            "{case}: {err}"
        );
        errors.push((format!("storage {case}"), err));
    }
    let err = mai.upload_presigned(&pdf(), None).await.expect_err("500");
    assert!(matches!(err, Error::RetriesExhausted { .. }), "{err:?}");
    errors.push(("storage 500".into(), err));
    let err = mai
        .upload_presigned(&pdf(), None)
        .await
        .expect_err("register");
    assert!(matches!(err, Error::Registration { .. }), "{err:?}");
    errors.push(("registration 500".into(), err));
    let attachment = mai.upload_presigned(&pdf(), None).await.expect("uploaded");
    assert_eq!(attachment.filename, "report.pdf");
    let err = mai
        .upload_presigned(&pdf(), None)
        .await
        .expect_err("no url");
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    errors.push(("presign without url".into(), err));
    let post: PresignedPost = mai.presign(&pdf()).await.expect("presigned");
    assert_eq!(post.fields["policy"], POLICY, "the real values are kept");
    let shown = format!("{post:?}");
    assert!(shown.contains("media/${filename}") && shown.contains("x-amz-algorithm"));
    assert_no_secret("PresignedPost Debug", &shown);

    storage_got_the_form_and_never_a_credential(&storage);
    the_api_got_the_key_each_time(&presign_api);

    assert_eq!(errors.len(), 6);
    assert!(format!("{mai:?}").contains("Credential::ApiKey(<redacted>)"));
    assert_nothing_shown(
        &errors,
        &[("MaiAgentClient", format!("{mai:?}"))],
        &[
            "operation=\"create_upload_presigned_url\"",
            "operation=\"create_attachment\"",
            "posting form to storage",
        ],
    );
}
