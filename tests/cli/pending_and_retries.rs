//! Pending checks (excused, fixed, expired) and retries (flaky passes, every attempt said,
//! the delay between tries).

use crate::harness::*;
use crate::support::*;
use regex::Regex;
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
    let server = http(|_| TestResponse::ok("open")).await;
    let p = Project::new();
    p.prod_env(server.port(), None, "");
    p.write("checks/waf.yaml", PENDING_CHECKS);
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_pending_check_is_excused_exit_0() {
    let (server, p) = pending_project().await;
    let out = p.run(&["--only", "waf/admin-blocked"]).await;
    out.assert_code(0);
    let line = Regex::new(r"^PENDING waf/admin-blocked  admin blocked +\d+\.\d\ds$").unwrap();
    assert!(line.is_match(out.line_of("waf/admin-blocked")), "{out}");
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

    let xml = p.junit();
    let doc = parse(&xml);
    assert_eq!(counts(suite(&doc, "waf")), ["1", "0", "0", "1"]);
    let skipped = child(case(&doc, "admin blocked"), "skipped");
    assert_eq!(
        skipped.attribute("message"),
        Some("pending: WAF rule still in COUNT mode")
    );
    let body = skipped.text().unwrap_or_default();
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
            format!("at {}:3", p.shown("checks/waf.yaml")),
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
    let xml = p.junit();
    let doc = parse(&xml);
    let body = child(case(&doc, "admin blocked"), "skipped")
        .text()
        .unwrap_or_default()
        .to_string();
    assert_eq!(body.matches("pending: WAF rule").count(), 1, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passing_pending_check_is_fixed_exit_1() {
    let (server, p) = pending_project().await;
    let out = p.run(&["--only", "new endpoint"]).await;
    out.assert_code(1);
    let line = Regex::new(r"^FIXED   waf/new-endpoint  new endpoint +\d+\.\d\ds$").unwrap();
    assert!(line.is_match(out.line_of("waf/new-endpoint")), "{out}");
    let details = out.details_of("waf/new-endpoint");
    assert_eq!(details[0], format!("at {}:9", p.shown("checks/waf.yaml")));
    assert_eq!(details[1], "pending check now passes: remove `pending`");
    assert!(out.stdout.contains("\nfixed: waf/new-endpoint\n"), "{out}");
    out.assert_summary("0 passed, 0 failed, 0 errors, 0 pending, 1 fixed");
    assert_eq!(server.requests().len(), 1);

    let xml = p.junit();
    let doc = parse(&xml);
    assert_eq!(counts(suite(&doc, "waf")), ["1", "1", "0", "0"]);
    let failure = child(case(&doc, "new endpoint"), "failure");
    assert_eq!(failure.attribute("type"), Some("fixed"));
    assert_eq!(
        failure.attribute("message"),
        Some("pending check now passes: remove `pending`")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_pending_check_that_fails_is_a_failure_exit_1() {
    let (_server, p) = pending_project().await;
    let out = p.run(&["--only", "waf/old-*"]).await;
    out.assert_code(1);
    let line = Regex::new(r"^FAIL    waf/old-excuse  old excuse +\d+\.\d\ds$").unwrap();
    assert!(line.is_match(out.line_of("waf/old-excuse")), "{out}");
    let message = "status: expected 403, got 200 (pending expired on 2020-01-01: was due in 2019)";
    assert_eq!(out.details_of("waf/old-excuse")[1], message, "{out}");
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    let xml = p.junit();
    let doc = parse(&xml);
    let failure = child(case(&doc, "old excuse"), "failure");
    assert_eq!(failure.attribute("type"), Some("fail"));
    assert_eq!(failure.attribute("message"), Some(message));

    // All three together: the summary counts each outcome once.
    let all = p.run(&[]).await;
    all.assert_code(1);
    all.assert_summary("0 passed, 1 failed, 0 errors, 1 pending, 1 fixed");
    let xml = p.junit();
    let doc = parse(&xml);
    assert_eq!(counts(suite(&doc, "waf")), ["3", "2", "0", "1"]);
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

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_passes_on_retry_is_a_flaky_pass() {
    let server = retry_server().await;
    let p = Project::new();
    p.prod_env(server.port(), None, "");
    p.write("checks/up.yaml", RETRY_CHECKS);
    let out = p.run(&["--only", "up/flaky"]).await;
    out.assert_code(0);
    let line =
        Regex::new(r"^PASS    up/flaky  flaky \(flaky: passed on attempt 2 of 3\) +\d+\.\d\ds$")
            .unwrap();
    assert!(line.is_match(out.line_of("up/flaky")), "{out}");
    let details = out.details_of("up/flaky");
    assert_eq!(
        details[1], "attempt 1: fail (status: expected 200, got 503)",
        "{out}"
    );
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending, 1 flaky");
    assert_eq!(paths(&server), ["/flaky", "/flaky"]);

    let xml = p.junit();
    let doc = parse(&xml);
    assert_eq!(counts(suite(&doc, "up")), ["1", "0", "0", "0"]);
    let tc = case(&doc, "flaky");
    assert!(!has_child(tc, "failure"), "{xml}");
    let flaky = child(tc, "flakyFailure");
    assert_eq!(flaky.attribute("type"), Some("fail"));
    assert_eq!(
        flaky.attribute("message"),
        Some("attempt 1: fail (status: expected 200, got 503)")
    );
    let out_text = child(tc, "system-out").text().unwrap_or_default();
    assert!(
        out_text.starts_with("flaky: passed on attempt 2 of 3\n"),
        "{out_text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_always_fails_is_tried_retries_plus_one_times() {
    let server = retry_server().await;
    let p = Project::new();
    p.prod_env(server.port(), None, "");
    p.write("checks/up.yaml", RETRY_CHECKS);
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
    let xml = p.junit();
    let doc = parse(&xml);
    let tc = case(&doc, "broken");
    assert_eq!(child(tc, "failure").attribute("type"), Some("fail"));
    assert_eq!(
        child(tc, "rerunFailure").attribute("message"),
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
    let server = http(|_| TestResponse::status(500)).await;
    let p = Project::new();
    p.prod_env(server.port(), None, "");
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
    assert!(
        out.elapsed >= Duration::from_millis(600),
        "took {:?}",
        out.elapsed
    );
    assert_eq!(server.requests().len(), 3);
    let details = out.details_of("r/r");
    assert!(details.contains(&"attempt 1: fail, the same as the last attempt".to_string()));
    assert!(details.contains(&"attempt 2: fail, the same as the last attempt".to_string()));
}
