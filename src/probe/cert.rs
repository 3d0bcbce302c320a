//! The cert probe: a local PEM file with a certificate chain, read when the check runs, and
//! verified for the purpose its leaf states.

use super::cert_facts::{CertFacts, ChainFacts, ReadCert};
use super::tls_client::trust;
use super::tls_client::{describe_verification_error, server_verifier};
use super::{ProbeError, ProbeErrorKind};
use crate::config::model::{CertProbe, TlsOptions};
use crate::syntax::file::{FileError, PEM_CAP, read_capped};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::path::Path;

/// What the file held.
#[derive(Clone, Debug, PartialEq)]
pub struct CertObservation {
    /// The chain (DER), leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The chain as read, one entry per certificate of `chain`: see [`Self::chain_facts`].
    pub facts: ChainFacts,
    /// The chain verified against the trust roots, for the leaf's own purpose: `Err` says why
    /// not.
    pub verified: Result<(), String>,
}

impl CertObservation {
    /// The observation of `chain`, each certificate read once here.
    pub fn new(chain: Vec<Vec<u8>>, verified: Result<(), String>) -> CertObservation {
        CertObservation {
            chain,
            facts: ChainFacts::default(),
            verified,
        }
    }

    /// Each certificate of `chain` as read (once, when first asked).
    pub fn chain_facts(&self) -> &[ReadCert] {
        self.facts.of(&self.chain)
    }
}

pub fn probe(probe: &CertProbe) -> Result<CertObservation, ProbeError> {
    let fail = |message: String| ProbeError {
        kind: ProbeErrorKind::Protocol,
        message,
    };
    let bytes = read_pem_file(&probe.file).map_err(fail)?;
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
    let facts = ChainFacts::default();
    let verified = verify_chain(&chain, facts.of(&chain), &probe.tls);
    Ok(CertObservation {
        chain,
        facts,
        verified,
    })
}

/// The file's bytes, when it is a regular file of at most [`PEM_CAP`] bytes: a FIFO would
/// block the read forever, and a device such as /dev/zero never ends.
fn read_pem_file(path: &Path) -> Result<Vec<u8>, String> {
    read_capped(path, PEM_CAP).map_err(|e| match e {
        FileError::Io(e) => format!("cannot read {}: {e}", path.display()),
        e => format!(
            "{} {e}; expected a PEM file with the certificate chain",
            path.display()
        ),
    })
}

/// Verifies a certificate chain (DER, leaf first, the rest intermediates) against the trust
/// roots of `opts`, now, for the purpose its leaf states: a leaf whose extended key usage
/// includes clientAuth as a client certificate, any other as a server certificate for its
/// first name. `Err` says why not, in plain words.
fn verify_chain(chain: &[Vec<u8>], facts: &[ReadCert], opts: &TlsOptions) -> Result<(), String> {
    let (leaf, rest) = chain.split_first().ok_or("there is no certificate")?;
    let leaf_der = CertificateDer::from(leaf.as_slice());
    let intermediates: Vec<CertificateDer<'_>> = rest
        .iter()
        .map(|der| CertificateDer::from(der.as_slice()))
        .collect();
    let now = UnixTime::now();
    let leaf_facts = match facts.first() {
        Some(Ok(facts)) => facts,
        Some(Err(unreadable)) => {
            return Err(format!(
                "the certificate is not valid DER: {}",
                unreadable.why
            ));
        }
        None => return Err("there is no certificate".into()),
    };
    let verdict = match leaf_purpose(leaf_facts)? {
        LeafPurpose::Client => trust::verify_client_cert(opts, &leaf_der, &intermediates, now)?,
        LeafPurpose::Server(name) => server_verifier(opts)?
            .verify_server_cert(&leaf_der, &intermediates, &name, &[], now)
            .map(|_| ()),
    };
    verdict.map_err(|e| describe_verification_error(&e))
}

enum LeafPurpose {
    Client,
    /// A server certificate, verified for this name.
    Server(ServerName<'static>),
}

/// What the leaf is for, from its extended key usage and subjectAltName (as read once, in
/// its facts).
fn leaf_purpose(leaf: &CertFacts) -> Result<LeafPurpose, String> {
    if leaf.eku.iter().any(|usage| usage == "clientAuth") {
        return Ok(LeafPurpose::Client);
    }
    let name = leaf
        .san
        .iter()
        .find_map(|name| ServerName::try_from(name.clone()).ok());
    name.map(LeafPurpose::Server).ok_or_else(|| {
        "the certificate names no host (no DNS name or address in subjectAltName) and is \
         not a client certificate, so there is nothing to verify it for"
            .to_string()
    })
}
