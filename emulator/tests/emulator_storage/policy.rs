//! S3's POST policy checks: a form as signed is kept, a changed field, a tampered or expired
//! policy, a file outside the size range, a credential or a form without a file are refused.

use reqwest::multipart::Form;
use serde_json::json;
use upload_clients_emulator::Emulator;

use super::{policy_conditions, post, presign, s3_error, with};

#[tokio::test]
async fn a_form_as_signed_is_kept_and_read_back() {
    let emu = Emulator::start().await.expect("start");
    let data = b"%PDF-1.7 quote".to_vec();
    let (url, fields) = presign(&emu, data.len() as u64, "見積書.pdf").await;
    assert!(url.starts_with(&emu.base_url()), "{url}");
    let key = &fields[0];
    assert_eq!(key.0, "key");
    // A concrete key built from the requested name, as MaiAgent's page shows, unique per
    // presign, and signed exactly.
    let id = key
        .1
        .strip_prefix("media/chat/attachment/")
        .and_then(|rest| rest.strip_suffix("/見積書.pdf"))
        .unwrap_or_else(|| panic!("{key:?}"));
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key:?}"
    );
    assert_eq!(policy_conditions(&fields)[1], json!({"key": key.1}));
    let (_, again) = presign(&emu, data.len() as u64, "見積書.pdf").await;
    assert_ne!(again[0], *key, "one key per presign");
    // Fields after the file are ignored, as S3 does (they are not in the policy).
    let answer = post(
        &url,
        &fields,
        ("見積書.pdf", data.clone()),
        &[("unsigned", "x")],
    )
    .await;
    assert_eq!(answer.0, 204, "{}", answer.1);
    let object_key = &key.1;
    assert_eq!(
        emu.object(&format!("s3/maiagent-uploads/{object_key}"))
            .await
            .expect("read")
            .as_deref(),
        Some(&data[..])
    );
    let read_back = reqwest::get(format!("{url}/{object_key}"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(&read_back[..], &data[..]);
    let missing = reqwest::get(format!("{url}/nothing-here"))
        .await
        .expect("get");
    let missing = (
        missing.status().as_u16(),
        missing.text().await.expect("text"),
    );
    s3_error(&missing, 404, "NoSuchKey", "does not exist");
}

#[tokio::test]
async fn a_changed_field_or_tampered_policy_is_refused() {
    let emu = Emulator::start().await.expect("start");
    let (url, fields) = presign(&emu, 5, "a.pdf").await;
    let file = || ("a.pdf", b"12345".to_vec());

    let moved = with(&fields, "key", "somewhere/else/${filename}");
    s3_error(
        &post(&url, &moved, file(), &[]).await,
        403,
        "AccessDenied",
        "Policy Condition failed",
    );

    let policy = &fields
        .iter()
        .find(|(k, _)| k == "policy")
        .expect("policy")
        .1;
    let mut tampered = policy.clone();
    tampered.insert(0, 'e');
    let tampered = with(&fields, "policy", &tampered);
    s3_error(
        &post(&url, &tampered, file(), &[]).await,
        403,
        "SignatureDoesNotMatch",
        "signature",
    );

    let mut extra = fields.clone();
    extra.push(("acl".into(), "public-read".into()));
    s3_error(
        &post(&url, &extra, file(), &[]).await,
        403,
        "AccessDenied",
        "Extra input fields: acl",
    );

    let mut signed_elsewhere = fields.clone();
    signed_elsewhere.retain(|(k, _)| k != "x-amz-signature");
    signed_elsewhere.push(("x-amz-signature".into(), "0".repeat(64)));
    s3_error(
        &post(&url, &signed_elsewhere, file(), &[]).await,
        403,
        "SignatureDoesNotMatch",
        "signature",
    );
    assert!(
        emu.requests()
            .iter()
            .filter(|r| r.route.as_deref() == Some("storage.post"))
            .all(|r| r.status >= 400)
    );
}

#[tokio::test]
async fn a_file_outside_the_policy_size_is_refused() {
    let emu = Emulator::start().await.expect("start");
    let (url, fields) = presign(&emu, 5, "a.pdf").await;
    let answer = post(&url, &fields, ("a.pdf", b"123456".to_vec()), &[]).await;
    s3_error(
        &answer,
        400,
        "EntityTooLarge",
        "exceeds the maximum allowed size",
    );
    let (url, fields) = presign(&emu, 5, "a.pdf").await;
    let answer = post(&url, &fields, ("a.pdf", b"12345".to_vec()), &[]).await;
    assert_eq!(answer.0, 204, "{}", answer.1);
}

#[tokio::test]
async fn an_expired_policy_is_refused() {
    let emu = Emulator::builder()
        .presign_lifetime(chrono::Duration::seconds(-60))
        .start()
        .await
        .expect("start");
    let (url, fields) = presign(&emu, 5, "a.pdf").await;
    let answer = post(&url, &fields, ("a.pdf", b"12345".to_vec()), &[]).await;
    s3_error(&answer, 403, "AccessDenied", "Policy expired");
}

#[tokio::test]
async fn storage_refuses_a_credential_and_a_form_without_a_file() {
    let emu = Emulator::start().await.expect("start");
    let (url, fields) = presign(&emu, 5, "a.pdf").await;
    let mut form = Form::new();
    for (name, value) in &fields {
        form = form.text(name.clone(), value.clone());
    }
    let response = reqwest::Client::new()
        .post(&url)
        .bearer_auth("api-token")
        .multipart(form)
        .send()
        .await
        .expect("post");
    let answer = (
        response.status().as_u16(),
        response.text().await.expect("text"),
    );
    s3_error(
        &answer,
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed",
    );

    let mut form = Form::new();
    for (name, value) in &fields {
        form = form.text(name.clone(), value.clone());
    }
    let response = reqwest::Client::new()
        .post(&url)
        .multipart(form)
        .send()
        .await
        .expect("post");
    let answer = (
        response.status().as_u16(),
        response.text().await.expect("text"),
    );
    s3_error(&answer, 400, "InvalidArgument", "exactly one file");

    // Fields before the file over S3's 20 KB.
    let mut big = fields.clone();
    big.push(("x-ignore-padding".into(), "x".repeat(30 * 1024)));
    let answer = post(&url, &big, ("a.pdf", b"12345".to_vec()), &[]).await;
    s3_error(&answer, 400, "MaxPostPreDataLengthExceeded", "too large");
}
