//! A finished run as its JSON report: every string redacted and made printable.

use super::super::detail::{clean, excerpt};
use super::{
    JsonAddress, JsonAttempt, JsonCheck, JsonError, JsonMismatch, JsonObserved, JsonReport,
    SCHEMA_VERSION, summarize,
};
use crate::config::model::{Check, DnsProtocol, Probe, Secrets};
use crate::matcher::Mismatch;
use crate::probe::ProbeError;
use crate::run::{Attempt, CheckResult, RunReport};
use std::fmt::Write as _;

impl JsonReport {
    /// The report of a finished run, every string redacted and made printable.
    pub fn from_run(report: &RunReport, secrets: &Secrets) -> JsonReport {
        let checks: Vec<JsonCheck> = report
            .results
            .iter()
            .map(|r| json_check(r, secrets))
            .collect();
        JsonReport::assemble(report, secrets, checks)
    }

    /// One check's part of the report, as [`JsonReport::from_run`] makes it: made as the
    /// check finishes, while other checks still wait on the network.
    pub fn check_of(result: &CheckResult, secrets: &Secrets) -> JsonCheck {
        json_check(result, secrets)
    }

    /// Lets go of what a check that passed at once observed, once its part of the report is
    /// made: only `--metrics` reads it afterwards.
    pub fn release(result: &mut CheckResult) {
        if result.outcome == crate::run::Outcome::Pass && !result.flaky {
            for attempt in &mut result.attempts {
                attempt.observation = None;
            }
        }
    }

    /// The report of a finished run whose checks' parts were made already, some or all
    /// (`made[i]`, by [`JsonReport::check_of`], for `report.results[i]`, with the same
    /// secrets); the others are made now. With `release`, each check that passed at once lets
    /// go of what it observed as soon as its part is made ([`JsonReport::release`]), so that a
    /// run of 10,000 checks never holds both: for a run whose later outputs read no passing
    /// check's observation (they do not, but for `--metrics`' certificate expiry).
    pub fn from_run_made(
        report: &mut RunReport,
        secrets: &Secrets,
        mut made: Vec<Option<JsonCheck>>,
        release: bool,
    ) -> JsonReport {
        let mut checks = Vec::with_capacity(report.results.len());
        for (i, result) in report.results.iter_mut().enumerate() {
            let json = made.get_mut(i).and_then(Option::take);
            checks.push(json.unwrap_or_else(|| json_check(result, secrets)));
            if release {
                JsonReport::release(result);
            }
        }
        JsonReport::assemble(report, secrets, checks)
    }

    fn assemble(report: &RunReport, secrets: &Secrets, checks: Vec<JsonCheck>) -> JsonReport {
        JsonReport {
            schema_version: SCHEMA_VERSION,
            conform_version: env!("CARGO_PKG_VERSION").to_string(),
            env: clean(secrets, &report.env),
            started: report.started.to_offset(time::UtcOffset::UTC),
            evaluated_at: Some(report.evaluated_at().to_offset(time::UtcOffset::UTC)),
            at: report.as_of.as_ref().map(|a| clean(secrets, &a.given)),
            duration_seconds: report.duration.as_secs_f64(),
            hostname: clean(secrets, &report.hostname),
            summary: summarize(&checks),
            checks,
            baseline: None,
            interrupted: report.interrupted.map(|s| s.name().to_string()),
            selection: None,
            load_errors: Vec::new(),
            rounds: None,
        }
    }
}

fn json_check(result: &CheckResult, secrets: &Secrets) -> JsonCheck {
    let check = &result.check;
    let text = |raw: &str| clean(secrets, raw);
    JsonCheck {
        id: text(&check.id),
        name: text(&check.name),
        suite: text(&check.suite),
        file: text(&check.file.display().to_string()),
        line: check.line,
        tags: check.tags.iter().map(|t| text(t)).collect(),
        claims: check.claims.iter().map(|c| text(c)).collect(),
        probe: check.kind.probe().kind().to_string(),
        target: text(&target(check)),
        outcome: result.outcome,
        flaky: result.flaky,
        retries: check.retries,
        duration_seconds: result.duration.as_secs_f64(),
        message: excerpt(secrets, &result.message),
        pending_reason: check.pending.as_ref().map(|p| text(&p.reason)),
        reproduce: result
            .reproduce
            .as_ref()
            .map(|command| text(&command.to_shell(secrets)))
            .unwrap_or_default(),
        attempts: result
            .attempts
            .iter()
            .map(|a| json_attempt(a, secrets))
            .collect(),
        rounds: Vec::new(),
        needed_by: Vec::new(),
    }
}

fn json_attempt(attempt: &Attempt, secrets: &Secrets) -> JsonAttempt {
    let text = |raw: &str| clean(secrets, raw);
    JsonAttempt {
        outcome: attempt.outcome,
        duration_seconds: attempt.duration.as_secs_f64(),
        error: attempt.error.as_ref().map(|e: &ProbeError| JsonError {
            kind: e.kind,
            message: excerpt(secrets, &e.message),
        }),
        mismatches: attempt
            .mismatches
            .iter()
            .map(|m: &Mismatch| JsonMismatch {
                field: text(&m.field),
                expected: excerpt(secrets, &m.expected),
                actual: excerpt(secrets, &m.actual),
                // The schema keeps a string: empty when there is no note.
                note: m
                    .note
                    .as_deref()
                    .map(|note| excerpt(secrets, note))
                    .unwrap_or_default(),
            })
            .collect(),
        addresses: attempt
            .addresses
            .iter()
            .map(|a| JsonAddress {
                address: a.address.to_string(),
                outcome: a.outcome,
            })
            .collect(),
        observed: attempt
            .observation
            .as_ref()
            .and_then(|o| JsonObserved::of(o, secrets)),
    }
}

/// What the check probed, in a few words, before redaction.
pub(super) fn target(check: &Check) -> String {
    match check.kind.probe() {
        Probe::Http(h) => {
            let mut t = format!("{} {}", h.method, h.url);
            if let Some(to) = &h.connect_to {
                let _ = write!(t, " via {}", bracket(&to.host));
                if let Some(port) = to.port {
                    let _ = write!(t, ":{port}");
                }
            }
            t
        }
        Probe::Tls(t) => {
            let mut s = format!("{}:{}", bracket(&t.host), t.port);
            if t.sni != t.host {
                let _ = write!(s, " (sni {})", t.sni);
            }
            if let Some(protocol) = t.starttls {
                let _ = write!(s, " starttls {}", protocol.as_str());
            }
            s
        }
        Probe::Dns(d) => {
            let mut s = format!("{} {}", d.name, d.record_type);
            if let Some(server) = d.server {
                let _ = write!(s, " @{server}");
            }
            if d.protocol == DnsProtocol::Tcp {
                s.push_str(" over tcp");
            }
            s
        }
        Probe::Tcp(t) => format!("{}:{}", bracket(&t.host), t.port),
        Probe::Cert(c) => c.file.display().to_string(),
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}
