//! The report written suite by suite is the whole document, byte for byte.

use super::super::{check_suite, load, root, suites};
use super::*;
use crate::config::model::Secrets;
use crate::report::json::JsonLoadError;
use crate::report::json::tests::sample;

/// The JUnit document of `report`, built whole, as quick-junit's own values: what
/// [`JunitSource::write`] must write suite by suite.
fn junit_document(
    report: &JsonReport,
    flavor: JunitFlavor,
    extra_properties: &[(String, String)],
) -> Report {
    let rich = flavor == JunitFlavor::Rich;
    let mut junit = root(report, rich);
    for (suite, checks) in suites(report) {
        junit.add_test_suite(check_suite(suite, &checks, report, rich, extra_properties));
    }
    if let Some(load_errors) = load::load_error_suite(report, rich, extra_properties) {
        junit.add_test_suite(load_errors);
    }
    junit
}

/// The whole document as quick-junit serializes it; the portable flavor without the root's
/// `skipped`, cut from its tag alone.
fn whole(report: &JsonReport, flavor: JunitFlavor, extra: &[(String, String)]) -> String {
    let xml = junit_document(report, flavor, extra).to_string().unwrap();
    match flavor {
        JunitFlavor::Rich => xml,
        JunitFlavor::Portable => {
            let tag_end = xml.find("<testsuites").unwrap();
            let tag_end = tag_end + xml[tag_end..].find('>').unwrap();
            let (tag, rest) = xml.split_at(tag_end);
            let at = tag.find(" skipped=\"").unwrap();
            let close = at + 10 + tag[at + 10..].find('"').unwrap() + 1;
            format!("{}{}{rest}", &tag[..at], &tag[close..])
        }
    }
}

#[test]
fn the_report_written_suite_by_suite_is_the_whole_document_byte_for_byte() {
    let run = JsonReport::from_run(&sample(), &Secrets::default());
    let mut with_load_errors = run.clone();
    with_load_errors.load_errors = vec![JsonLoadError {
        file: Some("checks/x.yaml".into()),
        line: Some(8),
        column: Some(7),
        message: "unknown key `stauts`".into(),
        expected: "expected one of: status".into(),
    }];
    let refused = JsonReport::refused("prod", "ci-1", with_load_errors.load_errors.clone());
    let mut empty = run.clone();
    empty.checks.clear();
    let extra = [("conform.baseline".to_string(), "old.json".to_string())];
    for (what, report) in [
        ("a run of several suites", &run),
        ("a run with load errors", &with_load_errors),
        ("a refused run", &refused),
        ("a run of nothing", &empty),
    ] {
        for flavor in [JunitFlavor::Rich, JunitFlavor::Portable] {
            let mut streamed = Vec::new();
            let source = JunitSource {
                report,
                flavor,
                extra: &extra,
            };
            source.write(&mut streamed).unwrap();
            let streamed = String::from_utf8(streamed).unwrap();
            assert_eq!(
                streamed,
                whole(report, flavor, &extra),
                "{what}, {flavor:?}"
            );
            let suites = streamed.matches("<testsuite ").count();
            let expected = match what {
                "a run of several suites" => 3,
                "a run with load errors" => 4,
                "a refused run" => 1,
                _ => 0,
            };
            assert_eq!(suites, expected, "{what}, {flavor:?}:\n{streamed}");
        }
    }
}
