//! What logs, errors and `Debug` output may show of a URL or a presigned form: never a user
//! name, a password, a query value that may be a signature, or the form's policy and signature.

use url::Url;

/// Query parameters whose values [`shown_url`] keeps: API versions and ids, never secrets.
const SHOWN_QUERY_KEYS: &[&str] = &["api-version", "agentId"];

/// `url` as logs and errors show it: without user name or password, without fragment, and with
/// the value of every query parameter except `api-version` and `agentId` replaced by `…`. A
/// signed URL (a presigned storage URL, a `thumbnailUrl` with a signature) carries its secret
/// in the query.
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    shown.set_query(None);
    let mut text = shown.to_string();
    let mut separator = '?';
    for (key, value) in url.query_pairs() {
        text.push(separator);
        separator = '&';
        let key: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
        text.push_str(&key);
        text.push('=');
        if SHOWN_QUERY_KEYS.contains(&key.as_str()) {
            text.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        } else {
            text.push('…');
        }
    }
    text
}

/// [`shown_url`] of a URL given as text; text that does not parse is shown up to its query or
/// fragment, where a signed URL carries its signature.
pub(crate) fn shown_url_text(text: &str) -> String {
    Url::parse(text).map_or_else(
        |_| {
            text.split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_string()
        },
        |url| shown_url(&url),
    )
}

/// Presigned-form fields whose values authorise an upload: never shown in `Debug` output or
/// errors.
const SECRET_FIELDS: &[&str] = &[
    "policy",
    "x-amz-signature",
    "signature",
    "x-amz-security-token",
];

/// Whether the presigned-form field `name` (any case) holds a secret.
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name.to_ascii_lowercase().as_str())
}

/// Query parameters that carry credentials in the APIs people mix with these (OAuth, SAS and
/// presigned URLs, API keys), besides the presigned-form fields of [`is_secret_field`].
const SECRET_QUERY_PARAMS: &[&str] = &[
    "access_token",
    "api-key",
    "apikey",
    "key",
    "code",
    "token",
    "client_secret",
    "sig",
    "x-amz-credential",
];

/// Whether the query parameter `name` (any case) holds a credential.
///
/// ```
/// use upload_clients::transport::is_secret_query_param;
/// assert!(is_secret_query_param("access_token") && is_secret_query_param("X-Amz-Signature"));
/// assert!(!is_secret_query_param("agentId"));
/// ```
pub fn is_secret_query_param(name: &str) -> bool {
    is_secret_field(name) || SECRET_QUERY_PARAMS.contains(&name.to_ascii_lowercase().as_str())
}

/// `text` with every one of `secrets` replaced by `<redacted>`, and so is the start of one that
/// a cap cut off at the end of `text`. Values shorter than 8 bytes are left alone: no real
/// policy or signature is that short, and replacing them would mangle ordinary words.
pub(crate) fn redact_values<'a>(
    mut text: String,
    secrets: impl IntoIterator<Item = &'a str>,
) -> String {
    const SHORTEST: usize = 8;
    for value in secrets {
        if value.len() < SHORTEST {
            continue;
        }
        if text.contains(value) {
            text = text.replace(value, "<redacted>");
        }
        let cut = (SHORTEST..value.len().min(text.len() + 1))
            .rev()
            .find(|&n| value.get(..n).is_some_and(|start| text.ends_with(start)));
        if let Some(n) = cut {
            text.truncate(text.len() - n);
            text.push_str("<redacted>");
        }
    }
    text
}

#[cfg(test)]
mod doc_examples {
    /// What the doc of `shown_url` says, run.
    #[test]
    fn shown_url_does_what_its_doc_says() {
        use super::shown_url;
        use url::Url;

        let url = Url::parse("https://u:pw@rbm.example/upload/v1/files?agentId=a1&thumbnailUrl=https%3A%2F%2Fcdn%2Ft.png%3FX-Amz-Signature%3Ds3cr3t#f").unwrap();
        assert_eq!(
            shown_url(&url),
            "https://rbm.example/upload/v1/files?agentId=a1&thumbnailUrl=…"
        );
    }

    /// What the doc of `is_secret_field` says, run.
    #[test]
    fn is_secret_field_does_what_its_doc_says() {
        assert!(super::is_secret_field("X-Amz-Signature"));
        assert!(!super::is_secret_field("key"));
    }
}
