//! The JUnit XML report: a `<testsuite>` per suite, a `<testcase>` per
//! check. It is built from a [`JsonReport`], so a run and a merge of shards make the same
//! XML; quick-junit writes it. Text reaches it redacted and printable (made printable again
//! here, for a hand-edited report), so the file is valid whatever bytes a server sent.

use super::detail::{clean, printable};
use super::json::{JsonCheck, JsonReport};
use crate::config::model::Secrets;
use crate::run::{Note, Outcome, RunReport, StopReason};
use chrono::{DateTime, FixedOffset};
use details::{attempt_summary, detail_lines};
use indexmap::IndexMap;
use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};
use std::time::Duration;
use time::OffsetDateTime;

/// How long a one-line attempt summary may grow before it is cut (as in `detail.rs`).
const SUMMARY_MAX: usize = 300;

/// Which JUnit dialect to write. JUnit XML has no single standard: most readers (GitLab,
/// GitHub test reporters, Buildkite, nextest-style tools) take any attribute, while Jenkins'
/// xUnit plugin and other strict readers validate against a schema and reject a file with
/// one attribute too many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JunitFlavor {
    /// Everything conform knows: [`RICH_ONLY_ATTRIBUTES`] on top of the portable file.
    #[default]
    Rich,
    /// Valid against the Jenkins xUnit schema (junit-10.xsd): the same elements, text and
    /// counts, without [`RICH_ONLY_ATTRIBUTES`]. A check that did not pass still says where
    /// it is defined in the first line of its `<failure>`, `<error>` or `<skipped>` text.
    Portable,
}

impl JunitFlavor {
    pub const NAMES: [&str; 2] = ["rich", "portable"];

    pub fn name(self) -> &'static str {
        match self {
            JunitFlavor::Rich => "rich",
            JunitFlavor::Portable => "portable",
        }
    }
}

impl std::str::FromStr for JunitFlavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rich" => Ok(JunitFlavor::Rich),
            "portable" => Ok(JunitFlavor::Portable),
            other => Err(format!(
                "unknown JUnit flavor `{other}`: expected rich or portable"
            )),
        }
    }
}

/// `(element, attribute)` pairs that only the rich flavor writes, none of which the xUnit
/// schema allows: the run's start and skipped count on `<testsuites>`, where each check is
/// defined, and how long each earlier attempt took.
pub const RICH_ONLY_ATTRIBUTES: &[(&str, &str)] = &[
    ("testsuites", "skipped"),
    ("testsuites", "timestamp"),
    ("testcase", "file"),
    ("testcase", "line"),
    ("rerunFailure", "time"),
    ("rerunError", "time"),
    ("flakyFailure", "time"),
    ("flakyError", "time"),
];

/// The run as JUnit XML in the rich flavor, secrets redacted.
pub fn junit_xml(report: &RunReport, secrets: &Secrets) -> Result<String, String> {
    junit_xml_flavored(report, secrets, JunitFlavor::Rich)
}

/// The run as JUnit XML in the given flavor, secrets redacted.
pub fn junit_xml_flavored(
    report: &RunReport,
    secrets: &Secrets,
    flavor: JunitFlavor,
) -> Result<String, String> {
    junit_xml_with(report, secrets, flavor, &[])
}

/// As [`junit_xml_flavored`], with more `<properties>` on every suite (what changed since a
/// baseline, for one): [`junit_from_json_with`] over the run's JSON report.
pub fn junit_xml_with(
    report: &RunReport,
    secrets: &Secrets,
    flavor: JunitFlavor,
    extra_properties: &[(String, String)],
) -> Result<String, String> {
    let extra: Vec<(String, String)> = extra_properties
        .iter()
        .map(|(name, value)| (name.clone(), clean(secrets, value)))
        .collect();
    junit_from_json_with(&JsonReport::from_run(report, secrets), flavor, &extra)
}

/// The report as JUnit XML in the rich flavor, laid out as [`junit_xml`] lays
/// out a run (README, "JUnit layout"): for a report made by [`JsonReport::from_run`] the two are
/// the same XML.
pub fn junit_from_json(report: &JsonReport) -> Result<String, String> {
    junit_from_json_with(report, JunitFlavor::Rich, &[])
}

/// The report as JUnit XML in the given flavor, with more `<properties>` on every suite.
/// Its text is made printable again, so a hand-edited report still makes valid XML.
pub fn junit_from_json_with(
    report: &JsonReport,
    flavor: JunitFlavor,
    extra_properties: &[(String, String)],
) -> Result<String, String> {
    let mut xml = Vec::new();
    JunitSource {
        report,
        flavor,
        extra: extra_properties,
    }
    .write(&mut xml)
    .map_err(|e| e.to_string())?;
    String::from_utf8(xml).map_err(|e| format!("cannot build the JUnit report: {e}"))
}

/// The root `<testsuites>` without its suites: conform's name, the run's time and (rich) start.
fn root(report: &JsonReport, rich: bool) -> Report {
    let mut junit = Report::new("conform");
    junit.set_time(duration(report.duration_seconds));
    if let Some(started) = timestamp(report.started)
        && rich
    {
        junit.set_timestamp(started);
    }
    junit
}

/// The checks of each suite, suites in the order they first appear.
fn suites(report: &JsonReport) -> IndexMap<&str, Vec<&JsonCheck>> {
    let mut suites: IndexMap<&str, Vec<&JsonCheck>> = IndexMap::new();
    for check in &report.checks {
        suites.entry(&check.suite).or_default().push(check);
    }
    suites
}

/// One suite's `<testsuite>`, a `<testcase>` per check.
fn check_suite(
    suite: &str,
    checks: &[&JsonCheck],
    report: &JsonReport,
    rich: bool,
    extra_properties: &[(String, String)],
) -> TestSuite {
    let mut test_suite = suite_of(text(suite), report, extra_properties);
    test_suite.set_time(
        checks
            .iter()
            .map(|c| duration(c.duration_seconds))
            .sum::<Duration>(),
    );
    let classname = text(&format!("{}.{suite}", report.env));
    for check in checks {
        test_suite.add_test_case(test_case(check, &classname, rich));
    }
    test_suite
}

/// A `<testsuite>` with what every suite carries: the run's start, the host, and as
/// properties the env, conform's version and `extra_properties`.
fn suite_of(name: String, report: &JsonReport, extra_properties: &[(String, String)]) -> TestSuite {
    let mut suite = TestSuite::new(name);
    if let Some(started) = timestamp(report.started) {
        suite.set_timestamp(started);
    }
    suite
        .extra
        .insert("hostname".into(), text(&report.hostname).into());
    suite.add_property(("env", text(&report.env).as_str()));
    suite.add_property(("conform.version", text(&report.conform_version).as_str()));
    // Under `--at`: the moment the run judged as of, and WHEN as given.
    if let (Some(given), Some(at)) = (&report.at, report.evaluated_at) {
        let at = super::json::rfc3339::text(at);
        suite.add_property(("conform.evaluated_at", at.as_str()));
        suite.add_property(("conform.at", text(given).as_str()));
    }
    for (name, value) in extra_properties {
        suite.add_property((name.as_str(), text(value).as_str()));
    }
    suite
}

/// A check's `<testcase>`; `rich` adds where it is defined and each earlier try's duration.
fn test_case(check: &JsonCheck, classname: &str, rich: bool) -> TestCase {
    let details = || xml_safe(&detail_lines(check).join("\n"));
    let last = check.attempts.last();
    let status = match case_kind(check.outcome) {
        Some(CaseKind::NonSuccess(kind)) => {
            let ty = match (check.outcome, last.and_then(|a| a.error.as_ref())) {
                (Outcome::Error, Some(e)) => e.kind.to_string(),
                (outcome, _) => outcome.as_str().into(),
            };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_message(one_line(&headline(check)))
                .set_type(text(&ty))
                .set_description(details())
                .set_rerun_kind(FlakyOrRerun::Rerun)
                .add_reruns(earlier_attempts(check, rich));
            status
        }
        Some(CaseKind::Skipped) if check.outcome == Outcome::Pending => {
            let reason = check.pending_reason.as_deref().unwrap_or("");
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(one_line(&format!("pending: {reason}")))
                .set_description(details());
            status
        }
        Some(CaseKind::Skipped) => {
            let mut status = TestCaseStatus::skipped();
            // A report that does not say why (a hand-written one) reads as `--fail-fast`'s.
            let message = if check.message.is_empty() {
                Note::NotRun(StopReason::FailFast).to_string()
            } else {
                check.message.clone()
            };
            status.set_message(one_line(&message));
            status
        }
        None => {
            let mut status = TestCaseStatus::success();
            status.add_reruns(earlier_attempts(check, rich));
            status
        }
    };
    let mut case = TestCase::new(text(&check.name), status);
    case.set_classname(classname)
        .set_time(duration(check.duration_seconds));
    if rich {
        case.extra.insert("file".into(), text(&check.file).into());
        case.extra
            .insert("line".into(), check.line.to_string().into());
    }
    // Why the check ran when it was not selected, then how a flaky one passed.
    let mut out = Vec::new();
    if !check.needed_by.is_empty() {
        out.push(text(&format!("needed by {}", check.needed_by.join(", "))));
    }
    if check.flaky {
        out.push(format!(
            "flaky: passed on attempt {} of {}\n{}",
            check.attempts.len(),
            u64::from(check.retries) + 1,
            details()
        ));
    }
    if !out.is_empty() {
        case.set_system_out(out.join("\n"));
    }
    case
}

/// How a check's `<testcase>` counts, when it did not pass: what quick-junit counts on each
/// suite and on the root, so that the root can be written before any suite is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaseKind {
    /// `<failure>` (`fail`, `fixed`) or `<error>` (`error`).
    NonSuccess(NonSuccessKind),
    /// `<skipped>`: `pending`, `not_run`.
    Skipped,
}

/// `None` for a pass: every outcome that fails the run is a failure or an error.
fn case_kind(outcome: Outcome) -> Option<CaseKind> {
    match outcome {
        Outcome::Error => Some(CaseKind::NonSuccess(NonSuccessKind::Error)),
        outcome if outcome.fails_run() => Some(CaseKind::NonSuccess(NonSuccessKind::Failure)),
        Outcome::Pending | Outcome::NotRun => Some(CaseKind::Skipped),
        _ => None,
    }
}

/// The one-line reason a check did not pass, even when the message is empty.
fn headline(check: &JsonCheck) -> String {
    if !check.message.is_empty() {
        return check.message.clone();
    }
    let last = check.attempts.last();
    if let Some(error) = last.and_then(|a| a.error.as_ref()) {
        return error.message.clone();
    }
    if let Some(mismatch) = last.and_then(|a| a.mismatches.first()) {
        return mismatch.to_string();
    }
    match check.outcome {
        Outcome::Fixed => Note::Fixed.to_string(),
        outcome => outcome.label().to_string(),
    }
}

/// The tries before the last, as `<flakyFailure>` (the check passed) or `<rerunFailure>`;
/// `timed` adds each one's duration (rich flavor only).
fn earlier_attempts(check: &JsonCheck, timed: bool) -> Vec<TestRerun> {
    let earlier = check.attempts.len().saturating_sub(1);
    check.attempts[..earlier]
        .iter()
        .enumerate()
        .map(|(i, attempt)| {
            let (kind, ty) = match &attempt.error {
                Some(error) if attempt.outcome == Outcome::Error => {
                    (NonSuccessKind::Error, error.kind.to_string())
                }
                _ => (NonSuccessKind::Failure, Outcome::Fail.as_str().into()),
            };
            let mut rerun = TestRerun::new(kind);
            rerun
                .set_type(text(&ty))
                .set_message(xml_safe(&attempt_summary(i + 1, attempt)));
            if timed {
                rerun.set_time(duration(attempt.duration_seconds));
            }
            rerun
        })
        .collect()
}

/// Printable text for an attribute or element.
fn text(raw: &str) -> String {
    xml_safe(&printable(raw))
}

fn one_line(raw: &str) -> String {
    text(raw).replace('\n', " ")
}

/// quick-junit drops tabs along with other control characters; keep the spacing.
fn xml_safe(printable: &str) -> String {
    printable.replace('\t', "    ")
}

fn duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or_default()
}

fn timestamp(t: OffsetDateTime) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(t.offset().whole_seconds())?;
    let utc = DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond())?;
    Some(utc.with_timezone(&offset))
}

mod details;
mod load;
mod stream;
#[cfg(test)]
mod tests;

pub use load::LOAD_CLASSNAME;
pub use stream::JunitSource;
