//! TLS settings for the shared client that load the platform's root certificates at the first
//! HTTPS handshake instead of when the client is built, so a process that never speaks HTTPS
//! (an upload to a loopback emulator, `--help`, a refused input) does not pay for them.
//!
//! Loading them means reading and parsing every certificate the platform has: on Debian the
//! bundle and each file of `/etc/ssl/certs`, about 6 ms of CPU here, which was a third of the
//! CLI's CPU for a 1 MiB upload over HTTP (BENCHMARKS.md, "Start-up"). The settings are
//! reqwest's own for its `rustls` feature: the process's default crypto provider (aws-lc-rs when
//! none is installed), TLS 1.3 and 1.2, HTTP/1.1 by ALPN, and the same verifier
//! (`rustls-platform-verifier`, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`), built once
//! on first use; a failure to load is kept and reported by every handshake.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// reqwest's TLS settings with a [`LazyVerifier`].
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LazyVerifier {
            provider,
            verifier: OnceLock::new(),
        }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform verifier, made when the first certificate is to be checked.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Result<Verifier, rustls::Error>>,
}

impl LazyVerifier {
    fn get(&self) -> Result<&Verifier, rustls::Error> {
        self.verifier
            .get_or_init(|| Verifier::new(Arc::clone(&self.provider)))
            .as_ref()
            .map_err(Clone::clone)
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
    fn building_loads_nothing_and_offers_the_platform_verifiers_schemes() {
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
}
