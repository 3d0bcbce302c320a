//! Failed requests sorted into error kinds, with their causes in words.

use super::super::ProbeErrorKind;
use super::super::tls_client;

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
