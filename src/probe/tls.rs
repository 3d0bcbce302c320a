//! The tls probe: one handshake on tokio-rustls directly (reqwest hides the alert), observed
//! whole: the outcome, the alert, the negotiated version, cipher suite and ALPN, the presented
//! chain and what verification made of it.

use super::ProbeError;
use crate::spec::model::{Environment, TlsProbe};
use std::time::Duration;

/// What one handshake showed.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsObservation {
    /// The address connected to, e.g. `127.0.0.1:8443`.
    pub target: String,
    /// The name sent as SNI.
    pub sni: String,
    pub outcome: HandshakeOutcome,
    /// `1.2` or `1.3`, when the handshake got that far.
    pub version: Option<String>,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: Option<String>,
    /// The protocol the server chose, if any.
    pub alpn: Option<String>,
    /// The chain the server presented (DER), leaf first; empty when it presented none.
    pub chain: Vec<Vec<u8>>,
    /// Verification of the chain for the SNI name against the trust roots, made whether or
    /// not `verify` is on: `Err` holds the reason in words (expired, unknown issuer ...).
    pub verified: Result<(), String>,
    pub elapsed: Duration,
}

/// How the handshake ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeOutcome {
    /// The handshake completed and the server kept the connection open.
    Accepted,
    /// The server refused this client: during the handshake, or (TLS 1.3) right after it.
    Rejected {
        /// The alert's name (`certificate_required`), when the server sent one.
        alert: Option<String>,
        how: Rejection,
    },
    /// This client refused the server (verification failed with `verify` on).
    ClientRefused(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    Alert,
    Reset,
    Closed,
}

impl std::fmt::Display for HandshakeOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeOutcome::Accepted => f.write_str("accepted"),
            HandshakeOutcome::Rejected { alert: Some(a), .. } => {
                write!(f, "rejected (alert {a})")
            }
            HandshakeOutcome::Rejected {
                how: Rejection::Reset,
                ..
            } => f.write_str("rejected (connection reset)"),
            HandshakeOutcome::Rejected { .. } => f.write_str("rejected (connection closed)"),
            HandshakeOutcome::ClientRefused(why) => write!(f, "refused by this client: {why}"),
        }
    }
}

pub struct TlsProber {
    env: Environment,
}

impl TlsProber {
    pub fn new(env: &Environment) -> TlsProber {
        TlsProber { env: env.clone() }
    }

    pub async fn probe(
        &self,
        probe: &TlsProbe,
        _timeout: Duration,
    ) -> Result<TlsObservation, ProbeError> {
        let _ = (&self.env, probe);
        Err(ProbeError {
            kind: super::ProbeErrorKind::Tls,
            message: "the tls probe is being built".into(),
        })
    }
}
