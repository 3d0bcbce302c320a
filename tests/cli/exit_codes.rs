//! No answer is an error, exit 3; a failure outranks an error, exit 1.

use crate::harness::*;
use crate::support::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_an_error_exit_3() {
    let port = closed_port();
    let p = Project::with_prod_env(port, None, "");
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: api up
    timeout: 5s
    http: { url: "http://chat.test:${port}/health" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_line("ERROR", "api/api-up", "api up");
    let message =
        format!("GET http://chat.test:{port}/health: connection refused (127.0.0.1:{port})");
    assert_eq!(
        out.details_of("api/api-up"),
        [
            p.at("checks/api.yaml", 2),
            format!("error (connection refused): {message}"),
            format!(
                "reproduce: curl -sS -i --resolve chat.test:{port}:127.0.0.1 --max-time 5 \
                 http://chat.test:{port}/health"
            ),
        ],
        "{out}"
    );
    assert!(out.stdout.contains("\nerrored: api/api-up\n"), "{out}");
    out.assert_summary("0 passed, 0 failed, 1 error, 0 pending");

    assert_eq!(p.junit_counts("api"), ["1", "0", "1", "0"]);
    p.verdict("api up", "error")
        .assert_is("connection refused", &message);
    assert!(!p.junit_case_has("api up", "failure"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_server_is_a_timeout_error_within_the_timeout() {
    let server = silent_server().await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: api up
    timeout: 1s
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_within(Duration::from_millis(2500));
    let port = server.port();
    let message = format!(
        "GET http://chat.test:{port}/: no complete answer within 1s (timeout) while waiting \
         for the response headers from 127.0.0.1:{port}"
    );
    let details = out.details_of("api/api-up");
    assert_eq!(details[1], format!("error (timeout): {message}"), "{out}");
    assert!(details[2].contains("--max-time 1 "), "{out}");
    out.assert_summary("0 passed, 0 failed, 1 error, 0 pending");

    p.verdict("api up", "error").assert_is("timeout", &message);
}

/// Exit codes combine: a failure wins over an error (1), an error over passes (3).
#[tokio::test(flavor = "multi_thread")]
async fn a_failure_and_an_error_together_exit_1() {
    let server = http(|_| TestResponse::ok("x")).await;
    let p = Project::new();
    p.prod_env_vars(
        &[("port", server.port()), ("closed", closed_port())],
        None,
        "",
    );
    p.write(
        "checks/mix.yaml",
        r#"checks:
  - name: ok
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
  - name: wrong
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 201 }
  - name: down
    http: { url: "http://chat.test:${closed}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_outcomes(&[
        ("ERROR", "mix/down"),
        ("PASS", "mix/ok"),
        ("FAIL", "mix/wrong"),
    ]);
    out.assert_summary("1 passed, 1 failed, 1 error, 0 pending");
    let only_error = p.run(&["--only", "mix/down", "--only", "ok"]).await;
    only_error.assert_code(3);
    only_error.assert_summary("1 passed, 0 failed, 1 error, 0 pending");
}
