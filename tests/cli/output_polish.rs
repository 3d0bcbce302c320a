//! What the terminal says, said once and in order: each mismatch once (its block, no one-line
//! message repeating it), details in plan order whatever order the checks finish in, one line
//! for the checks `--fail-fast` left not run, counts in the number they take, and no Rust
//! `Debug` text.

use crate::harness::*;
use crate::support::*;
use std::time::Duration;

/// `/slow` answers 200 after 2s, anything else 200 at once.
async fn slow_and_fast() -> (TestServer, Project) {
    let server = http(|r| {
        let ok = TestResponse::status(200);
        if r.path == "/slow" {
            ok.delay(Duration::from_secs(2))
        } else {
            ok
        }
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn details_come_in_plan_order_and_each_mismatch_once() {
    let (server, p) = slow_and_fast().await;
    p.write(
        "checks/order.yaml",
        r#"checks:
  - name: slow
    http: { url: "http://chat.test:${port}/slow" }
    expect: { status: 201, headers: { x-missing: { equals: "yes" } } }
  - name: fast
    http: { url: "http://chat.test:${port}/fast" }
    expect: { status: 202 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    // The slow check finishes last but comes first, as in the plan.
    let ids: Vec<String> = out.checks().into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids, ["order/slow", "order/fast"], "{out}");
    let port = server.port();
    let curl = |path: &str| {
        format!(
            "reproduce: curl -sS -i --resolve chat.test:{port}:127.0.0.1 --max-time 10 \
             http://chat.test:{port}{path}"
        )
    };
    assert_eq!(
        out.details_of("order/slow"),
        [
            p.at("checks/order.yaml", 2),
            "status".to_string(),
            "  expected: 201".to_string(),
            "  actual:   200".to_string(),
            "header x-missing".to_string(),
            "  expected: \"yes\"".to_string(),
            "  actual:   absent".to_string(),
            curl("/slow"),
        ],
        "{out}"
    );
    assert_eq!(
        out.details_of("order/fast"),
        [
            p.at("checks/order.yaml", 5),
            "status".to_string(),
            "  expected: 202".to_string(),
            "  actual:   200".to_string(),
            curl("/fast"),
        ],
        "{out}"
    );
    assert!(
        out.stdout
            .contains("\n\nfailed: order/slow\nfailed: order/fast\n"),
        "{out}"
    );
    out.assert_summary("0 passed, 2 failed, 0 errors, 0 pending");
    // The JUnit report keeps the one-line message as the failure's message, once.
    let failure = p.verdict("fast", "failure");
    assert_eq!(
        failure.message.as_deref(),
        Some("status: expected 202, got 200")
    );
    assert_eq!(
        failure.text.matches("expected 202").count(),
        0,
        "{}",
        failure.xml
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_ends_with_one_not_run_line_and_counts_take_their_number() {
    let (_server, p) = slow_and_fast().await;
    p.write(
        "checks/ff.yaml",
        r#"checks:
  - name: bad
    http: { url: "http://chat.test:${port}/bad" }
    expect: { status: 500 }
  - name: later 1
    http: { url: "http://chat.test:${port}/slow" }
    expect: { status: 200 }
  - name: later 2
    http: { url: "http://chat.test:${port}/slow" }
    expect: { status: 200 }
  - name: later 3
    http: { url: "http://chat.test:${port}/slow" }
    expect: { status: 200 }
"#,
    );
    // All start at once; the failure comes first and cancels the three slow ones.
    let out = p.run(&["--fail-fast"]).await;
    out.assert_code(1);
    let at = p.at("checks/ff.yaml", 2);
    let head = out.line_of("ff/bad").to_string();
    let rest = out
        .stdout
        .split_once(&format!("{head}\n"))
        .expect("the line")
        .1;
    let expected_start =
        format!("    {at}\n    status\n      expected: 500\n      actual:   200\n");
    assert!(rest.starts_with(&expected_start), "{out}");
    assert!(
        rest.contains(
            "\n3 checks not run: stopped by --fail-fast\n\nfailed: ff/bad\n\
             0 passed, 1 failed, 0 errors, 0 pending, 3 not run in "
        ),
        "{out}"
    );
    assert_eq!(out.checks().len(), 1, "no line per check not run: {out}");

    // One error, one check.
    p.write(
        "checks/err.yaml",
        "checks:\n  - name: refused\n    http: { url: \"http://127.0.0.1:1/\" }\n    expect: { status: 200 }\n",
    );
    let out = p.run(&["--only", "err/refused"]).await;
    out.assert_code(3);
    out.assert_summary("0 passed, 0 failed, 1 error, 0 pending");
    let list = p.list(&["--only", "err/refused"]).await;
    list.assert_code(0);
    assert!(list.stdout.ends_with("\n1 check for env prod\n"), "{list}");
    std::fs::remove_file(p.path().join("checks/err.yaml")).expect("rm");
    p.write(
        "checks/ff.yaml",
        "checks:\n  - name: one\n    http: { url: \"http://chat.test:${port}/\" }\n    expect: { status: 200 }\n",
    );
    let validate = p.validate(&[]).await;
    validate.assert_code(0);
    assert_eq!(validate.stdout, "env prod: 1 check in 1 suite is valid\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_debug_text_in_explain_or_details() {
    let dns = dns_server::start().await;
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/net.yaml",
        &format!(
            r#"checks:
  - name: name
    dns: {{ name: nope.conform.test, type: A, server: "{dns}" }}
    expect: {{ rcode: NOERROR }}
  - name: port
    tcp: {{ host: 127.0.0.1, port: 1 }}
    expect: {{ connect: refused }}
  - name: hello
    tls: {{ host: 127.0.0.1, port: 1, sni: chat.test }}
    expect: {{ handshake: accepted }}
  - name: post
    http: {{ url: "http://127.0.0.1:1/", method: POST, json: {{ a: [1, "x"] }} }}
    expect: {{ status: 200 }}
"#,
            dns = dns.addr()
        ),
    );
    let explain = |id: &'static str| {
        let p = &p;
        async move {
            let out = p.command("explain", &[id], &[]).await;
            out.assert_code(0);
            out.stdout
        }
    };
    let text = explain("net/name").await;
    assert!(
        text.contains(&format!(
            "\nprobe\n  dns nope.conform.test. A via {} over UDP (TCP when the answer is truncated)\n",
            dns.addr()
        )),
        "{text}"
    );
    let text = explain("net/port").await;
    assert!(text.contains("\nexpect\n  connect: refused\n"), "{text}");
    let text = explain("net/hello").await;
    assert!(text.contains("\n  alpn none offered\n"), "{text}");
    let text = explain("net/post").await;
    assert!(
        text.contains("\n  http POST http://127.0.0.1:1/\n  json {\"a\":[1,\"x\"]}\n"),
        "{text}"
    );
    for text in [
        explain("net/name").await,
        explain("net/port").await,
        explain("net/hello").await,
        explain("net/post").await,
    ] {
        for debug in ["Udp", "Json(", "Object {", "Refused", "alpn []", "Some("] {
            assert!(!text.contains(debug), "{debug} in:\n{text}");
        }
    }
    let out = p.run(&["-v", "--only", "net/name"]).await;
    out.assert_code(1);
    let details = out.details_of("net/name");
    assert!(
        details.contains(&format!("> asked {} over UDP", dns.addr())),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_expect_is_hinted_in_the_checks_own_kind() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/net.yaml",
        "checks:\n  - name: port\n    tcp: { host: 127.0.0.1, port: 1 }\n  - name: name\n    dns: { name: a.test, type: A }\n",
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let file = p.shown("checks/net.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {file}:2:5: the check has no `expect`; add what must be true, e.g. expect: \
             {{ connect: accepted }}\n\
             error: {file}:4:5: the check has no `expect`; add what must be true, e.g. expect: \
             {{ rcode: NOERROR }}\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_key_names_the_key_and_both_places_and_no_location_is_made_up() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\nerror: {}: no check files found; expected *.yaml files under checks/ \
             (or pass --dir with the folder that holds checks/ and environments/)\n\
             1 error found; nothing was probed\n",
            p.shown("checks")
        ),
        "{out}"
    );
    p.write(
        "checks/dup.yaml",
        "checks:\n  - name: a\n    tcp: { host: 127.0.0.1, port: 1 }\n    expect: { connect: refused }\n    expect: { connect: accepted }\n",
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\nerror: {}:5:5: duplicate key `expect`: first at 4:5, again at 5:5; \
             expected each key once in a mapping; keep one `expect` (merge what the two say)\n\
             1 error found; nothing was probed\n",
            p.shown("checks/dup.yaml")
        ),
        "{out}"
    );
    let out = p.run(&["--env", "staging"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}: environment `staging` not found: there is no environments/staging.yaml; \
             expected one of: prod\n1 error found; nothing was probed\n",
            p.shown("environments")
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unset_variable_is_one_warning_however_often_it_is_used() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/a.yaml",
        r#"checks:
  - name: a
    http: { url: "http://127.0.0.1:1/${env:CONFORM_TEST_UNSET}", headers: { x: "${env:CONFORM_TEST_UNSET}" } }
    expect: { status: 200 }
  - name: b
    http: { url: "http://127.0.0.1:1/${env:CONFORM_TEST_UNSET}" }
    expect: { status: 200 }
"#,
    );
    let out = p.validate(&[]).await;
    out.assert_code(0);
    let file = p.shown("checks/a.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "warning: env prod: {file}:3:18: environment variable `CONFORM_TEST_UNSET` is not \
             set (needed by `${{env:CONFORM_TEST_UNSET}}`) (also at {file}:3:80, {file}:6:18); \
             set it in the environment that runs conform, or give a default: \
             ${{env:NAME:-value}}\n"
        ),
        "{out}"
    );
    assert_eq!(
        out.stdout,
        "env prod: 2 checks in 1 suite are valid (1 value is not set here; `run` needs it)\n"
    );
    // At run time, a second use of the same variable is not one more unset value.
    let out = p.run(&["--only", "a/a"]).await;
    out.assert_code(3);
    assert_eq!(
        out.details_of("a/a")[1],
        format!(
            "error (unset value): not run: environment variable `CONFORM_TEST_UNSET` is not set \
             (needed by `${{env:CONFORM_TEST_UNSET}}`) (at {file}:3:18); set it in the \
             environment that runs conform, or give a default: ${{env:NAME:-value}}"
        ),
        "{out}"
    );
}
