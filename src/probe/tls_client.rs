//! TLS client settings shared by the probes: a rustls `ClientConfig` built from a check's
//! [`TlsOptions`], always on the `ring` provider, and plain-words descriptions of rustls's
//! errors for people reading a failed check.

use crate::config::model::{TlsOptions, TlsVersion};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, ExtendedKeyPurpose, SignatureScheme,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
pub(crate) use trust::ServerVerifier;
pub(crate) use trust::provider;

/// A rustls client configuration for `opts`, offering `alpn` (in preference order), that
/// never resumes a session.
pub(crate) fn client_config(opts: &TlsOptions, alpn: &[&[u8]]) -> Result<ClientConfig, String> {
    config_with_verifier(opts, alpn, server_cert_verifier(opts)?)
}

/// What decides on the server's certificate: the real verifier when `verify` is on, else
/// one that accepts any certificate (but still checks the handshake's signatures).
pub(crate) fn server_cert_verifier(
    opts: &TlsOptions,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    if opts.verify {
        return Ok(server_verifier(opts)?);
    }
    Ok(Arc::new(AcceptAnyServerCert {
        algorithms: provider().signature_verification_algorithms,
    }))
}

/// [`client_config`] with the server certificate judged by `verifier`.
pub(crate) fn config_with_verifier(
    opts: &TlsOptions,
    alpn: &[&[u8]],
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<ClientConfig, String> {
    let versions: Vec<&'static rustls::SupportedProtocolVersion> = if opts.versions.is_empty() {
        vec![&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        opts.versions
            .iter()
            .map(|v| match v {
                TlsVersion::V1_2 => &rustls::version::TLS12,
                TlsVersion::V1_3 => &rustls::version::TLS13,
            })
            .collect()
    };
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("TLS versions {:?} are not available: {e}", opts.versions))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);

    let mut config = match &opts.client_identity {
        Some(id) => builder
            .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
            .map_err(|e| {
                format!(
                    "client certificate {} with key {} cannot be used: {e}",
                    id.cert_file.display(),
                    id.key_file.display()
                )
            })?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    // Every connection makes a full handshake. A resumed session is verified no more, and
    // shows the certificate of the session it resumes: nodes of one name that share their
    // session keys (a load balancer's, an anycast fleet's) would each pass with another's.
    config.resumption = rustls::client::Resumption::disabled();
    Ok(config)
}

/// The real verifier of server certificates for the trust roots of `opts`, one per distinct
/// set of roots in the process, so that every check with the same roots shares it.
pub(crate) fn server_verifier(opts: &TlsOptions) -> Result<Arc<ServerVerifier>, String> {
    static VERIFIERS: OnceLock<Mutex<HashMap<String, Arc<ServerVerifier>>>> = OnceLock::new();
    let key = fingerprints(&opts.extra_roots);
    let cache = VERIFIERS.get_or_init(Mutex::default);
    if let Some(verifier) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(verifier));
    }
    let verifier = Arc::new(ServerVerifier::new(opts)?);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Arc::clone(cache.entry(key).or_insert(verifier)))
}

/// A stable key for everything in `opts` that changes the `ClientConfig`, so that checks with
/// the same settings share one configuration (and one connection pool).
pub(crate) fn settings_key(opts: &TlsOptions) -> String {
    let mut key = format!(
        "verify={};versions={:?};roots={}",
        opts.verify,
        opts.versions,
        fingerprints(&opts.extra_roots)
    );
    if let Some(id) = &opts.client_identity {
        key.push_str(";identity=");
        key.push_str(&fingerprints(&id.chain));
        key.push_str(&fingerprint(id.key.secret_der()));
    }
    key
}

/// The fingerprint of each of `ders`, each followed by a comma.
fn fingerprints(ders: &[CertificateDer<'_>]) -> String {
    ders.iter().map(|der| fingerprint(der) + ",").collect()
}

fn fingerprint(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(16);
    for b in &digest[..8] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// `verify: false`: any certificate is accepted, but the handshake signatures are still
/// checked, so the connection is at least with the holder of the presented key.
#[derive(Debug)]
struct AcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `err` and its causes, outermost first. `io::Error` hides the error it wraps from
/// `source()` (it skips to that error's own source), so an `io::Error` is opened with
/// `get_ref` instead.
pub(crate) fn causes<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e: &&'a (dyn StdError + 'static)| match e
        .downcast_ref::<std::io::Error>()
    {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => e.source(),
    })
}

/// The rustls error somewhere in `err`'s causes.
pub(crate) fn find_tls_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    causes(err).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// What went wrong with TLS in `err`'s causes, in plain words, if TLS is what failed: the
/// rustls error found by its type, or else an alert that reached the reader untyped.
pub(crate) fn tls_failure(err: &(dyn StdError + 'static)) -> Option<String> {
    if let Some(tls) = find_tls_error(err) {
        return Some(describe_tls_error(tls));
    }
    causes(err).find_map(untyped_alert)
}

/// An alert that arrives after the handshake (TLS 1.3 `certificate_required`) over HTTP/2:
/// h2 keeps an I/O error as its kind and text only, so rustls's `AlertReceived` reaches here
/// as an `InvalidData` I/O error whose text is rustls's own wording of it.
fn untyped_alert(e: &(dyn StdError + 'static)) -> Option<String> {
    let io = e.downcast_ref::<std::io::Error>()?;
    if io.kind() != std::io::ErrorKind::InvalidData {
        return None;
    }
    let text = io.get_ref()?.to_string();
    let alert = text.strip_prefix("received fatal alert: ")?;
    Some(format!("the server sent alert {}", snake_case(alert)))
}

/// A rustls error in plain words: "certificate verify failed: expired ...", "the server sent
/// alert certificate_required".
pub(crate) fn describe_tls_error(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(cert) => {
            format!(
                "certificate verify failed: {}",
                describe_certificate_error(cert)
            )
        }
        rustls::Error::AlertReceived(alert) => {
            format!("the server sent alert {}", alert_name(alert))
        }
        rustls::Error::NoCertificatesPresented => "the server presented no certificate".into(),
        rustls::Error::PeerIncompatible(why) => {
            let why = debug_words(&format!("{why:?}"));
            format!("the server and this client have no TLS setting in common ({why})")
        }
        rustls::Error::PeerMisbehaved(why) => {
            let why = debug_words(&format!("{why:?}"));
            format!("the server broke the TLS protocol ({why})")
        }
        rustls::Error::InvalidMessage(why) => {
            let why = debug_words(&format!("{why:?}"));
            format!("the server sent something that is not TLS ({why})")
        }
        other => other.to_string(),
    }
}

/// Why verification failed, in plain words without a "certificate verify failed" prefix:
/// "expired (not valid after ...)", "unknown issuer (...)".
pub(crate) fn describe_verification_error(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(cert) => describe_certificate_error(cert),
        other => describe_tls_error(other),
    }
}

fn describe_certificate_error(err: &CertificateError) -> String {
    let date = |t: &UnixTime| {
        time::OffsetDateTime::from_unix_timestamp(t.as_secs() as i64)
            .ok()
            .and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| format!("{} (UNIX)", t.as_secs()))
    };
    match err {
        CertificateError::Expired => "expired".into(),
        CertificateError::ExpiredContext { not_after, .. } => {
            format!("expired (not valid after {})", date(not_after))
        }
        CertificateError::NotValidYet => "not yet valid".into(),
        CertificateError::NotValidYetContext { not_before, .. } => {
            format!("not yet valid (not valid before {})", date(not_before))
        }
        CertificateError::UnknownIssuer => {
            "unknown issuer (not signed by a trusted CA; add it with ca_file)".into()
        }
        CertificateError::NotValidForName => "the certificate is not valid for this name".into(),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => {
            // webpki presents names as `DnsName("a.example")`, `IpAddress(10.0.0.1)`.
            let names: Vec<&str> = presented
                .iter()
                .map(|p| {
                    let inner = p
                        .split_once('(')
                        .and_then(|(_, rest)| rest.strip_suffix(')'))
                        .unwrap_or(p);
                    inner.trim_matches('"')
                })
                .collect();
            let names = if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            };
            format!(
                "the certificate is not valid for name {} (it names: {names})",
                expected.to_str()
            )
        }
        CertificateError::BadSignature => "bad signature".into(),
        CertificateError::Revoked => "revoked".into(),
        CertificateError::BadEncoding => "the certificate is not valid DER".into(),
        CertificateError::InvalidPurpose => {
            "the certificate is not meant for this purpose (extended key usage)".into()
        }
        CertificateError::InvalidPurposeContext { required, .. } => {
            let who = match required {
                ExtendedKeyPurpose::ClientAuth => "TLS clients",
                ExtendedKeyPurpose::ServerAuth => "TLS servers",
                ExtendedKeyPurpose::Other(_) => "this purpose",
            };
            format!("the certificate is not meant for {who} (extended key usage)")
        }
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(e) => describe_webpki_error(e),
            None => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// webpki's reasons that rustls passes on without a name of its own.
fn describe_webpki_error(err: &webpki::Error) -> String {
    match err {
        webpki::Error::CaUsedAsEndEntity => {
            "the certificate is a CA certificate (basicConstraints CA:TRUE), not a server's or \
             a client's"
                .into()
        }
        webpki::Error::EndEntityUsedAsCa => {
            "a certificate in the chain that is not a CA signed another (basicConstraints)".into()
        }
        webpki::Error::PathLenConstraintViolated => {
            "the chain is longer than a CA in it allows (pathLenConstraint)".into()
        }
        webpki::Error::NameConstraintViolation => {
            "a CA's name constraints do not allow the certificate's names".into()
        }
        webpki::Error::MaximumPathDepthExceeded => "the chain is too long".into(),
        webpki::Error::UnsupportedCertVersion => "the certificate is not X.509 v3".into(),
        other => debug_words(&format!("{other:?}")),
    }
}

/// A rustls or webpki reason in words: `NoCipherSuitesInCommon` → `no cipher suites in
/// common` (its name only, without the Rust syntax of any fields).
fn debug_words(debug: &str) -> String {
    let name = debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or(debug);
    snake_case(name).replace('_', " ")
}

/// `CertificateRequired` → `certificate_required`, the name the RFCs, IANA and openssl use.
pub(crate) fn alert_name(alert: &rustls::AlertDescription) -> String {
    match alert {
        // rustls spells it the British way; the registry does not.
        rustls::AlertDescription::UnrecognisedName => "unrecognized_name".into(),
        rustls::AlertDescription::Unknown(code) => format!("unknown alert {code}"),
        known => snake_case(&format!("{known:?}")),
    }
}

/// `UnknownCA` → `unknown_ca`, `UnknownPSKIdentity` → `unknown_psk_identity`: a word starts
/// at a capital after a small letter, or at the last capital of a run before a small one.
fn snake_case(camel: &str) -> String {
    let chars: Vec<char> = camel.chars().collect();
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let starts_word = c.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase())
                || prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
        if starts_word {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub(crate) mod trust;

#[cfg(test)]
mod tests;
