//! The tls probe: one handshake on rustls directly (reqwest hides the alert), observed
//! whole: the outcome, the alert, the negotiated version, cipher suite and ALPN, the presented
//! chain and what verification made of it.
//!
//! The handshake is driven by hand (a `ClientConnection` fed from the socket) rather than
//! through tokio-rustls, so that a refused handshake still shows how far it got (version,
//! chain) and every way it can end is told apart: an alert, a reset, a close, silence
//! (`session.rs`); `verifier.rs` records the chain and the verification verdict, `asked.rs`
//! whether the server asked for a client certificate.

mod asked;
mod session;
mod starttls;
mod verifier;

use super::resolve::{Resolver, Wanted};

use asked::AskedRecorder;
use session::Session;
use verifier::{Presented, RecordingVerifier};

use super::cert_facts::{ChainFacts, ReadCert};
use super::{ProbeError, ProbeErrorKind, tls_client};
use crate::config::model::{Environment, TlsProbe};
use crate::syntax::quantity::format_seconds;
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ProtocolVersion};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

/// How long a completed handshake is watched, at least, before it counts as accepted, when
/// the server asked for a client certificate. A TLS 1.3 server that refuses the client's
/// certificate (or its lack of one) says so only after the client has finished its side of
/// the handshake, one round trip later; so the wait is also at least [`REFUSAL_ROUND_TRIPS`]
/// times what the TCP connect took (a round trip), for far servers. Never longer than what is
/// left of the check's timeout. TLS 1.2 is watched the same way: a server that asked and then
/// closes at once has not accepted either. A server that never asked for a certificate cannot
/// refuse one: its handshake counts as accepted as soon as it completes, without a wait.
pub const REFUSAL_WAIT: Duration = Duration::from_millis(500);

/// See [`REFUSAL_WAIT`].
pub const REFUSAL_ROUND_TRIPS: u32 = 3;

/// What one handshake showed.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsObservation {
    /// The address connected to, e.g. `127.0.0.1:8443`.
    pub target: String,
    /// The name sent as SNI.
    pub sni: String,
    pub outcome: HandshakeOutcome,
    /// `1.2` or `1.3`, when the handshake got that far (the server's hello).
    pub version: Option<String>,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: Option<String>,
    /// The protocol the server chose, if any.
    pub alpn: Option<String>,
    /// The chain the server presented (DER), leaf first; empty when it presented none.
    pub chain: Vec<Vec<u8>>,
    /// The chain as read, one entry per certificate of `chain`: see [`Self::chain_facts`].
    pub facts: ChainFacts,
    /// Verification of the chain for the SNI name against the trust roots, made whether or
    /// not `verify` is on: `Err` holds the reason in words (expired, unknown issuer ...).
    pub verified: Result<(), String>,
    /// The STARTTLS upgrade before the handshake, line by line (`> ` sent, `< ` received,
    /// as the server wrote it); empty without `starttls:`.
    pub upgrade: Vec<String>,
    /// The server sent a CertificateRequest (asked for a client certificate). Only then was
    /// the completed handshake watched for a refusal (see [`REFUSAL_WAIT`]).
    pub certificate_requested: bool,
    /// From the start (name lookup) until the outcome was known: the handshake's end, or the
    /// server's refusal; the quiet wait after an accepted handshake is not counted.
    pub elapsed: Duration,
}

impl TlsObservation {
    /// Each certificate of `chain` as read (once, when first asked).
    pub fn chain_facts(&self) -> &[ReadCert] {
        self.facts.of(&self.chain)
    }
}

/// How the handshake ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeOutcome {
    /// The handshake completed and the server kept the connection open (or sent data).
    Accepted,
    /// The server refused this client: during the handshake, or (TLS 1.3) right after it.
    Rejected {
        /// The alert's name (`certificate_required`), when the server sent one.
        alert: Option<String>,
        how: Rejection,
    },
    /// This client refused the server (verification failed with `verify` on, or the server
    /// wanted something this client does not do).
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
    resolver: Arc<Resolver>,
}

impl TlsProber {
    /// A prober with a resolver of its own for the environment's resolvers.
    pub fn new(env: &Environment) -> TlsProber {
        TlsProber::with_resolver(env, Arc::new(Resolver::new(&env.resolvers)))
    }

    /// A prober that shares the run's resolver.
    pub fn with_resolver(env: &Environment, resolver: Arc<Resolver>) -> TlsProber {
        TlsProber {
            env: env.clone(),
            resolver,
        }
    }

    /// One handshake with `probe.host:probe.port`, bounded by `timeout` as a whole.
    pub async fn probe(
        &self,
        probe: &TlsProbe,
        timeout: Duration,
    ) -> Result<TlsObservation, ProbeError> {
        let started = Instant::now();
        let deadline = super::deadline_after(started, timeout);
        let tls_error = |message: String| ProbeError {
            kind: ProbeErrorKind::Tls,
            message,
        };
        let name = ServerName::try_from(probe.sni.clone()).map_err(|e| {
            tls_error(format!(
                "sni {:?} is neither a DNS name nor an IP address: {e}",
                probe.sni
            ))
        })?;
        let recorder = Arc::new(RecordingVerifier::new(&probe.tls).map_err(tls_error)?);
        let alpn: Vec<&[u8]> = probe.alpn.iter().map(|p| p.as_bytes()).collect();
        let mut config = tls_client::config_with_verifier(&probe.tls, &alpn, recorder.clone())
            .map_err(tls_error)?;
        let asked = Arc::new(AskedRecorder::new(config.client_auth_cert_resolver.clone()));
        config.client_auth_cert_resolver = asked.clone();
        let mut conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| tls_error(format!("cannot start a TLS handshake: {e}")))?;

        let mut connected = self.connect(probe, deadline, timeout).await?;
        let mut upgrade = Vec::new();
        if let Some(protocol) = probe.starttls {
            let mut step = starttls::Step("");
            let talk = starttls::upgrade(&mut connected.tcp, protocol, &connected.place, &mut step);
            let Ok(upgraded) = timeout_at(deadline, talk).await else {
                let message = format!(
                    "STARTTLS ({}) with {}: no upgrade within {} (timeout), {}",
                    protocol.as_str(),
                    connected.place,
                    format_seconds(timeout.as_secs_f64()),
                    step.0
                );
                return Err(ProbeError {
                    kind: ProbeErrorKind::Timeout,
                    message,
                });
            };
            upgrade = upgraded?;
        }
        let wait = REFUSAL_WAIT.max(connected.round_trip * REFUSAL_ROUND_TRIPS);
        let place = connected.place;
        let mut session = Session {
            conn: &mut conn,
            tcp: connected.tcp,
            buf: vec![0; 32 * 1024],
            handshake_done: None,
        };
        let ended = match timeout_at(deadline, session.handshake()).await {
            Err(_) => return Err(handshake_timeout(session.conn, &place, timeout)),
            Ok(Err(ended)) => Some(ended),
            // A server that did not ask for a certificate has nothing to refuse afterwards.
            Ok(Ok(())) if !asked.asked() => None,
            Ok(Ok(())) => {
                let waited = super::deadline_after(Instant::now(), wait).min(deadline);
                timeout_at(waited, session.watch()).await.unwrap_or(None)
            }
        };
        let elapsed = match &ended {
            // The time the handshake took, not the time spent waiting for a refusal.
            None => session.handshake_done.unwrap_or(started) - started,
            Some(_) => started.elapsed(),
        };
        let outcome = match ended {
            None => HandshakeOutcome::Accepted,
            Some(ended) => ended.outcome(&place)?,
        };
        let Presented { chain, verified } = recorder.take();
        Ok(TlsObservation {
            target: connected.addr.to_string(),
            sni: probe.sni.clone(),
            outcome,
            version: conn.protocol_version().map(version_text),
            cipher_suite: conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite())),
            alpn: conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            chain,
            facts: ChainFacts::default(),
            verified,
            upgrade,
            certificate_requested: asked.asked(),
            elapsed,
        })
    }

    /// A TCP connection to the probe's host and port: the environment's `resolve:` answer,
    /// an IP literal as it is, or each address the name resolves to in turn.
    async fn connect(
        &self,
        probe: &TlsProbe,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Connected, ProbeError> {
        let fail = |kind, message| ProbeError { kind, message };
        let within = format_seconds(timeout.as_secs_f64());
        let host = probe.host.trim_start_matches('[').trim_end_matches(']');
        let named = match host.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, probe.port).to_string(),
            Err(_) => format!("{host}:{}", probe.port),
        };
        let fixed = self.env.resolve_fixed_all(host, probe.port);
        let addrs: Vec<SocketAddr> = if !fixed.is_empty() {
            fixed
        } else if let Ok(ip) = host.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, probe.port)]
        } else {
            let lookup = self
                .resolver
                .lookup(host, probe.port, Wanted::one(probe.ip));
            let found = timeout_at(deadline, lookup).await.map_err(|_| {
                let what = format!("{host} did not resolve within {within} (timeout)");
                fail(ProbeErrorKind::Timeout, what)
            })?;
            found.map_err(|e| fail(ProbeErrorKind::Dns, e))?
        };
        let addrs = super::resolve::of_family(addrs, probe.ip, host)
            .map_err(|e| fail(ProbeErrorKind::Dns, e))?;
        let place = |addr: &SocketAddr| {
            if addr.to_string() == named {
                named.clone()
            } else {
                format!("{named} at {addr}")
            }
        };
        let mut last = None;
        for addr in &addrs {
            let clock = Instant::now();
            match timeout_at(deadline, TcpStream::connect(addr)).await {
                Ok(Ok(tcp)) => {
                    return Ok(Connected {
                        tcp,
                        addr: *addr,
                        place: place(addr),
                        round_trip: clock.elapsed(),
                    });
                }
                Ok(Err(e)) => last = Some((addr, e)),
                Err(_) => {
                    let what = format!(
                        "no TCP connection to {} within {within} (timeout)",
                        place(addr)
                    );
                    return Err(fail(ProbeErrorKind::Timeout, what));
                }
            }
        }
        Err(match last {
            None => fail(ProbeErrorKind::Dns, format!("{host} has no address")),
            Some((addr, e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => fail(
                ProbeErrorKind::Refused,
                format!("connection refused ({})", place(addr)),
            ),
            Some((addr, e)) => fail(
                ProbeErrorKind::Connect,
                format!("could not connect to {}: {e}", place(addr)),
            ),
        })
    }
}

struct Connected {
    tcp: TcpStream,
    addr: SocketAddr,
    /// For people: `chat.example:443 at 10.0.0.1:443`, or the address alone.
    place: String,
    /// How long the TCP connect took: about one round trip.
    round_trip: Duration,
}

fn version_text(version: ProtocolVersion) -> String {
    match version {
        ProtocolVersion::TLSv1_2 => "1.2".into(),
        ProtocolVersion::TLSv1_3 => "1.3".into(),
        other => format!("{other:?}"),
    }
}

fn handshake_timeout(conn: &ClientConnection, place: &str, timeout: Duration) -> ProbeError {
    let stage = if conn.protocol_version().is_none() {
        "the server took the connection but did not answer the ClientHello"
    } else {
        "the server stopped answering mid-handshake"
    };
    ProbeError {
        kind: ProbeErrorKind::Timeout,
        message: format!(
            "TLS with {place}: no handshake within {} (timeout); {stage}",
            format_seconds(timeout.as_secs_f64())
        ),
    }
}
