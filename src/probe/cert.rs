//! The cert probe: a local PEM file with a certificate chain, read when the check runs.

use super::{ProbeError, ProbeErrorKind};
use crate::spec::model::CertProbe;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// What the file held.
#[derive(Clone, Debug, PartialEq)]
pub struct CertObservation {
    /// The chain (DER), leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The chain verified against the trust roots, for the leaf's own purpose: `Err` says why
    /// not.
    pub verified: Result<(), String>,
}

pub fn probe(probe: &CertProbe) -> Result<CertObservation, ProbeError> {
    let fail = |message: String| ProbeError {
        kind: ProbeErrorKind::Protocol,
        message,
    };
    let bytes = std::fs::read(&probe.file)
        .map_err(|e| fail(format!("cannot read {}: {e}", probe.file.display())))?;
    let chain: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&bytes)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(format!("{} is not valid PEM: {e}", probe.file.display())))?;
    if chain.is_empty() {
        return Err(fail(format!(
            "{} holds no certificate",
            probe.file.display()
        )));
    }
    let verified = super::tls_client::verify_chain(&chain, &probe.tls);
    Ok(CertObservation { chain, verified })
}
