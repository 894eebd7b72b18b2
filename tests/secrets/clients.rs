//! Credentials, and every client's failures and uploads, never show a token or key.

use crate::common;

use common::scripted::{self, response};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::{Credential, TokenFuture, TokenProvider};
use upload_clients::{AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient};

use common::THREAD;

use super::{
    ACS_TOKEN, AGENTS_TOKEN, MAI_KEY, Provided, RBM_TOKEN, THUMBNAIL_SIGNATURE, assert_no_secret,
    assert_nothing_shown, fast, heads, log_buffer, pdf, png, signed_thumbnail,
};

#[test]
fn credentials_never_show_their_secret() {
    for (what, shown) in [
        (
            "Credential::bearer",
            format!("{:?}", Credential::bearer(ACS_TOKEN)),
        ),
        (
            "Credential::api_key",
            format!("{:?}", Credential::api_key(MAI_KEY)),
        ),
        (
            "Credential::provider",
            format!("{:?}", Credential::provider(Provided)),
        ),
    ] {
        assert_no_secret(what, &shown);
    }
}

/// ACS: 401, a 500 retried until given up, a credential a header cannot carry, success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acs_failures_and_uploads_never_show_its_token() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let acs_api = scripted::serve(vec![
        response(
            "401 Unauthorized",
            &["x-ms-request-id: acs-req-1"],
            r#"{"error":{"code":"InvalidToken","message":"The token is expired."}}"#,
        ),
        response("500 Internal Server Error", &[], "upstream broke"),
        response("500 Internal Server Error", &[], "upstream broke"),
        response(
            "201 Created",
            &["location: /chat/threads/x/images/img1"],
            r#"{"id":"img1","attachmentType":"image","name":"sample.png"}"#,
        ),
    ])
    .await;
    let acs = AcsChatClient::new(&acs_api.url, Credential::bearer(ACS_TOKEN))
        .expect("endpoint")
        .with_retry(fast());
    for status in [401, 500] {
        let err = acs.upload_image(THREAD, &png()).await.expect_err("fails");
        assert_eq!(err.status(), Some(status), "{err}");
        errors.push((format!("acs {status}"), err));
    }
    let image = acs.upload_image(THREAD, &png()).await.expect("uploaded");
    assert_eq!(image.id, "img1");
    let bad = AcsChatClient::new(
        &acs_api.url,
        Credential::bearer(format!("{ACS_TOKEN}\r\nx-injected: 1")),
    )
    .expect("endpoint");
    let err = bad
        .upload_image(THREAD, &png())
        .await
        .expect_err("no header");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    errors.push(("acs unusable token".into(), err));
    let acs_requests = heads(&acs_api);
    assert_eq!(
        acs_requests.len(),
        4,
        "401, 500 twice, 201; nothing for the bad token"
    );
    for request in &acs_requests {
        // The credential was really sent to the API: what is checked below is not vacuous.
        assert!(
            request.head.contains(&format!(
                "authorization: bearer {}",
                ACS_TOKEN.to_lowercase()
            )),
            "{}",
            request.head
        );
    }

    assert_eq!(errors.len(), 3);
    assert_nothing_shown(
        &errors,
        &[("AcsChatClient", format!("{acs:?}"))],
        &[
            "sending request",
            "operation=\"upload_chat_image\"",
            // reqwest's own `log` records are caught too.
            "starting new connection",
            "status=401",
            "retrying",
            "TRACE",
        ],
    );
}

/// RBM: 403 with Google's error, a 500 retried, success; a token provider that fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbm_failures_and_uploads_never_show_its_token_or_a_signed_url() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let rbm_api = scripted::serve(vec![
        response(
            "403 Forbidden",
            &[],
            r#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#,
        ),
        response("500 Internal Server Error", &[], r#"{"error":{"code":500,"message":"Internal error"}}"#),
        response("500 Internal Server Error", &[], r#"{"error":{"code":500,"message":"Internal error"}}"#),
        response("200 OK", &[], r#"{"name":"files/up1"}"#),
    ])
    .await;
    let rbm = RbmClient::new(Credential::bearer(RBM_TOKEN))
        .expect("client")
        .with_base_url(&rbm_api.url)
        .expect("endpoint")
        .with_retry(fast());
    for status in [403, 500] {
        let err = rbm
            .upload_file("agent-1", &png(), Some(&signed_thumbnail()))
            .await
            .expect_err("fails");
        assert_eq!(err.status(), Some(status), "{err}");
        errors.push((format!("rbm {status}"), err));
    }
    // The signed thumbnail URL was really sent (in the query), so its absence from the logs
    // below is not vacuous.
    assert!(
        heads(&rbm_api)
            .iter()
            .all(|request| request.head.contains(&THUMBNAIL_SIGNATURE.to_lowercase())),
        "{:?}",
        heads(&rbm_api)
    );
    let file = rbm
        .create_from_url("agent-1", "https://example.com/cat.png", None)
        .await
        .expect("created");
    assert_eq!(file.name, "files/up1");
    struct Failing;
    impl TokenProvider for Failing {
        fn token(&self) -> TokenFuture<'_> {
            Box::pin(async {
                Err(upload_clients::auth::AuthError::Refused(
                    "the token service refused".into(),
                ))
            })
        }
    }
    let failing = RbmClient::new(Credential::provider(Failing))
        .expect("client")
        .with_base_url(&rbm_api.url)
        .expect("endpoint");
    let err = failing
        .upload_file("agent-1", &png(), None)
        .await
        .expect_err("no token");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    errors.push(("rbm failing provider".into(), err));
    assert_eq!(heads(&rbm_api).len(), 4, "nothing sent without a token");

    assert_eq!(errors.len(), 3);
    assert!(format!("{rbm:?}").contains("Credential::Bearer(<redacted>)"));
    assert_nothing_shown(
        &errors,
        &[("RbmClient", format!("{rbm:?}"))],
        &[
            // The query of the signed thumbnail URL is logged without its value.
            "agentId=agent-1&thumbnailUrl=…",
            "api=\"rbm\" operation=\"uploadFile\"",
            "operation=\"create_file\"",
        ],
    );
}

/// AI Agents: 401, a 500 retried, success, with a token and with a token provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_agents_failures_and_uploads_never_show_a_token() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let info = r#"{"object":"file","id":"f1","bytes":67,"filename":"sample.png","created_at":1,"purpose":"assistants","status":"processed"}"#;
    let agents_api = scripted::serve(vec![
        response(
            "401 Unauthorized",
            &["apim-request-id: agents-req-1"],
            r#"{"error":{"code":"PermissionDenied","message":"Principal does not have access"}}"#,
        ),
        response("500 Internal Server Error", &[], "<html>oops</html>"),
        response("500 Internal Server Error", &[], "<html>oops</html>"),
        response("200 OK", &[], info),
        response("200 OK", &[], info),
    ])
    .await;
    for (credential, label) in [
        (Credential::bearer(AGENTS_TOKEN), "bearer"),
        (Credential::provider(Provided), "provider"),
    ] {
        let agents = AiAgentsClient::new(&agents_api.url, credential)
            .expect("endpoint")
            .with_retry(fast());
        if label == "bearer" {
            for status in [401, 500] {
                let err = agents
                    .upload(&png(), KnownFilePurpose::Assistants.into())
                    .await
                    .expect_err("fails");
                assert_eq!(err.status(), Some(status), "{err}");
                errors.push((format!("agents {status}"), err));
            }
        }
        let uploaded = agents
            .upload(&png(), KnownFilePurpose::Assistants.into())
            .await
            .expect("uploaded");
        assert_eq!(uploaded.id, "f1");
        assert_no_secret("AiAgentsClient Debug", &format!("{agents:?}"));
    }

    assert_eq!(errors.len(), 2);
    assert_nothing_shown(
        &errors,
        &[],
        &["api=\"ai-agents\" operation=\"uploadFile\""],
    );
}

/// MaiAgent direct: 401, a 500 retried, success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maiagent_direct_failures_and_uploads_never_show_its_key() {
    let _ = log_buffer();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let mai_api = scripted::serve(vec![
        response("401 Unauthorized", &[], r#"{"detail":"Invalid API key."}"#),
        response(
            "500 Internal Server Error",
            &[],
            r#"{"detail":"Server error."}"#,
        ),
        response(
            "500 Internal Server Error",
            &[],
            r#"{"detail":"Server error."}"#,
        ),
        response("200 OK", &[], ""),
    ])
    .await;
    let mai = MaiAgentClient::new(Credential::api_key(MAI_KEY))
        .expect("client")
        .with_base_url(&mai_api.url)
        .expect("endpoint")
        .with_retry(fast());
    for status in [401, 500] {
        let err = mai.upload(&pdf()).await.expect_err("fails");
        assert_eq!(err.status(), Some(status), "{err}");
        errors.push((format!("mai {status}"), err));
    }
    mai.upload(&pdf()).await.expect("uploaded");
    for request in heads(&mai_api) {
        assert!(
            request.head.contains(&format!(
                "authorization: api-key {}",
                MAI_KEY.to_lowercase()
            )),
            "{}",
            request.head
        );
    }

    assert_eq!(errors.len(), 2);
    assert_nothing_shown(
        &errors,
        &[("MaiAgentClient", format!("{mai:?}"))],
        &["operation=\"createAttachmentUpload\""],
    );
}
