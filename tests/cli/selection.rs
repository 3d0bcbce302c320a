//! Which checks run and how many at once: filters, `--fail-fast`, concurrency limits.

use crate::harness::*;
use crate::support::*;
use std::time::Duration;

pub(crate) async fn filter_project() -> (TestServer, Project) {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.write(
        "checks/chat.yaml",
        r#"suite: chat
defaults: { tags: [chat] }
checks:
  - name: root
    tags: [gate]
    http: { url: "http://chat.test:${port}/chat/root" }
    expect: { status: 200 }
  - name: admin
    tags: [slow]
    http: { url: "http://chat.test:${port}/chat/admin" }
    expect: { status: 200 }
  - name: health
    http: { url: "http://chat.test:${port}/chat/health" }
    expect: { status: 200 }
"#,
    );
    p.write(
        "checks/nest.yaml",
        r#"suite: nest
checks:
  - name: api
    tags: [gate, slow]
    http: { url: "http://chat.test:${port}/nest/api" }
    expect: { status: 200 }
  - name: web
    http: { url: "http://chat.test:${port}/nest/web" }
    expect: { status: 200 }
"#,
    );
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_choose_the_checks_that_run() {
    let (server, p) = filter_project().await;
    let ids = |out: &Output| -> Vec<String> {
        assert!(
            out.checks().iter().all(|(label, _, _)| label == "PASS"),
            "{out}"
        );
        out.outcomes().into_iter().map(|(_, id)| id).collect()
    };
    let out = p.run(&["--only", "chat/*"]).await;
    out.assert_code(0);
    assert_eq!(ids(&out), ["chat/admin", "chat/health", "chat/root"]);
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");

    let out = p.run(&["--skip-tag", "slow"]).await;
    out.assert_code(0);
    assert_eq!(ids(&out), ["chat/health", "chat/root", "nest/web"]);

    let out = p.run(&["--suite", "nest"]).await;
    out.assert_code(0);
    assert_eq!(ids(&out), ["nest/api", "nest/web"]);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");

    let out = p.run(&["--tag", "gate"]).await;
    assert_eq!(ids(&out), ["chat/root", "nest/api"]);

    let out = p
        .run(&["--tag", "gate", "--tag", "slow", "--skip-tag", "chat"])
        .await;
    assert_eq!(ids(&out), ["nest/api"]);

    let out = p.run(&["--only", "web", "--only", "chat/r*"]).await;
    assert_eq!(ids(&out), ["chat/root", "nest/web"]);

    let out = p.run(&["--suite", "chat", "--tag", "slow"]).await;
    assert_eq!(ids(&out), ["chat/admin"]);

    // What was not selected was not probed: 3 + 3 + 2 + 2 + 1 + 2 + 1 requests.
    assert_eq!(server.requests().len(), 14);
    // JUnit holds only what ran.
    assert_eq!(p.junit_counts("chat"), ["1", "0", "0", "0"]);
    let xml = p.junit();
    assert!(!xml.contains("testsuite name=\"nest\""), "{xml}");
}

/// `checks/ff.yaml`: a check `bad` of `/bad` (answered with `bad`) then `slow` checks
/// `slow 1`, `slow 2`... of `/slow1`, `/slow2`... (answered 200 after `slow_delay`); `extra`
/// is added to the environment.
async fn fail_fast_project(
    bad: TestResponse,
    slow_delay: Duration,
    slow: usize,
    extra: &str,
) -> (TestServer, Project) {
    let server = http(move |r| match r.path.as_str() {
        "/bad" => bad.clone(),
        _ => TestResponse::ok("slow").delay(slow_delay),
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, extra);
    let mut checks = String::from(
        r#"checks:
  - name: bad
    http: { url: "http://chat.test:${port}/bad" }
    expect: { status: 200 }
"#,
    );
    for i in 1..=slow {
        checks.push_str(&format!(
            "  - name: slow {i}\n    http: {{ url: \"http://chat.test:${{port}}/slow{i}\" }}\n    expect: {{ status: 200 }}\n"
        ));
    }
    p.write("checks/ff.yaml", &checks);
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_stops_the_run_and_reports_the_rest_as_not_run() {
    let bad = TestResponse::status(500);
    let (server, p) = fail_fast_project(bad, Duration::from_secs(2), 4, "").await;
    let out = p.run(&["--fail-fast", "--concurrency", "1"]).await;
    out.assert_code(1);
    // Without --fail-fast this run takes 8 s; with it, at most the one slow check (2 s) that
    // may have taken the only slot before the failing one. The bound sits between the two
    // with room for a loaded machine's start-up.
    out.assert_within(Duration::from_millis(6000));
    // The checks left not run get one line, not one each.
    let outcomes = out.outcomes();
    let passed = outcomes.iter().filter(|(l, _)| l == "PASS").count();
    assert_eq!(outcomes.len(), 1 + passed, "{out}");
    assert_eq!(outcomes[0], ("FAIL".to_string(), "ff/bad".to_string()));
    let not_run = stopped_by_fail_fast(&out);
    assert!(not_run >= 3 && not_run + passed == 4, "{out}");
    out.assert_summary(&format!(
        "{passed} passed, 1 failed, 0 errors, 0 pending, {not_run} not run"
    ));
    let slow_requests = server
        .requests()
        .iter()
        .filter(|r| r.path != "/bad")
        .count();
    assert!(
        slow_requests <= 1,
        "{slow_requests} slow checks were probed"
    );

    let skipped = p.verdict("slow 4", "skipped");
    assert_eq!(
        skipped.message.as_deref(),
        Some("not run: stopped by --fail-fast")
    );
    assert_eq!(p.junit_counts("ff"), ["5", "1", "0", &not_run.to_string()]);
}

/// With room for every check, --fail-fast cancels the slow ones already running.
#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_cancels_checks_in_flight() {
    let bad = TestResponse::status(500).delay(Duration::from_millis(200));
    let slow_delay = Duration::from_secs(5);
    let (_server, p) = fail_fast_project(bad, slow_delay, 3, "host_concurrency: 8\n").await;
    let out = p.run(&["--fail-fast"]).await;
    out.assert_code(1);
    out.assert_within(Duration::from_secs(2));
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending, 3 not run");
}

/// A pending check that fails does not stop a --fail-fast run; a fixed one does.
#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_ignores_pending_failures_but_not_fixed_checks() {
    let server = http(|r| match r.path.as_str() {
        "/admin" => TestResponse::ok("open"),
        _ => TestResponse::ok("fine").delay(Duration::from_millis(100)),
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/ff.yaml",
        r#"checks:
  - name: blocked
    tags: [excused]
    pending: "WAF in COUNT mode"
    http: { url: "http://chat.test:${port}/admin" }
    expect: { status: 403 }
  - name: open
    tags: [fixed]
    pending: "not live"
    http: { url: "http://chat.test:${port}/admin" }
    expect: { status: 200 }
  - name: a
    http: { url: "http://chat.test:${port}/a" }
    expect: { status: 200 }
  - name: b
    http: { url: "http://chat.test:${port}/b" }
    expect: { status: 200 }
"#,
    );
    let out = p
        .run(&["--fail-fast", "--concurrency", "1", "--skip-tag", "fixed"])
        .await;
    out.assert_code(0);
    out.assert_outcomes(&[
        ("PASS", "ff/a"),
        ("PASS", "ff/b"),
        ("PENDING", "ff/blocked"),
    ]);
    out.assert_summary("2 passed, 0 failed, 0 errors, 1 pending");

    // Which check the runtime starts first is not fixed: when the fixed check happens to
    // finish last there is nothing left to stop, so a few runs are given to see it stop one.
    let mut stopped = false;
    for _ in 0..6 {
        let out = p
            .run(&["--fail-fast", "--concurrency", "1", "--skip-tag", "excused"])
            .await;
        out.assert_code(1);
        let outcomes = out.outcomes();
        assert!(
            outcomes.contains(&("FIXED".to_string(), "ff/open".to_string())),
            "{out}"
        );
        let count = |label: &str| outcomes.iter().filter(|(l, _)| l == label).count();
        let not_run = stopped_by_fail_fast(&out);
        assert_eq!(count("PASS") + not_run, 2, "{out}");
        if not_run >= 1 {
            stopped = true;
            break;
        }
    }
    assert!(
        stopped,
        "the fixed check never stopped the run in six tries"
    );
}

/// `host_concurrency: 1` runs one probe at a time against a host; others go in parallel.
#[tokio::test(flavor = "multi_thread")]
async fn host_concurrency_serialises_probes_to_one_host() {
    let server = http(|_| TestResponse::ok("slow").delay(Duration::from_millis(200))).await;
    let p = Project::with_prod_env(server.port(), None, "host_concurrency: 1\n");
    let mut checks = String::from("checks:\n");
    for i in 1..=3 {
        checks.push_str(&format!(
            "  - name: c{i}\n    http: {{ url: \"http://chat.test:${{port}}/{i}\" }}\n    expect: {{ status: 200 }}\n"
        ));
    }
    p.write("checks/h.yaml", &checks);
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
    out.assert_took_at_least(Duration::from_millis(600));

    // Raised in the file, the same checks overlap.
    p.prod_env(server.port(), None, "host_concurrency: 3\n");
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_within(Duration::from_millis(550));
    // --concurrency 1 on the command line serialises them again.
    let out = p.run(&["--concurrency", "1"]).await;
    out.assert_code(0);
    out.assert_took_at_least(Duration::from_millis(600));
}

/// How many checks the one line `N checks not run: stopped by --fail-fast` counts (0 when
/// there is none); it stands just before the closing summary's blank line.
#[track_caller]
pub(crate) fn stopped_by_fail_fast(out: &Output) -> usize {
    let re = regex::Regex::new(r"(?m)^(\d+) checks? not run: stopped by --fail-fast\n\n").unwrap();
    let found: Vec<usize> = re
        .captures_iter(&out.stdout)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert!(found.len() <= 1, "one line at most:\n{out}");
    let n = found.first().copied().unwrap_or(0);
    if n == 1 {
        assert!(out.stdout.contains("\n1 check not run: "), "{out}");
    }
    n
}

/// Under `--concurrency 1` the checks start in file order: each queues for its slot after
/// the one before it, not in whatever order the scheduler's threads reach the queue.
#[tokio::test(flavor = "multi_thread")]
async fn checks_start_in_file_order() {
    let server = http(|_| TestResponse::ok("ok").delay(Duration::from_millis(5))).await;
    let p = Project::with_prod_env(server.port(), None, "");
    let mut checks = String::from("checks:\n");
    for i in 1..=24 {
        checks.push_str(&format!(
            "  - name: c{i}\n    http: {{ url: \"http://chat.test:${{port}}/{i}\" }}\n    expect: {{ status: 200 }}\n"
        ));
    }
    p.write("checks/order.yaml", &checks);
    let out = p.run(&["--concurrency", "1"]).await;
    out.assert_code_quiet(0);
    let expected: Vec<String> = (1..=24).map(|i| format!("/{i}")).collect();
    let order: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(order, expected);
}
