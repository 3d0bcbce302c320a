//! The tls probe: one handshake on rustls directly (reqwest hides the alert), observed
//! whole: the outcome, the alert, the negotiated version, cipher suite and ALPN, the presented
//! chain and what verification made of it.
//!
//! The handshake is driven by hand (a `ClientConnection` fed from the socket) rather than
//! through tokio-rustls, so that a refused handshake still shows how far it got (version,
//! chain) and every way it can end is told apart: an alert, a reset, a close, silence.

use super::{ProbeError, ProbeErrorKind, tls_client};
use crate::spec::model::{Environment, TlsOptions, TlsProbe};
use crate::spec::quantity::format_seconds;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConnection, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

/// How long a completed handshake is watched, at least, before it counts as accepted. A TLS
/// 1.3 server that refuses the client's certificate says so only after the client has
/// finished its side of the handshake, one round trip later; so the wait is also at least
/// [`REFUSAL_ROUND_TRIPS`] times what the TCP connect took (a round trip), for far servers.
/// Never longer than what is left of the check's timeout. TLS 1.2 is watched the same way:
/// a server that closes at once has not accepted either.
pub const REFUSAL_WAIT: Duration = Duration::from_millis(300);

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
    /// Verification of the chain for the SNI name against the trust roots, made whether or
    /// not `verify` is on: `Err` holds the reason in words (expired, unknown issuer ...).
    pub verified: Result<(), String>,
    /// From the start (name lookup) until the outcome was known: the handshake's end, or the
    /// server's refusal; the quiet wait after an accepted handshake is not counted.
    pub elapsed: Duration,
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
}

impl TlsProber {
    pub fn new(env: &Environment) -> TlsProber {
        TlsProber { env: env.clone() }
    }

    /// One handshake with `probe.host:probe.port`, bounded by `timeout` as a whole.
    pub async fn probe(
        &self,
        probe: &TlsProbe,
        timeout: Duration,
    ) -> Result<TlsObservation, ProbeError> {
        let started = Instant::now();
        let deadline = started + timeout;
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
        // Every probe makes a full handshake: a resumed session shows no certificate.
        config.resumption = Resumption::disabled();
        let mut conn = ClientConnection::new(Arc::new(config), name)
            .map_err(|e| tls_error(format!("cannot start a TLS handshake: {e}")))?;

        let connected = self.connect(probe, deadline, timeout).await?;
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
            Ok(Ok(())) => {
                let waited = (Instant::now() + wait).min(deadline);
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
            verified,
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
        let addrs: Vec<SocketAddr> = if let Some(addr) = self.env.resolve_fixed(host, probe.port) {
            vec![addr]
        } else if let Ok(ip) = host.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, probe.port)]
        } else {
            let lookup = tokio::net::lookup_host((host, probe.port));
            let found = timeout_at(deadline, lookup).await.map_err(|_| {
                let what = format!("{host} did not resolve within {within} (timeout)");
                fail(ProbeErrorKind::Timeout, what)
            })?;
            let found = found
                .map_err(|e| fail(ProbeErrorKind::Dns, format!("{host} did not resolve ({e})")))?;
            found.collect()
        };
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

/// How a session ended before it could count as accepted.
enum Ended {
    /// The server sent this fatal alert.
    Alert(rustls::AlertDescription),
    Reset,
    Closed,
    /// This client gave up: verification failed, or no setting in common.
    Refused(rustls::Error),
    /// The server's bytes are not TLS, or break its rules: (what, the first bytes read).
    NotTls(rustls::Error, String),
    /// The connection failed otherwise.
    Broken(std::io::Error),
}

impl Ended {
    fn from_io(e: std::io::Error) -> Ended {
        use std::io::ErrorKind::*;
        match e.kind() {
            ConnectionReset | ConnectionAborted | BrokenPipe => Ended::Reset,
            UnexpectedEof => Ended::Closed,
            _ => Ended::Broken(e),
        }
    }

    /// `place`: where the probe connected, for messages.
    fn outcome(self, place: &str) -> Result<HandshakeOutcome, ProbeError> {
        let rejected = |alert, how| Ok(HandshakeOutcome::Rejected { alert, how });
        let error = |kind, message| Err(ProbeError { kind, message });
        match self {
            Ended::Alert(a) => rejected(Some(tls_client::alert_name(&a)), Rejection::Alert),
            Ended::Reset => rejected(None, Rejection::Reset),
            Ended::Closed => rejected(None, Rejection::Closed),
            Ended::Refused(e) => Ok(HandshakeOutcome::ClientRefused(
                tls_client::describe_tls_error(&e),
            )),
            Ended::NotTls(e @ rustls::Error::InvalidMessage(_), start) => {
                let what =
                    format!("TLS with {place} failed: the server's answer is not TLS{start}: {e}");
                error(ProbeErrorKind::Tls, what)
            }
            Ended::NotTls(e, _) => {
                let why = tls_client::describe_tls_error(&e);
                error(
                    ProbeErrorKind::Tls,
                    format!("TLS with {place} failed: {why}"),
                )
            }
            Ended::Broken(e) => error(
                ProbeErrorKind::Connect,
                format!("the connection to {place} broke during the TLS handshake: {e}"),
            ),
        }
    }
}

/// A handshake in progress: rustls's state and the socket it is fed from.
struct Session<'c> {
    conn: &'c mut ClientConnection,
    tcp: TcpStream,
    buf: Vec<u8>,
    handshake_done: Option<Instant>,
}

impl Session<'_> {
    async fn handshake(&mut self) -> Result<(), Ended> {
        loop {
            self.send().await?;
            if !self.conn.is_handshaking() {
                self.handshake_done = Some(Instant::now());
                return Ok(());
            }
            self.receive().await?;
        }
    }

    /// Reads after the handshake until the server refuses (`Some`), or sends data (`None`:
    /// accepted); the caller's bound on it ending in silence also means accepted. Session
    /// tickets are taken in without a word.
    async fn watch(&mut self) -> Option<Ended> {
        loop {
            match self.receive().await {
                Err(ended) => return Some(ended),
                Ok(state) if state.peer_has_closed() => return Some(Ended::Closed),
                Ok(state) if state.plaintext_bytes_to_read() > 0 => return None,
                Ok(_) => {}
            }
        }
    }

    /// Writes what rustls has to send.
    async fn send(&mut self) -> Result<(), Ended> {
        while self.conn.wants_write() {
            let mut out = Vec::new();
            self.conn.write_tls(&mut out).map_err(Ended::Broken)?;
            self.tcp.write_all(&out).await.map_err(Ended::from_io)?;
        }
        Ok(())
    }

    /// One read from the socket, fed to rustls; what rustls made of it.
    async fn receive(&mut self) -> Result<rustls::IoState, Ended> {
        let n = self.tcp.read(&mut self.buf).await.map_err(Ended::from_io)?;
        if n == 0 {
            return Err(Ended::Closed);
        }
        let mut rest = &self.buf[..n];
        loop {
            let fed = self.conn.read_tls(&mut rest).map_err(Ended::Broken)?;
            let state = match self.conn.process_new_packets() {
                Ok(state) => state,
                Err(e) => return Err(self.failed(e, n).await),
            };
            if rest.is_empty() || fed == 0 {
                return Ok(state);
            }
        }
    }

    /// How rustls's error `e` ends the session; `n`: the bytes of the read that caused it.
    async fn failed(&mut self, e: rustls::Error, n: usize) -> Ended {
        let ended = match e {
            rustls::Error::AlertReceived(alert) => Ended::Alert(alert),
            e @ (rustls::Error::InvalidMessage(_) | rustls::Error::PeerMisbehaved(_)) => {
                // The server's first answer is shown: it says what the server speaks.
                let start = if self.conn.protocol_version().is_none() {
                    format!(" (it begins {})", preview(&self.buf[..n]))
                } else {
                    String::new()
                };
                Ended::NotTls(e, start)
            }
            e => Ended::Refused(e),
        };
        // The alert rustls queued for the server, as a courtesy; its fate is moot.
        let _ = self.send().await;
        ended
    }
}

/// The first bytes of an answer, as text when they are printable, else as hex.
fn preview(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(24)];
    if head.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("with bytes {}", hex.join(" "))
    }
}

/// Records the chain the server presented and what the real verifier made of it for the SNI
/// name, always; the decision is left to the verifier `verify` chose (the real one, or one
/// that accepts any certificate).
#[derive(Debug)]
struct RecordingVerifier {
    decide: Arc<dyn ServerCertVerifier>,
    /// The real verifier for the probe's trust roots; `Err` when they cannot be used.
    judge: Result<Arc<WebPkiServerVerifier>, String>,
    seen: Mutex<Option<Presented>>,
}

/// What the server presented, and what verification made of it.
#[derive(Debug)]
struct Presented {
    /// DER, leaf first.
    chain: Vec<Vec<u8>>,
    verified: Result<(), String>,
}

impl RecordingVerifier {
    fn new(opts: &TlsOptions) -> Result<RecordingVerifier, String> {
        Ok(RecordingVerifier {
            decide: tls_client::server_cert_verifier(opts)?,
            judge: tls_client::server_verifier(opts),
            seen: Mutex::new(None),
        })
    }

    /// The presented chain and the verdict; when the server presented none, says so.
    fn take(&self) -> Presented {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner()).take();
        seen.unwrap_or_else(|| Presented {
            chain: Vec::new(),
            verified: Err("the server presented no certificate".into()),
        })
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = match &self.judge {
            Ok(judge) => judge
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                .map(|_| ())
                .map_err(|e| tls_client::describe_verification_error(&e)),
            Err(why) => Err(why.clone()),
        };
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.to_vec())
            .collect();
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(Presented { chain, verified });
        self.decide
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.decide.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.decide.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.decide.supported_verify_schemes()
    }
}
