//! An error's cause chain as one line, and what it says about the network: a refused
//! certificate (not worth a retry), and what to do about a transport failure.

/// `error` and every error under it, as one line: `a: b: c`. A cause whose text its parent
/// already shows is not repeated.
pub fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let shown = cause.to_string();
        if !shown.is_empty() && !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        next = cause.source();
    }
    text
}

/// True when `error` failed because the server's TLS certificate was refused (untrusted, expired,
/// for another name, or no root certificate to check it with): trying again cannot help.
pub fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    tls_error(error).is_some_and(|tls| {
        matches!(
            tls,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::InvalidCertRevocationList(_)
        )
    })
}

/// The first rustls error in `error`'s causes.
fn tls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    // tokio-rustls hands rustls's error up inside `io::Error`s, whose `source()` skips the error
    // they hold: each one is opened with `get_ref` as well as followed by `source`.
    let mut pending = vec![error];
    while let Some(cause) = pending.pop() {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            pending.push(inner);
        }
        pending.extend(cause.source());
    }
    None
}

/// What to do about a network error.
pub(crate) fn transport_hint(error: &reqwest::Error) -> &'static str {
    if tls_error(error).is_some_and(crate::transport::lazy_roots::is_no_roots) {
        "no root certificate could be loaded to check the server's: install the system's CA certificates (e.g. the ca-certificates package) or point SSL_CERT_FILE at a PEM file of the CAs to trust"
    } else if is_certificate_error(error) {
        "the server's TLS certificate is not trusted or not valid for this host: if it is signed by your own CA, point SSL_CERT_FILE at a PEM file holding that CA (or give the client one built with transport::client_builder().tls_certs_merge(...))"
    } else if error.is_builder() {
        "the request could not be built; check the endpoint URL"
    } else {
        "check the endpoint URL, the connection and any proxy (HTTPS_PROXY, NO_PROXY)"
    }
}
