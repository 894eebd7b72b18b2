//! NFC in MaiAgent's uploads, its presigned flow (presign request, storage form, registration)
//! and `register`.

use crate::common;

use common::scripted::{self, Recorded, response};
use upload_clients::MaiAgentClient;
use upload_clients::auth::Credential;

use crate::file_names::{assert_file_part, find, once, requests};

use super::{Case, Form, assert_no_decomposed_bytes, form_decode, json_member, query_param};
// The cases `every_case!` names as `super::…`, from the modules below.
use super::{ASCII, JAPANESE_NFD, KOREAN_NFC, KOREAN_NFD, LATIN_NFD};

mod nfc_maiagent_attachments_upload {
    use super::*;

    pub(super) async fn check_on(path: &str, case: &Case, form: Form) {
        let created = response(
            "201 Created",
            &[],
            r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","type":"image","filename":"x","file":"media/x"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&server.url)
            .expect("endpoint")
            .with_retry(once());
        let source = case.source(form);
        let uploaded = match path {
            "/attachments/" => mai.upload_attachment(&source).await.map(drop),
            _ => mai.upload(&source).await.map(drop),
        };
        uploaded.unwrap_or_else(|e| panic!("{path} {:?}: {e}", case.given));
        let request = &requests(&server)[0];
        assert!(
            request
                .raw_head
                .starts_with(format!("POST {path} ").as_bytes())
        );
        assert_file_part(&request.body, case.expected(form));
        assert_no_decomposed_bytes(path, case, form, &request.body);
    }

    async fn check(case: &Case, form: Form) {
        check_on("/attachments-upload/", case, form).await;
    }

    every_case!(check);
}

mod nfc_maiagent_attachments {
    use super::*;

    async fn check(case: &Case, form: Form) {
        nfc_maiagent_attachments_upload::check_on("/attachments/", case, form).await;
    }

    every_case!(check);
}

/// The three requests of one presigned upload.
struct PresignedFlow {
    presign: Recorded,
    storage: Recorded,
    register: Recorded,
}

async fn presigned_flow(case: &Case, form: Form) -> PresignedFlow {
    let storage = scripted::serve_on("127.0.0.2", vec![response("204 No Content", &[], "")]).await;
    let presigned = serde_json::json!({
        "url": format!("{}/bucket", storage.url),
        "fields": {"key": "media/${filename}", "policy": "cG9saWN5", "x-amz-signature": "sig"},
    });
    let registered = serde_json::json!({
        "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "filename": "x",
        "file": "media/x",
    });
    let api = scripted::serve(vec![
        response("200 OK", &[], &presigned.to_string()),
        response("201 Created", &[], &registered.to_string()),
    ])
    .await;
    let mai = MaiAgentClient::new(Credential::api_key("k"))
        .expect("client")
        .with_base_url(&api.url)
        .expect("endpoint")
        .with_retry(once());
    mai.upload_presigned(&case.source(form), None)
        .await
        .unwrap_or_else(|e| panic!("{:?}: {e}", case.given));
    let (mut api, storage) = (requests(&api), requests(&storage));
    assert_eq!((api.len(), storage.len()), (2, 1));
    let register = api.pop().expect("register");
    let presign = api.pop().expect("presign");
    let storage = storage.into_iter().next().expect("storage");
    PresignedFlow {
        presign,
        storage,
        register,
    }
}

mod nfc_maiagent_presign_request {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let presign = presigned_flow(case, form).await.presign;
        let expected = case.expected(form);
        assert!(
            find(&presign.body, &json_member("filename", expected)).is_some(),
            "presign JSON for {:?} does not carry {expected:?}: {}",
            case.given,
            String::from_utf8_lossy(&presign.body)
        );
        let query = query_param(&presign.raw_head, "filename").expect("filename in the query");
        assert_eq!(
            String::from_utf8_lossy(&form_decode(query)),
            expected,
            "presign query for {:?}",
            case.given
        );
        assert_no_decomposed_bytes("presign JSON", case, form, &presign.body);
    }

    every_case!(check);
}

mod nfc_maiagent_storage_form {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let storage = presigned_flow(case, form).await.storage;
        assert_file_part(&storage.body, case.expected(form));
        assert_no_decomposed_bytes("storage form", case, form, &storage.body);
    }

    every_case!(check);
}

mod nfc_maiagent_registration {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let register = presigned_flow(case, form).await.register;
        let expected = case.expected(form);
        let body = &register.body;
        assert!(
            find(body, &json_member("filename", expected)).is_some(),
            "registration JSON for {:?} does not carry {expected:?}: {}",
            case.given,
            String::from_utf8_lossy(body)
        );
        // The key storage filled `${filename}` of with the name the form sent.
        assert!(
            find(body, &json_member("file", &format!("media/{expected}"))).is_some(),
            "registration key for {:?}: {}",
            case.given,
            String::from_utf8_lossy(body)
        );
        assert_no_decomposed_bytes("registration JSON", case, form, body);
    }

    every_case!(check);
}

/// `MaiAgentClient::register` with a name from the caller: NFC; `register_exact`: the bytes.
mod nfc_maiagent_register_with_a_name {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let registered = r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","conversation":"3fa85f64-5717-4562-b3fc-2c963f66afa6","filename":"x","file":"media/x"}"#;
        let api = scripted::serve(vec![response("201 Created", &[], registered)]).await;
        let mai = MaiAgentClient::new(Credential::api_key("k"))
            .expect("client")
            .with_base_url(&api.url)
            .expect("endpoint")
            .with_retry(once());
        for conversation in [None, Some("3fa85f64-5717-4562-b3fc-2c963f66afa6")] {
            match form {
                Form::Nfc => mai.register("media/k", case.given, conversation).await,
                Form::Exact => {
                    mai.register_exact("media/k", case.given, conversation)
                        .await
                }
            }
            .unwrap_or_else(|e| panic!("{:?} on {conversation:?}: {e}", case.given));
        }
        let expected = case.expected(form);
        for (request, on) in requests(&api)
            .iter()
            .zip(["no conversation", "a conversation"])
        {
            assert!(
                find(&request.body, &json_member("filename", expected)).is_some(),
                "registration on {on} of {:?} does not carry {expected:?}: {}",
                case.given,
                String::from_utf8_lossy(&request.body)
            );
        }
    }

    every_case!(check);
}
