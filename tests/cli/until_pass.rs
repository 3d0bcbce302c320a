//! `run --until-pass`: the gate that waits for a rollout. The first round runs every check,
//! later rounds only those that did not pass, until all pass or the deadline; the reports hold
//! each check's final state and its rounds.

use crate::harness::*;
use crate::support::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A server whose `/fine` always answers 200 and whose `/rollout` answers 503 to its first
/// `unhealthy` requests, then 200.
pub(crate) async fn rollout_server(unhealthy: usize) -> TestServer {
    let seen = Arc::new(AtomicUsize::new(0));
    http(move |r| {
        if r.path == "/fine" {
            return TestResponse::ok("ok");
        }
        if seen.fetch_add(1, Ordering::SeqCst) < unhealthy {
            TestResponse::status(503)
        } else {
            TestResponse::ok("ok")
        }
    })
    .await
}

/// A project with the checks `web/fine` and `web/rollout` against `server`.
pub(crate) fn rollout_project(server: &TestServer) -> Project {
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        "checks:
  - name: fine
    http: { url: \"http://chat.test:${port}/fine\" }
    expect: { status: 200 }
  - name: rollout
    http: { url: \"http://chat.test:${port}/rollout\" }
    expect: { status: 200 }
",
    );
    p
}

/// How many requests the server saw for `path`.
pub(crate) fn hits(server: &TestServer, path: &str) -> usize {
    server.requests().iter().filter(|r| r.path == path).count()
}

pub(crate) fn report_json(p: &Project) -> Value {
    serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report")
}

/// The outcomes of the rounds of check `id` in the JSON report.
pub(crate) fn round_outcomes(report: &Value, id: &str) -> Vec<String> {
    let check = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .expect("the check");
    check["rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .map(|r| r["outcome"].as_str().expect("outcome").to_string())
        .collect()
}

#[tokio::test]
async fn until_pass_waits_for_the_rollout_and_reruns_only_what_did_not_pass() {
    let server = rollout_server(2).await;
    let p = rollout_project(&server);
    let out = p
        .run(&["--until-pass", "--deadline", "20s", "--interval", "200ms"])
        .await;
    out.assert_code(0);
    // Round 1 runs both; rounds 2 and 3 only the one that did not pass.
    assert_eq!(hits(&server, "/fine"), 1, "{out}");
    assert_eq!(hits(&server, "/rollout"), 3, "{out}");
    let rounds: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("round "))
        .collect();
    assert_eq!(rounds.len(), 2, "{out}");
    for (line, n) in rounds.iter().zip([2, 3]) {
        assert_matches(
            &format!(r"^round {n} at \d\d:\d\d:\d\d: re-running 1 check that did not pass$"),
            line,
            &out,
        );
    }
    assert!(
        out.stdout
            .contains("\nuntil-pass: every check passes, after 3 rounds\n"),
        "{out}"
    );
    // Later rounds show only a change: the failure once (round 1), then the pass.
    assert_eq!(
        out.stdout.matches("FAIL    web/rollout").count(),
        1,
        "{out}"
    );
    assert_eq!(
        out.stdout.matches("PASS    web/rollout").count(),
        1,
        "{out}"
    );
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    let report = report_json(&p);
    assert_eq!(report["summary"]["exit_code"], 0);
    assert_eq!(report["rounds"]["mode"], "until_pass");
    assert_eq!(report["rounds"]["count"], 3);
    assert_eq!(report["rounds"]["interval_seconds"], json!(0.2));
    assert_eq!(report["rounds"]["deadline_seconds"], json!(20.0));
    assert_eq!(
        round_outcomes(&report, "web/rollout"),
        ["fail", "fail", "pass"]
    );
    assert_eq!(round_outcomes(&report, "web/fine"), ["pass"]);
    let rounds = report["checks"][1]["rounds"].as_array().expect("rounds");
    assert_eq!(rounds[0]["round"], 1);
    assert_eq!(rounds[2]["round"], 3);
    let at = |i: usize| rounds[i]["at_seconds"].as_f64().expect("at_seconds");
    assert!(at(0) < at(1) && at(1) + 0.15 < at(2), "{rounds:?}");
    // The JUnit report holds the final state.
    assert_eq!(
        p.junit_counts("web"),
        ["2", "0", "0", "0"].map(String::from)
    );
}

#[tokio::test]
async fn until_pass_gives_up_at_the_deadline_with_the_last_rounds_verdict() {
    let server = rollout_server(usize::MAX).await;
    let p = rollout_project(&server);
    let out = p
        .run(&["--until-pass", "--deadline", "2s", "--interval", "200ms"])
        .await;
    out.assert_code(1);
    // Bounded: the deadline, then one round of a loopback probe (a correctness bound).
    out.assert_took_at_least(Duration::from_secs(2));
    out.assert_within(Duration::from_secs(6));
    let rounds = hits(&server, "/rollout");
    assert!((3..=12).contains(&rounds), "{rounds} rounds\n{out}");
    assert_eq!(hits(&server, "/fine"), 1, "{out}");
    assert!(
        out.stdout.contains(&format!(
            "\nuntil-pass: the deadline (2s) passed after {rounds} rounds; 1 check still not passing\n"
        )),
        "{out}"
    );
    // The failure of round 1, then at the deadline that of the last round.
    assert_eq!(
        out.stdout.matches("FAIL    web/rollout").count(),
        2,
        "{out}"
    );
    assert!(out.stdout.contains("\nfailed: web/rollout\n"), "{out}");
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    let report = report_json(&p);
    assert_eq!(report["summary"]["exit_code"], 1);
    assert_eq!(report["rounds"]["count"], rounds);
    assert_eq!(round_outcomes(&report, "web/rollout"), vec!["fail"; rounds]);
    assert_eq!(round_outcomes(&report, "web/fine"), ["pass"]);
}

#[tokio::test]
async fn until_pass_that_passes_at_once_runs_one_round() {
    let server = rollout_server(0).await;
    let p = rollout_project(&server);
    let out = p.run(&["--until-pass"]).await;
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("\nuntil-pass: every check passes, after 1 round\n"),
        "{out}"
    );
    assert_eq!(hits(&server, "/rollout"), 1);
    let report = report_json(&p);
    assert_eq!(report["rounds"]["count"], 1);
    assert_eq!(report["rounds"]["interval_seconds"], json!(10.0));
    assert_eq!(report["rounds"]["deadline_seconds"], json!(600.0));
}

#[tokio::test]
async fn a_single_run_has_no_rounds_in_its_report() {
    let server = rollout_server(0).await;
    let p = rollout_project(&server);
    p.run(&[]).await.assert_code(0);
    let report = report_json(&p);
    assert!(report.get("rounds").is_none(), "{report}");
    assert!(report["checks"][0].get("rounds").is_none(), "{report}");
}

#[tokio::test]
async fn deadline_and_interval_need_until_pass_and_it_excludes_watch_and_fail_fast() {
    let server = rollout_server(0).await;
    let p = rollout_project(&server);
    for args in [
        &["--deadline", "2s"][..],
        &["--interval", "2s"],
        &["--until-pass", "--watch"],
        &["--until-pass", "--fail-fast"],
        &["--watch", "--fail-fast"],
        &["--until-pass", "--deadline", "0s"],
    ] {
        let out = p.run(args).await;
        out.assert_code(2);
        assert!(out.stderr.starts_with("error: "), "{args:?}: {out}");
    }
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn until_pass_takes_an_excused_pending_failure_as_settled() {
    let server = rollout_server(usize::MAX).await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        "checks:
  - name: rollout
    pending: \"not deployed yet\"
    http: { url: \"http://chat.test:${port}/rollout\" }
    expect: { status: 200 }
",
    );
    let out = p
        .run(&["--until-pass", "--deadline", "20s", "--interval", "200ms"])
        .await;
    out.assert_code(0);
    assert_eq!(hits(&server, "/rollout"), 1, "{out}");
    assert!(
        out.stdout
            .contains("\nuntil-pass: every check passes or is pending, after 1 round\n"),
        "{out}"
    );
    out.assert_summary("0 passed, 0 failed, 0 errors, 1 pending");
    assert_eq!(round_outcomes(&report_json(&p), "web/rollout"), ["pending"]);
}
