//! Pending checks (excused, fixed, expired) and retries (flaky passes, every attempt said,
//! the delay between tries).

use crate::harness::*;
use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const PENDING_CHECKS: &str = r#"suite: waf
checks:
  - name: admin blocked
    pending: "WAF rule still in COUNT mode"
    retries: 2
    retry_delay: 100ms
    http: { url: "http://chat.test:${port}/admin" }
    expect: { status: 403 }
  - name: new endpoint
    pending: "not deployed yet"
    http: { url: "http://chat.test:${port}/new" }
    expect: { status: 200 }
  - name: old excuse
    pending: { reason: "was due in 2019", until: 2020-01-01 }
    http: { url: "http://chat.test:${port}/old" }
    expect: { status: 403 }
"#;

async fn pending_project() -> (TestServer, Project) {
    let (server, p) = http_project(TestResponse::ok("open")).await;
    p.write("checks/waf.yaml", PENDING_CHECKS);
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_pending_check_is_excused_exit_0() {
    let (server, p) = pending_project().await;
    let out = p.run(&["--only", "waf/admin-blocked"]).await;
    out.assert_code(0);
    out.assert_line("PENDING", "waf/admin-blocked", "admin blocked");
    let details = out.details_of("waf/admin-blocked");
    assert!(
        details.contains(&"pending: WAF rule still in COUNT mode".to_string()),
        "{out}"
    );
    assert!(details.contains(&"  expected: 403".to_string()), "{out}");
    assert!(details.contains(&"  actual:   200".to_string()), "{out}");
    out.assert_summary("0 passed, 0 failed, 0 errors, 1 pending");
    // A pending check is tried once, whatever `retries` says.
    assert_eq!(server.requests().len(), 1);

    assert_eq!(p.junit_counts("waf"), ["1", "0", "0", "1"]);
    let skipped = p.verdict("admin blocked", "skipped");
    assert_eq!(
        skipped.message.as_deref(),
        Some("pending: WAF rule still in COUNT mode")
    );
    let body = &skipped.text;
    assert!(body.contains("expected: 403"), "{body}");
    assert!(body.contains("reproduce: curl "), "{body}");
}

/// The reason of a pending check is said once in its detail block.
#[tokio::test(flavor = "multi_thread")]
async fn the_pending_reason_is_said_once() {
    let (_server, p) = pending_project().await;
    let out = p.run(&["--only", "waf/admin-blocked"]).await;
    out.assert_code(0);
    let port = _server.port();
    assert_eq!(
        out.details_of("waf/admin-blocked"),
        [
            p.at("checks/waf.yaml", 3),
            "status".to_string(),
            "  expected: 403".to_string(),
            "  actual:   200".to_string(),
            "pending: WAF rule still in COUNT mode".to_string(),
            format!(
                "reproduce: curl -sS -i --resolve chat.test:{port}:127.0.0.1 --max-time 10 \
                 http://chat.test:{port}/admin"
            ),
        ],
        "{out}"
    );
    let body = p.verdict("admin blocked", "skipped").text;
    assert_eq!(body.matches("pending: WAF rule").count(), 1, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passing_pending_check_is_fixed_exit_1() {
    let (server, p) = pending_project().await;
    let out = p.run(&["--only", "new endpoint"]).await;
    out.assert_code(1);
    out.assert_line("FIXED", "waf/new-endpoint", "new endpoint");
    let details = out.details_of("waf/new-endpoint");
    assert_eq!(details[0], p.at("checks/waf.yaml", 9));
    assert_eq!(details[1], "pending check now passes: remove `pending`");
    assert!(out.stdout.contains("\nfixed: waf/new-endpoint\n"), "{out}");
    out.assert_summary("0 passed, 0 failed, 0 errors, 0 pending, 1 fixed");
    assert_eq!(server.requests().len(), 1);

    assert_eq!(p.junit_counts("waf"), ["1", "1", "0", "0"]);
    p.verdict("new endpoint", "failure")
        .assert_is("fixed", "pending check now passes: remove `pending`");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_pending_check_that_fails_is_a_failure_exit_1() {
    let (_server, p) = pending_project().await;
    let out = p.run(&["--only", "waf/old-*"]).await;
    out.assert_code(1);
    out.assert_line("FAIL", "waf/old-excuse", "old excuse");
    let message = "status: expected 403, got 200 (pending expired on 2020-01-01: was due in 2019)";
    // The status mismatch is shown once, in its block; the line says what the message adds.
    assert_eq!(
        out.details_of("waf/old-excuse")[1..5],
        [
            "pending expired on 2020-01-01: was due in 2019",
            "status",
            "  expected: 403",
            "  actual:   200"
        ],
        "{out}"
    );
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    p.verdict("old excuse", "failure")
        .assert_is("fail", message);

    // All three together: the summary counts each outcome once.
    let all = p.run(&[]).await;
    all.assert_code(1);
    all.assert_summary("0 passed, 1 failed, 0 errors, 1 pending, 1 fixed");
    assert_eq!(p.junit_counts("waf"), ["3", "2", "0", "1"]);
}

/// `/flaky` fails its first request, then passes; `/broken` always fails.
async fn retry_server() -> TestServer {
    let calls = Arc::new(AtomicUsize::new(0));
    http(move |r| match r.path.as_str() {
        "/flaky" if calls.fetch_add(1, Ordering::SeqCst) == 0 => TestResponse::status(503),
        "/broken" => TestResponse::status(500),
        _ => TestResponse::ok("fine"),
    })
    .await
}

const RETRY_CHECKS: &str = r#"checks:
  - name: flaky
    retries: 2
    retry_delay: 100ms
    http: { url: "http://chat.test:${port}/flaky" }
    expect: { status: 200 }
  - name: broken
    retries: 1
    retry_delay: 100ms
    http: { url: "http://chat.test:${port}/broken" }
    expect: { status: 200 }
"#;

/// A [`retry_server`] and a project of [`RETRY_CHECKS`].
async fn retry_project() -> (TestServer, Project) {
    let server = retry_server().await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write("checks/up.yaml", RETRY_CHECKS);
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_passes_on_retry_is_a_flaky_pass() {
    let (server, p) = retry_project().await;
    let out = p.run(&["--only", "up/flaky"]).await;
    out.assert_code(0);
    out.assert_line(
        "PASS",
        "up/flaky",
        "flaky (flaky: passed on attempt 2 of 3)",
    );
    let details = out.details_of("up/flaky");
    assert_eq!(
        details[1], "attempt 1: fail (status: expected 200, got 503)",
        "{out}"
    );
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending, 1 flaky");
    assert_eq!(paths(&server), ["/flaky", "/flaky"]);

    assert_eq!(p.junit_counts("up"), ["1", "0", "0", "0"]);
    assert!(!p.junit_case_has("flaky", "failure"), "{}", p.junit());
    p.verdict("flaky", "flakyFailure")
        .assert_is("fail", "attempt 1: fail (status: expected 200, got 503)");
    let out_text = p.verdict("flaky", "system-out").text;
    assert!(
        out_text.starts_with("flaky: passed on attempt 2 of 3\n"),
        "{out_text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_always_fails_is_tried_retries_plus_one_times() {
    let (server, p) = retry_project().await;
    let out = p.run(&["--only", "up/broken"]).await;
    out.assert_code(1);
    assert!(
        out.line_of("up/broken")
            .starts_with("FAIL    up/broken  broken ")
    );
    assert!(
        out.details_of("up/broken")
            .contains(&"attempt 1: fail, the same as the last attempt".to_string()),
        "{out}"
    );
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    assert_eq!(paths(&server), ["/broken", "/broken"]);
    let failure = p.verdict("broken", "failure");
    assert_eq!(failure.kind.as_deref(), Some("fail"), "{}", failure.xml);
    let rerun = p.verdict("broken", "rerunFailure");
    assert_eq!(
        rerun.message.as_deref(),
        Some("attempt 1: fail (status: expected 200, got 500)")
    );

    // --retries on the command line overrides the file.
    let server = retry_server().await;
    p.prod_env(server.port(), None, "");
    let out = p.run(&["--only", "up/broken", "--retries", "0"]).await;
    out.assert_code(1);
    assert_eq!(paths(&server), ["/broken"]);
}

/// Retries wait `retry_delay` between tries.
#[tokio::test(flavor = "multi_thread")]
async fn retries_wait_the_retry_delay() {
    let (server, p) = http_project(TestResponse::status(500)).await;
    p.write(
        "checks/r.yaml",
        r#"checks:
  - name: r
    retries: 2
    retry_delay: 300ms
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_took_at_least(Duration::from_millis(600));
    assert_eq!(server.requests().len(), 3);
    let details = out.details_of("r/r");
    assert!(details.contains(&"attempt 1: fail, the same as the last attempt".to_string()));
    assert!(details.contains(&"attempt 2: fail, the same as the last attempt".to_string()));
}
