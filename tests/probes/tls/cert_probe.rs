//! The cert probe's chain verification, on files made by the same PKI.

use super::{Fixture, NAME};
use crate::support::*;
use conform::config::model::{CertProbe, TlsOptions};
use conform::probe::cert::{self, CertObservation};

// ---- the cert probe's chain verification ---------------------------------------------

/// The cert probe on a file holding `pem`, trusting `roots` besides the system's.
fn cert_file(pem: &str, roots: &[&Authority]) -> CertObservation {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let probe = CertProbe {
        file: write_pem(dir.path(), "cert.pem", pem),
        tls: std::sync::Arc::new(TlsOptions {
            extra_roots: roots.iter().map(|ca| ca.der()).collect(),
            ..TlsOptions::default()
        }),
    };
    cert::probe(&probe).expect("the file is read")
}

#[test]
fn a_valid_client_certificate_verifies_as_a_client_certificate() {
    let f = Fixture::new();
    let (cert, _) = f.client_ca.issue_valid(&["aop"], CLIENT_AUTH);
    let seen = cert_file(&cert, &[&f.client_ca]);
    assert_eq!(seen.chain, vec![cert_der(&cert)]);
    assert_eq!(seen.verified, Ok(()));
}

#[test]
fn an_expired_client_certificate_does_not_verify() {
    let f = Fixture::new();
    let (cert, _) = f
        .client_ca
        .issue(&["aop"], days_from_now(-30), days_from_now(-1), CLIENT_AUTH);
    let why = cert_file(&cert, &[&f.client_ca]).verified.unwrap_err();
    assert!(why.starts_with("expired (not valid after "), "{why}");
}

#[test]
fn a_certificate_from_an_unknown_ca_does_not_verify() {
    let f = Fixture::new();
    let (cert, _) = f.client_ca.issue_valid(&["aop"], CLIENT_AUTH);
    assert_eq!(
        cert_file(&cert, &[&f.server_ca]).verified,
        Err("unknown issuer (not signed by a trusted CA; add it with ca_file)".into())
    );
}

#[test]
fn a_server_certificate_verifies_for_its_own_name() {
    let f = Fixture::new();
    let (cert, _) = f.server_cert();
    assert_eq!(cert_file(&cert, &[&f.server_ca]).verified, Ok(()));
}

#[test]
fn a_chain_file_verifies_through_its_intermediate() {
    let f = Fixture::new();
    let intermediate =
        f.client_ca
            .intermediate("client intermediate", days_from_now(-1), days_from_now(30));
    let (leaf, _) = intermediate.issue_valid(&["aop"], CLIENT_AUTH);
    let seen = cert_file(&format!("{leaf}{}", intermediate.pem()), &[&f.client_ca]);
    assert_eq!(seen.chain.len(), 2);
    assert_eq!(seen.verified, Ok(()));
    // Without the intermediate, the leaf's issuer is unknown.
    assert!(
        cert_file(&leaf, &[&f.client_ca])
            .verified
            .unwrap_err()
            .starts_with("unknown issuer")
    );
}

#[test]
fn a_certificate_for_another_purpose_does_not_verify() {
    let f = Fixture::new();
    let (cert, _) = f.server_ca.issue_valid(&[NAME], &[Eku::CodeSigning]);
    assert_eq!(
        cert_file(&cert, &[&f.server_ca]).verified,
        Err("the certificate is not meant for TLS servers (extended key usage)".into())
    );
}

#[test]
fn a_certificate_for_no_host_and_no_client_cannot_be_verified() {
    let f = Fixture::new();
    let (cert, _) = f.server_ca.issue_valid(&[], SERVER_AUTH);
    let why = cert_file(&cert, &[&f.server_ca]).verified.unwrap_err();
    assert!(why.starts_with("the certificate names no host"), "{why}");
}
