//! The JSON report: a stable, documented record of a run that machines read back (`conform
//! merge`, `--baseline`) and people query (`jq`).
//!
//! # The JSON report, schema 3
//!
//! `conform run --json FILE` (default `reports/report.json`) writes one object:
//!
//! ```json
//! {
//!   "schema_version": 3,
//!   "conform_version": "0.1.0",
//!   "env": "prod",
//!   "started": "2026-11-24T02:00:00Z",
//!   "evaluated_at": "2026-11-24T02:00:00Z",
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
//!           "mismatches": [ { "field": "status", "expected": "302", "actual": "200", "note": "" } ],
//!           "observed": { "status": 200, "content_type": "text/html", "server": "nginx",
//!                         "final_url": "https://chat.thephenom.app/" } }
//!       ] }
//!   ],
//!   "baseline": null,
//!   "selection": { "shard": { "index": 1, "count": 3 },
//!                  "filters": { "tags": ["nightly"], "skip_tags": [], "only": [], "suites": [] },
//!                  "checks": 41, "sha256": "9f2c…" },
//!   "load_errors": []
//! }
//! ```
//!
//! Top level:
//!
//! - `schema_version`: `3`. A reader refuses a report whose schema is newer than its own;
//!   fields may be added within a schema, so readers should ignore fields they do not know.
//!   Schema 2 added `selection` and `load_errors`: a reader of schema 1 would take the
//!   report of a run that stopped on load errors for a run of no checks. Schema 3 added
//!   `observed` to the attempts of every kind and `baseline.changed`. This conform reads
//!   schema 1 and 2 reports too (as `--baseline`, without `changed`; `merge` needs the
//!   `selection` of schema 2). `conform schema --report` prints the JSON Schema of this one.
//! - `conform_version`: the conform that ran the checks (a merge of shards run by different
//!   versions lists each, comma-separated).
//! - `env`: the environment's name. `hostname`: the machine that ran the checks (a merge lists
//!   each shard's, comma-separated).
//! - `started`: when the run started, RFC 3339 in UTC. `duration_seconds`: its wall time.
//! - `evaluated_at`: the moment `expires_in`, `chain_expires_in` and pending `until` were
//!   judged at, RFC 3339 in UTC: `started`, or under `--at WHEN` that moment, with `at`, WHEN
//!   as given (`at` is written only under `--at`; a reader takes a missing `evaluated_at` as
//!   unknown).
//! - `summary`: how many checks ended in each outcome, how many were flaky, and the run's exit
//!   code (2 if the run stopped on load errors, else 1 if any check failed or is fixed, else 3
//!   if any errored, else 0).
//! - `checks`: one object per check, in the order the run planned them (a merge sorts them by
//!   suite, file and line).
//! - `baseline`: `null`, or what changed since the `--baseline` report (below).
//! - `selection`: what the run selected, so that `conform merge` can tell a whole set of
//!   shards from a partial or mixed one; `null` when the run stopped before selecting.
//!   `shard`: `{ "index": K, "count": N }` for `--shard K/N`, `null` for a whole run.
//!   `filters`: `tags`, `skip_tags`, `only` and `suites` as given. `checks`: how many checks
//!   the filters selected, all shards together. `sha256`: lower-case hex SHA-256 of the
//!   selected ids (as the report writes them), sorted, each followed by a newline. A merge
//!   writes the common selection with `shard: null`, and `missing_shards` (`[{ "index",
//!   "count" }]`) when `--allow-partial` merged a set with shards missing.
//! - `load_errors`: why the run stopped before probing (exit 2); empty for a run that probed.
//!   Each has `file`, `line` and `column` (`null` when no file is at fault: a selection that
//!   selects nothing, a baseline that cannot be read, reports that cannot be merged),
//!   `message` (what is wrong) and `expected` (what was expected, or how to fix it; may be
//!   empty). Such a report has no checks and exit code 2; `merge` and `--baseline` refuse it.
//!
//! Per check:
//!
//! - `id`, `name`, `suite`, `file` (as given under `--dir`), `line` (where the check starts),
//!   `tags`. `claims`: the ids of the claims of `claims.yaml` the check verifies (absent when
//!   it names none).
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
//!   `timeout`, `dns`, `refused`, `connect`, `tls`, `protocol`, `unset`, `needs` (a check
//!   it needs did not pass: not probed), `proxy` (the
//!   proxy failed, or the check asks what a proxy cannot do), `internal` (conform
//!   failed inside the check); and `certificate`,
//!   the server's certificate did not verify, on an attempt whose outcome is `fail`) and
//!   `mismatches` (each expectation that did not hold: `field`, `expected`, `actual`, `note`,
//!   the note empty when there is none). `addresses` (`addresses: all` only): each address
//!   and its outcome. `observed`: what the try saw, when it got an answer (below).
//!
//! `observed` of an attempt: a small, stable set of facts, each left out when the try did not
//! see it; every string redacted, on one line (control characters escaped) and capped at 300
//! characters. Nothing that changes on every run by nature (a `Date` header, a body, timings).
//!
//! - http: `status`; `location`, `content_type`, `server`: the final response's headers;
//!   `final_url`; `leaf` over https.
//! - tls: `version` (`1.2`, `1.3`), `alpn`, `handshake` (`accepted`, `rejected` by the server,
//!   `refused` by this client), `alert` (the server's, on a rejection), `leaf`,
//!   `chain_not_after` (the earliest `notAfter` of the chain presented).
//! - cert: `leaf` and `chain_not_after` of the file.
//! - `leaf`: `subject`, `issuer`, `san` (list), `not_after` (RFC 3339), `fingerprint_sha256`
//!   and `serial` (lower-case hex); absent when no certificate was presented or it does not
//!   parse.
//! - dns: `rcode`, `answers` (the records of the asked type as dig prints their data,
//!   sorted), `ttl` (the smallest of their TTLs).
//! - tcp: `connect` (`accepted`, `refused`, `timeout`), `received` (what a dialogue read).
//!
//! `baseline`, with `--baseline FILE`: `file` and `started` of the baseline report, then lists
//! of check ids: `newly_failing` (was pass or pending, now fail, error or fixed),
//! `newly_passing` (was fail, error or fixed, now pass), `newly_flaky` (flaky now, not in the
//! baseline), `new_checks` (not in the baseline), `removed_checks` (only in the baseline), and
//! `still_failing`, a count of checks failing in both; and `changed`: the checks in both whose
//! outcome is the same and whose last try's `observed` differs, as `[{ "id", "facts": { NAME:
//! { "before", "after" } } }]`, NAME dotted (`leaf.fingerprint_sha256`), a value `null` where
//! that try did not see the fact. `ttl` (a caching resolver counts it down) and `received` (a
//! greeting often carries the server's clock) are not compared. `changed` is `null` when the
//! baseline is of schema 1 or 2, which has no `observed`.
//!
//! Every string has `${secret:..}` values replaced by `[redacted:NAME]`, and control
//! characters other than newline and tab escaped as text (`\x1b`), so a value a server sent
//! cannot drive the terminal of whoever prints it.

use crate::probe::ProbeErrorKind;
use crate::run::Outcome;
use baseline::BaselineDiff;
use serde::{Deserialize, Serialize};
use std::path::Path;
use time::OffsetDateTime;

/// The schema this conform writes. It reads this one, schema 2 (no `observed` but tcp's) and
/// schema 1 (no `selection`, no `load_errors`).
pub const SCHEMA_VERSION: u32 = 3;

/// The oldest schema this conform reads.
const OLDEST_SCHEMA_VERSION: u32 = 1;

/// A whole run, as the JSON report holds it. See the module documentation for the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonReport {
    pub schema_version: u32,
    pub conform_version: String,
    pub env: String,
    #[serde(with = "rfc3339")]
    pub started: OffsetDateTime,
    /// The moment time-dependent expectations were judged at: `--at`'s, else `started`;
    /// `None` only in reports written before it existed.
    #[serde(default, with = "rfc3339::option")]
    pub evaluated_at: Option<OffsetDateTime>,
    /// `--at` as given (`+30d`), when the run judged as of another moment than its start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub duration_seconds: f64,
    #[serde(default)]
    pub hostname: String,
    pub summary: JsonSummary,
    pub checks: Vec<JsonCheck>,
    /// What changed since `--baseline`, when one was given.
    #[serde(default)]
    pub baseline: Option<BaselineDiff>,
    /// The signal that stopped the run early (`SIGINT`, `SIGTERM`); the checks it cut short
    /// are `not_run`. Written only when it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// What the run selected and which shard of it it ran; `null` when the run stopped before
    /// selecting (and in reports of schema 1).
    #[serde(default)]
    pub selection: Option<JsonSelection>,
    /// Why the run stopped before probing (exit 2); empty for a run that probed.
    #[serde(default)]
    pub load_errors: Vec<JsonLoadError>,
    /// How `run --until-pass` or `run --watch` repeated the run; written only by those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<JsonRounds>,
}

/// The rounds of `run --until-pass` or `run --watch`: each check's entry in `checks` is its
/// state after the last round it ran in, and its `rounds` list every round it ran in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonRounds {
    /// `until_pass` or `watch`.
    pub mode: String,
    /// How many rounds ran (the first one included).
    pub count: u32,
    /// The wait from the start of one round to the start of the next.
    pub interval_seconds: f64,
    /// `--deadline` of `--until-pass`; absent under `--watch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_seconds: Option<f64>,
}

/// One round a check ran in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonRound {
    /// 1 for the first round.
    pub round: u32,
    /// The check's outcome in that round.
    pub outcome: Outcome,
    /// When the round started, in seconds after the run's `started`.
    pub at_seconds: f64,
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
    /// The claims of `claims.yaml` the check verifies; absent when it names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<String>,
    #[serde(default)]
    pub probe: String,
    #[serde(default)]
    pub target: String,
    pub outcome: Outcome,
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
    /// Under `run --until-pass` and `run --watch`: every round the check ran in, in order
    /// (its last one is the state above); absent from a single run's report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<JsonRound>,
    /// Run only because these selected checks need it (`needs:`); absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needed_by: Vec<String>,
}

/// One try of a check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonAttempt {
    /// `pass`, `fail` or `error`: before `pending` is applied.
    pub outcome: Outcome,
    #[serde(default)]
    pub duration_seconds: f64,
    #[serde(default)]
    pub error: Option<JsonError>,
    #[serde(default)]
    pub mismatches: Vec<JsonMismatch>,
    /// `addresses: all`: each address probed and its outcome; absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<JsonAddress>,
    /// What the probe saw: the kind's facts (see the module documentation); absent when the
    /// try got no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<JsonObserved>,
}

/// One address of an `addresses: all` try.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonAddress {
    /// `127.0.0.2:443`, `[::1]:443`.
    pub address: String,
    /// `pass`, `fail` or `error`.
    pub outcome: Outcome,
}

/// Why a try got no answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonError {
    /// `timeout`, `dns`, `refused`, `connect`, `tls`, `certificate`, `protocol`, `unset`,
    /// `needs`, `proxy` or `internal`.
    pub kind: ProbeErrorKind,
    pub message: String,
}

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonMismatch {
    pub field: String,
    pub expected: String,
    pub actual: String,
    /// Empty when the expected and actual values say it all ([`Self::note`] reads it).
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
        if let Some(note) = self.note() {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}

impl JsonMismatch {
    /// The note, if there is one: the report writes `""` for none, so that the schema keeps
    /// a plain string.
    pub fn note(&self) -> Option<&str> {
        (!self.note.is_empty()).then_some(self.note.as_str())
    }
}

impl JsonReport {
    /// Pretty-printed JSON, ending with a newline.
    pub fn to_string_pretty(&self) -> Result<String, String> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| format!("cannot write the JSON report: {e}"))?;
        text.push('\n');
        Ok(text)
    }

    /// The text of [`JsonReport::to_string_pretty`], written to `out` as it is made: a large
    /// run's report (several MiB) is never held whole in memory.
    pub fn write_pretty(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
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
        if version < u64::from(OLDEST_SCHEMA_VERSION) {
            return Err(format!(
                "{what}: unknown schema_version {version}; this conform reads schema \
                 {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}"
            ));
        }
        serde_json::from_str(text)
            .map_err(|e| format!("{what}: not a valid conform JSON report: {e}"))
    }

    /// The run's exit code (README, "Command line"), from the checks; 2 for a run that stopped on
    /// load errors.
    pub fn exit_code(&self) -> i32 {
        if self.load_errors.is_empty() {
            summarize(&self.checks).exit_code
        } else {
            2
        }
    }
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

pub mod baseline;
mod from_run;
mod load_errors;
mod merge;
mod observed;
/// RFC 3339 timestamps, as serde fields.
pub(crate) mod rfc3339;
mod schema;
mod selection;
mod shard_set;
mod summary;
#[cfg(test)]
pub(crate) mod tests;

pub use load_errors::JsonLoadError;
pub use merge::merge;
pub use observed::{JsonLeaf, JsonObserved};
pub use schema::report_schema;
pub use selection::{JsonFilters, JsonSelection, JsonShard, fingerprint};
pub use shard_set::{ShardSet, check_set, holds_the_selection};
use summary::summarize;
