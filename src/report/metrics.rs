//! The run as Prometheus metrics (text exposition format 0.0.4), for a node exporter's
//! textfile collector or a Pushgateway. Every family is a gauge describing this run; each
//! family has its `# HELP` and `# TYPE` lines, and the series follow in plan order, so two runs
//! of the same plan write the same series in the same order.
//!
//! Per check (labels `id`, `env`, `suite`):
//! - `conform_check_up`: 1 when the outcome is pass (flaky passes included), else 0; a pending
//!   check that fails is 0 here and 1 in `conform_check_pending`, so alerts can excuse it
//!   (`conform_check_up == 0 unless conform_check_pending == 1`); a fixed check is 0.
//! - `conform_check_pending`: 1 when the failure was excused as pending, else 0.
//! - `conform_check_flaky`: 1 when the check passed only after a retry, else 0.
//! - `conform_check_duration_seconds`: all attempts and the delays between them.
//! - `conform_check_outcome{..,outcome}`: 1, one series per check, labelled with its outcome
//!   (`pass`, `fail`, `error`, `pending`, `fixed`, `not_run`).
//! - `conform_cert_expiry_seconds`: for checks whose last observation holds a certificate
//!   (the http probe's peer certificate, the leaf of the tls or cert probe's chain), the
//!   seconds from the evaluation time (the run's start, or the moment of `--at`) until its
//!   notAfter; negative once expired. It agrees with what `expires_in` was judged on.
//!
//! Checks that `--fail-fast` kept from running have only their outcome series.
//!
//! Per run (label `env`): `conform_run_duration_seconds`, `conform_run_timestamp_seconds` (the
//! start, Unix time), under `--at` only `conform_run_evaluated_at_timestamp_seconds` (the
//! moment it judged as of, Unix time), and `conform_checks{env,outcome}`, the count of each
//! outcome (zeros included).

use super::detail::clean;
use crate::config::model::Secrets;
use crate::probe::Observation;
use crate::probe::cert_facts::seconds_left;
use crate::run::{CheckResult, Outcome, RunReport};
use std::fmt::Write as _;

/// The run in the Prometheus text exposition format, secrets redacted from label values.
pub fn metrics(report: &RunReport, secrets: &Secrets) -> String {
    let env = label_value(secrets, &report.env);
    let labels = |result: &CheckResult| {
        format!(
            "id=\"{}\",env=\"{env}\",suite=\"{}\"",
            label_value(secrets, &result.check.id),
            label_value(secrets, &result.check.suite)
        )
    };
    let ran: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::NotRun)
        .collect();
    let mut out = String::new();

    family(
        &mut out,
        "conform_check_up",
        "Whether the check passed (1) or not (0); pending and fixed checks are 0.",
    );
    for r in &ran {
        let up = u8::from(r.outcome == Outcome::Pass);
        let _ = writeln!(out, "conform_check_up{{{}}} {up}", labels(r));
    }

    family(
        &mut out,
        "conform_check_pending",
        "Whether the check failed as its pending reason says it will (1), an excused failure.",
    );
    for r in &ran {
        let pending = u8::from(r.outcome == Outcome::Pending);
        let _ = writeln!(out, "conform_check_pending{{{}}} {pending}", labels(r));
    }

    family(
        &mut out,
        "conform_check_flaky",
        "Whether the check passed only after a retry (1).",
    );
    for r in &ran {
        let _ = writeln!(
            out,
            "conform_check_flaky{{{}}} {}",
            labels(r),
            u8::from(r.flaky)
        );
    }

    family(
        &mut out,
        "conform_check_duration_seconds",
        "Time the check took: every attempt and the delays between them.",
    );
    for r in &ran {
        let _ = writeln!(
            out,
            "conform_check_duration_seconds{{{}}} {}",
            labels(r),
            number(r.duration.as_secs_f64())
        );
    }

    family(
        &mut out,
        "conform_check_outcome",
        "The check's outcome, as the outcome label; always 1.",
    );
    for r in &report.results {
        let _ = writeln!(
            out,
            "conform_check_outcome{{{},outcome=\"{}\"}} 1",
            labels(r),
            r.outcome.as_str()
        );
    }

    family(
        &mut out,
        "conform_cert_expiry_seconds",
        "Seconds from the evaluation time (the run's start, or --at) until the observed certificate's notAfter; negative once expired.",
    );
    for r in &ran {
        if let Some(left) = cert_seconds_left(r, report.evaluated_at()) {
            let _ = writeln!(
                out,
                "conform_cert_expiry_seconds{{{}}} {}",
                labels(r),
                number(left)
            );
        }
    }

    family(
        &mut out,
        "conform_run_duration_seconds",
        "Wall time of the whole run.",
    );
    let _ = writeln!(
        out,
        "conform_run_duration_seconds{{env=\"{env}\"}} {}",
        number(report.duration.as_secs_f64())
    );

    run_timestamp(&mut out, &env, report.started);
    if let Some(as_of) = &report.as_of {
        family(
            &mut out,
            "conform_run_evaluated_at_timestamp_seconds",
            "The moment --at asked the run to judge as of, in seconds since the Unix epoch.",
        );
        let _ = writeln!(
            out,
            "conform_run_evaluated_at_timestamp_seconds{{env=\"{env}\"}} {}",
            unix_seconds(as_of.moment)
        );
    }

    family(
        &mut out,
        "conform_checks",
        "Number of checks of the run with each outcome.",
    );
    for outcome in Outcome::ALL {
        let count = report
            .results
            .iter()
            .filter(|r| r.outcome == outcome)
            .count();
        let _ = writeln!(
            out,
            "conform_checks{{env=\"{env}\",outcome=\"{}\"}} {count}",
            outcome.as_str()
        );
    }
    out
}

/// The metrics of a run that stopped before probing (exit 2): no check series, and
/// `conform_load_errors` with how many errors stopped it, so that the last good run's
/// `conform_check_up` series do not stay behind to say all is well.
pub fn refused_metrics(env: &str, load_errors: usize, started: time::OffsetDateTime) -> String {
    let env = label_value(&Secrets::default(), env);
    let mut out = String::new();
    family(
        &mut out,
        "conform_load_errors",
        "Errors in the check or environment files (or the command line) that stopped the run before anything was probed.",
    );
    let _ = writeln!(out, "conform_load_errors{{env=\"{env}\"}} {load_errors}");
    run_timestamp(&mut out, &env, started);
    out
}

/// `conform_run_timestamp_seconds`: when the run started; `env` is a label value already.
fn run_timestamp(out: &mut String, env: &str, started: time::OffsetDateTime) {
    family(
        out,
        "conform_run_timestamp_seconds",
        "When the run started, in seconds since the Unix epoch.",
    );
    let _ = writeln!(
        out,
        "conform_run_timestamp_seconds{{env=\"{env}\"}} {}",
        unix_seconds(started)
    );
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// Seconds left on the certificate the last attempt saw, when it saw one that parses.
fn cert_seconds_left(result: &CheckResult, now: time::OffsetDateTime) -> Option<f64> {
    let leaf = match result.last_attempt()?.observation.as_ref()? {
        Observation::Http(http) => http.peer_facts()?,
        Observation::Tls(tls) => tls.chain_facts().first()?,
        Observation::Cert(cert) => cert.chain_facts().first()?,
        Observation::Dns(_) | Observation::Tcp(_) => return None,
    };
    Some(seconds_left(leaf.as_ref().ok()?, now))
}

/// A label value: redacted, printable, and `\`, `"` and newline escaped as the format asks.
fn label_value(secrets: &Secrets, raw: &str) -> String {
    clean(secrets, raw)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as the format spells it (`+Inf`, `-Inf`, `NaN` included).
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{value}")
    }
}

/// Unix time in seconds, exact to the nanosecond, without trailing zeros.
fn unix_seconds(t: time::OffsetDateTime) -> String {
    let nanos = t.unix_timestamp_nanos();
    let sign = if nanos < 0 { "-" } else { "" };
    let (seconds, fraction) = (
        nanos.unsigned_abs() / 1_000_000_000,
        nanos.unsigned_abs() % 1_000_000_000,
    );
    if fraction == 0 {
        return format!("{sign}{seconds}");
    }
    let fraction = format!("{fraction:09}");
    format!("{sign}{seconds}.{}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests;
