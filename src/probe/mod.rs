//! Probes talk to the network and return what they saw, as plain data. A probe never decides
//! pass or fail: that is the judge's work.

pub mod cert;
pub mod cert_facts;
pub mod dns;
pub mod http;
pub mod jwks;
pub mod reproduce;
pub mod resolve;
pub mod tcp;
pub mod tcp_dialogue;
pub mod tls;
pub(crate) mod tls_client;

#[cfg(test)]
mod closed_sets;

pub use cert::CertObservation;
pub use cert_facts::{CertFacts, ReadCert};
pub use dns::DnsObservation;
pub use http::{BodyDigest, HttpObservation};
pub use tcp::{ConnectOutcome, TcpObservation};
pub use tcp_dialogue::{ReadEnd, TcpExchange};
pub use tls::{HandshakeOutcome, Rejection, TlsObservation};

use crate::config::model::{CertProbe, DnsProbe, Environment, HttpProbe, TcpProbe, TlsProbe};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What a probe saw.
#[derive(Clone, Debug)]
pub enum Observation {
    Http(HttpObservation),
    Tls(TlsObservation),
    Cert(CertObservation),
    Dns(DnsObservation),
    Tcp(TcpObservation),
}

impl Observation {
    /// Lets an http body go once judged, keeping `keep` bytes of it (see
    /// [`HttpObservation::release_body`]); the other observations are small and stay whole.
    pub fn release_body(&mut self, keep: usize) {
        if let Observation::Http(http) = self {
            http.release_body(keep);
        }
    }
}

/// Why a probe got no answer: the check's outcome is `error`, not `fail`; except a
/// [`ProbeErrorKind::Certificate`], an answer that contradicts the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeError {
    pub kind: ProbeErrorKind,
    /// For people: what happened, where, and the underlying cause.
    pub message: String,
}

/// Serialized as its token (`timeout`, `refused` …, see [`ProbeErrorKind::as_str`]); shown to
/// people in words (`connection refused`) by `Display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeErrorKind {
    /// The check's timeout ran out.
    Timeout,
    /// The name did not resolve.
    Dns,
    /// The peer refused the connection.
    Refused,
    /// Connecting failed otherwise (unreachable, reset).
    Connect,
    /// The TLS handshake failed (alert, protocol, no setting in common).
    Tls,
    /// The server's certificate does not verify with `verify: true` (unknown issuer, expired,
    /// another name): the server answered, and the answer contradicts the check.
    Certificate,
    /// The peer answered something that is not HTTP, or broke off mid-answer.
    Protocol,
    /// The check needs a value the process environment does not set; it was not probed.
    Unset,
    /// A check it needs did not pass (or is not in the run); it was not probed.
    Needs,
    /// The proxy could not be reached, refused the tunnel or asked for credentials, or the
    /// check asks for what a proxy cannot do (`connect_to`, `addresses: all`).
    Proxy,
    /// conform itself failed inside the check (a bug): the check is an error, never dropped.
    Internal,
}

impl ProbeErrorKind {
    /// Whether the server answered: the check then fails rather than errs.
    pub fn is_answer(self) -> bool {
        self == ProbeErrorKind::Certificate
    }
}

impl ProbeErrorKind {
    /// The stable token of the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeErrorKind::Timeout => "timeout",
            ProbeErrorKind::Dns => "dns",
            ProbeErrorKind::Refused => "refused",
            ProbeErrorKind::Connect => "connect",
            ProbeErrorKind::Tls => "tls",
            ProbeErrorKind::Certificate => "certificate",
            ProbeErrorKind::Protocol => "protocol",
            ProbeErrorKind::Unset => "unset",
            ProbeErrorKind::Needs => "needs",
            ProbeErrorKind::Proxy => "proxy",
            ProbeErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ProbeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProbeErrorKind::Timeout => "timeout",
            ProbeErrorKind::Dns => "dns",
            ProbeErrorKind::Refused => "connection refused",
            ProbeErrorKind::Connect => "connect",
            ProbeErrorKind::Tls => "tls",
            ProbeErrorKind::Certificate => "certificate",
            ProbeErrorKind::Protocol => "protocol",
            ProbeErrorKind::Unset => "unset value",
            ProbeErrorKind::Needs => "needed check did not pass",
            ProbeErrorKind::Proxy => "proxy",
            ProbeErrorKind::Internal => "internal",
        })
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Shared state of one run's probes: connection pools and TLS configurations are built once
/// and reused by every check with the same settings. One method per probe kind, returning its
/// own kind of observation, so that the caller judges it with the expectation of that kind.
/// The caller bounds each with the check's timeout; `timeout` is passed so that the probe can
/// also bound its own phases.
pub struct Prober {
    env: Environment,
    resolver: Arc<resolve::Resolver>,
    http: http::HttpProber,
    tls: tls::TlsProber,
    dns: dns::DnsProber,
    jwks: jwks::JwksCache,
}

impl Prober {
    pub fn new(env: &Environment) -> Prober {
        // One resolver per run, shared by every probe.
        let resolver = Arc::new(resolve::Resolver::new(&env.resolvers));
        Prober {
            env: env.clone(),
            resolver: Arc::clone(&resolver),
            http: http::HttpProber::with_resolver(env, Arc::clone(&resolver)),
            tls: tls::TlsProber::with_resolver(env, resolver),
            dns: dns::DnsProber::new(env),
            jwks: jwks::JwksCache::default(),
        }
    }

    pub async fn http(
        &self,
        p: &HttpProbe,
        timeout: Duration,
    ) -> Result<HttpObservation, ProbeError> {
        self.http.probe(p, timeout).await
    }

    /// The key set at `url` for `jwt: { signed_by }`: fetched once per run through the http
    /// prober's settings, then shared (see [`jwks::JwksCache`]).
    /// `proxy`: the check's own `proxy:`, which the fetch goes through as the check does.
    pub async fn jwks(
        &self,
        url: &str,
        proxy: Option<&crate::config::model::ProxySetting>,
        timeout: Duration,
    ) -> Result<Arc<crate::matcher::Jwks>, ProbeError> {
        let asked = (url, proxy);
        self.jwks.get(&self.http, &self.env, asked, timeout).await
    }

    pub async fn tls(&self, p: &TlsProbe, timeout: Duration) -> Result<TlsObservation, ProbeError> {
        self.tls.probe(p, timeout).await
    }

    /// A file read and a chain verification: off the async workers.
    pub async fn cert(&self, p: &CertProbe) -> Result<CertObservation, ProbeError> {
        let p = p.clone();
        tokio::task::spawn_blocking(move || cert::probe(&p))
            .await
            .unwrap_or_else(|e| {
                Err(ProbeError {
                    kind: ProbeErrorKind::Protocol,
                    message: format!("the certificate check stopped: {e}"),
                })
            })
    }

    pub async fn dns(&self, p: &DnsProbe, timeout: Duration) -> Result<DnsObservation, ProbeError> {
        self.dns.probe(p, timeout).await
    }

    pub async fn tcp(&self, p: &TcpProbe, timeout: Duration) -> Result<TcpObservation, ProbeError> {
        tcp::probe(p, &self.env, &self.resolver, timeout).await
    }

    /// Whether an http probe of `url` is not sent straight to the server: it goes through a
    /// proxy (or would, and cannot), which then chooses the address, not the run.
    pub fn proxied(&self, probe: &crate::config::model::HttpProbe) -> bool {
        !matches!(
            self.env.proxy.choose(probe.proxy.as_deref(), &probe.url),
            Ok(None)
        )
    }

    /// The environment's probes at once per host (`host_concurrency`).
    pub fn host_concurrency(&self) -> usize {
        self.env.host_concurrency.max(1)
    }

    /// Every address `host` resolves to on `port` that `ip` admits, sorted, for
    /// `addresses: all`: the environment's fixed answer, an address as it is, else the
    /// resolvers' answer, within `timeout`.
    pub async fn addresses(
        &self,
        host: &str,
        port: u16,
        ip: crate::config::model::IpFamily,
        timeout: Duration,
    ) -> Result<Vec<std::net::SocketAddr>, ProbeError> {
        let dns = |message| ProbeError {
            kind: ProbeErrorKind::Dns,
            message,
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let fixed = self.env.resolve_fixed_all(bare, port);
        let mut addrs = if !fixed.is_empty() {
            fixed
        } else if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
            vec![std::net::SocketAddr::new(ip, port)]
        } else {
            let lookup = self.resolver.lookup(
                bare,
                port,
                resolve::Wanted {
                    family: ip,
                    every: true,
                },
            );
            tokio::time::timeout(timeout, lookup)
                .await
                .map_err(|_| ProbeError {
                    kind: ProbeErrorKind::Timeout,
                    message: format!(
                        "{bare} did not resolve within {} (timeout)",
                        crate::syntax::quantity::format_seconds(timeout.as_secs_f64())
                    ),
                })?
                .map_err(dns)?
        };
        addrs.sort();
        addrs.dedup();
        let addrs = resolve::of_family(addrs, ip, bare).map_err(dns)?;
        if addrs.is_empty() {
            return Err(dns(format!("{bare} has no address")));
        }
        Ok(addrs)
    }
}

/// `start + wait`, the wait capped at 24h (the longest a check may wait, which the loader
/// enforces), so that no wait can overflow the clock.
pub(crate) fn deadline_after(start: tokio::time::Instant, wait: Duration) -> tokio::time::Instant {
    start + wait.min(crate::syntax::quantity::MAX_WAIT)
}

#[cfg(test)]
mod kind_tests {
    use super::ProbeErrorKind::{self, *};

    /// The JSON report's tokens, as `as_str` and serde both write and read them.
    #[test]
    fn an_error_kind_has_one_token() {
        let all: [(ProbeErrorKind, &str, &str); 11] = [
            (Timeout, "timeout", "timeout"),
            (Dns, "dns", "dns"),
            (Refused, "refused", "connection refused"),
            (Connect, "connect", "connect"),
            (Tls, "tls", "tls"),
            (Certificate, "certificate", "certificate"),
            (Protocol, "protocol", "protocol"),
            (Unset, "unset", "unset value"),
            (Needs, "needs", "needed check did not pass"),
            (Proxy, "proxy", "proxy"),
            (Internal, "internal", "internal"),
        ];
        for (kind, token, words) in all {
            assert_eq!(kind.as_str(), token);
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::json!(token))
            );
            assert_eq!(
                serde_json::from_value::<ProbeErrorKind>(serde_json::json!(token)).ok(),
                Some(kind)
            );
            assert_eq!(kind.to_string(), words);
        }
        assert!(serde_json::from_value::<ProbeErrorKind>(serde_json::json!("refuse")).is_err());
    }
}
