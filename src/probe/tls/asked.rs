//! Whether the server asked for a client certificate: only then can a TLS 1.3 server refuse
//! this client after the handshake, so only then is the handshake watched for a refusal.

use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Wraps the client certificate resolver the configuration had (one with the probe's client
/// certificate, or one with none) and records that rustls consulted it: rustls does so
/// exactly when the server sent a CertificateRequest, in TLS 1.2 and 1.3 alike.
#[derive(Debug)]
pub(super) struct AskedRecorder {
    inner: Arc<dyn ResolvesClientCert>,
    asked: AtomicBool,
}

impl AskedRecorder {
    pub(super) fn new(inner: Arc<dyn ResolvesClientCert>) -> AskedRecorder {
        AskedRecorder {
            inner,
            asked: AtomicBool::new(false),
        }
    }

    /// The server sent a CertificateRequest.
    pub(super) fn asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }
}

impl ResolvesClientCert for AskedRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::Relaxed);
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.inner.only_raw_public_keys()
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}
