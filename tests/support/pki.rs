//! A throwaway PKI made with rcgen: a server CA, a client CA, and leaf certificates with
//! chosen names and validity, as PEM (what check files point at) and DER. Built on
//! [`Authority`], which also makes intermediates and leaves with any extended key usage.

use super::authority::{Authority, CLIENT_AUTH, SERVER_AUTH};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// A server CA and a client CA, both fresh per `Pki::new()`: two [`Authority`] roots that
/// issue leaves for one purpose each.
pub struct Pki {
    ca: Authority,
    client_ca: Authority,
}

impl Default for Pki {
    fn default() -> Self {
        Pki::new()
    }
}

impl Pki {
    pub fn new() -> Pki {
        Pki {
            ca: Authority::root("conform test CA"),
            client_ca: Authority::root("conform test client CA"),
        }
    }

    /// The server CA certificate, PEM (write it to a file for `ca_file:`).
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.ca.der()
    }

    pub fn client_ca_pem(&self) -> String {
        self.client_ca.pem()
    }

    pub fn client_ca_der(&self) -> CertificateDer<'static> {
        self.client_ca.der()
    }

    /// A server leaf for `names` (DNS names or IP addresses; the first is also the CN),
    /// signed by the CA: (chain PEM, key PEM). The chain is the leaf alone: the CA is the root.
    pub fn server_cert(
        &self,
        names: &[&str],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> (String, String) {
        self.ca.issue(names, not_before, not_after, SERVER_AUTH)
    }

    /// A server leaf valid from yesterday for 90 days.
    pub fn valid_server_cert(&self, names: &[&str]) -> (String, String) {
        self.server_cert(names, days_from_now(-1), days_from_now(90))
    }

    /// A client leaf (CN `name`, EKU clientAuth) signed by the client CA: (chain PEM, key PEM).
    pub fn client_cert(
        &self,
        name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> (String, String) {
        self.client_ca
            .issue(&[name], not_before, not_after, CLIENT_AUTH)
    }

    /// A client leaf valid from yesterday for 90 days.
    pub fn valid_client_cert(&self, name: &str) -> (String, String) {
        self.client_cert(name, days_from_now(-1), days_from_now(90))
    }
}

/// Now plus `days` (negative: in the past), for certificate validity.
pub fn days_from_now(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(days)
}

/// A self-signed server certificate for `names`, trusted by nobody: (PEM, key PEM).
pub fn self_signed(names: &[&str]) -> (String, String) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names).expect("self-signed certificate");
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

/// Writes `pem` to `dir/file` and returns the path.
pub fn write_pem(dir: &Path, file: &str, pem: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, pem).expect("write PEM file");
    path
}

pub fn certs_from_pem(pem: &str) -> Vec<CertificateDer<'static>> {
    rustls_pemfile::certs(&mut pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("PEM certificates")
}

pub fn key_from_pem(pem: &str) -> PrivateKeyDer<'static> {
    rustls_pemfile::private_key(&mut pem.as_bytes())
        .expect("PEM key")
        .expect("a private key in the PEM")
}

/// The DER of the first certificate in `pem`.
pub fn cert_der(pem: &str) -> Vec<u8> {
    certs_from_pem(pem)
        .into_iter()
        .next()
        .expect("a certificate in the PEM")
        .to_vec()
}
