//! Failed requests sorted into error kinds, with their causes in words.

use super::super::ProbeErrorKind;
use super::super::tls_client;
use crate::spec::model::TlsOptions;
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Sorts a failed request into an error kind, with the cause in words.
pub(super) fn classify(err: &reqwest::Error, target: &str) -> (ProbeErrorKind, String) {
    if let Some(why) = tls_client::tls_failure(err) {
        let what = format!("TLS with {target} failed: {why}");
        return (ProbeErrorKind::Tls, what);
    }
    if err.is_dns() {
        return (
            ProbeErrorKind::Dns,
            format!("{target} did not resolve ({})", root_cause(err)),
        );
    }
    if has_io_kind(err, std::io::ErrorKind::ConnectionRefused) {
        return (
            ProbeErrorKind::Refused,
            format!("connection refused ({target})"),
        );
    }
    if err.is_connect() {
        if has_io_kind(err, std::io::ErrorKind::UnexpectedEof) {
            let what = format!("{target} closed the connection during the TLS handshake");
            return (ProbeErrorKind::Tls, what);
        }
        return (
            ProbeErrorKind::Connect,
            format!("could not connect to {target}: {}", root_cause(err)),
        );
    }
    (
        ProbeErrorKind::Protocol,
        format!("no valid HTTP answer from {target}: {}", root_cause(err)),
    )
}

fn has_io_kind(err: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    tls_client::causes(err).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// The innermost error's text: the most specific words ("Connection refused (os error 111)").
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    tls_client::causes(err)
        .last()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// How long the second look at a broken-off TLS connection may take.
const REFUSAL_LOOK: Duration = Duration::from_secs(1);

/// Why an https server broke off a request, when the request itself could not tell.
///
/// A TLS 1.3 server that refuses the client's certificate sends its alert only after the
/// client has finished the handshake; a client already writing its request may see a
/// broken pipe or a reset instead of the alert. One more handshake that sends nothing and
/// reads once, bounded by [`REFUSAL_LOOK`], sees the alert (or the close) itself.
pub(super) async fn tls_refusal(
    tls: &TlsOptions,
    server_name: &str,
    addr: SocketAddr,
) -> Option<String> {
    let look = async {
        let config = tls_client::client_config(tls, &[b"http/1.1"]).ok()?;
        let name = ServerName::try_from(server_name.to_string()).ok()?;
        let tcp = TcpStream::connect(addr).await.ok()?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let mut stream = match connector.connect(name, tcp).await {
            Ok(stream) => stream,
            Err(e) => return tls_client::tls_failure(&e),
        };
        let mut byte = [0u8; 1];
        match stream.read(&mut byte).await {
            Err(e) => tls_client::tls_failure(&e).or_else(|| {
                Some(format!(
                    "the server broke off the connection after the handshake ({e})"
                ))
            }),
            Ok(0) => Some(
                "the server closed the connection right after the handshake, without an alert"
                    .to_string(),
            ),
            Ok(_) => None,
        }
    };
    tokio::time::timeout(REFUSAL_LOOK, look)
        .await
        .ok()
        .flatten()
}

/// Whether a failed request broke off in a way a TLS refusal would explain.
pub(super) fn broke_off(err: &reqwest::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    [
        BrokenPipe,
        ConnectionReset,
        ConnectionAborted,
        UnexpectedEof,
    ]
    .into_iter()
    .any(|kind| has_io_kind(err, kind))
        || tls_client::causes(err).any(|e| {
            let text = e.to_string();
            ["connection closed", "broken pipe", "not ready", "reset"]
                .iter()
                .any(|t| text.contains(t))
        })
}
