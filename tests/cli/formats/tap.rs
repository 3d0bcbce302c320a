//! `--format tap`: TAP 14, with a TODO for the pending check.

use super::{REDACTED, SECRET, assert_no_human_lines, fixture};
use crate::harness::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// --format tap.

#[tokio::test(flavor = "multi_thread")]
async fn format_tap_is_tap_14_with_a_todo_for_the_pending_check() {
    let f = fixture().await;
    let out = f.run(&["--format", "tap"]).await;
    out.assert_code_quiet(1);
    assert_no_human_lines(&out);
    assert_no_secret(&out.stdout, SECRET, "TAP");
    assert!(out.stdout.contains(REDACTED), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[..2], ["TAP version 14", "1..6"], "{out}");
    let points: Vec<&str> = lines[2..]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("  "))
        .collect();
    assert_eq!(
        points,
        [
            "not ok 1 - api/down",
            "not ok 2 - api/waf # TODO pending: WAF rule in COUNT mode",
            "not ok 3 - api/token",
            "ok 4 - web/ok",
            "not ok 5 - web/broken",
            "ok 6 - web/flaky",
        ],
        "{out}"
    );

    // A YAML block under every point but the plain pass, each of them valid YAML.
    let mut blocks: Vec<(String, Value)> = Vec::new();
    let mut current: Option<String> = None;
    let mut point = "";
    for line in &lines[2..] {
        match (*line, current.as_mut()) {
            ("  ---", None) => current = Some(String::new()),
            ("  ...", Some(_)) => {
                let text = current.take().unwrap();
                let value: Value = serde_saphyr::from_str(&text)
                    .unwrap_or_else(|e| panic!("block of {point}: {e}\n{text}"));
                blocks.push((point.to_string(), value));
            }
            (l, Some(block)) => {
                block.push_str(l.strip_prefix("  ").expect("indented"));
                block.push('\n');
            }
            (l, None) => point = l,
        }
    }
    assert!(current.is_none(), "an unclosed block: {out}");
    let outcomes: Vec<(&str, &str)> = blocks
        .iter()
        .map(|(p, v)| (p.as_str(), v["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("not ok 1 - api/down", "error"),
            (
                "not ok 2 - api/waf # TODO pending: WAF rule in COUNT mode",
                "pending"
            ),
            ("not ok 3 - api/token", "fail"),
            ("not ok 5 - web/broken", "fail"),
            ("ok 6 - web/flaky", "flaky"),
        ]
    );
    let token = &blocks[2].1;
    assert_eq!(
        token["mismatches"],
        json!([{"field": "header x-echo", "expected": "\"50%, a:b\"",
                "actual": "\"Bearer [redacted:TEST_TOKEN]\""}])
    );
    assert_eq!(
        token["at"],
        format!("{}:10", f.file("checks/api.yaml")).as_str()
    );
    assert_eq!(blocks[1].1["pending"], "WAF rule in COUNT mode");
    assert_eq!(blocks[0].1["error"]["kind"], "connection refused");
    assert_eq!(
        blocks[4].1["attempts"],
        json!(["attempt 1: fail (status: expected 200, got 503)"])
    );
    assert_eq!(blocks[3].1["reproduce"], f.curl("/broken").as_str());
}
