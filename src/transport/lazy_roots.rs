//! TLS settings for the facades' default clients that load the platform's root certificates
//! once per process, at the first HTTPS handshake, instead of at every client build, so a
//! process that never speaks HTTPS (an upload to a loopback emulator, `--help`, a refused
//! input) does not pay for them, and one that builds several clients pays once.
//!
//! Loading them means reading and parsing every certificate the platform has: on Debian the
//! bundle and each file of `/etc/ssl/certs`, about 6 ms of CPU here, which was a third of the
//! CLI's CPU for a 1 MiB upload over HTTP (BENCHMARKS.md). The settings are reqwest's own for
//! its `rustls` feature: the process's default crypto provider (aws-lc-rs when none is
//! installed), TLS 1.3 and 1.2, HTTP/1.1 by ALPN (reqwest's choice without its `http2` feature,
//! which this crate does not enable; if another crate in a build turns it on, these clients
//! still offer only HTTP/1.1, which suits large uploads), and the same verifier
//! (`rustls-platform-verifier`, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`). The verifier
//! is made once per process, with the provider of the first build; a failure to load the roots
//! is reported by the handshake and tried again by the next one.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// reqwest's TLS settings with the process's one [`LazyVerifier`].
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    static FALLBACK: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    let provider = CryptoProvider::get_default().cloned().unwrap_or_else(|| {
        Arc::clone(FALLBACK.get_or_init(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider())))
    });
    static VERIFIER: Mutex<Option<Arc<LazyVerifier>>> = Mutex::new(None);
    let verifier = verifier_for(&VERIFIER, &provider);
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The verifier kept in `slot` (the process's, in [`tls_config`]) for `provider`: the same one
/// while the provider stays the same (a provider installed later as the default gets a
/// verifier of its own).
fn verifier_for(
    slot: &Mutex<Option<Arc<LazyVerifier>>>,
    provider: &Arc<CryptoProvider>,
) -> Arc<LazyVerifier> {
    let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
    match slot.as_ref() {
        Some(verifier) if Arc::ptr_eq(&verifier.provider, provider) => Arc::clone(verifier),
        _ => {
            let verifier = Arc::new(LazyVerifier {
                provider: Arc::clone(provider),
                verifier: OnceLock::new(),
            });
            *slot = Some(Arc::clone(&verifier));
            verifier
        }
    }
}

/// No root certificate could be loaded, so no server can be trusted: reported as a refused
/// certificate (not retried), for which [`crate::error`] says what to install.
#[derive(thiserror::Error)]
#[error("no root certificate could be loaded ({0})")]
struct NoRoots(rustls::Error);

/// rustls shows a certificate error's cause with `Debug`: the same words as `Display`.
impl std::fmt::Debug for NoRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// True when `error` says no root certificate could be loaded.
pub(crate) fn is_no_roots(error: &rustls::Error) -> bool {
    match error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            other.0.downcast_ref::<NoRoots>().is_some()
        }
        _ => false,
    }
}

/// The platform verifier, made when the first certificate is to be checked.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Verifier>,
}

impl LazyVerifier {
    /// The verifier, made now if no handshake made it yet. A failure (no roots could be loaded)
    /// is not kept: the next handshake tries again. Two first handshakes at once may both load
    /// the roots; one result is kept.
    fn get(&self) -> Result<&Verifier, rustls::Error> {
        if let Some(verifier) = self.verifier.get() {
            return Ok(verifier);
        }
        let made = Verifier::new(Arc::clone(&self.provider)).map_err(|e| {
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                Arc::new(NoRoots(e)),
            )))
        })?;
        Ok(self.verifier.get_or_init(|| made))
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.get()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get()?.verify_tls13_signature(message, cert, dss)
    }

    /// Asked for every ClientHello, so it must not load anything: the platform verifier offers
    /// exactly the provider's schemes.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_verifier_loads_nothing_and_offers_the_platform_verifiers_schemes() {
        let config = tls_config().unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let lazy = LazyVerifier {
            provider: Arc::clone(&provider),
            verifier: OnceLock::new(),
        };
        let eager = Verifier::new(provider).unwrap();
        assert_eq!(
            lazy.supported_verify_schemes(),
            eager.supported_verify_schemes()
        );
        assert!(lazy.verifier.get().is_none(), "nothing loaded yet");
    }

    #[test]
    fn every_build_shares_one_verifier_until_the_provider_changes() {
        // A slot of its own: other tests build default clients through the process's slot.
        let slot = Mutex::new(None);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (a, b) = (
            verifier_for(&slot, &provider),
            verifier_for(&slot, &provider),
        );
        assert!(Arc::ptr_eq(&a, &b), "the roots are loaded once per process");
        let other = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let c = verifier_for(&slot, &other);
        assert!(
            !Arc::ptr_eq(&a, &c),
            "another provider checks with its own algorithms"
        );
        assert!(Arc::ptr_eq(&c.provider, &other));
    }

    #[test]
    fn no_roots_is_a_refused_certificate() {
        let error = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
            rustls::OtherError(Arc::new(NoRoots(rustls::Error::General(
                "No CA certificates were loaded from the system".into(),
            )))),
        ));
        assert!(crate::error::is_certificate_error(&error));
        assert!(is_no_roots(&error));
        let shown = error.to_string();
        assert!(
            shown.contains("no root certificate could be loaded"),
            "{shown}"
        );
        assert!(!is_no_roots(&rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer
        )));
    }
}
