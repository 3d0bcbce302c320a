//! The JUnit XML report: a `<testsuite>` per suite, a `<testcase>` per
//! check. It is built from a [`JsonReport`], so a run and a merge of shards make the same
//! XML; quick-junit writes it. Text reaches it redacted and printable (made printable again
//! here, for a hand-edited report), so the file is valid whatever bytes a server sent.

use super::detail::{clean, printable};
use super::json::{JsonAttempt, JsonCheck, JsonReport};
use crate::config::model::Secrets;
use crate::run::{Note, Outcome, RunReport, StopReason};
use chrono::{DateTime, FixedOffset};
use indexmap::IndexMap;
use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};
use std::fmt::Write as _;
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
    let rich = flavor == JunitFlavor::Rich;
    let xml = junit_document(report, flavor, extra_properties)
        .to_string()
        .map_err(|e| format!("cannot build the JUnit report: {e}"))?;
    Ok(if rich { xml } else { without_root_skipped(xml) })
}

/// The JUnit document of `report`, which the rich flavor writes to its file as it is
/// serialized (the text of 10,000 test cases is never made whole in memory);
/// [`junit_from_json_with`] makes its text.
pub fn junit_document(
    report: &JsonReport,
    flavor: JunitFlavor,
    extra_properties: &[(String, String)],
) -> Report {
    let rich = flavor == JunitFlavor::Rich;
    let started = timestamp(report.started);
    let mut junit = Report::new("conform");
    junit.set_time(duration(report.duration_seconds));
    if let Some(started) = started
        && rich
    {
        junit.set_timestamp(started);
    }
    let mut suites: IndexMap<&str, Vec<&JsonCheck>> = IndexMap::new();
    for check in &report.checks {
        suites.entry(&check.suite).or_default().push(check);
    }
    for (suite, checks) in suites {
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
        junit.add_test_suite(test_suite);
    }
    if let Some(load_errors) = load::load_error_suite(report, rich, extra_properties) {
        junit.add_test_suite(load_errors);
    }
    junit
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

/// quick-junit always writes `skipped` on `<testsuites>`, which the xUnit schema does not
/// allow there (it does on each `<testsuite>`). The root tag holds only conform's name and
/// numbers, so the attribute is cut from the text of that one tag.
fn without_root_skipped(xml: String) -> String {
    const ATTRIBUTE: &str = " skipped=\"";
    let cut = || {
        let start = xml.find("<testsuites")?;
        let tag = &xml[start..start + xml[start..].find('>')?];
        let at = tag.find(ATTRIBUTE)?;
        let value = tag[at + ATTRIBUTE.len()..].find('"')?;
        Some((start + at, start + at + ATTRIBUTE.len() + value + 1))
    };
    match cut() {
        Some((from, to)) => format!("{}{}", &xml[..from], &xml[to..]),
        None => xml,
    }
}

/// A check's `<testcase>`; `rich` adds where it is defined and each earlier try's duration.
fn test_case(check: &JsonCheck, classname: &str, rich: bool) -> TestCase {
    let details = || xml_safe(&detail_lines(check).join("\n"));
    let last = check.attempts.last();
    let status = match check.outcome {
        outcome if outcome.fails_run() => {
            let (kind, ty) = match (check.outcome, last.and_then(|a| a.error.as_ref())) {
                (Outcome::Error, Some(e)) => (NonSuccessKind::Error, e.kind.to_string()),
                (Outcome::Error, None) => (NonSuccessKind::Error, Outcome::Error.as_str().into()),
                (outcome, _) => (NonSuccessKind::Failure, outcome.as_str().into()),
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
        Outcome::Pending => {
            let reason = check.pending_reason.as_deref().unwrap_or("");
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(one_line(&format!("pending: {reason}")))
                .set_description(details());
            status
        }
        Outcome::NotRun => {
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
        // A pass: every outcome that fails the run is a failure or an error above.
        _ => {
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
    if check.flaky {
        case.set_system_out(format!(
            "flaky: passed on attempt {} of {}\n{}",
            check.attempts.len(),
            u64::from(check.retries) + 1,
            details()
        ));
    }
    case
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

/// The detail block of a check, as [`super::detail::detail_lines`] writes it for a result.
fn detail_lines(check: &JsonCheck) -> Vec<String> {
    let mut lines = vec![printable(&format!("at {}:{}", check.file, check.line))];
    let last = check.attempts.last();
    let error_message = last.and_then(|a| a.error.as_ref()).map(|e| &e.message);
    // The one-line message of a mismatch says what its block below says: shown once, and
    // only what the message adds is kept.
    let message = match last.and_then(|a| a.mismatches.first().map(|m| (m, a.mismatches.len()))) {
        Some((first, count)) => super::detail::beyond_mismatches(
            &check.message,
            (&first.field, &first.expected, &first.actual),
            count,
        ),
        None => check.message.as_str(),
    };
    if !message.is_empty()
        && Some(&check.message) != error_message
        && !matches!(check.outcome, Outcome::Fixed | Outcome::Pending)
    {
        push_text(&mut lines, "", &printable(message));
    }
    if let Some(last) = last {
        for m in &last.mismatches {
            lines.push(printable(&m.field).replace('\n', " "));
            push_text(&mut lines, "  expected: ", &printable(&m.expected));
            push_text(&mut lines, "  actual:   ", &printable(&m.actual));
            if let Some(note) = m.note() {
                push_text(&mut lines, "  note:     ", &printable(note));
            }
        }
        if let Some(error) = &last.error {
            let head = format!(
                "{} ({}): ",
                last.outcome.label(),
                printable(&error.kind.to_string())
            );
            push_text(&mut lines, &head, &printable(&error.message));
        }
    }
    match check.outcome {
        Outcome::Pending => {
            let reason = check.pending_reason.as_deref().unwrap_or("");
            push_text(&mut lines, "pending: ", &printable(reason));
        }
        Outcome::Fixed => lines.push(Note::Fixed.to_string()),
        _ => {}
    }
    let earlier = check.attempts.len().saturating_sub(1);
    let last_why = last.map(attempt_why);
    for (i, attempt) in check.attempts[..earlier].iter().enumerate() {
        if last_why == Some(attempt_why(attempt)) && check.outcome != Outcome::Pass {
            lines.push(format!(
                "attempt {}: {}, the same as the last attempt",
                i + 1,
                attempt.outcome.label()
            ));
        } else {
            lines.push(attempt_summary(i + 1, attempt));
        }
    }
    if !check.reproduce.is_empty() {
        push_text(&mut lines, "reproduce: ", &printable(&check.reproduce));
    }
    lines
}

/// `attempt 1: fail (status: expected 302, got 200)`.
fn attempt_summary(number: usize, attempt: &JsonAttempt) -> String {
    let mut line = format!("attempt {number}: {}", attempt.outcome.label());
    if let Some(why) = attempt_why(attempt) {
        let why = printable(&why).replace('\n', "\\n");
        let shown = &why[..why.floor_char_boundary(SUMMARY_MAX)];
        let _ = write!(line, " ({shown}");
        if shown.len() < why.len() {
            line.push('…');
        }
        line.push(')');
    }
    line
}

/// Why an attempt did not pass, in one line; `None` when there is nothing to say (a pass).
fn attempt_why(attempt: &JsonAttempt) -> Option<String> {
    match &attempt.error {
        Some(error) => Some(format!("{}: {}", error.kind, error.message)),
        None if attempt.mismatches.is_empty() => None,
        None => {
            let parts: Vec<String> = attempt.mismatches.iter().map(|m| m.to_string()).collect();
            Some(parts.join("; "))
        }
    }
}

/// `head` then `text`, whose further lines are aligned under its first.
fn push_text(lines: &mut Vec<String>, head: &str, text: &str) {
    let pad = " ".repeat(head.chars().count());
    for (i, line) in text.split('\n').enumerate() {
        let prefix = if i == 0 { head } else { &pad };
        lines.push(format!("{prefix}{line}").trim_end().to_string());
    }
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

mod load;
#[cfg(test)]
mod tests;

pub use load::LOAD_CLASSNAME;
