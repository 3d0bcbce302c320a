use super::*;
use crate::report::json::{JsonCheck, JsonSummary};

fn check(id: &str, outcome: Outcome, flaky: bool) -> JsonCheck {
    JsonCheck {
        id: id.to_string(),
        name: id.to_string(),
        suite: id.split('/').next().unwrap().to_string(),
        file: String::new(),
        line: 1,
        tags: Vec::new(),
        probe: "http".into(),
        target: String::new(),
        outcome,
        flaky,
        retries: 0,
        duration_seconds: 0.1,
        message: String::new(),
        pending_reason: None,
        reproduce: String::new(),
        attempts: Vec::new(),
        rounds: Vec::new(),
        needed_by: Vec::new(),
        claims: Vec::new(),
    }
}

fn report(checks: Vec<JsonCheck>) -> JsonReport {
    JsonReport {
        schema_version: crate::report::json::SCHEMA_VERSION,
        conform_version: "0.1.0".into(),
        env: "prod".into(),
        started: time::macros::datetime!(2026-11-24 02:00:00 UTC),
        evaluated_at: None,
        at: None,
        duration_seconds: 1.0,
        hostname: "ci".into(),
        summary: JsonSummary::default(),
        checks,
        baseline: None,
        interrupted: None,
        selection: None,
        load_errors: Vec::new(),
        rounds: None,
    }
}

use Outcome::*;

fn pair() -> (JsonReport, JsonReport) {
    let old = report(vec![
        check("chat/root-redirect", Pass, false),
        check("chat/waf", Pending, false),
        check("chat/up", Fail, false),
        check("nest/api", Error, false),
        check("nest/new", Fixed, false),
        check("nest/flaky", Pass, false),
        check("nest/was-flaky", Pass, true),
        check("dns/gone", Pass, false),
        check("dns/still", Fail, false),
        check("dns/same", Pass, false),
    ]);
    let new = report(vec![
        check("chat/root-redirect", Fail, false),
        check("chat/waf", Fixed, false),
        check("chat/up", Pass, false),
        check("nest/api", Pass, true),
        check("nest/new", Error, false),
        check("nest/flaky", Pass, true),
        check("nest/was-flaky", Pass, true),
        check("dns/still", Fail, false),
        check("dns/same", Pass, false),
        check("dns/added", Fail, false),
    ]);
    (old, new)
}

#[test]
fn every_category() {
    let (old, new) = pair();
    let diff = compare(&old, &new);
    assert_eq!(diff.newly_failing, ["chat/root-redirect", "chat/waf"]);
    assert_eq!(diff.newly_passing, ["chat/up", "nest/api"]);
    assert_eq!(diff.newly_flaky, ["nest/api", "nest/flaky"]);
    assert_eq!(diff.new_checks, ["dns/added"]);
    assert_eq!(diff.removed_checks, ["dns/gone"]);
    assert_eq!(diff.still_failing, 2, "nest/new and dns/still");
    assert!(!diff.is_empty());
    assert_eq!(diff.started, old.started);
    assert_eq!(diff.file, None);
}

#[test]
fn pending_and_not_run_changes_are_not_regressions() {
    let old = report(vec![
        check("a/pass-to-pending", Pass, false),
        check("a/fail-to-pending", Fail, false),
        check("a/not-run-to-fail", NotRun, false),
        check("a/pass-to-not-run", Pass, false),
    ]);
    let new = report(vec![
        check("a/pass-to-pending", Pending, false),
        check("a/fail-to-pending", Pending, false),
        check("a/not-run-to-fail", Fail, false),
        check("a/pass-to-not-run", NotRun, false),
    ]);
    let diff = compare(&old, &new);
    assert!(diff.is_empty(), "{diff:?}");
    assert_eq!(diff.still_failing, 0);
}

#[test]
fn identical_reports_make_an_empty_diff() {
    let (old, _) = pair();
    let diff = compare(&old, &old).with_file(Path::new("reports/nightly.json"));
    assert!(diff.is_empty());
    assert_eq!(diff.still_failing, 4);
    assert_eq!(
        diff.lines(),
        [
            "nothing changed since the baseline (reports/nightly.json, 2026-11-24T02:00:00Z): \
             4 still failing"
        ]
    );
    let clean = report(vec![check("a/b", Pass, false)]);
    assert_eq!(
        compare(&clean, &clean).lines(),
        ["nothing changed since the baseline (2026-11-24T02:00:00Z)"]
    );
}

#[test]
fn lines_for_the_terminal() {
    let (old, new) = pair();
    let diff = compare(&old, &new).with_file(Path::new("reports/nightly.json"));
    assert_eq!(
        diff.lines(),
        [
            "changed since the baseline (reports/nightly.json, 2026-11-24T02:00:00Z): 2 \
             newly failing, 2 newly passing, 2 newly flaky, 1 new, 1 removed, 0 changed",
            "  newly failing: chat/root-redirect",
            "  newly failing: chat/waf",
            "  newly passing: chat/up",
            "  newly passing: nest/api",
            "  newly flaky: nest/api",
            "  newly flaky: nest/flaky",
            "  new: dns/added",
            "  removed: dns/gone",
            "  2 still failing, as in the baseline",
        ]
    );
}

#[test]
fn long_lists_are_cut() {
    let old = report(vec![]);
    let new = report(
        (0..25)
            .map(|i| check(&format!("a/{i}"), Pass, false))
            .collect(),
    );
    let lines = compare(&old, &new).lines();
    assert_eq!(lines.len(), 1 + NAMES_SHOWN + 1);
    assert_eq!(lines[NAMES_SHOWN], "  new: a/19");
    assert_eq!(lines[NAMES_SHOWN + 1], "  and 5 more new");
}

#[test]
fn serialized_in_the_report() {
    let (old, mut new) = pair();
    new.baseline = Some(compare(&old, &new).with_file(Path::new("reports/nightly.json")));
    let value = serde_json::to_value(&new).unwrap();
    assert_eq!(
        value["baseline"],
        serde_json::json!({
            "file": "reports/nightly.json",
            "started": "2026-11-24T02:00:00Z",
            "newly_failing": ["chat/root-redirect", "chat/waf"],
            "newly_passing": ["chat/up", "nest/api"],
            "newly_flaky": ["nest/api", "nest/flaky"],
            "new_checks": ["dns/added"],
            "removed_checks": ["dns/gone"],
            "still_failing": 2,
            "changed": [],
        })
    );
    let text = new.to_string_pretty().unwrap();
    let back = JsonReport::parse(&text, Path::new("r.json")).unwrap();
    assert_eq!(back.baseline, new.baseline);
}

fn seen(check: &mut JsonCheck, observed: crate::report::json::JsonObserved) {
    check.attempts = vec![crate::report::json::JsonAttempt {
        outcome: check.outcome,
        duration_seconds: 0.1,
        error: None,
        mismatches: Vec::new(),
        addresses: Vec::new(),
        observed: Some(observed),
    }];
}

/// Facts that changed under the same outcome are listed; a changed outcome, a dns TTL
/// counting down, and a baseline without observed facts are not.
#[test]
fn changed_facts_under_the_same_outcome() {
    use crate::report::json::JsonObserved;
    let http = |location: &str| JsonObserved {
        status: Some(302),
        location: Some(location.into()),
        ..JsonObserved::default()
    };
    let dns = |ttl: u32| JsonObserved {
        rcode: Some("NOERROR".into()),
        answers: Some(vec!["127.0.0.1".into()]),
        ttl: Some(ttl),
        ..JsonObserved::default()
    };
    let mut old = report(vec![
        check("a/moved", Pass, false),
        check("a/ttl", Pass, false),
    ]);
    let mut new = report(vec![
        check("a/moved", Pass, false),
        check("a/ttl", Pass, false),
    ]);
    seen(&mut old.checks[0], http("https://a.test/old"));
    seen(&mut new.checks[0], http("https://a.test/new"));
    seen(&mut old.checks[1], dns(300));
    seen(&mut new.checks[1], dns(299));
    let diff = compare(&old, &new);
    let changed = serde_json::to_value(&diff.changed).unwrap();
    assert_eq!(
        changed,
        serde_json::json!([{ "id": "a/moved", "facts": { "location": {
            "before": "https://a.test/old", "after": "https://a.test/new" } } }])
    );
    assert_eq!(
        diff.lines()[1..],
        ["  changed: a/moved location https://a.test/old → https://a.test/new"]
    );
    new.checks[0].outcome = Fail;
    assert_eq!(compare(&old, &new).changed, Some(Vec::new()));
    old.schema_version = 2;
    let diff = compare(&old, &new);
    assert_eq!(diff.changed, None);
    assert_eq!(
        diff.lines().last().map(String::as_str),
        Some(
            "  changed facts not compared: the baseline is a report of an older schema, \
             without observed facts"
        )
    );
}
