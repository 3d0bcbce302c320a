//! A certificate authority for cases the standard [`Pki`](super::Pki) does not make: a chain
//! through an intermediate CA, leaves with any extended key usage, any validity.

use super::pki::days_from_now;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::CertificateDer;
use time::OffsetDateTime;

pub use rcgen::ExtendedKeyUsagePurpose as Eku;

/// A CA (root or intermediate) that issues certificates.
pub struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Authority {
    /// A self-signed root CA named `name`, valid from two days ago for ten years.
    pub fn root(name: &str) -> Authority {
        let params = ca_params(name, days_from_now(-2), days_from_now(3650));
        let key = KeyPair::generate().expect("CA key");
        Authority {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(
        &self,
        name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Authority {
        let params = ca_params(name, not_before, not_after);
        let key = KeyPair::generate().expect("intermediate key");
        let issuer = CertifiedIssuer::signed_by(params, key, &self.issuer).expect("intermediate");
        Authority { issuer }
    }

    /// This CA's own certificate, PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    pub fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// A leaf for `names` (the first is also the CN) with these extended key usages:
    /// (certificate PEM, key PEM).
    pub fn issue(
        &self,
        names: &[&str],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        ekus: &[Eku],
    ) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("leaf params");
        if let Some(first) = names.first() {
            params
                .distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        params.extended_key_usages = ekus.to_vec();
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("leaf");
        (cert.pem(), key.serialize_pem())
    }

    /// A leaf valid from yesterday for 90 days.
    pub fn issue_valid(&self, names: &[&str], ekus: &[Eku]) -> (String, String) {
        self.issue(names, days_from_now(-1), days_from_now(90), ekus)
    }
}

fn ca_params(
    name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

/// Server authentication only.
pub const SERVER_AUTH: &[Eku] = &[ExtendedKeyUsagePurpose::ServerAuth];
/// Client authentication only.
pub const CLIENT_AUTH: &[Eku] = &[ExtendedKeyUsagePurpose::ClientAuth];
