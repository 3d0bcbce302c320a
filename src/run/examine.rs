//! One try of a check: its probe, then the judge of the same kind on what the probe saw.

mod every;

use super::result::AddressOutcome;
use crate::config::model::{CheckKind, ProxySetting};
use crate::judge;
use crate::matcher::{KeySets, Mismatch};
use crate::probe::{HttpObservation, Observation, ProbeError, ProbeErrorKind, Prober};
use crate::syntax::quantity::format_seconds;
use crate::syntax::when::Clock;
pub(super) use every::{HostLimits, Pinned};
use every::{every_address, examine_each};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long past its timeout a probe may take to report its own timeout.
const OUTER_TIMEOUT_GRACE: Duration = Duration::from_millis(250);

/// What one try saw and what the judge made of it.
pub(super) struct Examined {
    /// The observation and every mismatch with the expectation (none: pass), or why the
    /// probe got no answer.
    pub observed: Result<(Observation, Vec<Mismatch>), ProbeError>,
    /// How long the probe took, judging excluded.
    pub duration: Duration,
    /// `addresses: all`: each address and its outcome; empty otherwise.
    pub addresses: Vec<AddressOutcome>,
}

/// Probes `kind` within `timeout` and judges the answer with the expectation of the same
/// kind: one arm per kind, so that no expectation meets another kind's observation.
///
/// Each probe's future is boxed: a check's task is spawned before it holds its slots, and
/// an unboxed future would reserve the largest kind's state (several KiB) for every queued
/// check at once.
pub(super) async fn examine(
    prober: &Prober,
    kind: &CheckKind,
    timeout: Duration,
    judged_at: &Clock,
    limits: HostLimits<'_>,
) -> Examined {
    // Through a proxy the proxy connects, so the http probe itself says what it cannot do.
    let proxied = matches!(kind, CheckKind::Http { probe, .. } if prober.proxied(probe));
    match every_address(kind).filter(|_| !proxied) {
        Some((host, port, ip)) => {
            Box::pin(examine_each(
                prober,
                kind,
                (&host, port, ip),
                timeout,
                judged_at,
                limits,
            ))
            .await
        }
        None => examine_at(prober, kind, None, timeout, judged_at).await,
    }
}

/// [`examine`], the probe pinned to `at` when given (one address of `addresses: all`).
pub(super) async fn examine_at(
    prober: &Prober,
    kind: &CheckKind,
    at: Option<SocketAddr>,
    timeout: Duration,
    judged_at: &Clock,
) -> Examined {
    let pinned = at.and_then(|addr| Pinned::new(kind, addr));
    match kind {
        CheckKind::Http { probe, expect } => {
            let probe = match &pinned {
                Some(Pinned::Http(p)) => p,
                _ => probe,
            };
            // The key sets of the expectation's `jwt: { signed_by }`, fetched beside the probe
            // (once per run: later checks find them fetched); an unreachable one is an error.
            let urls = judge::jwks_urls(expect);
            let probed = Box::pin(async {
                let (seen, keys) = futures::join!(
                    prober.http(probe, timeout),
                    key_sets(prober, &urls, probe.proxy.as_deref(), timeout)
                );
                Ok((seen?, keys?))
            });
            let judge = |(o, keys): &(HttpObservation, KeySets)| {
                judge::judge_http(expect, o, judged_at, keys)
            };
            bounded(probed, timeout, judge, |(o, _)| Observation::Http(o)).await
        }
        CheckKind::Tls { probe, expect } => {
            let probe = match &pinned {
                Some(Pinned::Tls(p)) => p,
                _ => probe,
            };
            let probed = Box::pin(prober.tls(probe, timeout));
            let judge = |o: &_| judge::judge_tls(expect, o, judged_at);
            bounded(probed, timeout, judge, Observation::Tls).await
        }
        CheckKind::Cert { probe, expect } => {
            let probed = Box::pin(prober.cert(probe));
            let judge = |o: &_| judge::judge_cert_file(expect, o, judged_at);
            bounded(probed, timeout, judge, Observation::Cert).await
        }
        CheckKind::Dns { probe, expect } => {
            let probed = Box::pin(prober.dns(probe, timeout));
            let judge = |o: &_| judge::judge_dns(expect, o, judged_at);
            bounded(probed, timeout, judge, Observation::Dns).await
        }
        CheckKind::Tcp { probe, expect } => {
            let probe = match &pinned {
                Some(Pinned::Tcp(p)) => p,
                _ => probe,
            };
            let probed = Box::pin(prober.tcp(probe, timeout));
            let judge = |o: &_| judge::judge_tcp(expect, o, judged_at);
            bounded(probed, timeout, judge, Observation::Tcp).await
        }
    }
}

/// The key set of each of `urls`, from the run's cache, through the check's own `proxy`.
async fn key_sets(
    prober: &Prober,
    urls: &[String],
    proxy: Option<&ProxySetting>,
    timeout: Duration,
) -> Result<KeySets, ProbeError> {
    let mut sets = KeySets::default();
    for url in urls {
        sets.insert(url.clone(), prober.jwks(url, proxy, timeout).await?);
    }
    Ok(sets)
}

/// Runs `probed` within `timeout`, then `judge`s what it saw. The probe bounds itself by the
/// timeout and says which phase ran out; this outer bound, a little later, only guarantees
/// the end.
async fn bounded<O>(
    probed: impl Future<Output = Result<O, ProbeError>>,
    timeout: Duration,
    judge: impl FnOnce(&O) -> Vec<Mismatch>,
    observation: fn(O) -> Observation,
) -> Examined {
    let clock = Instant::now();
    let probed = tokio::time::timeout(timeout.saturating_add(OUTER_TIMEOUT_GRACE), probed).await;
    let duration = clock.elapsed();
    let observed = probed.unwrap_or_else(|_| {
        Err(ProbeError {
            kind: ProbeErrorKind::Timeout,
            message: format!(
                "no complete answer within {} (timeout)",
                format_seconds(timeout.as_secs_f64())
            ),
        })
    });
    Examined {
        observed: observed.map(|seen| {
            let mismatches = judge(&seen);
            (observation(seen), mismatches)
        }),
        duration,
        addresses: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{ConnectExpect, Environment, TcpExpect, TcpProbe};

    fn tcp(port: u16, connect: ConnectExpect) -> CheckKind {
        CheckKind::Tcp {
            probe: TcpProbe {
                host: "127.0.0.1".into(),
                port,
                dialogue: None,
                ip: crate::config::model::IpFamily::Any,
                addresses: crate::config::model::AddressMode::One,
            },
            expect: TcpExpect {
                connect,
                explicit: true,
                time: None,
                received: None,
            },
        }
    }

    #[tokio::test]
    async fn a_tcp_check_is_probed_and_judged_as_tcp() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let prober = Prober::new(&Environment::named("test"));
        let timeout = Duration::from_secs(5);

        let examined = examine(
            &prober,
            &tcp(port, ConnectExpect::Refused),
            timeout,
            &Clock::Live,
            HostLimits::default(),
        )
        .await;
        let Ok((Observation::Tcp(seen), mismatches)) = examined.observed else {
            panic!("not a tcp observation: {:?}", examined.observed);
        };
        assert_eq!(seen.target, format!("127.0.0.1:{port}"));
        let said: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [format!(
                "connect: expected refused, got accepted (127.0.0.1:{port})"
            )]
        );

        let examined = examine(
            &prober,
            &tcp(port, ConnectExpect::Accepted),
            timeout,
            &Clock::Live,
            HostLimits::default(),
        )
        .await;
        let Ok((Observation::Tcp(_), mismatches)) = examined.observed else {
            panic!("not a tcp observation: {:?}", examined.observed);
        };
        assert_eq!(mismatches, []);
        drop(listener);
    }

    #[tokio::test]
    async fn a_cert_check_is_read_and_judged_as_a_certificate_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("leaf.pem");
        let cert = rcgen::generate_simple_self_signed(vec!["chat.example".to_string()])
            .expect("a certificate");
        std::fs::write(&file, cert.cert.pem()).expect("write");
        let node =
            crate::syntax::node::Node::parse("{ san: { contains: other.example } }").expect("yaml");
        let mut d = crate::syntax::diag::Diagnostics::new(std::path::Path::new("t.yaml"));
        let expect = crate::config::tls::decode_cert_expect(
            &node,
            crate::config::tls::CertScope::Chain,
            &mut d,
        )
        .expect("a cert expectation");
        let kind = CheckKind::Cert {
            probe: crate::config::model::CertProbe {
                file,
                tls: Default::default(),
            },
            expect: Box::new(expect),
        };
        let prober = Prober::new(&Environment::named("test"));
        let examined = examine(
            &prober,
            &kind,
            Duration::from_secs(5),
            &Clock::Live,
            HostLimits::default(),
        )
        .await;
        let Ok((Observation::Cert(seen), mismatches)) = examined.observed else {
            panic!("not a cert observation: {:?}", examined.observed);
        };
        assert_eq!(seen.chain.len(), 1);
        let said: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [r#"cert san: expected contains "other.example", got ["chat.example"]"#]
        );
    }
}
