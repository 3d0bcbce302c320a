//! Trust roots: the roots bundled with conform (webpki-roots), the system's trust store, and a
//! check's own `ca_file` roots, all trusted alike.
//!
//! Reading the system store means reading and decoding every PEM file of it (on Debian about
//! 300 files, most of a cold run's CPU time), so it is read only when a verdict needs it:
//! a chain is first verified against the bundled and the check's own roots, and only when
//! that fails is it verified again with the system's roots added. A chain valid for the
//! smaller set is valid for the larger one, so the verdict is the same as always verifying
//! against all three; a run whose certificates all chain to public or `ca_file` roots never
//! reads the store at all. It is read at most once per process.

use crate::config::model::TlsOptions;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, OnceLock};

/// The provider every probe uses: ring, never aws-lc-rs or OpenSSL.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())))
}

/// Which roots a verification may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Roots {
    /// webpki-roots and the check's own roots.
    Bundled,
    /// Those and the system's trust store.
    WithSystem,
}

/// The system's trust store, read once per process. Unreadable files are skipped (the
/// bundled roots still apply). Inside a multi-threaded tokio runtime the read is announced
/// with `block_in_place`, so that the worker's other tasks move on meanwhile.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static SYSTEM: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    if let Some(roots) = SYSTEM.get() {
        return roots;
    }
    let load = || SYSTEM.get_or_init(|| rustls_native_certs::load_native_certs().certs);
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(load)
        }
        _ => load(),
    }
}

/// The root store with `extra` and the roots `which` allows.
fn root_store(extra: &[CertificateDer<'static>], which: Roots) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if which == Roots::WithSystem {
        roots.add_parsable_certificates(system_roots().iter().cloned());
    }
    for (i, der) in extra.iter().enumerate() {
        roots
            .add(der.clone())
            .map_err(|e| format!("extra trust root #{} cannot be used as a CA: {e}", i + 1))?;
    }
    Ok(roots)
}

fn webpki_server_verifier(
    extra: &[CertificateDer<'static>],
    which: Roots,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(extra, which)?), provider())
        .build()
        .map_err(|e| format!("cannot build the certificate verifier: {e}"))
}

/// The real verifier of server certificates for the trust roots of `opts`; the system store
/// is consulted only for chains the other roots do not accept.
#[derive(Debug)]
pub(crate) struct ServerVerifier {
    extra_roots: Vec<CertificateDer<'static>>,
    bundled: Arc<WebPkiServerVerifier>,
    with_system: OnceLock<Result<Arc<WebPkiServerVerifier>, String>>,
}

impl ServerVerifier {
    pub(crate) fn new(opts: &TlsOptions) -> Result<ServerVerifier, String> {
        Ok(ServerVerifier {
            extra_roots: opts.extra_roots.clone(),
            bundled: webpki_server_verifier(&opts.extra_roots, Roots::Bundled)?,
            with_system: OnceLock::new(),
        })
    }

    fn with_system(&self) -> Option<&Arc<WebPkiServerVerifier>> {
        self.with_system
            .get_or_init(|| webpki_server_verifier(&self.extra_roots, Roots::WithSystem))
            .as_ref()
            .ok()
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .bundled
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Ok(verified) => Ok(verified),
            Err(e) => match self.with_system() {
                Some(all) => {
                    all.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                }
                None => Err(e),
            },
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.bundled.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.bundled.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.bundled.supported_verify_schemes()
    }
}

/// Verifies a client certificate (DER leaf and intermediates) against the trust roots of
/// `opts`, the system store only when the other roots do not accept it.
pub(crate) fn verify_client_cert(
    opts: &TlsOptions,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<Result<(), rustls::Error>, String> {
    let verify = |which| -> Result<Result<(), rustls::Error>, String> {
        let roots = Arc::new(root_store(&opts.extra_roots, which)?);
        let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
            .build()
            .map_err(|e| format!("cannot build the certificate verifier: {e}"))?;
        Ok(verifier
            .verify_client_cert(leaf, intermediates, now)
            .map(|_| ()))
    };
    match verify(Roots::Bundled)? {
        Ok(()) => Ok(Ok(())),
        Err(_) => verify(Roots::WithSystem),
    }
}
