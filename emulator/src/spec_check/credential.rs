//! Checks a request's credential against the operation's security requirement.

use http::HeaderMap;
use openapiv3::{APIKeyLocation, SecurityScheme};

use super::resolve::resolve;
use super::{Operation, Violation, ViolationKind};

impl<'a> Operation<'a> {
    /// Checks the credential against the operation's security requirement (the operation's own,
    /// else the document's). The scheme word comes from the spec: `Bearer` for `oauth2` and
    /// `openIdConnect`, the `scheme` of an `http` scheme, and for an `apiKey` header the word of
    /// the backticked `` `Name: Word <...>` `` in its description (none: the whole value is the key).
    /// Scheme words compare case-insensitively (RFC 9110). Returns the credential without the
    /// scheme word (empty when the operation needs none).
    pub fn check_credential(&self, headers: &HeaderMap) -> Result<String, Violation> {
        let requirements = self.op.security.as_ref().or(self.doc.security.as_ref());
        let Some(requirements) = requirements else {
            return Ok(String::new());
        };
        if requirements.is_empty() || requirements.iter().any(|r| r.is_empty()) {
            return Ok(String::new());
        }
        let mut first_error = None;
        'alternatives: for requirement in requirements {
            let mut credential = None;
            for name in requirement.keys() {
                match self.check_scheme(name, headers) {
                    Ok(value) => {
                        credential.get_or_insert(value);
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                        continue 'alternatives;
                    }
                }
            }
            if let Some(value) = credential {
                return Ok(value);
            }
        }
        Err(first_error.unwrap_or_else(|| {
            Violation::new(
                ViolationKind::Unauthenticated,
                "the request carries no credential the spec accepts",
                None,
            )
        }))
    }

    fn check_scheme(&self, name: &str, headers: &HeaderMap) -> Result<String, Violation> {
        let unauthenticated =
            |message: String| Violation::new(ViolationKind::Unauthenticated, message, None);
        let scheme = self
            .doc
            .components
            .as_ref()
            .and_then(|c| c.security_schemes.get(name))
            .and_then(|s| {
                resolve(s, "securitySchemes", |n| {
                    self.doc
                        .components
                        .as_ref()
                        .and_then(|c| c.security_schemes.get(n))
                })
            })
            .ok_or_else(|| {
                unauthenticated(format!(
                    "the spec's security scheme `{name}` is not declared"
                ))
            })?;
        let (header, word) = match scheme {
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                ("Authorization".to_owned(), Some("Bearer".to_owned()))
            }
            SecurityScheme::HTTP { scheme, .. } => {
                ("Authorization".to_owned(), Some(capitalize(scheme)))
            }
            SecurityScheme::APIKey {
                location: APIKeyLocation::Header,
                name: header,
                description,
                ..
            } => {
                let word = description
                    .as_deref()
                    .and_then(|d| scheme_word_from_description(d, header));
                (header.clone(), word)
            }
            SecurityScheme::APIKey { location, .. } => {
                let place = match location {
                    APIKeyLocation::Query => "query",
                    _ => "cookie",
                };
                return Err(unauthenticated(format!(
                    "the spec's API key scheme `{name}` travels in the {place}, which this checker does not read"
                )));
            }
        };
        let shape = match &word {
            Some(w) => format!("`{header}: {w} <credential>`"),
            None => format!("`{header}: <credential>`"),
        };
        let mut values = headers.get_all(header.as_str()).iter();
        let Some(value) = values.next() else {
            return Err(unauthenticated(format!(
                "the `{header}` header is missing; send {shape}"
            )));
        };
        if values.next().is_some() {
            return Err(unauthenticated(format!(
                "the `{header}` header is sent more than once; send it once, as {shape}"
            )));
        }
        let Ok(text) = std::str::from_utf8(value.as_bytes()) else {
            return Err(unauthenticated(format!(
                "the `{header}` header is not valid UTF-8 text; send {shape}"
            )));
        };
        let text = text.trim();
        let token = match &word {
            Some(w) => {
                let (sent, rest) = text
                    .split_once(|c: char| c.is_ascii_whitespace())
                    .unwrap_or((text, ""));
                if !sent.eq_ignore_ascii_case(w) {
                    return Err(unauthenticated(format!(
                        "the `{header}` header must use the `{w}` scheme: send {shape}"
                    )));
                }
                rest.trim()
            }
            None => text,
        };
        if token.is_empty() {
            return Err(unauthenticated(format!(
                "the `{header}` header carries an empty credential; send {shape}"
            )));
        }
        if token.chars().any(char::is_whitespace) {
            return Err(unauthenticated(format!(
                "the credential in the `{header}` header must be a single word; send {shape}"
            )));
        }
        Ok(token.to_owned())
    }
}

/// The scheme word of the backticked `` `Header: Word <...>` `` in a security scheme description.
pub(super) fn scheme_word_from_description(description: &str, header: &str) -> Option<String> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .find_map(|snippet| {
            let (name, rest) = snippet.split_once(':')?;
            if !name.trim().eq_ignore_ascii_case(header) {
                return None;
            }
            let mut words = rest.split_whitespace();
            let word = words.next()?;
            let placeholder = words.next()?;
            (!word.starts_with('<') && placeholder.starts_with('<')).then(|| word.to_owned())
        })
}

pub(super) fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
