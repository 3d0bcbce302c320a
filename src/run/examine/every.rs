//! `addresses: all`: every address of a host probed and judged, within the check's timeout
//! and the host's limits, and the probe pinned to each address.

use super::super::pacer::Pacer;
use super::super::result::{AddressOutcome, Outcome};
use super::{Examined, examine_at};
use crate::config::model::{
    AddressMode, CheckKind, ConnectTo, HttpProbe, IpFamily, Probe, TcpProbe, TlsProbe,
};
use crate::matcher::Mismatch;
use crate::probe::{ProbeError, ProbeErrorKind, Prober};
use crate::syntax::quantity::format_seconds;
use crate::syntax::when::Clock;
use futures::StreamExt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The limits an `addresses: all` check probes its addresses within, beside the slots its
/// try holds: more of the host's and the run's slots, taken only while they are free (never
/// waited for: two such checks, each holding one and waiting for another's, would wait for
/// ever), and the host's pace, one turn per address after the first. None: no such limit
/// (then at most the environment's `host_concurrency` addresses at once).
#[derive(Clone, Copy, Default)]
pub(in crate::run) struct HostLimits<'a> {
    pub host: Option<&'a Semaphore>,
    pub global: Option<&'a Semaphore>,
    pub pacer: Option<&'a Pacer>,
}

impl HostLimits<'_> {
    /// Up to `wanted` more slots, each a host slot and a run slot, as many as are free now.
    fn take_free(&self, wanted: usize) -> Vec<(SemaphorePermit<'_>, Option<SemaphorePermit<'_>>)> {
        let mut taken = Vec::new();
        let Some(host) = self.host else {
            return taken;
        };
        while taken.len() < wanted {
            let Ok(slot) = host.try_acquire() else { break };
            let run = match self.global.map(Semaphore::try_acquire) {
                None => None,
                Some(Ok(run)) => Some(run),
                Some(Err(_)) => break,
            };
            taken.push((slot, run));
        }
        taken
    }
}

/// A check's probe sent to one address of `addresses: all`: the name kept for SNI, `Host`
/// and verification (an http probe connects to the address, as with `connect_to`).
pub(in crate::run) enum Pinned {
    Http(HttpProbe),
    Tls(TlsProbe),
    Tcp(TcpProbe),
}

impl Pinned {
    /// `kind`'s probe sent to `addr`; None for a kind that has one address or none.
    pub(in crate::run) fn new(kind: &CheckKind, addr: SocketAddr) -> Option<Pinned> {
        Some(match kind {
            CheckKind::Http { probe, .. } => Pinned::Http(HttpProbe {
                connect_to: Some(ConnectTo {
                    host: addr.ip().to_string(),
                    port: Some(addr.port()),
                }),
                ..probe.clone()
            }),
            CheckKind::Tls { probe, .. } => Pinned::Tls(TlsProbe {
                host: addr.ip().to_string(),
                port: addr.port(),
                ..probe.clone()
            }),
            CheckKind::Tcp { probe, .. } => Pinned::Tcp(TcpProbe {
                host: addr.ip().to_string(),
                port: addr.port(),
                ..probe.clone()
            }),
            _ => return None,
        })
    }

    pub(in crate::run) fn probe(&self) -> Probe<'_> {
        match self {
            Pinned::Http(p) => Probe::Http(p),
            Pinned::Tls(p) => Probe::Tls(p),
            Pinned::Tcp(p) => Probe::Tcp(p),
        }
    }
}

/// The host, port and family whose every address a check with `addresses: all` probes (a
/// `connect_to` host when the http probe names one); None: one address, as usual.
pub(super) fn every_address(kind: &CheckKind) -> Option<(String, u16, IpFamily)> {
    match kind {
        CheckKind::Http { probe, .. } if probe.addresses == AddressMode::All => {
            let url_port = probe.url.port_or_known_default()?;
            match &probe.connect_to {
                Some(to) => Some((to.host.clone(), to.port.unwrap_or(url_port), probe.ip)),
                None => Some((probe.url.host_str()?.to_string(), url_port, probe.ip)),
            }
        }
        CheckKind::Tls { probe, .. } if probe.addresses == AddressMode::All => {
            Some((probe.host.clone(), probe.port, probe.ip))
        }
        CheckKind::Tcp { probe, .. } if probe.addresses == AddressMode::All => {
            Some((probe.host.clone(), probe.port, probe.ip))
        }
        _ => None,
    }
}

/// `addresses: all`: every address of the host probed and judged, in address order, as many
/// at once as the limits allow, all within the check's `timeout` (an address whose turn comes
/// after it ran out is an error, not probed). The check passes only if every address does;
/// each mismatch and an error name their address (`127.0.0.2: status`), and the observation
/// kept is the first failing address's (the first address's when all pass), so that the
/// reproduce command goes to it.
pub(super) async fn examine_each(
    prober: &Prober,
    kind: &CheckKind,
    (host, port, ip): (&str, u16, IpFamily),
    timeout: Duration,
    judged_at: &Clock,
    limits: HostLimits<'_>,
) -> Examined {
    let clock = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    // Half the timeout at most, so that every address has it at the start.
    let least = crate::probe::tcp::least_time(timeout).min(timeout / 2);
    let addrs = match prober.addresses(host, port, ip, timeout).await {
        Ok(addrs) => addrs,
        Err(error) => {
            return Examined {
                observed: Err(error),
                duration: clock.elapsed(),
                addresses: Vec::new(),
            };
        }
    };
    // Held until every address is done.
    let extra = limits.take_free(addrs.len().saturating_sub(1));
    let at_once = match limits.host {
        Some(_) => 1 + extra.len(),
        None => prober.host_concurrency(),
    };
    let mut each = Vec::with_capacity(addrs.len());
    for (index, &addr) in addrs.iter().enumerate() {
        each.push(Box::pin(async move {
            // An address is probed only with a fair try left (see `least_time`): a turn that
            // would come later is not taken.
            if index > 0
                && let Some(pacer) = limits.pacer
                && !pacer
                    .wait_turn_by(deadline.checked_sub(least).unwrap_or(deadline))
                    .await
            {
                return not_reached(timeout);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left < least {
                return not_reached(timeout);
            }
            examine_at(prober, kind, Some(addr), left, judged_at).await
        }));
    }
    let results: Vec<Examined> = futures::stream::iter(each)
        .buffered(at_once.max(1))
        .collect()
        .await;
    drop(extra);
    let duration = clock.elapsed();
    let each: Vec<AddressOutcome> = addrs
        .iter()
        .zip(&results)
        .map(|(&address, examined)| AddressOutcome {
            address,
            outcome: match &examined.observed {
                Ok((_, found)) if found.is_empty() => Outcome::Pass,
                Ok(_) => Outcome::Fail,
                Err(e) if e.kind.is_answer() => Outcome::Fail,
                Err(_) => Outcome::Error,
            },
        })
        .collect();
    let mut kept = None;
    let mut mismatches = Vec::new();
    for (addr, examined) in addrs.iter().zip(results) {
        let place = addr.ip().to_string();
        match examined.observed {
            Err(error) => {
                let message = format!("{place}: {}", error.message);
                return Examined {
                    observed: Err(ProbeError { message, ..error }),
                    duration,
                    addresses: each,
                };
            }
            Ok((observation, found)) => {
                let failing = !found.is_empty();
                mismatches.extend(found.into_iter().map(|m| Mismatch {
                    field: format!("{place}: {}", m.field),
                    ..m
                }));
                if kept.is_none() || (failing && !matches!(kept, Some((_, true)))) {
                    kept = Some((observation, failing));
                }
            }
        }
    }
    Examined {
        observed: match kept {
            Some((observation, _)) => Ok((observation, mismatches)),
            None => Err(ProbeError {
                kind: ProbeErrorKind::Dns,
                message: format!("{host} has no address"),
            }),
        },
        duration,
        addresses: each,
    }
}

/// An address whose turn came after the check's timeout ran out.
fn not_reached(timeout: Duration) -> Examined {
    Examined {
        observed: Err(ProbeError {
            kind: ProbeErrorKind::Timeout,
            message: format!(
                "not probed: the check's timeout of {} ran out before this address's turn",
                format_seconds(timeout.as_secs_f64())
            ),
        }),
        duration: Duration::ZERO,
        addresses: Vec::new(),
    }
}
