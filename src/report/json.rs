//! The JSON report: a stable, documented record of a run that machines read back (`conform
//! merge`, `--baseline`) and people query (`jq`).
//!
//! # The JSON report, schema 1
//!
//! `conform run --json FILE` (default `reports/report.json`) writes one object:
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "conform_version": "0.1.0",
//!   "env": "prod",
//!   "started": "2026-11-24T02:00:00Z",
//!   "duration_seconds": 4.21,
//!   "hostname": "ci-runner-1",
//!   "summary": { "passed": 40, "failed": 1, "errors": 0, "pending": 2, "fixed": 0,
//!                "not_run": 0, "flaky": 1, "exit_code": 1 },
//!   "checks": [
//!     { "id": "chat/root-redirect", "name": "root redirects visitors to the app download",
//!       "suite": "chat", "file": "checks/chat.yaml", "line": 7, "tags": ["gate", "nightly"],
//!       "probe": "http", "target": "GET https://chat.thephenom.app/",
//!       "outcome": "fail", "flaky": false, "retries": 1, "duration_seconds": 1.02,
//!       "message": "status: expected 302, got 200", "pending_reason": null,
//!       "reproduce": "curl -sS -i https://chat.thephenom.app/",
//!       "attempts": [
//!         { "outcome": "error", "duration_seconds": 0.5,
//!           "error": { "kind": "timeout", "message": "no answer within 0.5s" }, "mismatches": [] },
//!         { "outcome": "fail", "duration_seconds": 0.12, "error": null,
//!           "mismatches": [ { "field": "status", "expected": "302", "actual": "200", "note": "" } ] }
//!       ] }
//!   ],
//!   "baseline": null
//! }
//! ```
//!
//! Top level:
//!
//! - `schema_version`: `1`. A reader refuses a report whose schema is newer than its own;
//!   fields may be added within a schema, so readers should ignore fields they do not know.
//! - `conform_version`: the conform that ran the checks (a merge of shards run by different
//!   versions lists each, comma-separated).
//! - `env`: the environment's name. `hostname`: the machine that ran the checks (a merge lists
//!   each shard's, comma-separated).
//! - `started`: when the run started, RFC 3339 in UTC. `duration_seconds`: its wall time.
//! - `summary`: how many checks ended in each outcome, how many were flaky, and the run's exit
//!   code (1 if any check failed or is fixed, else 3 if any errored, else 0).
//! - `checks`: one object per check, in the order the run planned them (a merge sorts them by
//!   suite, file and line).
//! - `baseline`: `null`, or what changed since the `--baseline` report (below).
//!
//! Per check:
//!
//! - `id`, `name`, `suite`, `file` (as given under `--dir`), `line` (where the check starts),
//!   `tags`.
//! - `probe`: `http`, `tls`, `dns`, `tcp` or `cert`. `target`: what it probed, for people:
//!   `GET https://host/path` (plus ` via host:port` with `connect_to`), `host:port (sni name)`,
//!   `name. TYPE @server` (plus ` over tcp`), `host:port`, or the certificate file.
//! - `outcome`: `pass`, `fail`, `error`, `pending`, `fixed` or `not_run` (stopped by
//!   `--fail-fast`). `flaky`: passed only after a retry. `retries`: how many retries the check
//!   allowed.
//! - `duration_seconds`: all attempts and the delays between them.
//! - `message`: one line on why the check did not pass (empty on pass).
//! - `pending_reason`: the check's `pending` reason, or `null` when it has none.
//! - `reproduce`: a shell command that repeats the probe by hand (curl, openssl, dig).
//! - `attempts`: every try in order, the last decided the outcome (empty when not run). Each
//!   has `outcome` (`pass`, `fail` or `error`, before `pending` is applied),
//!   `duration_seconds`, `error` (`null`, or `kind` and `message` when no answer came; kinds:
//!   `timeout`, `dns`, `refused`, `connect`, `tls`, `protocol`, `unset`) and `mismatches`
//!   (each expectation that did not hold: `field`, `expected`, `actual`, `note`, the note
//!   empty when there is none).
//!
//! `baseline`, with `--baseline FILE`: `file` and `started` of the baseline report, then lists
//! of check ids: `newly_failing` (was pass or pending, now fail, error or fixed),
//! `newly_passing` (was fail, error or fixed, now pass), `newly_flaky` (flaky now, not in the
//! baseline), `new_checks` (not in the baseline), `removed_checks` (only in the baseline), and
//! `still_failing`, a count of checks failing in both.
//!
//! Every string has `${secret:..}` values replaced by `[redacted:NAME]`, and control
//! characters other than newline and tab escaped as text (`\x1b`), so a value a server sent
//! cannot drive the terminal of whoever prints it.

use super::baseline::BaselineDiff;
use super::detail::clean;
use super::junit::{JunitFlavor, junit_from_json_with};
use crate::judge::Mismatch;
use crate::probe::{ProbeError, ProbeErrorKind};
use crate::run::{Attempt, CheckResult, Outcome, RunReport};
use crate::spec::model::{Check, DnsProtocol, Probe, Secrets};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use time::OffsetDateTime;

/// The schema this conform writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run, as the JSON report holds it. See the module documentation for the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    pub schema_version: u32,
    pub conform_version: String,
    pub env: String,
    #[serde(with = "rfc3339")]
    pub started: OffsetDateTime,
    pub duration_seconds: f64,
    #[serde(default)]
    pub hostname: String,
    pub summary: JsonSummary,
    pub checks: Vec<JsonCheck>,
    /// What changed since `--baseline`, when one was given.
    #[serde(default)]
    pub baseline: Option<BaselineDiff>,
}

/// Counts by outcome and the run's exit code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSummary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub pending: usize,
    pub fixed: usize,
    pub not_run: usize,
    pub flaky: usize,
    pub exit_code: i32,
}

/// A check's outcome, as the report spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonOutcome {
    Pass,
    Fail,
    Error,
    Pending,
    Fixed,
    NotRun,
}

impl JsonOutcome {
    /// For people, as [`Outcome::label`] says it (`not run`, not `not_run`).
    pub fn label(self) -> &'static str {
        Outcome::from(self).label()
    }

    /// Fails the run or could not complete: `fail`, `error` or `fixed`.
    pub fn is_failing(self) -> bool {
        matches!(
            self,
            JsonOutcome::Fail | JsonOutcome::Error | JsonOutcome::Fixed
        )
    }
}

impl From<Outcome> for JsonOutcome {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Pass => JsonOutcome::Pass,
            Outcome::Fail => JsonOutcome::Fail,
            Outcome::Error => JsonOutcome::Error,
            Outcome::Pending => JsonOutcome::Pending,
            Outcome::Fixed => JsonOutcome::Fixed,
            Outcome::NotRun => JsonOutcome::NotRun,
        }
    }
}

impl From<JsonOutcome> for Outcome {
    fn from(outcome: JsonOutcome) -> Self {
        match outcome {
            JsonOutcome::Pass => Outcome::Pass,
            JsonOutcome::Fail => Outcome::Fail,
            JsonOutcome::Error => Outcome::Error,
            JsonOutcome::Pending => Outcome::Pending,
            JsonOutcome::Fixed => Outcome::Fixed,
            JsonOutcome::NotRun => Outcome::NotRun,
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonCheck {
    pub id: String,
    pub name: String,
    pub suite: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub line: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub probe: String,
    #[serde(default)]
    pub target: String,
    pub outcome: JsonOutcome,
    #[serde(default)]
    pub flaky: bool,
    /// How many retries the check allowed (attempts = 1 + retries at most).
    #[serde(default)]
    pub retries: u32,
    #[serde(default)]
    pub duration_seconds: f64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub pending_reason: Option<String>,
    #[serde(default)]
    pub reproduce: String,
    #[serde(default)]
    pub attempts: Vec<JsonAttempt>,
}

/// One try of a check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonAttempt {
    /// `pass`, `fail` or `error`: before `pending` is applied.
    pub outcome: JsonOutcome,
    #[serde(default)]
    pub duration_seconds: f64,
    #[serde(default)]
    pub error: Option<JsonError>,
    #[serde(default)]
    pub mismatches: Vec<JsonMismatch>,
}

/// Why a try got no answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonError {
    /// `timeout`, `dns`, `refused`, `connect`, `tls`, `protocol` or `unset`.
    pub kind: String,
    pub message: String,
}

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonMismatch {
    pub field: String,
    pub expected: String,
    pub actual: String,
    /// Empty when the expected and actual values say it all.
    #[serde(default)]
    pub note: String,
}

impl std::fmt::Display for JsonMismatch {
    /// As [`Mismatch`] displays: `status: expected 302, got 200 (note)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.field, self.expected, self.actual
        )?;
        if !self.note.is_empty() {
            write!(f, " ({})", self.note)?;
        }
        Ok(())
    }
}

impl JsonReport {
    /// The report of a finished run, every string redacted and made printable.
    pub fn from_run(report: &RunReport, secrets: &Secrets) -> JsonReport {
        let checks: Vec<JsonCheck> = report
            .results
            .iter()
            .map(|r| json_check(r, secrets))
            .collect();
        JsonReport {
            schema_version: SCHEMA_VERSION,
            conform_version: env!("CARGO_PKG_VERSION").to_string(),
            env: clean(secrets, &report.env),
            started: report.started.to_offset(time::UtcOffset::UTC),
            duration_seconds: report.duration.as_secs_f64(),
            hostname: clean(secrets, &report.hostname),
            summary: summarize(&checks),
            checks,
            baseline: None,
        }
    }

    /// Pretty-printed JSON, ending with a newline.
    pub fn to_string_pretty(&self) -> Result<String, String> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| format!("cannot write the JSON report: {e}"))?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a report written by [`JsonReport::to_string_pretty`]; `what` names it in errors.
    pub fn parse(text: &str, what: &Path) -> Result<JsonReport, String> {
        let what = what.display();
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("{what}: not a conform JSON report: not JSON ({e})"))?;
        let Some(object) = value.as_object() else {
            return Err(format!(
                "{what}: not a conform JSON report: expected an object, found {}",
                json_kind(&value)
            ));
        };
        let version = match object.get("schema_version") {
            None => {
                return Err(format!(
                    "{what}: not a conform JSON report: it has no schema_version"
                ));
            }
            Some(v) => v.as_u64().ok_or_else(|| {
                format!("{what}: schema_version must be a whole number, found {v}")
            })?,
        };
        if version > u64::from(SCHEMA_VERSION) {
            return Err(format!(
                "{what} was written by a newer conform (schema {version}); this conform reads \
                 schema {SCHEMA_VERSION}"
            ));
        }
        if version < u64::from(SCHEMA_VERSION) {
            return Err(format!(
                "{what}: unknown schema_version {version}; this conform reads schema \
                 {SCHEMA_VERSION}"
            ));
        }
        serde_json::from_str(text)
            .map_err(|e| format!("{what}: not a valid conform JSON report: {e}"))
    }

    /// The run's exit code as SPEC defines it, from the checks.
    pub fn exit_code(&self) -> i32 {
        summarize(&self.checks).exit_code
    }
}

/// Combines the reports of the shards of one run (`conform merge`): the same environment is
/// required and no check may be in two reports. Checks are sorted by suite, file and line;
/// the summary and exit code are recomputed; `started` is the earliest and the duration the
/// longest. The shards' baseline comparisons are dropped: compare the merged report instead.
pub fn merge(reports: Vec<JsonReport>) -> Result<JsonReport, String> {
    let Some(first) = reports.first() else {
        return Err("no reports to merge".to_string());
    };
    let env = first.env.clone();
    let mut started = first.started;
    let mut duration_seconds = first.duration_seconds;
    let mut versions: Vec<String> = Vec::new();
    let mut hostnames: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut checks = Vec::new();
    for (i, report) in reports.into_iter().enumerate() {
        let number = i + 1;
        if report.env != env {
            return Err(format!(
                "cannot merge reports of different environments: report 1 is {env}, report \
                 {number} is {}",
                report.env
            ));
        }
        started = started.min(report.started);
        duration_seconds = duration_seconds.max(report.duration_seconds);
        for (list, value) in [
            (&mut versions, report.conform_version),
            (&mut hostnames, report.hostname),
        ] {
            if !value.is_empty() && !list.contains(&value) {
                list.push(value);
            }
        }
        for check in report.checks {
            if let Some(earlier) = seen.insert(check.id.clone(), number) {
                return Err(format!(
                    "check {} is in report {earlier} and report {number}: were the shards' \
                     --shard K/N different, or a report given twice?",
                    check.id
                ));
            }
            checks.push(check);
        }
    }
    checks.sort_by(|a, b| {
        (&a.suite, &a.file, a.line, &a.id).cmp(&(&b.suite, &b.file, b.line, &b.id))
    });
    Ok(JsonReport {
        schema_version: SCHEMA_VERSION,
        conform_version: versions.join(", "),
        env,
        started,
        duration_seconds,
        hostname: hostnames.join(", "),
        summary: summarize(&checks),
        checks,
        baseline: None,
    })
}

/// Counts and the exit code (SPEC: 1 on any fail or fixed, else 3 on any error, else 0).
fn summarize(checks: &[JsonCheck]) -> JsonSummary {
    let mut s = JsonSummary::default();
    for check in checks {
        match check.outcome {
            JsonOutcome::Pass => s.passed += 1,
            JsonOutcome::Fail => s.failed += 1,
            JsonOutcome::Error => s.errors += 1,
            JsonOutcome::Pending => s.pending += 1,
            JsonOutcome::Fixed => s.fixed += 1,
            JsonOutcome::NotRun => s.not_run += 1,
        }
        if check.flaky {
            s.flaky += 1;
        }
    }
    s.exit_code = if s.failed + s.fixed > 0 {
        1
    } else if s.errors > 0 {
        3
    } else {
        0
    };
    s
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
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
        probe: check.probe.kind().to_string(),
        target: text(&target(check)),
        outcome: result.outcome.into(),
        flaky: result.flaky,
        retries: check.retries,
        duration_seconds: result.duration.as_secs_f64(),
        message: text(&result.message),
        pending_reason: check.pending.as_ref().map(|p| text(&p.reason)),
        reproduce: text(&result.reproduce),
        attempts: result
            .attempts
            .iter()
            .map(|a| json_attempt(a, secrets))
            .collect(),
    }
}

fn json_attempt(attempt: &Attempt, secrets: &Secrets) -> JsonAttempt {
    let text = |raw: &str| clean(secrets, raw);
    JsonAttempt {
        outcome: attempt.outcome.into(),
        duration_seconds: attempt.duration.as_secs_f64(),
        error: attempt.error.as_ref().map(|e: &ProbeError| JsonError {
            kind: kind_token(e.kind).to_string(),
            message: text(&e.message),
        }),
        mismatches: attempt
            .mismatches
            .iter()
            .map(|m: &Mismatch| JsonMismatch {
                field: text(&m.field),
                expected: text(&m.expected),
                actual: text(&m.actual),
                note: text(&m.note),
            })
            .collect(),
    }
}

/// Every error kind, for reading tokens back.
const KINDS: [ProbeErrorKind; 7] = [
    ProbeErrorKind::Timeout,
    ProbeErrorKind::Dns,
    ProbeErrorKind::Refused,
    ProbeErrorKind::Connect,
    ProbeErrorKind::Tls,
    ProbeErrorKind::Protocol,
    ProbeErrorKind::Unset,
];

/// The stable token of an error kind in the JSON report.
fn kind_token(kind: ProbeErrorKind) -> &'static str {
    match kind {
        ProbeErrorKind::Timeout => "timeout",
        ProbeErrorKind::Dns => "dns",
        ProbeErrorKind::Refused => "refused",
        ProbeErrorKind::Connect => "connect",
        ProbeErrorKind::Tls => "tls",
        ProbeErrorKind::Protocol => "protocol",
        ProbeErrorKind::Unset => "unset",
    }
}

/// How the other reports name an error kind (`connection refused`); an unknown token as is.
pub(crate) fn kind_label(token: &str) -> String {
    KINDS
        .iter()
        .find(|k| kind_token(**k) == token)
        .map_or_else(|| token.to_string(), ToString::to_string)
}

/// What the check probed, in a few words, before redaction.
fn target(check: &Check) -> String {
    match &check.probe {
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

/// RFC 3339 timestamps, as serde fields.
pub(crate) mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::Error as _};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = t
            .to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .map_err(S::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map_err(|e| D::Error::custom(format!("`{text}` is not an RFC 3339 time: {e}")))
    }

    /// For people: `2026-11-24T02:00:00Z`.
    pub fn text(t: OffsetDateTime) -> String {
        t.to_offset(time::UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| t.to_string())
    }
}

/// The report as JUnit XML in the rich flavor, laid out as [`super::junit::junit_xml`] lays
/// out a run (SPEC "JUnit layout"): for a report made by [`JsonReport::from_run`] the two are
/// the same XML.
pub fn junit_from_json(report: &JsonReport) -> Result<String, String> {
    junit_from_json_with(report, JunitFlavor::Rich, &[])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::probe::ProbeErrorKind;
    use crate::report::detail::FIXED_TEXT;
    use crate::report::detail::fixtures::*;
    use crate::spec::model::{CertProbe, ConnectTo, DnsProbe, TcpProbe, TlsOptions, TlsProbe};
    use roxmltree::Document;
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;

    /// A failure after a timed-out try, a flaky pass, an error, a pending, a fixed and a
    /// not-run check, over three suites (the JUnit tests' run too).
    pub(crate) fn sample() -> RunReport {
        let mut fail_check = check("chat", "chat/root", "root redirects");
        fail_check.tags = vec!["gate".into(), "nightly".into()];
        fail_check.retries = 1;
        let mut fail = result(
            fail_check,
            Outcome::Fail,
            vec![
                errored(ProbeErrorKind::Timeout, "no answer within 5s"),
                failed(vec![mismatch("status", "302", "200")]),
            ],
        );
        fail.message = "status: expected 302, got 200".into();
        let mut flaky = result(
            check("nest", "nest/up", "nest up"),
            Outcome::Pass,
            vec![failed(vec![mismatch("status", "200", "503")]), passed()],
        );
        flaky.flaky = true;
        flaky.check = Arc::new({
            let mut c = check("nest", "nest/up", "nest up");
            c.retries = 1;
            c
        });
        let error = result(
            check("nest", "nest/api", "api"),
            Outcome::Error,
            vec![errored(ProbeErrorKind::Refused, "connect: refused")],
        );
        let (pending, fixed) = (pending_waf(), fixed_new());
        let not_run = result(check("dns", "dns/mx", "mx"), Outcome::NotRun, vec![]);
        report(vec![fail, flaky, error, pending, fixed, not_run])
    }

    fn json_of(report: &RunReport) -> JsonReport {
        JsonReport::from_run(report, &Secrets::default())
    }

    #[test]
    fn from_run_writes_every_field() {
        let mut m = mismatch("status", "302", "200");
        m.note = "no redirect".into();
        let mut r = result(
            check("chat", "chat/root", "root redirects"),
            Outcome::Fail,
            vec![
                errored(ProbeErrorKind::Timeout, "no answer within 5s"),
                failed(vec![m]),
            ],
        );
        r.message = "status: expected 302, got 200".into();
        let value = serde_json::to_value(json_of(&report(vec![r, pending_waf()]))).unwrap();
        let attempt_failed = json!({
            "outcome": "fail", "duration_seconds": 0.05, "error": null,
            "mismatches": [{ "field": "status", "expected": "403", "actual": "200", "note": "" }],
        });
        assert_eq!(
            value,
            json!({
                "schema_version": 1,
                "conform_version": env!("CARGO_PKG_VERSION"),
                "env": "prod",
                "started": "2026-05-01T12:00:00Z",
                "duration_seconds": 0.42,
                "hostname": "ci-runner-1",
                "summary": { "passed": 0, "failed": 1, "errors": 0, "pending": 1, "fixed": 0,
                             "not_run": 0, "flaky": 0, "exit_code": 1 },
                "checks": [
                    { "id": "chat/root", "name": "root redirects", "suite": "chat",
                      "file": "checks/chat.yaml", "line": 3, "tags": [], "probe": "http",
                      "target": "GET https://chat.example/", "outcome": "fail", "flaky": false,
                      "retries": 0, "duration_seconds": 0.12,
                      "message": "status: expected 302, got 200", "pending_reason": null,
                      "reproduce": "curl -sS -i https://chat.example/",
                      "attempts": [
                          { "outcome": "error", "duration_seconds": 0.05,
                            "error": { "kind": "timeout", "message": "no answer within 5s" },
                            "mismatches": [] },
                          { "outcome": "fail", "duration_seconds": 0.05, "error": null,
                            "mismatches": [{ "field": "status", "expected": "302",
                                             "actual": "200", "note": "no redirect" }] },
                      ] },
                    { "id": "chat/waf", "name": "waf", "suite": "chat",
                      "file": "checks/chat.yaml", "line": 3, "tags": [], "probe": "http",
                      "target": "GET https://chat.example/", "outcome": "pending",
                      "flaky": false, "retries": 0, "duration_seconds": 0.12, "message": "",
                      "pending_reason": "WAF rule in COUNT mode",
                      "reproduce": "curl -sS -i https://chat.example/",
                      "attempts": [attempt_failed] },
                ],
                "baseline": null,
            })
        );
    }

    #[test]
    fn summary_outcomes_and_flaky_match_the_run() {
        let run = sample();
        let json = json_of(&run);
        let c = run.counts();
        assert_eq!(
            json.summary,
            JsonSummary {
                passed: c.passed,
                failed: c.failed,
                errors: c.errors,
                pending: c.pending,
                fixed: c.fixed,
                not_run: c.not_run,
                flaky: c.flaky,
                exit_code: run.exit_code(),
            }
        );
        assert_eq!((c.passed, c.failed, c.fixed, c.flaky), (1, 1, 1, 1));
        let outcomes: Vec<_> = serde_json::to_value(&json).unwrap()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["outcome"].clone(), c["flaky"].clone()))
            .collect();
        assert_eq!(
            outcomes,
            [
                (json!("fail"), json!(false)),
                (json!("pass"), json!(true)),
                (json!("error"), json!(false)),
                (json!("pending"), json!(false)),
                (json!("fixed"), json!(false)),
                (json!("not_run"), json!(false)),
            ]
        );
        assert_eq!(json.checks[0].tags, ["gate", "nightly"]);
        assert_eq!(json.checks[0].retries, 1);
        assert_eq!(
            json.checks[2].attempts[0].error,
            Some(JsonError {
                kind: "refused".into(),
                message: "connect: refused".into()
            })
        );
        assert_eq!(json.checks[4].message, FIXED_TEXT);
        assert_eq!(json.checks[4].pending_reason.as_deref(), Some("not live"));
        assert!(json.checks[5].attempts.is_empty());
        assert_eq!(json.exit_code(), 1);
    }

    #[test]
    fn targets_say_what_each_probe_reached() {
        let with = |probe: Probe| {
            let mut c = check("x", "x/y", "y");
            c.probe = probe;
            (c.probe.kind(), target(&c))
        };
        let mut http = http_probe("https://chat.example/a?b=1");
        http.method = reqwest::Method::POST;
        http.connect_to = Some(ConnectTo {
            host: "alb.example".into(),
            port: Some(8443),
        });
        assert_eq!(
            with(Probe::Http(http)),
            (
                "http",
                "POST https://chat.example/a?b=1 via alb.example:8443".into()
            )
        );
        let tls = TlsProbe {
            host: "10.0.0.1".into(),
            port: 443,
            sni: "chat.example".into(),
            alpn: vec![],
            tls: TlsOptions::default(),
        };
        assert_eq!(
            with(Probe::Tls(tls)),
            ("tls", "10.0.0.1:443 (sni chat.example)".into())
        );
        let dns = DnsProbe {
            name: "nest.example.".into(),
            record_type: hickory_proto::rr::RecordType::CNAME,
            server: Some("1.1.1.1:53".parse().unwrap()),
            protocol: DnsProtocol::Tcp,
        };
        assert_eq!(
            with(Probe::Dns(dns)),
            ("dns", "nest.example. CNAME @1.1.1.1:53 over tcp".into())
        );
        let tcp = TcpProbe {
            host: "::1".into(),
            port: 22,
        };
        assert_eq!(with(Probe::Tcp(tcp)), ("tcp", "[::1]:22".into()));
        let cert = CertProbe {
            file: "pki/client.pem".into(),
            tls: TlsOptions::default(),
        };
        assert_eq!(with(Probe::Cert(cert)), ("cert", "pki/client.pem".into()));
    }

    #[test]
    fn secrets_never_appear_and_control_characters_are_escaped() {
        let secret = "s3cr3t-t0ken";
        let mut c = check("chat", &format!("chat/{secret}"), &format!("n {secret}"));
        c.tags = vec![secret.into()];
        c.probe = Probe::Http(http_probe(&format!("https://chat.example/?t={secret}")));
        let c = with_pending(c, &format!("reason {secret}"));
        let mut m = mismatch(secret, secret, &format!("{secret}\u{1b}[2J"));
        m.note = secret.into();
        let mut r = result(
            c,
            Outcome::Fail,
            vec![
                errored(ProbeErrorKind::Tls, &format!("alert {secret}")),
                failed(vec![m]),
            ],
        );
        r.message = format!("got {secret}");
        r.reproduce = format!("curl -H 'authorization: Bearer {secret}' https://chat.example/");
        let mut run = report(vec![r]);
        run.env = format!("env-{secret}");
        run.hostname = format!("host-{secret}");
        let json = JsonReport::from_run(&run, &secrets());
        let text = json.to_string_pretty().unwrap();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("[redacted:TOKEN]"), "{text}");
        assert!(!text.contains("\\u001b"), "{text}");
        assert_eq!(
            json.checks[0].attempts[1].mismatches[0].actual,
            "[redacted:TOKEN]\\x1b[2J"
        );
        let xml = junit_from_json(&json).unwrap();
        assert!(!xml.contains("s3cr3t"), "{xml}");
    }

    #[test]
    fn round_trip() {
        let json = json_of(&sample());
        let text = json.to_string_pretty().unwrap();
        assert!(text.ends_with("}\n"));
        let back = JsonReport::parse(&text, Path::new("reports/report.json")).unwrap();
        assert_eq!(back, json);

        let mut with_baseline = json.clone();
        with_baseline.baseline = Some(super::super::baseline::compare(&json, &json));
        let text = with_baseline.to_string_pretty().unwrap();
        assert_eq!(
            JsonReport::parse(&text, Path::new("r.json")).unwrap(),
            with_baseline
        );
    }

    #[test]
    fn a_minimal_hand_written_report_parses() {
        let text = r#"{"schema_version": 1, "conform_version": "0.1.0", "env": "prod",
            "started": "2026-11-24T02:00:00+01:00", "duration_seconds": 1,
            "summary": {"passed": 1, "failed": 0, "errors": 0, "pending": 0, "fixed": 0,
                        "not_run": 0, "flaky": 0, "exit_code": 0},
            "checks": [{"id": "a/b", "name": "b", "suite": "a", "outcome": "pass",
                        "some_later_field": true}]}"#;
        let report = JsonReport::parse(text, Path::new("old.json")).unwrap();
        assert_eq!(report.checks[0].outcome, JsonOutcome::Pass);
        assert_eq!(report.baseline, None);
        assert_eq!(
            rfc3339::text(report.started),
            "2026-11-24T01:00:00Z",
            "times are written in UTC"
        );
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let err = |text: &str| JsonReport::parse(text, Path::new("reports/x.json")).unwrap_err();
        let garbage = err("<testsuites/>");
        assert!(
            garbage.starts_with("reports/x.json: not a conform JSON report: not JSON ("),
            "{garbage}"
        );
        assert_eq!(
            err("[1]"),
            "reports/x.json: not a conform JSON report: expected an object, found an array"
        );
        assert_eq!(
            err(r#"{"env": "prod"}"#),
            "reports/x.json: not a conform JSON report: it has no schema_version"
        );
        assert_eq!(
            err(r#"{"schema_version": 2, "whatever": []}"#),
            "reports/x.json was written by a newer conform (schema 2); this conform reads \
             schema 1"
        );
        assert_eq!(
            err(r#"{"schema_version": "1"}"#),
            "reports/x.json: schema_version must be a whole number, found \"1\""
        );
        assert_eq!(
            err(r#"{"schema_version": 0}"#),
            "reports/x.json: unknown schema_version 0; this conform reads schema 1"
        );
        let mut value = serde_json::to_value(json_of(&sample())).unwrap();
        value["checks"][0]["outcome"] = json!("exploded");
        let bad = err(&value.to_string());
        assert!(
            bad.starts_with(
                "reports/x.json: not a valid conform JSON report: unknown variant `exploded`"
            ),
            "{bad}"
        );
        value["checks"][0]["outcome"] = json!("fail");
        value["started"] = json!("yesterday");
        let bad = err(&value.to_string());
        assert!(bad.contains("`yesterday` is not an RFC 3339 time"), "{bad}");
    }

    fn shard(results: Vec<CheckResult>, started_minute: u8, millis: u64) -> JsonReport {
        let mut run = report(results);
        run.started = run.started.replace_minute(started_minute).unwrap();
        run.duration = Duration::from_millis(millis);
        run.hostname = format!("runner-{started_minute}");
        json_of(&run)
    }

    fn pass(suite: &str, id: &str, line: u32) -> CheckResult {
        let mut c = check(suite, id, id);
        c.line = line;
        result(c, Outcome::Pass, vec![passed()])
    }

    #[test]
    fn merge_combines_shards() {
        let mut flaky = pass("nest", "nest/up", 4);
        flaky.flaky = true;
        let error = result(
            check("nest", "nest/api", "api"),
            Outcome::Error,
            vec![errored(ProbeErrorKind::Refused, "refused")],
        );
        let one = shard(
            vec![pass("chat", "chat/b", 9), error, pending_waf()],
            5,
            900,
        );
        let two = shard(vec![flaky, pass("chat", "chat/a", 12)], 2, 1500);
        let merged = merge(vec![one, two]).unwrap();
        let ids: Vec<&str> = merged.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["chat/waf", "chat/b", "chat/a", "nest/api", "nest/up"]);
        assert_eq!(
            merged.summary,
            JsonSummary {
                passed: 3,
                pending: 1,
                errors: 1,
                flaky: 1,
                exit_code: 3,
                ..JsonSummary::default()
            }
        );
        assert_eq!(rfc3339::text(merged.started), "2026-05-01T12:02:00Z");
        assert_eq!(merged.duration_seconds, 1.5);
        assert_eq!(merged.hostname, "runner-5, runner-2");
        assert_eq!(merged.conform_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(merged.env, "prod");

        let fixed = shard(vec![fixed_new()], 1, 1);
        assert_eq!(merge(vec![merged, fixed]).unwrap().summary.exit_code, 1);
    }

    #[test]
    fn merge_refuses_overlaps_other_environments_and_nothing() {
        let one = shard(vec![pass("chat", "chat/a", 1)], 1, 1);
        let two = shard(vec![pass("chat", "chat/b", 2)], 1, 1);
        let again = shard(
            vec![pass("dns", "dns/a", 2), pass("chat", "chat/a", 1)],
            1,
            1,
        );
        assert_eq!(
            merge(vec![one.clone(), two.clone(), again]).unwrap_err(),
            "check chat/a is in report 1 and report 3: were the shards' --shard K/N \
             different, or a report given twice?"
        );
        let mut staging = two;
        staging.env = "staging".into();
        assert_eq!(
            merge(vec![one, staging]).unwrap_err(),
            "cannot merge reports of different environments: report 1 is prod, report 2 is \
             staging"
        );
        assert_eq!(merge(vec![]).unwrap_err(), "no reports to merge");
    }

    #[test]
    fn merge_drops_shard_baselines() {
        let mut one = shard(vec![pass("chat", "chat/a", 1)], 1, 1);
        one.baseline = Some(super::super::baseline::compare(&one, &one));
        assert_eq!(merge(vec![one]).unwrap().baseline, None);
    }

    #[test]
    fn junit_from_a_merge_names_every_suite_once() {
        let one = shard(vec![pass("chat", "chat/b", 9)], 1, 1);
        let two = shard(
            vec![pass("nest", "nest/a", 1), pass("chat", "chat/a", 3)],
            1,
            1,
        );
        let xml = junit_from_json(&merge(vec![one, two]).unwrap()).unwrap();
        let doc = Document::parse(&xml).unwrap();
        let suites: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.is_element())
            .map(|s| (s.attribute("name").unwrap(), s.attribute("tests").unwrap()))
            .collect();
        assert_eq!(suites, [("chat", "2"), ("nest", "1")]);
        let nest_a = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("nest/a"));
        assert_eq!(nest_a.unwrap().attribute("classname"), Some("prod.nest"));
    }
}
