//! The tcp probe: does a connection to host:port open, is it refused, or does it hang?

use super::resolve::Wanted;
use super::{ProbeError, ProbeErrorKind};
use crate::config::model::{Environment, TcpProbe};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// How far before the check's timeout a connect attempt gives up, so that a hanging connect
/// is observed as `timeout` rather than cut off as an error.
const TIMEOUT_MARGIN: Duration = Duration::from_millis(50);

/// The least a connect of a check with `timeout` must be given for its running out to say
/// the port is filtered: a quarter of the timeout, up to 250 ms.
fn fair_try(timeout: Duration) -> Duration {
    (timeout / 4).min(Duration::from_millis(250))
}

/// The least time a probe of a check with `timeout` is started with when it shares that
/// timeout with others (the addresses of `addresses: all`): a fair try and the margin the
/// probe keeps to report its own timeout. Given less, a connect that runs out proves nothing.
pub fn least_time(timeout: Duration) -> Duration {
    fair_try(timeout) + TIMEOUT_MARGIN
}

#[derive(Clone, Debug, PartialEq)]
pub struct TcpObservation {
    /// The address tried, e.g. `127.0.0.1:22`.
    pub target: String,
    pub outcome: ConnectOutcome,
    /// How long connecting took.
    pub elapsed: Duration,
    /// What was sent and received once connected, when the probe has a dialogue.
    pub exchange: Option<super::tcp_dialogue::TcpExchange>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectOutcome {
    Accepted,
    Refused,
    /// No answer within the check's timeout.
    Timeout,
}

impl std::fmt::Display for ConnectOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConnectOutcome::Accepted => "accepted",
            ConnectOutcome::Refused => "refused",
            ConnectOutcome::Timeout => "timeout",
        })
    }
}

pub async fn probe(
    probe: &TcpProbe,
    env: &Environment,
    resolver: &super::resolve::Resolver,
    timeout: Duration,
) -> Result<TcpObservation, ProbeError> {
    let started = Instant::now();
    let fixed = env.resolve_fixed_all(&probe.host, probe.port);
    let addrs = if !fixed.is_empty() {
        fixed
    } else {
        match probe.host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, probe.port)],
            Err(_) => {
                let lookup = resolver.lookup(&probe.host, probe.port, Wanted::one(probe.ip));
                let found = tokio::time::timeout(timeout.saturating_sub(TIMEOUT_MARGIN), lookup)
                    .await
                    .map_err(|_| ProbeError {
                        kind: ProbeErrorKind::Timeout,
                        message: format!(
                            "{} did not resolve within {} (timeout)",
                            probe.host,
                            crate::syntax::quantity::format_seconds(timeout.as_secs_f64())
                        ),
                    })?;
                found.map_err(|message| ProbeError {
                    kind: ProbeErrorKind::Dns,
                    message,
                })?
            }
        }
    };
    let dns = |message| ProbeError {
        kind: ProbeErrorKind::Dns,
        message,
    };
    let addrs = super::resolve::of_family(addrs, probe.ip, &probe.host).map_err(dns)?;
    let addr = addrs
        .first()
        .copied()
        .ok_or_else(|| dns(format!("{} has no address", probe.host)))?;
    let budget = timeout
        .saturating_sub(started.elapsed())
        .saturating_sub(TIMEOUT_MARGIN);
    // `connect: timeout` is an answer (the port is filtered) only when a connect was really
    // tried: with no time left after the lookup, or a connect that ran out of a sliver of
    // time, it would be a guess, so it is an error.
    let fair_try = fair_try(timeout);
    if budget.is_zero() {
        return Err(ProbeError {
            kind: ProbeErrorKind::Timeout,
            message: format!(
                "no time was left to connect to {addr} ({}:{}) within {} (timeout)",
                probe.host,
                probe.port,
                crate::syntax::quantity::format_seconds(timeout.as_secs_f64())
            ),
        });
    }
    let mut stream = None;
    let outcome = match tokio::time::timeout(budget, TcpStream::connect(addr)).await {
        Ok(Ok(tcp)) => {
            stream = Some(tcp);
            ConnectOutcome::Accepted
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => ConnectOutcome::Refused,
        Ok(Err(e)) => {
            return Err(ProbeError {
                kind: ProbeErrorKind::Connect,
                message: format!(
                    "connecting to {addr} ({}:{}) failed: {e}",
                    probe.host, probe.port
                ),
            });
        }
        Err(_) if budget < fair_try => {
            return Err(ProbeError {
                kind: ProbeErrorKind::Timeout,
                message: format!(
                    "connecting to {addr} ({}:{}) had only {} left of {} after the lookup \
                     (timeout)",
                    probe.host,
                    probe.port,
                    crate::syntax::quantity::format_seconds(budget.as_secs_f64()),
                    crate::syntax::quantity::format_seconds(timeout.as_secs_f64())
                ),
            });
        }
        Err(_) => ConnectOutcome::Timeout,
    };
    let elapsed = started.elapsed();
    let exchange = match (stream, &probe.dialogue) {
        (Some(tcp), Some(dialogue)) => {
            let deadline = started + timeout.saturating_sub(TIMEOUT_MARGIN);
            let target = if probe.host.parse::<IpAddr>().is_ok() {
                addr.to_string()
            } else {
                format!("{addr} ({}:{})", probe.host, probe.port)
            };
            Some(super::tcp_dialogue::converse(tcp, dialogue, deadline, timeout, &target).await?)
        }
        _ => None,
    };
    Ok(TcpObservation {
        target: addr.to_string(),
        outcome,
        elapsed,
        exchange,
    })
}
