//! Certificate expectations, shared by every probe that sees a certificate: the http probe's
//! leaf, the tls probe's presented chain and the cert probe's file.
//!
//! A certificate is first read into [`CertFacts`], plain text and times, so that each
//! expectation is a matcher test on one fact and new expectations (eku, key, chain) only pick
//! another fact.

use super::Mismatch;
use crate::config::model::CertExpect;
use crate::matcher::{Actual, Matcher};
use crate::syntax::quantity::format_seconds;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use time::OffsetDateTime;
use time::macros::format_description;
use x509_parser::extensions::GeneralName;
use x509_parser::nom::Err as NomErr;
use x509_parser::nom::error::ErrorKind;
use x509_parser::prelude::{FromDer, X509Certificate, X509Error};
use x509_parser::public_key::RSAPublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Facts about one certificate, in the neutral form matchers test.
#[derive(Clone, Debug, PartialEq)]
pub struct CertFacts {
    /// RFC 4514-ish, in certificate order: `CN=chat.thephenom.app, O=Example`.
    pub subject: String,
    pub issuer: String,
    /// DNS names as written and IP addresses as text (`127.0.0.1`, `::1`); other kinds of
    /// name (e-mail, URI) are left out.
    pub san: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Lowercase hex of the serial's value, without separators or sign-padding zero bytes.
    pub serial: String,
    /// SHA-256 of the DER, lowercase hex without separators.
    pub fingerprint_sha256: String,
    /// Extended key usages by name (`serverAuth`, `clientAuth`, ...), unknown ones as dotted
    /// OIDs; empty when the extension is absent.
    pub eku: Vec<String>,
    /// The public key: `ECDSA P-256`, `RSA 2048`, `Ed25519`.
    pub key: String,
}

/// Reads the facts from one DER-encoded certificate; the error says why it is not one.
pub fn cert_facts(der: &[u8]) -> Result<CertFacts, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| match e {
        NomErr::Error(X509Error::NomError(ErrorKind::Eof))
        | NomErr::Failure(X509Error::NomError(ErrorKind::Eof))
        | NomErr::Incomplete(_) => "a length runs past the end of the data".to_string(),
        NomErr::Error(e) | NomErr::Failure(e) => e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(format!("{} bytes follow the certificate", rest.len()));
    }
    let validity = cert.validity();
    Ok(CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        san: san(&cert)?,
        not_before: validity.not_before.to_datetime(),
        not_after: validity.not_after.to_datetime(),
        serial: serial_hex(cert.raw_serial()),
        fingerprint_sha256: hex(&Sha256::digest(der)),
        eku: eku(&cert)?,
        key: key_name(cert.public_key()),
    })
}

/// Seconds from `now` until not_after; negative once expired.
pub fn seconds_left(facts: &CertFacts, now: OffsetDateTime) -> f64 {
    // Not x509-parser's time_to_expiration: it returns None once expired, and an expired
    // certificate must read as negative time, never as some positive number of days.
    (facts.not_after - now).as_seconds_f64()
}

/// What a probe saw of certificates.
#[derive(Clone, Copy, Debug)]
pub struct SeenCerts<'a> {
    /// The certificates (DER), leaf first; empty when none was presented.
    pub chain: &'a [Vec<u8>],
    /// What verification made of the chain, when the probe verified it.
    pub verified: Option<&'a Result<(), String>>,
}

impl<'a> SeenCerts<'a> {
    /// The http probe sees the leaf only.
    pub fn leaf(leaf: Option<&'a Vec<u8>>) -> SeenCerts<'a> {
        SeenCerts {
            chain: leaf.map(std::slice::from_ref).unwrap_or_default(),
            verified: None,
        }
    }
}

/// Judges the certificates a probe saw against `expect`. No certificate (plain http, a
/// server that sent none) fails every certificate expectation.
pub fn judge_cert(expect: &CertExpect, seen: SeenCerts<'_>, now: OffsetDateTime) -> Vec<Mismatch> {
    let wanted: Vec<(CertField, &Matcher)> = CertField::ALL
        .into_iter()
        .filter_map(|field| Some((field, field.matcher(expect)?)))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    if seen.chain.is_empty() {
        return wanted
            .into_iter()
            .map(|(field, matcher)| Mismatch {
                field: field.label(),
                expected: matcher.to_string(),
                actual: "no certificate was presented".into(),
                note: String::new(),
            })
            .collect();
    }
    let mut chain = Vec::with_capacity(seen.chain.len());
    for (i, der) in seen.chain.iter().enumerate() {
        match cert_facts(der) {
            Ok(facts) => chain.push(facts),
            Err(why) => {
                let which = if i == 0 {
                    "the leaf".to_string()
                } else {
                    format!("certificate {} of the chain", i + 1)
                };
                return vec![Mismatch {
                    field: "cert".into(),
                    expected: "an X.509 certificate (DER)".into(),
                    actual: format!("{which}: {} bytes that do not parse as one", der.len()),
                    note: why,
                }];
            }
        }
    }
    wanted
        .into_iter()
        .filter_map(|(field, matcher)| {
            let (actual, shown) = field.observe(&chain, seen.verified, now);
            let note = matcher.test(&actual).err()?;
            Some(Mismatch {
                field: field.label(),
                expected: matcher.to_string(),
                actual: shown,
                note,
            })
        })
        .collect()
}

/// One certificate expectation: which matcher it uses and which fact it tests.
#[derive(Clone, Copy)]
enum CertField {
    ExpiresIn,
    ChainExpiresIn,
    San,
    Subject,
    Issuer,
    Eku,
    Key,
    ChainValid,
    Fingerprint,
    Serial,
}

impl CertField {
    const ALL: [CertField; 10] = [
        CertField::ExpiresIn,
        CertField::ChainExpiresIn,
        CertField::San,
        CertField::Subject,
        CertField::Issuer,
        CertField::Eku,
        CertField::Key,
        CertField::ChainValid,
        CertField::Fingerprint,
        CertField::Serial,
    ];

    fn label(self) -> String {
        let name = match self {
            CertField::ExpiresIn => "expires_in",
            CertField::ChainExpiresIn => "chain_expires_in",
            CertField::San => "san",
            CertField::Subject => "subject",
            CertField::Issuer => "issuer",
            CertField::Eku => "eku",
            CertField::Key => "key",
            CertField::ChainValid => "chain_valid",
            CertField::Fingerprint => "fingerprint_sha256",
            CertField::Serial => "serial",
        };
        format!("cert {name}")
    }

    fn matcher(self, expect: &CertExpect) -> Option<&Matcher> {
        match self {
            CertField::ExpiresIn => expect.expires_in.as_ref(),
            CertField::ChainExpiresIn => expect.chain_expires_in.as_ref(),
            CertField::San => expect.san.as_ref(),
            CertField::Subject => expect.subject.as_ref(),
            CertField::Issuer => expect.issuer.as_ref(),
            CertField::Eku => expect.eku.as_ref(),
            CertField::Key => expect.key.as_ref(),
            CertField::ChainValid => expect.chain_valid.as_ref(),
            CertField::Fingerprint => expect.fingerprint_sha256.as_ref(),
            CertField::Serial => expect.serial.as_ref(),
        }
    }

    /// The fact as matchers test it, and as a mismatch shows it. `chain` is not empty.
    fn observe(
        self,
        chain: &[CertFacts],
        verified: Option<&Result<(), String>>,
        now: OffsetDateTime,
    ) -> (Actual, String) {
        let leaf = &chain[0];
        let actual = match self {
            CertField::ExpiresIn => return time_left(leaf, "", now),
            CertField::ChainExpiresIn => {
                let (i, first) = chain
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, c)| c.not_after)
                    .unwrap_or((0, leaf));
                let whose = match i {
                    0 => "the leaf, ".to_string(),
                    _ => format!("{}, ", first.subject),
                };
                return time_left(first, &whose, now);
            }
            CertField::San => Actual::list(leaf.san.iter().map(Actual::text).collect(), false),
            CertField::Subject => Actual::text(&leaf.subject),
            CertField::Issuer => Actual::text(&leaf.issuer),
            CertField::Eku => Actual::list(leaf.eku.iter().map(Actual::text).collect(), false),
            CertField::Key => Actual::text(&leaf.key),
            CertField::ChainValid => {
                return match verified {
                    Some(Ok(())) => (Actual::Bool(true), "true".into()),
                    Some(Err(why)) => (Actual::Bool(false), format!("false ({why})")),
                    None => (Actual::Absent, "not verified by this probe".into()),
                };
            }
            CertField::Fingerprint => Actual::text(&leaf.fingerprint_sha256),
            CertField::Serial => Actual::text(&leaf.serial),
        };
        let shown = actual.to_string();
        (actual, shown)
    }
}

/// Time left on `cert` as matchers test it, and as shown: `12d 3h (not after ...)`.
fn time_left(cert: &CertFacts, whose: &str, now: OffsetDateTime) -> (Actual, String) {
    let left = seconds_left(cert, now);
    let when = if left < 0.0 { "expired" } else { "not after" };
    let shown = format!(
        "{} ({whose}{when} {})",
        format_seconds(left),
        utc_text(cert.not_after)
    );
    (Actual::Seconds(left), shown)
}

/// `2026-12-07 10:00:00 UTC`.
fn utc_text(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| t.to_string())
}

fn san(cert: &X509Certificate<'_>) -> Result<Vec<String>, String> {
    let Some(ext) = cert.subject_alternative_name().map_err(|e| e.to_string())? else {
        return Ok(Vec::new());
    };
    Ok(ext
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(dns.to_string()),
            GeneralName::IPAddress(bytes) => ip_text(bytes),
            _ => None,
        })
        .collect())
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    let ip = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => return None,
    };
    Some(ip.to_string())
}

fn eku(cert: &X509Certificate<'_>) -> Result<Vec<String>, String> {
    let Some(ext) = cert.extended_key_usage().map_err(|e| e.to_string())? else {
        return Ok(Vec::new());
    };
    let e = ext.value;
    let known = [
        (e.any, "anyExtendedKeyUsage"),
        (e.server_auth, "serverAuth"),
        (e.client_auth, "clientAuth"),
        (e.code_signing, "codeSigning"),
        (e.email_protection, "emailProtection"),
        (e.time_stamping, "timeStamping"),
        (e.ocsp_signing, "OCSPSigning"),
    ];
    let named = known
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, name)| name.to_string());
    Ok(named
        .chain(e.other.iter().map(|oid| oid.to_id_string()))
        .collect())
}

/// The key's algorithm and size, the way people name them.
fn key_name(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let key_bits = &spki.subject_public_key.data;
    match algorithm.as_str() {
        // rsaEncryption, RSASSA-PSS
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let prefix = if algorithm.ends_with(".10") {
                "RSA-PSS"
            } else {
                "RSA"
            };
            match RSAPublicKey::from_der(key_bits) {
                Ok((_, key)) => format!("{prefix} {}", bit_length(key.modulus)),
                Err(_) => prefix.to_string(),
            }
        }
        // id-ecPublicKey: the curve is in the parameters.
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .unwrap_or_default();
            let curve = match curve.as_str() {
                "1.2.840.10045.3.1.7" => "P-256",
                "1.3.132.0.34" => "P-384",
                "1.3.132.0.35" => "P-521",
                "1.3.132.0.10" => "secp256k1",
                "" => "(unknown curve)",
                other => other,
            };
            format!("ECDSA {curve}")
        }
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.2.840.10040.4.1" => "DSA".into(),
        _ => algorithm,
    }
}

/// Bits in a big-endian unsigned integer, ignoring leading zero bytes and bits; x509-parser's
/// own key_size answers 0 for a modulus without DER's sign-padding zero.
fn bit_length(be: &[u8]) -> usize {
    let digits = strip_leading_zeros(be);
    match digits.first() {
        Some(first) => (digits.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

fn serial_hex(raw: &[u8]) -> String {
    let digits = strip_leading_zeros(raw);
    if digits.is_empty() {
        "00".into()
    } else {
        hex(digits)
    }
}

fn strip_leading_zeros(be: &[u8]) -> &[u8] {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    &be[start..]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
