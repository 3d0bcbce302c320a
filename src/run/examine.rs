//! One try of a check: its probe, then the judge of the same kind on what the probe saw.

use crate::config::model::CheckKind;
use crate::judge::{self, Mismatch};
use crate::probe::{Observation, ProbeError, ProbeErrorKind, Prober};
use crate::syntax::quantity::format_seconds;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How long past its timeout a probe may take to report its own timeout.
const OUTER_TIMEOUT_GRACE: Duration = Duration::from_millis(250);

/// What one try saw and what the judge made of it.
pub(super) struct Examined {
    /// The observation and every mismatch with the expectation (none: pass), or why the
    /// probe got no answer.
    pub observed: Result<(Observation, Vec<Mismatch>), ProbeError>,
    /// How long the probe took, judging excluded.
    pub duration: Duration,
}

/// Probes `kind` within `timeout` and judges the answer with the expectation of the same
/// kind: one arm per kind, so that no expectation meets another kind's observation.
pub(super) async fn examine(prober: &Prober, kind: &CheckKind, timeout: Duration) -> Examined {
    let now = OffsetDateTime::now_utc;
    match kind {
        CheckKind::Http { probe, expect } => {
            let probed = prober.http(probe, timeout);
            let judge = |o: &_| judge::judge_http(expect, o, now());
            bounded(probed, timeout, judge, Observation::Http).await
        }
        CheckKind::Tls { probe, expect } => {
            let probed = prober.tls(probe, timeout);
            let judge = |o: &_| judge::judge_tls(expect, o, now());
            bounded(probed, timeout, judge, Observation::Tls).await
        }
        CheckKind::Cert { probe, expect } => {
            let probed = prober.cert(probe);
            let judge = |o: &_| judge::judge_cert_file(expect, o, now());
            bounded(probed, timeout, judge, Observation::Cert).await
        }
        CheckKind::Dns { probe, expect } => {
            let probed = prober.dns(probe, timeout);
            let judge = |o: &_| judge::judge_dns(expect, o);
            bounded(probed, timeout, judge, Observation::Dns).await
        }
        CheckKind::Tcp { probe, expect } => {
            let probed = prober.tcp(probe, timeout);
            let judge = |o: &_| judge::judge_tcp(expect, o);
            bounded(probed, timeout, judge, Observation::Tcp).await
        }
    }
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
    }
}
