//! A certificate verifier that records what the server presented and what verification made
//! of it, whatever `verify` decides.

use super::super::tls_client;
use super::super::tls_client::ServerVerifier;
use crate::config::model::TlsOptions;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// Records the chain the server presented and what the real verifier made of it for the SNI
/// name, always; the decision is left to the verifier `verify` chose (the real one, or one
/// that accepts any certificate).
#[derive(Debug)]
pub(super) struct RecordingVerifier {
    decide: Arc<dyn ServerCertVerifier>,
    /// The real verifier for the probe's trust roots; `Err` when they cannot be used.
    judge: Result<Arc<ServerVerifier>, String>,
    /// `verify` is on: `decide` is `judge` itself, whose verdict then decides as it stands.
    enforce: bool,
    seen: Mutex<Option<Presented>>,
}

/// What the server presented, and what verification made of it.
#[derive(Debug)]
pub(super) struct Presented {
    /// DER, leaf first.
    pub(super) chain: Vec<Vec<u8>>,
    pub(super) verified: Result<(), String>,
}

impl RecordingVerifier {
    pub(super) fn new(opts: &TlsOptions) -> Result<RecordingVerifier, String> {
        Ok(RecordingVerifier {
            decide: tls_client::server_cert_verifier(opts)?,
            judge: tls_client::server_verifier(opts),
            enforce: opts.verify,
            seen: Mutex::new(None),
        })
    }

    /// The presented chain and the verdict; when the server presented none, says so.
    pub(super) fn take(&self) -> Presented {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner()).take();
        seen.unwrap_or_else(|| Presented {
            chain: Vec::new(),
            verified: Err("the server presented no certificate".into()),
        })
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.judge.as_ref().map(|judge| {
            judge.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        });
        let verified = match &verdict {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(tls_client::describe_verification_error(e)),
            Err(why) => Err(why.to_string()),
        };
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.to_vec())
            .collect();
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(Presented { chain, verified });
        match verdict {
            // The chain is verified once: the same verifier would only say it again.
            Ok(verdict) if self.enforce => verdict,
            _ => self
                .decide
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.decide.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.decide.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.decide.supported_verify_schemes()
    }
}
