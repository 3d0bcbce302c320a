//! The JUnit XML report (SPEC "JUnit layout"): a `<testsuite>` per suite, a `<testcase>` per
//! check. quick-junit writes the XML; text reaches it redacted and printable, so the file is
//! valid whatever bytes a server sent.

use super::detail::{FIXED_TEXT, attempt_summary, clean, detail_lines, flaky_note};
use crate::run::{Attempt, CheckResult, Outcome, RunReport};
use crate::spec::model::Secrets;
use chrono::{DateTime, FixedOffset};
use indexmap::IndexMap;
use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};
use std::time::Duration;

const NOT_RUN_TEXT: &str = "not run: stopped by --fail-fast";

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
/// baseline, for one).
pub fn junit_xml_with(
    report: &RunReport,
    secrets: &Secrets,
    flavor: JunitFlavor,
    extra_properties: &[(String, String)],
) -> Result<String, String> {
    let rich = flavor == JunitFlavor::Rich;
    let started = timestamp(report.started);
    let mut junit = Report::new("conform");
    junit.set_time(report.duration);
    if let Some(started) = started
        && rich
    {
        junit.set_timestamp(started);
    }
    let mut suites: IndexMap<&str, Vec<&CheckResult>> = IndexMap::new();
    for result in &report.results {
        suites.entry(&result.check.suite).or_default().push(result);
    }
    for (suite, results) in suites {
        let mut test_suite = TestSuite::new(text(secrets, suite));
        test_suite.set_time(results.iter().map(|r| r.duration).sum::<Duration>());
        if let Some(started) = started {
            test_suite.set_timestamp(started);
        }
        test_suite
            .extra
            .insert("hostname".into(), text(secrets, &report.hostname).into());
        test_suite.add_property(("env", text(secrets, &report.env).as_str()));
        test_suite.add_property(("conform.version", env!("CARGO_PKG_VERSION")));
        for (name, value) in extra_properties {
            test_suite.add_property((name.as_str(), text(secrets, value).as_str()));
        }
        let classname = text(secrets, &format!("{}.{suite}", report.env));
        for result in results {
            test_suite.add_test_case(test_case(result, &classname, secrets, flavor));
        }
        junit.add_test_suite(test_suite);
    }
    let xml = junit
        .to_string()
        .map_err(|e| format!("cannot build the JUnit report: {e}"))?;
    Ok(if rich { xml } else { without_root_skipped(xml) })
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

fn test_case(
    result: &CheckResult,
    classname: &str,
    secrets: &Secrets,
    flavor: JunitFlavor,
) -> TestCase {
    let rich = flavor == JunitFlavor::Rich;
    let check = &result.check;
    let details = || xml_safe(&detail_lines(result, secrets).join("\n"));
    let last = result.last_attempt();
    let status = match result.outcome {
        Outcome::Pass => {
            let mut status = TestCaseStatus::success();
            status.add_reruns(earlier_attempts(result, secrets, rich));
            status
        }
        Outcome::Fail | Outcome::Fixed | Outcome::Error => {
            let (kind, ty) = match result.outcome {
                Outcome::Fail => (NonSuccessKind::Failure, "fail".to_string()),
                Outcome::Fixed => (NonSuccessKind::Failure, "fixed".to_string()),
                _ => match last.and_then(|a| a.error.as_ref()) {
                    Some(e) => (NonSuccessKind::Error, e.kind.to_string()),
                    None => (NonSuccessKind::Error, "error".to_string()),
                },
            };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_message(one_line(secrets, &headline(result)))
                .set_type(ty)
                .set_description(details())
                .set_rerun_kind(FlakyOrRerun::Rerun)
                .add_reruns(earlier_attempts(result, secrets, rich));
            status
        }
        Outcome::Pending => {
            let reason = check.pending.as_ref().map_or("", |p| p.reason.as_str());
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(one_line(secrets, &format!("pending: {reason}")))
                .set_description(details());
            status
        }
        Outcome::NotRun => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(NOT_RUN_TEXT);
            status
        }
    };
    let mut case = TestCase::new(text(secrets, &check.name), status);
    case.set_classname(classname).set_time(result.duration);
    if rich {
        case.extra.insert(
            "file".into(),
            text(secrets, &check.file.display().to_string()).into(),
        );
        case.extra
            .insert("line".into(), check.line.to_string().into());
    }
    if let Some(note) = flaky_note(result) {
        case.set_system_out(format!("{note}\n{}", details()));
    }
    case
}

/// The one-line reason a check did not pass, even when the runner left `message` empty.
fn headline(result: &CheckResult) -> String {
    if !result.message.is_empty() {
        return result.message.clone();
    }
    let last = result.last_attempt();
    if let Some(error) = last.and_then(|a| a.error.as_ref()) {
        return error.message.clone();
    }
    if let Some(mismatch) = last.and_then(|a| a.mismatches.first()) {
        return mismatch.to_string();
    }
    match result.outcome {
        Outcome::Fixed => FIXED_TEXT.to_string(),
        outcome => outcome.label().to_string(),
    }
}

/// The tries before the last, as `<flakyFailure>` (the check passed) or `<rerunFailure>`;
/// `timed` adds each one's duration (rich flavor only).
fn earlier_attempts(result: &CheckResult, secrets: &Secrets, timed: bool) -> Vec<TestRerun> {
    let earlier = result.attempts.len().saturating_sub(1);
    result.attempts[..earlier]
        .iter()
        .enumerate()
        .map(|(i, attempt)| rerun(i + 1, attempt, secrets, timed))
        .collect()
}

fn rerun(number: usize, attempt: &Attempt, secrets: &Secrets, timed: bool) -> TestRerun {
    let (kind, ty) = match &attempt.error {
        Some(error) => (NonSuccessKind::Error, error.kind.to_string()),
        None => (NonSuccessKind::Failure, "fail".to_string()),
    };
    let mut rerun = TestRerun::new(kind);
    rerun
        .set_type(ty)
        .set_message(xml_safe(&attempt_summary(number, attempt, secrets)));
    if timed {
        rerun.set_time(attempt.duration);
    }
    rerun
}

/// Redacted, printable text for an attribute or element.
fn text(secrets: &Secrets, raw: &str) -> String {
    xml_safe(&clean(secrets, raw))
}

fn one_line(secrets: &Secrets, raw: &str) -> String {
    text(secrets, raw).replace('\n', " ")
}

/// quick-junit drops tabs along with other control characters; keep the spacing.
fn xml_safe(printable: &str) -> String {
    printable.replace('\t', "    ")
}

fn timestamp(t: time::OffsetDateTime) -> Option<DateTime<FixedOffset>> {
    let offset = FixedOffset::east_opt(t.offset().whole_seconds())?;
    let utc = DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond())?;
    Some(utc.with_timezone(&offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbeErrorKind;
    use crate::report::detail::fixtures::*;
    use roxmltree::{Document, Node};

    fn sample() -> RunReport {
        let mut fail = result(
            check("chat", "chat/root", "root redirects"),
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
        flaky.check = std::sync::Arc::new({
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

    fn child<'a>(node: Node<'a, 'a>, tag: &str) -> Node<'a, 'a> {
        node.children()
            .find(|n| n.has_tag_name(tag))
            .unwrap_or_else(|| panic!("no <{tag}> in <{}>", node.tag_name().name()))
    }

    fn case<'a>(doc: &'a Document<'a>, name: &str) -> Node<'a, 'a> {
        doc.descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap()
    }

    #[test]
    fn suites_in_first_seen_order_with_counts_and_properties() {
        let xml = junit_xml(&sample(), &Secrets::default()).unwrap();
        let doc = Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("name"), Some("conform"));
        let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        let summary: Vec<_> = suites
            .iter()
            .map(|s| {
                let a = |k| s.attribute(k).unwrap();
                let c = (a("tests"), a("failures"), a("errors"), a("skipped"));
                (a("name"), c)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("chat", ("3", "2", "0", "1")),
                ("nest", ("2", "0", "1", "0")),
                ("dns", ("1", "0", "0", "1")),
            ]
        );
        let chat = suites[0];
        assert_eq!(chat.attribute("hostname"), Some("ci-runner-1"));
        assert_eq!(chat.attribute("time"), Some("0.360"));
        assert!(
            chat.attribute("timestamp")
                .unwrap()
                .starts_with("2026-05-01T12:00:00")
        );
        let props: Vec<_> = child(chat, "properties")
            .children()
            .filter(|n| n.is_element())
            .map(|p| (p.attribute("name").unwrap(), p.attribute("value").unwrap()))
            .collect();
        assert_eq!(
            props,
            [
                ("env", "prod"),
                ("conform.version", env!("CARGO_PKG_VERSION"))
            ]
        );
    }

    #[test]
    fn testcases_carry_outcome_details() {
        let xml = junit_xml(&sample(), &Secrets::default()).unwrap();
        let doc = Document::parse(&xml).unwrap();
        let root_case = case(&doc, "root redirects");
        assert_eq!(root_case.attribute("classname"), Some("prod.chat"));
        assert_eq!(root_case.attribute("file"), Some("checks/chat.yaml"));
        assert_eq!(root_case.attribute("line"), Some("3"));
        assert_eq!(root_case.attribute("time"), Some("0.120"));
        let failure = child(root_case, "failure");
        assert_eq!(failure.attribute("type"), Some("fail"));
        assert_eq!(
            failure.attribute("message"),
            Some("status: expected 302, got 200")
        );
        let body = failure.text().unwrap();
        assert!(
            body.contains("status\n  expected: 302\n  actual:   200"),
            "{body}"
        );
        assert!(
            body.contains("attempt 1: error (timeout: no answer within 5s)"),
            "{body}"
        );
        assert!(
            body.contains("reproduce: curl -sS -i https://chat.example/"),
            "{body}"
        );
        assert_eq!(
            child(root_case, "rerunError").attribute("type"),
            Some("timeout")
        );

        let error = child(case(&doc, "api"), "error");
        assert_eq!(error.attribute("type"), Some("connection refused"));
        assert_eq!(error.attribute("message"), Some("connect: refused"));

        let skipped = child(case(&doc, "waf"), "skipped");
        assert_eq!(
            skipped.attribute("message"),
            Some("pending: WAF rule in COUNT mode")
        );
        assert!(skipped.text().unwrap().contains("expected: 403"));

        let fixed = child(case(&doc, "new"), "failure");
        assert_eq!(fixed.attribute("type"), Some("fixed"));
        assert_eq!(fixed.attribute("message"), Some(FIXED_TEXT));

        let not_run = child(case(&doc, "mx"), "skipped");
        assert_eq!(not_run.attribute("message"), Some(NOT_RUN_TEXT));

        let flaky = case(&doc, "nest up");
        assert!(flaky.children().all(|n| !n.has_tag_name("failure")));
        let out = child(flaky, "system-out").text().unwrap();
        assert!(
            out.starts_with("flaky: passed on attempt 2 of 2\n"),
            "{out}"
        );
        assert!(
            out.contains("attempt 1: fail (status: expected 200, got 503)"),
            "{out}"
        );
        assert!(flaky.children().any(|n| n.has_tag_name("flakyFailure")));
    }

    #[test]
    fn portable_drops_only_the_rich_attributes() {
        let xml =
            junit_xml_flavored(&sample(), &Secrets::default(), JunitFlavor::Portable).unwrap();
        let doc = Document::parse(&xml).unwrap();
        for node in doc.descendants().filter(|n| n.is_element()) {
            for (element, attribute) in RICH_ONLY_ATTRIBUTES {
                assert!(
                    !node.has_tag_name(*element) || node.attribute(*attribute).is_none(),
                    "<{element} {attribute}> in {xml}"
                );
            }
        }
        let root = doc.root_element();
        assert_eq!(root.attribute("tests"), Some("6"));
        assert_eq!(root.attribute("time"), Some("0.420"));
        let failure = child(case(&doc, "root redirects"), "failure");
        assert!(
            failure
                .text()
                .unwrap()
                .starts_with("at checks/chat.yaml:3\n")
        );
        let rerun = child(case(&doc, "root redirects"), "rerunError");
        assert_eq!(rerun.attribute("type"), Some("timeout"));
        assert_eq!(
            "rich".parse::<JunitFlavor>(),
            Ok(JunitFlavor::Rich),
            "{:?}",
            JunitFlavor::NAMES
        );
        assert_eq!(
            JunitFlavor::Portable.name().parse::<JunitFlavor>(),
            Ok(JunitFlavor::Portable)
        );
        assert!("xunit".parse::<JunitFlavor>().is_err());
    }

    #[test]
    fn hostile_bytes_and_secrets_still_make_valid_redacted_xml() {
        let hostile = "s3cr3t-t0ken \u{0}\u{1b}[31m]]></failure>\u{fffe}\u{7}\tend";
        let mut r = result(
            check("chat", "chat/x", "x <&> \u{1b}"),
            Outcome::Fail,
            vec![failed(vec![mismatch("body", "contains ok", hostile)])],
        );
        r.message = format!("got {hostile}");
        r.reproduce = "curl -H 'x-token: s3cr3t-t0ken' https://chat.example/".into();
        let xml = junit_xml(&report(vec![r]), &secrets()).unwrap();
        assert!(!xml.contains("s3cr3t"), "{xml}");
        let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let failure = child(case(&doc, "x <&> \\x1b"), "failure");
        let body = failure.text().unwrap();
        assert!(
            body.contains(
                "actual:   [redacted:TOKEN] \\x00\\x1b[31m]]></failure>\\u{fffe}\\x07    end"
            ),
            "{body}"
        );
        assert!(body.contains("x-token: [redacted:TOKEN]'"), "{body}");
        assert!(
            failure
                .attribute("message")
                .unwrap()
                .starts_with("got [redacted:TOKEN] \\x00")
        );
    }
}
