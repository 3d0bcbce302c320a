//! Driving one rustls client session by hand over a TCP stream, and how it ended.

use super::super::{ProbeError, ProbeErrorKind, tls_client};
use super::{HandshakeOutcome, Rejection};
use rustls::ClientConnection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How a session ended before it could count as accepted.
pub(super) enum Ended {
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
    pub(super) fn from_io(e: std::io::Error) -> Ended {
        use std::io::ErrorKind::*;
        match e.kind() {
            ConnectionReset | ConnectionAborted | BrokenPipe => Ended::Reset,
            UnexpectedEof => Ended::Closed,
            _ => Ended::Broken(e),
        }
    }

    /// `place`: where the probe connected, for messages.
    pub(super) fn outcome(self, place: &str) -> Result<HandshakeOutcome, ProbeError> {
        let rejected = |alert, how| Ok(HandshakeOutcome::Rejected { alert, how });
        let error = |kind, message| Err(ProbeError { kind, message });
        match self {
            Ended::Alert(a) => rejected(Some(tls_client::alert_name(&a)), Rejection::Alert),
            Ended::Reset => rejected(None, Rejection::Reset),
            Ended::Closed => rejected(None, Rejection::Closed),
            Ended::Refused(e) => Ok(HandshakeOutcome::ClientRefused(
                tls_client::describe_tls_error(&e),
            )),
            Ended::NotTls(
                rustls::Error::InvalidMessage(
                    rustls::InvalidMessage::HandshakePayloadTooLarge
                    | rustls::InvalidMessage::MessageTooLarge,
                ),
                _,
            ) => {
                let what = format!(
                    "TLS with {place} failed: the server's handshake message (its certificate \
                     chain, most often) is larger than the 64 KiB a TLS client accepts"
                );
                error(ProbeErrorKind::Tls, what)
            }
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
pub(super) struct Session<'c> {
    pub(super) conn: &'c mut ClientConnection,
    pub(super) tcp: TcpStream,
    pub(super) buf: Vec<u8>,
    pub(super) handshake_done: Option<Instant>,
}

impl Session<'_> {
    pub(super) async fn handshake(&mut self) -> Result<(), Ended> {
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
    pub(super) async fn watch(&mut self) -> Option<Ended> {
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
    pub(super) async fn send(&mut self) -> Result<(), Ended> {
        while self.conn.wants_write() {
            let mut out = Vec::new();
            self.conn.write_tls(&mut out).map_err(Ended::Broken)?;
            self.tcp.write_all(&out).await.map_err(Ended::from_io)?;
        }
        Ok(())
    }

    /// One read from the socket, fed to rustls; what rustls made of it.
    pub(super) async fn receive(&mut self) -> Result<rustls::IoState, Ended> {
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
    pub(super) async fn failed(&mut self, e: rustls::Error, n: usize) -> Ended {
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
pub(super) fn preview(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(24)];
    if head
        .iter()
        .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n'))
    {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("with bytes {}", hex.join(" "))
    }
}
