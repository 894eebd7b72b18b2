//! NFC in ACS's `image-filename` header and in AI Agents' form.

use crate::common;

use common::scripted::{self, response};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::{AcsChatClient, AiAgentsClient};

use common::THREAD;

use crate::file_names::{assert_file_part, find, header, once, png, requests};

use super::{Case, Form, assert_no_decomposed_bytes, percent_encoded};
// The cases `every_case!` names as `super::…`, from the modules below.
use super::{ASCII, JAPANESE_NFD, KOREAN_NFC, KOREAN_NFD, LATIN_NFD};

mod nfc_acs_image_filename {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let created = response(
            "201 Created",
            &["location: /chat/threads/x/images/img1"],
            r#"{"id":"img1","attachmentType":"inlineImage","name":"x.png"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let acs = AcsChatClient::new(&server.url, Credential::bearer("t"))
            .expect("endpoint")
            .with_retry(once());
        acs.upload_image(THREAD, &case.source(form))
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", case.given));
        let recorded = requests(&server);
        let value = header(&recorded[0].raw_head, "image-filename").expect("image-filename");
        assert_eq!(
            String::from_utf8_lossy(value),
            String::from_utf8_lossy(&percent_encoded(case.expected(form))),
            "image-filename for {:?}",
            case.given
        );
    }

    every_case!(check);

    /// The exact header for a reader: 회의록.md composed, as UTF-8 percent-encoded.
    #[tokio::test]
    async fn korean_nfd_is_sent_as_the_composed_syllables_percent_encoded() {
        let created = response(
            "201 Created",
            &[],
            r#"{"id":"img1","attachmentType":"inlineImage","name":"x.png"}"#,
        );
        let server = scripted::serve(vec![created]).await;
        let acs = AcsChatClient::new(&server.url, Credential::bearer("t"))
            .expect("endpoint")
            .with_retry(once());
        acs.upload_image(THREAD, &png(KOREAN_NFD.given))
            .await
            .expect("uploaded");
        assert_eq!(
            header(&requests(&server)[0].raw_head, "image-filename"),
            Some(&b"%ED%9A%8C%EC%9D%98%EB%A1%9D.md"[..])
        );
    }
}

mod nfc_ai_agents_form {
    use super::*;

    async fn check(case: &Case, form: Form) {
        let info = r#"{"object":"file","id":"f1","bytes":67,"filename":"x.png","created_at":1,"purpose":"assistants","status":"processed"}"#;
        let server = scripted::serve(vec![response("200 OK", &[], info)]).await;
        let agents = AiAgentsClient::new(&server.url, Credential::bearer("t"))
            .expect("endpoint")
            .with_retry(once());
        agents
            .upload(&case.source(form), KnownFilePurpose::Assistants.into())
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", case.given));
        let body = &requests(&server)[0].body;
        let expected = case.expected(form);
        assert_file_part(body, expected);
        let field = format!(
            "\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\n{expected}\r\n--"
        );
        assert!(
            find(body, field.as_bytes()).is_some(),
            "the `filename` field for {:?} is not {expected:?}",
            case.given
        );
        assert_no_decomposed_bytes("AI Agents form", case, form, body);
    }

    every_case!(check);
}
