//! `run --watch`: the selection again every interval until a signal, printing only what
//! changed; the signal writes the reports of the latest state and exits 130 (SIGINT).

use crate::fail_closed_run::signals::{finish, send};
use crate::until_pass::{hits, report_json, rollout_project, rollout_server, round_outcomes};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn spawn_run(p: &crate::harness::Project, args: &[&str]) -> Child {
    crate::harness::conform_command()
        .args(["run", "--dir", &p.dir_arg()])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn conform")
}

/// Waits (bounded) until `ready` holds.
async fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `signal` and waits (bounded) for the child: its exit code, stdout and stderr.
async fn stop(child: Child, signal: libc::c_int) -> (Option<i32>, String, String) {
    send(&child, signal);
    finish(child).await
}

#[tokio::test]
async fn watch_prints_each_change_once_and_stops_on_sigint_with_its_reports() {
    let server = rollout_server(2).await;
    let p = rollout_project(&server);
    let child = spawn_run(&p, &["--watch", "200ms"]);
    // Rounds 1 and 2 see 503, round 3 on see 200; then a few rounds of no change.
    wait_until("five rounds", || hits(&server, "/fine") >= 5).await;
    let (code, stdout, stderr) = stop(child, libc::SIGINT).await;
    assert_eq!(code, Some(130), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let t = r"\d\d:\d\d:\d\d";
    let expected = [
        format!(r"^{t}  web/fine: pass$"),
        format!(r"^{t}  web/rollout: fail$"),
        format!(r"^{t}  round 1: 1 passed, 1 failed, 0 errors, 0 pending$"),
        format!(r"^{t}  web/rollout: fail → pass$"),
        format!(r"^{t}  round 3: 2 passed, 0 failed, 0 errors, 0 pending$"),
        String::new(),
        r"^2 passed, 0 failed, 0 errors, 0 pending in \d+\.\d\ds$".to_string(),
    ];
    assert_eq!(lines.len(), expected.len(), "{stdout}");
    for (line, pattern) in lines.iter().zip(&expected) {
        let re = regex::Regex::new(pattern).expect("regex");
        assert!(re.is_match(line), "{line:?} !~ {pattern}\n{stdout}");
    }
    let report = report_json(&p);
    let rounds = report["rounds"]["count"].as_u64().expect("count") as usize;
    // The signal may have cut a round short before its first request.
    let fine = hits(&server, "/fine");
    assert!(fine == rounds || fine + 1 == rounds, "{fine} of {rounds}");
    assert_eq!(
        stderr,
        format!(
            "interrupted by SIGINT after {rounds} rounds: the reports hold the latest state of \
             every check\n"
        )
    );
    assert_eq!(report["interrupted"], "SIGINT");
    assert_eq!(report["summary"]["passed"], 2);
    assert_eq!(report["rounds"]["mode"], "watch");
    assert_eq!(report["rounds"]["interval_seconds"], serde_json::json!(0.2));
    assert!(report["rounds"].get("deadline_seconds").is_none());
    // The rounds that changed the outcome: the first, and the third.
    assert_eq!(round_outcomes(&report, "web/rollout"), ["fail", "pass"]);
    assert_eq!(report["checks"][1]["rounds"][1]["round"], 3);
    assert_eq!(round_outcomes(&report, "web/fine"), ["pass"]);
    assert_eq!(report["rounds"]["count"], rounds);
    assert_eq!(
        p.junit_counts("web"),
        ["2", "0", "0", "0"].map(String::from)
    );
}

#[tokio::test]
async fn watch_defaults_to_30s_and_sigterm_between_rounds_ends_it_at_once() {
    let server = rollout_server(usize::MAX).await;
    let p = rollout_project(&server);
    let child = spawn_run(&p, &["--watch"]);
    wait_until("the first round", || hits(&server, "/rollout") >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = Instant::now();
    let (code, stdout, _) = stop(child, libc::SIGTERM).await;
    assert_eq!(code, Some(143), "{stdout}");
    assert!(sent.elapsed() < Duration::from_secs(5));
    assert_eq!(hits(&server, "/rollout"), 1);
    let report = report_json(&p);
    assert_eq!(report["interrupted"], "SIGTERM");
    assert_eq!(
        report["rounds"]["interval_seconds"],
        serde_json::json!(30.0)
    );
    assert_eq!(report["summary"]["failed"], 1);
}

#[tokio::test]
async fn until_pass_stops_on_sigint_in_its_wait_with_the_reports_written() {
    let server = rollout_server(usize::MAX).await;
    let p = rollout_project(&server);
    let child = spawn_run(&p, &["--until-pass", "--interval", "20s"]);
    wait_until("the first round", || hits(&server, "/rollout") >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, stdout, stderr) = stop(child, libc::SIGINT).await;
    assert_eq!(code, Some(130), "{stdout}");
    assert_eq!(
        stderr,
        "interrupted by SIGINT after 1 round: the reports hold the latest state of every check\n"
    );
    let report = report_json(&p);
    assert_eq!(report["interrupted"], "SIGINT");
    assert_eq!(report["rounds"]["count"], 1);
    assert_eq!(round_outcomes(&report, "web/rollout"), ["fail"]);
    assert_eq!(report["summary"]["failed"], 1);
}
