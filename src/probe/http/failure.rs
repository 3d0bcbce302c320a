//! Failed requests sorted into error kinds, with their causes in words.

use super::super::ProbeErrorKind;
use super::super::tls::{HandshakeOutcome, Rejection, TlsProber};
use super::super::tls_client;
use crate::config::model::{ProxyRoute, TlsOptions, TlsProbe};
use std::net::SocketAddr;
use std::time::Duration;

/// Sorts a failed request into an error kind, with the cause in words.
pub(super) fn classify(err: &reqwest::Error, target: &str) -> (ProbeErrorKind, String) {
    if let Some(e @ rustls::Error::InvalidCertificate(_)) = tls_client::find_tls_error(err) {
        let why = tls_client::describe_verification_error(e);
        let what = format!("the server certificate of {target} does not verify: {why}");
        return (ProbeErrorKind::Certificate, what);
    }
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

/// Why a request through `proxy` failed, when the proxy is to blame: it could not be
/// reached, or it did not open the tunnel. None: the failure is the server's (a TLS or
/// HTTP failure inside the tunnel), for [`classify`] to say.
pub(super) fn proxy_failure(
    err: &reqwest::Error,
    proxy: &ProxyRoute,
    target: &str,
) -> Option<String> {
    let named = format!("the proxy {} ({})", proxy.shown(), proxy.source());
    // hyper-util's tunnel error is not public: it is known by its text.
    let tunnel = tls_client::causes(err)
        .map(|e| e.to_string())
        .find_map(|text| text.strip_prefix("tunnel error: ").map(str::to_string));
    if let Some(tunnel) = tunnel {
        return Some(match tunnel.as_str() {
            "proxy authorization required" => proxy_asks_for_credentials(proxy, target),
            "unsuccessful" => {
                format!(
                    "{named} refused to open a tunnel to {target} (CONNECT was not answered 200)"
                )
            }
            "unexpected end of file" => {
                format!("{named} closed the connection before answering CONNECT {target}")
            }
            // An https:// proxy whose own certificate does not verify.
            _ if let Some(e @ rustls::Error::InvalidCertificate(_)) =
                tls_client::find_tls_error(err) =>
            {
                let why = tls_client::describe_verification_error(e);
                format!("the certificate of {named} does not verify: {why}")
            }
            _ => format!(
                "{named} could not open a tunnel to {target}: {}",
                root_cause(err)
            ),
        });
    }
    if tls_client::tls_failure(err).is_some()
        || tls_client::find_tls_error(err).is_some()
        || has_io_kind(err, std::io::ErrorKind::UnexpectedEof)
        || !err.is_connect()
    {
        return None;
    }
    if has_io_kind(err, std::io::ErrorKind::ConnectionRefused) {
        return Some(format!("{named} refused the connection (for {target})"));
    }
    if err.is_dns() {
        return Some(format!("{named} did not resolve ({})", root_cause(err)));
    }
    Some(format!(
        "could not connect to {named} (for {target}): {}",
        root_cause(err)
    ))
}

/// A proxy's 407, in words: the credentials are missing or wrong.
pub(super) fn proxy_asks_for_credentials(proxy: &ProxyRoute, target: &str) -> String {
    let said = match proxy.url.password() {
        Some(_) => "refused the credentials given",
        None => "asked for credentials",
    };
    format!(
        "the proxy {} ({}) {said} (407 Proxy Authentication Required) for {target}; give \
         them in the proxy URL, e.g. http://user:${{secret:PROXY_PASSWORD}}@host:port",
        proxy.shown(),
        proxy.source()
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
/// broken pipe or a reset instead of the alert. One more handshake by the tls probe, which
/// sends nothing and reads once, bounded by [`REFUSAL_LOOK`], sees the alert (or the close).
pub(super) async fn tls_refusal(
    prober: &TlsProber,
    tls: &TlsOptions,
    server_name: &str,
    addr: SocketAddr,
) -> Option<String> {
    let probe = TlsProbe {
        host: addr.ip().to_string(),
        port: addr.port(),
        sni: server_name.to_string(),
        alpn: vec!["http/1.1".into()],
        tls: std::sync::Arc::new(tls.clone()),
        starttls: None,
        ip: crate::config::model::IpFamily::Any,
        addresses: crate::config::model::AddressMode::One,
    };
    let seen = prober.probe(&probe, REFUSAL_LOOK).await.ok()?;
    match seen.outcome {
        HandshakeOutcome::Accepted => None,
        HandshakeOutcome::Rejected { alert: Some(a), .. } => {
            Some(format!("the server sent alert {a}"))
        }
        HandshakeOutcome::Rejected {
            how: Rejection::Reset,
            ..
        } => Some("the server reset the connection right after the handshake".into()),
        HandshakeOutcome::Rejected { .. } => Some(
            "the server closed the connection right after the handshake, without an alert".into(),
        ),
        HandshakeOutcome::ClientRefused(why) => Some(why),
    }
}

/// Whether a failed request broke off in a way a TLS refusal would explain: the connection
/// was reset, aborted or closed under the request (an I/O error of that kind, or hyper's
/// "connection closed before message completed"), or the connection was gone before the
/// request could be sent (hyper's "connection was not ready").
pub(super) fn broke_off(err: &reqwest::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    tls_client::causes(err).any(|e| {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            matches!(
                io.kind(),
                BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof
            )
        } else if let Some(http) = e.downcast_ref::<hyper::Error>() {
            http.is_incomplete_message() || http.is_canceled()
        } else {
            false
        }
    })
}

/// Why a redirect the check asked to follow cannot be followed, and so is no answer: a loop
/// (still a redirect after `follow_redirects` hops), a Location that is no URL, or one of
/// another scheme. A browser and `curl -L` stop there with an error too. None: it can be,
/// or the check does not follow redirects (the redirect is its answer).
pub(super) fn unfollowable(
    probe: &crate::config::model::HttpProbe,
    status: u16,
    location: Option<&str>,
    next: Option<&url::Url>,
    followed: usize,
) -> Option<String> {
    let location = location?;
    if !redirects(status) || probe.follow_redirects == 0 {
        return None;
    }
    if followed as u64 >= u64::from(probe.follow_redirects) {
        return Some(format!(
            "stopped after {}: the answer is still a redirect ({status} to {location:?}); a \
             redirect loop, or more hops than follow_redirects allows",
            crate::syntax::quantity::count(followed, "redirect"),
        ));
    }
    match next {
        None => Some(format!(
            "the redirect's Location {location:?} ({status}) is not a URL that can be followed"
        )),
        Some(next) if !matches!(next.scheme(), "http" | "https") => Some(format!(
            "the redirect ({status}) goes to {:?}, not to an http or https URL",
            next.as_str()
        )),
        Some(_) => None,
    }
}

/// Whether a status sends the client elsewhere, to be followed: 301, 302, 303, 307 and 308.
/// A 304 (Not Modified), 300 (Multiple Choices) or 305 is an answer, Location or not.
pub(super) fn redirects(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}
