//! The JUnit of a run that stopped before probing: one `<error>` test case per load error,
//! classname `conform.load`, so that a CI page shows what broke instead of the last run.

use super::{one_line, suite_of, text, xml_safe};
use crate::report::json::{JsonLoadError, JsonReport};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

/// The suite and classname of load errors.
pub const LOAD_CLASSNAME: &str = "conform.load";

/// The `type` of a load error's `<error>`.
const LOAD_ERROR_TYPE: &str = "load error";

/// The load errors of `report` as one suite, or `None` when it has none.
pub(super) fn load_error_suite(
    report: &JsonReport,
    rich: bool,
    extra_properties: &[(String, String)],
) -> Option<TestSuite> {
    if report.load_errors.is_empty() {
        return None;
    }
    let mut suite = suite_of(LOAD_CLASSNAME.to_string(), report, extra_properties);
    for error in &report.load_errors {
        suite.add_test_case(load_error_case(error, rich));
    }
    Some(suite)
}

/// `name`: where and what (`checks/x.yaml:8:7: unknown key ...`); `message`: the error as
/// conform prints it; the body: where, what, what was expected, and that nothing ran.
fn load_error_case(error: &JsonLoadError, rich: bool) -> TestCase {
    let mut body = Vec::new();
    if let Some(at) = error.location() {
        body.push(format!("at {at}"));
    }
    body.push(error.message.clone());
    if !error.expected.is_empty() {
        body.push(error.expected.clone());
    }
    body.push("nothing was probed: conform stopped before running any check (exit 2)".into());
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status
        .set_message(one_line(&error.to_string()))
        .set_type(LOAD_ERROR_TYPE)
        .set_description(xml_safe(&text(&body.join("\n"))));
    let mut case = TestCase::new(one_line(&error.headline()), status);
    case.set_classname(LOAD_CLASSNAME);
    if rich && let Some(file) = &error.file {
        case.extra.insert("file".into(), text(file).into());
        if let Some(line) = error.line {
            case.extra.insert("line".into(), line.to_string().into());
        }
    }
    case
}
