//! `--baseline`: what changed since the last run, and a bad baseline probes nothing.

use super::{WEB, assert_no_human_lines, check, fixture, parse_json, read};
use serde_json::json;
use std::sync::atomic::Ordering;

/// A check `web/added`, appended to [`WEB`] by the baseline test.
const WEB_ADDED: &str = r#"  - name: added
    http: { url: "https://chat.test:${port}/ok" }
    expect: { status: 200 }
"#;

// ---------------------------------------------------------------------------------------------
// --baseline.

#[tokio::test(flavor = "multi_thread")]
async fn baseline_names_what_changed_and_a_bad_baseline_probes_nothing() {
    let f = fixture().await;
    let a = f.file("a.json");
    f.good.store(true, Ordering::SeqCst);
    let out = f.run(&["--json", &a]).await;
    out.assert_code(1);
    let old = parse_json(&read(&a));
    assert_eq!(check(&old, "web/broken")["outcome"], "pass");

    // One check now fails, one is new.
    f.good.store(false, Ordering::SeqCst);
    f.p.write("checks/web.yaml", &format!("{WEB}{WEB_ADDED}"));
    let b = f.file("b.json");
    let out = f.run(&["--baseline", &a, "--json", &b]).await;
    out.assert_code(1);
    let started = old["started"].as_str().unwrap();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[lines.len() - 4..],
        [
            format!(
                "changed since the baseline ({a}, {started}): 1 newly failing, 0 newly \
                 passing, 0 newly flaky, 1 new, 0 removed, 0 changed"
            ),
            "  newly failing: web/broken".to_string(),
            "  new: web/added".to_string(),
            "  2 still failing, as in the baseline".to_string(),
        ],
        "{out}"
    );
    let diff = json!({
        "file": a,
        "started": started,
        "newly_failing": ["web/broken"],
        "newly_passing": [],
        "newly_flaky": [],
        "new_checks": ["web/added"],
        "removed_checks": [],
        "still_failing": 2,
        "changed": [],
    });
    assert_eq!(parse_json(&read(&b))["baseline"], diff);
    // The same in the JUnit report, as properties of every suite.
    let junit = f.p.junit();
    assert!(
        junit.contains(r#"<property name="baseline.newly_failing" value="web/broken"/>"#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"<property name="baseline.new_checks" value="web/added"/>"#),
        "{junit}"
    );

    // --format json: the comparison is in the report on stdout, not in words.
    let out = f.run(&["--baseline", &a, "--format", "json"]).await;
    out.assert_code(1);
    assert_no_human_lines(&out);
    assert_eq!(parse_json(&out.stdout)["baseline"], diff);

    // A baseline that cannot be read is a usage error before anything is probed.
    let asked = f.server.requests().len();
    let missing = f.file("missing.json");
    let c = f.file("c.json");
    let out = f.run(&["--baseline", &missing, "--json", &c]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!("error: cannot read the report {missing}: "));
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(f.server.requests().len(), asked, "nothing probed");
    // The report written says why (see `fail_closed_reports`).
    assert_eq!(parse_json(&read(&c))["summary"]["exit_code"], 2);

    // A report of a newer schema.
    let mut newer = old.clone();
    newer["schema_version"] = json!(4);
    let future = f.file("future.json");
    std::fs::write(&future, newer.to_string()).unwrap();
    let out = f.run(&["--baseline", &future, "--json", &c]).await;
    out.assert_code(2);
    let why =
        format!("{future} was written by a newer conform (schema 4); this conform reads schema 3");
    assert_eq!(out.stderr, format!("error: {why}\n"), "{out}");
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(f.server.requests().len(), asked, "nothing probed");
    assert_eq!(
        parse_json(&read(&c))["load_errors"][0]["message"],
        why.as_str()
    );
}
