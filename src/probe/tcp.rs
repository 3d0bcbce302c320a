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
    if addrs.is_empty() {
        return Err(dns(format!("{} has no address", probe.host)));
    }
    let (addr, outcome, stream) = connect_first(&addrs, probe, started, timeout).await?;
    let elapsed = started.elapsed();
    let exchange = match (stream, &probe.dialogue) {
        (Some(tcp), Some(dialogue)) => {
            let deadline = started + timeout.saturating_sub(TIMEOUT_MARGIN);
            let target = if probe.host.parse::<IpAddr>().is_ok() {
                addr.clone()
            } else {
                format!("{addr} ({}:{})", probe.host, probe.port)
            };
            Some(super::tcp_dialogue::converse(tcp, dialogue, deadline, timeout, &target).await?)
        }
        _ => None,
    };
    Ok(TcpObservation {
        target: addr,
        outcome,
        elapsed,
        exchange,
    })
}

/// What one address said to a connect.
#[derive(Debug)]
enum Said {
    Refused,
    TimedOut,
    /// This machine cannot reach the address's family at all (no IPv6 route, no IPv6
    /// address): no answer of the port's, so it takes no part in the verdict when another
    /// address gave one.
    Unusable(std::io::Error),
    Failed(std::io::Error),
}

impl Said {
    fn from_error(e: std::io::Error) -> Said {
        use std::io::ErrorKind::*;
        // EAFNOSUPPORT (97 on Linux): the family is not supported here at all.
        let no_family = cfg!(target_os = "linux") && e.raw_os_error() == Some(97);
        match e.kind() {
            ConnectionRefused => Said::Refused,
            NetworkUnreachable | AddrNotAvailable => Said::Unusable(e),
            _ if no_family => Said::Unusable(e),
            _ => Said::Failed(e),
        }
    }
}

/// Connects to the addresses of `addrs` in turn (each started when the one before refused,
/// or after a short wait), within one budget, and takes the first that accepts, as a client
/// that tries each would. A port is `refused` only when every
/// address refused, and `timeout` only when every address hung: answers that differ (`::1`
/// refused, 127.0.0.1 hung) are an error, since a client may reach the port or not (see
/// [`verdict`]). The address is shown as the target (those that answered, when none
/// accepted).
async fn connect_first(
    addrs: &[SocketAddr],
    probe: &TcpProbe,
    started: Instant,
    timeout: Duration,
) -> Result<(String, ConnectOutcome, Option<TcpStream>), ProbeError> {
    use futures::StreamExt;
    let seconds = |d: Duration| crate::syntax::quantity::format_seconds(d.as_secs_f64());
    let (host, port) = (&probe.host, probe.port);
    let shown = addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let budget = timeout
        .saturating_sub(started.elapsed())
        .saturating_sub(TIMEOUT_MARGIN);
    if budget.is_zero() {
        return Err(ProbeError {
            kind: ProbeErrorKind::Timeout,
            message: format!(
                "no time was left to connect to {shown} ({host}:{port}) within {} (timeout)",
                seconds(timeout)
            ),
        });
    }
    // As RFC 8305's clients do: the addresses in order, the next one started when the one
    // before refused or failed, or after a short wait without an answer (so that the first
    // that answers at once is the one used, run after run); every one within one deadline.
    let deadline = tokio::time::Instant::now() + budget;
    let stagger = (budget / (2 * addrs.len().max(1) as u32)).min(Duration::from_millis(250));
    let attempt = |addr: SocketAddr| async move {
        let result = tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await;
        (addr, result)
    };
    let mut waiting = addrs.iter().copied();
    let mut tries = futures::stream::FuturesUnordered::new();
    tries.extend(waiting.next().map(attempt));
    let mut said: Vec<(SocketAddr, Said)> = Vec::new();
    while !tries.is_empty() || waiting.len() > 0 {
        tokio::select! {
            Some((addr, result)) = tries.next(), if !tries.is_empty() => match result {
                Ok(Ok(tcp)) => {
                    return Ok((addr.to_string(), ConnectOutcome::Accepted, Some(tcp)));
                }
                Ok(Err(e)) => {
                    said.push((addr, Said::from_error(e)));
                    tries.extend(waiting.next().map(attempt));
                }
                Err(_) => said.push((addr, Said::TimedOut)),
            },
            () = tokio::time::sleep(stagger), if waiting.len() > 0 => {
                tries.extend(waiting.next().map(attempt));
            }
            else => break,
        }
    }
    said.sort_by_key(|(addr, _)| addrs.iter().position(|a| a == addr));
    let (target, outcome) = verdict(host, port, said, budget, timeout)?;
    Ok((target, outcome, None))
}

/// What the addresses that accepted none said of the port: `refused` when every address
/// that answered refused, `timeout` when every one hung (after a fair try), else an error
/// that lists each. An address whose family this machine cannot reach answers nothing, and
/// counts only when no address answered.
fn verdict(
    host: &str,
    port: u16,
    said: Vec<(SocketAddr, Said)>,
    budget: Duration,
    timeout: Duration,
) -> Result<(String, ConnectOutcome), ProbeError> {
    let seconds = |d: Duration| crate::syntax::quantity::format_seconds(d.as_secs_f64());
    let answered: Vec<&(SocketAddr, Said)> = said
        .iter()
        .filter(|(_, s)| !matches!(s, Said::Unusable(_)))
        .collect();
    let shown = |of: &[&(SocketAddr, Said)]| {
        of.iter()
            .map(|(a, _)| a.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !answered.is_empty() && answered.iter().all(|(_, s)| matches!(s, Said::Refused)) {
        return Ok((shown(&answered), ConnectOutcome::Refused));
    }
    if !answered.is_empty() && answered.iter().all(|(_, s)| matches!(s, Said::TimedOut)) {
        // `connect: timeout` is an answer (the port is filtered) only when a connect was
        // really tried: one that ran out of a sliver of time left after the lookup would be
        // a guess, so it is an error.
        if budget < fair_try(timeout) {
            return Err(ProbeError {
                kind: ProbeErrorKind::Timeout,
                message: format!(
                    "connecting to {} ({host}:{port}) had only {} left of {} after the lookup \
                     (timeout)",
                    shown(&answered),
                    seconds(budget),
                    seconds(timeout)
                ),
            });
        }
        return Ok((shown(&answered), ConnectOutcome::Timeout));
    }
    if let [(addr, Said::Failed(e) | Said::Unusable(e))] = said.as_slice() {
        return Err(ProbeError {
            kind: ProbeErrorKind::Connect,
            message: format!("connecting to {addr} ({host}:{port}) failed: {e}"),
        });
    }
    let each: Vec<String> = said
        .iter()
        .map(|(addr, s)| match s {
            Said::Refused => format!("{addr} refused"),
            Said::TimedOut => format!("{addr} did not answer"),
            Said::Failed(e) | Said::Unusable(e) => format!("{addr} failed ({e})"),
        })
        .collect();
    Err(ProbeError {
        kind: ProbeErrorKind::Connect,
        message: format!(
            "{host}:{port} was accepted at none of its addresses, which did not all answer \
             alike: {}; check each with `addresses: all`, or choose a family with `ip:`",
            each.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    fn said(list: Vec<(&str, Said)>) -> Vec<(SocketAddr, Said)> {
        list.into_iter()
            .map(|(a, s)| (a.parse().expect("an address"), s))
            .collect()
    }

    fn judge(list: Vec<(&str, Said)>) -> Result<(String, ConnectOutcome), String> {
        let full = Duration::from_secs(10);
        verdict("h.test", 25, said(list), full, full).map_err(|e| e.message)
    }

    fn unreachable() -> Said {
        Said::from_error(Error::from(ErrorKind::NetworkUnreachable))
    }

    #[test]
    fn a_family_this_machine_cannot_reach_takes_no_part() {
        let v4 = "127.0.0.1:25";
        assert_eq!(
            judge(vec![("[::1]:25", unreachable()), (v4, Said::Refused)]),
            Ok((v4.to_string(), ConnectOutcome::Refused))
        );
        assert_eq!(
            judge(vec![("[::1]:25", unreachable()), (v4, Said::TimedOut)]),
            Ok((v4.to_string(), ConnectOutcome::Timeout))
        );
        // Nothing answered: an error, never refused.
        assert!(judge(vec![("[::1]:25", unreachable())]).is_err());
        let both = judge(vec![
            ("[::1]:25", unreachable()),
            ("[::1]:26", unreachable()),
        ]);
        assert!(both.is_err(), "{both:?}");
    }

    #[test]
    fn answers_that_differ_are_an_error() {
        let mixed = judge(vec![
            ("[::1]:25", Said::Refused),
            ("127.0.0.1:25", Said::TimedOut),
        ]);
        assert_eq!(
            mixed,
            Err(
                "h.test:25 was accepted at none of its addresses, which did not all answer \
                 alike: [::1]:25 refused, 127.0.0.1:25 did not answer; check each with \
                 `addresses: all`, or choose a family with `ip:`"
                    .to_string()
            )
        );
        // Another failure (a host unreachable, as a firewall may say) is an answer too.
        let host = Said::from_error(Error::from(ErrorKind::HostUnreachable));
        assert!(judge(vec![("[::1]:25", host), ("127.0.0.1:25", Said::Refused)]).is_err());
    }
}
