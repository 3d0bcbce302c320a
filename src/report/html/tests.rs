use super::grid::History;
use super::*;
use crate::report::json::tests::{pass, sample, shard};
use crate::run::Outcome;

fn page(report: &JsonReport, history: &[JsonReport]) -> String {
    html_report(report, history, &Secrets::default())
}

fn with_outcome(mut report: JsonReport, id: &str, outcome: Outcome) -> JsonReport {
    for c in &mut report.checks {
        if c.id == id {
            c.outcome = outcome;
        }
    }
    report
}

#[test]
fn every_check_is_listed_with_its_expected_actual_and_reproduce() {
    let json = JsonReport::from_run(&sample(), &Secrets::default());
    let html = page(&json, &[]);
    for check in &json.checks {
        assert!(
            html.contains(&format!("data-id=\"{}\"", check.id)),
            "{}",
            check.id
        );
    }
    assert!(html.contains(
        "<td class=\"expected\"><pre>302</pre></td><td class=\"actual\"><pre>200</pre></td>"
    ));
    assert!(html.contains("<form id=\"filters\" hidden>"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.ends_with("</html>\n"));
}

#[test]
fn network_text_is_escaped_for_html() {
    let mut json = JsonReport::from_run(&sample(), &Secrets::default());
    json.checks[0].message = "body: <script>alert(1)</script> \u{1b}[2J \"x\"".into();
    json.checks[0].tags.push("a\"onmouseover=\"x".into());
    let html = page(&json, &[]);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("body: &lt;script&gt;alert(1)&lt;/script&gt; \\x1b[2J &quot;x&quot;"));
    assert!(html.contains("a&quot;onmouseover=&quot;x"));
    assert_eq!(html.matches("<script>").count(), 1);
}

#[test]
fn the_page_fetches_nothing_and_its_policy_pins_its_own_style_and_script() {
    let json = JsonReport::from_run(&sample(), &Secrets::default());
    let html = page(&json, &[]);
    for fetch in ["src=", "url(", "@import", "<link", "<img", "action="] {
        assert!(!html.contains(fetch), "{fetch}");
    }
    // The only links are to the page itself (a filter); https:// is only the checks' text.
    for link in html.split("href=\"").skip(1) {
        assert!(link.starts_with('#'), "{link}");
    }
    assert!(html.contains("default-src 'none'; style-src 'sha256-"));
}

#[test]
fn the_window_is_ordered_by_start_this_run_included_and_duplicates_left_out() {
    let old = |minute| shard(vec![pass("chat", "chat/a", 1)], minute, 1);
    let now = old(30);
    let (a, b) = (old(10), old(20));
    let history = [b.clone(), now.clone(), a.clone(), b];
    let h = History::new(&now, &history);
    let starts: Vec<u8> = h
        .columns
        .iter()
        .map(|c| c.report.started.minute())
        .collect();
    assert_eq!(starts, [10, 20, 30]);
    assert!(h.columns[2].current);
    assert_eq!(h.rows.len(), 1);
    assert_eq!(h.rows[0].flaky, None);
}

#[test]
fn a_check_whose_outcome_changed_twice_is_flaky_and_a_removed_check_keeps_its_row() {
    let run = |minute, outcome| {
        let r = shard(
            vec![pass("chat", "chat/a", 1), pass("chat", "chat/b", 2)],
            minute,
            1,
        );
        with_outcome(r, "chat/a", outcome)
    };
    let mut gone = run(5, Outcome::Pass);
    gone.checks.push(pass_json("chat/old"));
    let history = [
        gone,
        run(10, Outcome::Pass),
        run(20, Outcome::Fail),
        run(25, Outcome::Fail),
    ];
    let now = run(30, Outcome::Pass);
    let h = History::new(&now, &history);
    assert_eq!(h.columns.len(), 5);
    assert_eq!(
        h.flaky("chat/a"),
        Some("its outcome changed 2 times in 5 runs")
    );
    assert_eq!(h.flaky("chat/b"), None);
    let ids: Vec<&str> = h.rows.iter().map(|r| r.id).collect();
    assert_eq!(ids, ["chat/a", "chat/b", "chat/old"]);
    let html = page(&now, &history);
    assert!(html.contains(
        "<tr data-id=\"chat/old\" data-outcome=\"absent\" data-suite=\"chat\" data-tags=\"\">"
    ));
    assert_eq!(
        html.matches("class=\"flaky\"").count(),
        2,
        "grid and article"
    );
}

fn pass_json(id: &str) -> crate::report::json::JsonCheck {
    let r = shard(vec![pass("chat", id, 9)], 0, 1);
    r.checks[0].clone()
}

#[test]
fn optional_fields_of_newer_reports_are_shown() {
    let json = JsonReport::from_run(&sample(), &Secrets::default());
    let mut value = serde_json::to_value(&json).unwrap();
    value["checks"][0]["attempts"][1]["observed"] =
        serde_json::json!({ "status": 200, "leaf": { "san": ["a.test", "b.test"] } });
    let mut facts = Vec::new();
    checks::flatten(
        "",
        &value["checks"][0]["attempts"][1]["observed"],
        &mut facts,
    );
    assert_eq!(
        facts,
        [
            ("leaf.san".to_string(), "a.test, b.test".to_string()),
            ("status".to_string(), "200".to_string())
        ]
    );
}

#[test]
fn a_run_that_stopped_on_load_errors_is_a_column_of_its_own() {
    let now = shard(vec![pass("chat", "chat/a", 1)], 30, 1);
    let mut refused = JsonReport::refused("prod", "runner-1", Vec::new());
    refused.started = now.started.replace_minute(10).unwrap();
    refused
        .load_errors
        .push(crate::report::json::JsonLoadError::plain("bad file", ""));
    let html = page(&now, &[refused]);
    assert!(html.contains(", prod on runner-1, stopped on load errors\">"));
    assert!(html.contains("<br>load errors</th>"));
    assert!(html.contains(
        "<td class=\"o-absent\" data-outcome=\"absent\" title=\"2026-05-01T12:10:00Z: not in \
         this run\">·</td><td class=\"o-pass\""
    ));
}
