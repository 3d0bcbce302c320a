//! The JUnit report written suite by suite, so that a large run never holds every
//! `<testcase>` at once (10,000 of them are about 5 MiB as quick-junit's values). The text is
//! that of the whole document as quick-junit serializes it (a unit test compares them): the
//! root tag of a document without suites (its totals counted beforehand), then each suite cut
//! out of a document that holds that suite alone, then the root's end.

use super::{CaseKind, JunitFlavor, case_kind, check_suite, load, root, suites};
use crate::report::json::JsonReport;
use quick_junit::{NonSuccessKind, Report, TestSuite};
use std::io;

/// What a JUnit report is made of: the JSON report, the flavor, and the `<properties>` every
/// suite carries on top of its own.
pub struct JunitSource<'a> {
    pub report: &'a JsonReport,
    pub flavor: JunitFlavor,
    pub extra: &'a [(String, String)],
}

impl JunitSource<'_> {
    /// Writes the report to `out`, one suite's test cases in memory at a time.
    pub fn write(&self, out: &mut dyn io::Write) -> io::Result<()> {
        let rich = self.flavor == JunitFlavor::Rich;
        let load_errors = load::load_error_suite(self.report, rich, self.extra);
        let mut head = root(self.report, rich);
        count(&mut head, self.report, load_errors.as_ref());
        let head = serialized(&head)?;
        let Some(opened) = root_tag_end(&head) else {
            return Err(broken("its root element"));
        };
        let tag = &head[..opened];
        match rich {
            true => out.write_all(tag.as_bytes())?,
            false => out.write_all(without_root_skipped(tag).as_bytes())?,
        }
        let mut end = None;
        let built = suites(self.report)
            .into_iter()
            .map(|(name, checks)| check_suite(name, &checks, self.report, rich, self.extra));
        for suite in built.chain(load_errors) {
            let mut alone = root(self.report, rich);
            alone.add_test_suite(suite);
            let text = serialized(&alone)?;
            let (Some(from), Some(to)) = (root_tag_end(&text), text.rfind(ROOT_END)) else {
                return Err(broken("a suite"));
            };
            out.write_all(&text.as_bytes()[from..to])?;
            end.get_or_insert_with(|| text[to..].to_string());
        }
        match end {
            Some(end) => out.write_all(end.as_bytes()),
            // No suite at all: the rest of the document of none, as it is.
            None => out.write_all(&head.as_bytes()[opened..]),
        }
    }
}

/// How the root element ends, after its last suite.
const ROOT_END: &str = "\n</testsuites>";

/// The root's totals, as quick-junit adds them up from each suite's test cases: a test per
/// check and per load error; failures, errors and skipped by how each case reads.
fn count(root: &mut Report, report: &JsonReport, load_errors: Option<&TestSuite>) {
    for check in &report.checks {
        root.tests += 1;
        match case_kind(check.outcome) {
            Some(CaseKind::NonSuccess(NonSuccessKind::Failure)) => root.failures += 1,
            Some(CaseKind::NonSuccess(NonSuccessKind::Error)) => root.errors += 1,
            Some(CaseKind::Skipped) => root.skipped += 1,
            None => {}
        }
    }
    if let Some(suite) = load_errors {
        root.tests += suite.tests;
        root.failures += suite.failures;
        root.errors += suite.errors;
        root.skipped += suite.skipped;
    }
}

fn serialized(report: &Report) -> io::Result<String> {
    let mut text = Vec::new();
    report
        .serialize(&mut text)
        .map_err(|e| io::Error::other(format!("cannot build the JUnit report: {e}")))?;
    String::from_utf8(text).map_err(|_| broken("its text"))
}

/// Where the root's start tag ends (just past its `>`): quick-xml escapes `>` in attribute
/// values, so the first one after `<testsuites` closes the tag.
fn root_tag_end(text: &str) -> Option<usize> {
    let start = text.find("<testsuites")?;
    Some(start + text[start..].find('>')? + 1)
}

fn broken(what: &str) -> io::Error {
    io::Error::other(format!(
        "cannot build the JUnit report: quick-junit wrote {what} in an unexpected form"
    ))
}

/// quick-junit always writes `skipped` on `<testsuites>`, which the xUnit schema does not
/// allow there (it does on each `<testsuite>`). The root tag holds only conform's name and
/// numbers, so the attribute is cut from the text of that one tag.
fn without_root_skipped(xml: &str) -> String {
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
        None => xml.to_string(),
    }
}

#[cfg(test)]
mod tests;
