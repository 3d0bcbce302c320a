//! A certificate read once, where it is seen: the facts the judge tests and the reports show
//! (names, validity, key, fingerprint), so that no later stage parses DER again.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::nom::Err as NomErr;
use x509_parser::nom::error::ErrorKind;
use x509_parser::prelude::{FromDer, X509Certificate, X509Error};
use x509_parser::public_key::RSAPublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Facts about one certificate, in the neutral form matchers test.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// A certificate as the probe read it: its facts (shared: an observation stays small, and
/// every try that saw the same certificate holds the same facts), or why its bytes are not one.
pub type ReadCert = Result<Arc<CertFacts>, Unreadable>;

/// Bytes presented as a certificate that do not parse as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// How many bytes were presented.
    pub len: usize,
    /// Why they are not a certificate, for people.
    pub why: String,
}

/// How many distinct certificates [`read`] remembers: far more than a suite meets.
const REMEMBERED: usize = 1024;

/// How large a certificate [`read`] remembers (DER bytes): a real leaf or intermediate is 1-2
/// KiB; a server may send up to 64 KiB, which is read again each time instead.
const LARGEST_REMEMBERED: usize = 16 * 1024;

/// How many bytes (DER and facts) [`read`] keeps at most: what servers that present a new
/// certificate each time can make a long `--watch` hold.
const MEMO_BYTES: usize = 4 * 1024 * 1024;

/// The facts of certificates read, by their DER, within [`REMEMBERED`] and [`MEMO_BYTES`].
#[derive(Default)]
struct Memo {
    facts: HashMap<Box<[u8]>, Arc<CertFacts>>,
    /// The bytes the entries hold, about.
    held: usize,
}

impl Memo {
    /// Keeps `facts` for `der` when it fits; a memo that is full stays as it is.
    fn keep(&mut self, der: &[u8], facts: &Arc<CertFacts>) {
        let cost = der.len() + facts.size();
        if der.len() > LARGEST_REMEMBERED
            || self.facts.len() >= REMEMBERED
            || self.held + cost > MEMO_BYTES
            || self.facts.contains_key(der)
        {
            return;
        }
        self.facts.insert(der.into(), Arc::clone(facts));
        self.held += cost;
    }
}

impl CertFacts {
    /// The bytes these facts hold, about: the struct and its texts.
    fn size(&self) -> usize {
        let texts = [
            &self.subject,
            &self.issuer,
            &self.serial,
            &self.fingerprint_sha256,
            &self.key,
        ];
        let listed = self.san.iter().chain(&self.eku);
        std::mem::size_of::<CertFacts>()
            + texts.iter().map(|t| t.len()).sum::<usize>()
            + listed
                .map(|t| t.len() + std::mem::size_of::<String>())
                .sum::<usize>()
    }
}

/// The facts of certificates read so far in this process.
static SEEN: LazyLock<Mutex<Memo>> = LazyLock::new(Default::default);

/// Reads one DER-encoded certificate, once per process: a thousand checks against one server
/// see its certificate a thousand times (each https try's leaf is in the JSON report), and
/// parse it, hash it and spell its names once.
pub fn read(der: &[u8]) -> ReadCert {
    let seen = |der: &[u8]| SEEN.lock().ok()?.facts.get(der).cloned();
    if let Some(facts) = seen(der) {
        return Ok(facts);
    }
    let facts = Arc::new(cert_facts(der).map_err(|why| Unreadable {
        len: der.len(),
        why,
    })?);
    if let Ok(mut seen) = SEEN.lock() {
        seen.keep(der, &facts);
    }
    Ok(facts)
}

/// The facts of a chain of certificates (DER), read the first time they are asked for and kept:
/// no certificate is parsed twice, and one that no expectation or report looks at is never
/// parsed. (The JSON report's `observed.leaf` looks at the leaf of each https try that got an
/// answer; certificates further up a chain are read only when a tls or cert try is.)
#[derive(Clone, Debug, Default)]
pub struct ChainFacts(OnceLock<Vec<ReadCert>>);

/// Facts follow from the chain they are kept for, which the observation compares itself: two
/// observations of one chain are equal whether or not either has been read yet.
impl PartialEq for ChainFacts {
    fn eq(&self, _: &ChainFacts) -> bool {
        true
    }
}

impl ChainFacts {
    /// The facts of `chain`, which must be the chain these facts are kept for.
    pub fn of<'a>(&'a self, chain: &[Vec<u8>]) -> &'a [ReadCert] {
        self.0.get_or_init(|| read_chain(chain))
    }
}

/// Reads every certificate of a chain (DER), in order.
pub fn read_chain(chain: &[Vec<u8>]) -> Vec<ReadCert> {
    chain.iter().map(|der| read(der)).collect()
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
pub(crate) mod tests;
