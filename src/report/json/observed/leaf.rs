//! `observed.leaf`: the facts of a leaf certificate, as the probe read them.

use crate::probe::cert_facts::ReadCert;
use serde::{Deserialize, Serialize};

/// A leaf certificate's facts; absent when the server presented none or its bytes are not a
/// certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonLeaf {
    /// `CN=chat.example, O=Example`, in certificate order.
    pub subject: String,
    pub issuer: String,
    /// DNS names as written and IP addresses as text, in certificate order.
    pub san: Vec<String>,
    /// RFC 3339 in UTC.
    pub not_after: String,
    /// SHA-256 of the DER, lower-case hex.
    pub fingerprint_sha256: String,
    /// The serial number, lower-case hex.
    pub serial: String,
}

impl JsonLeaf {
    /// The leaf's facts, every string through `text` (redacted, escaped, capped).
    pub fn of(cert: &ReadCert, text: &dyn Fn(&str) -> String) -> Option<JsonLeaf> {
        let facts = cert.as_ref().ok()?;
        Some(JsonLeaf {
            subject: text(&facts.subject),
            issuer: text(&facts.issuer),
            san: facts.san.iter().map(|s| text(s)).collect(),
            not_after: super::super::rfc3339::text(facts.not_after),
            fingerprint_sha256: facts.fingerprint_sha256.clone(),
            serial: facts.serial.clone(),
        })
    }
}
