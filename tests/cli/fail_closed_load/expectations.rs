//! Expectations that cannot decide anything (empty, no status, impossible header names, comparisons
//! that cannot be made, encoded bodies judged as text) are refused or fail, never pass.

use crate::harness::*;
use crate::support::*;

/// `expect: {}` used to pass against a 500. It is a load error; nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_expect_is_a_load_error() {
    let (server, p) = http_project(TestResponse::status(500)).await;
    p.http_check("api", "anything goes", "http://chat.test:${port}/", "{}");
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:4:13: `expect` holds no expectation, so any answer would pass; expected \
             what must be true, e.g. expect: {{ status: 200 }}\n1 error found; nothing was probed\n",
            p.shown("checks/api.yaml")
        ),
        "{out}"
    );
    // Matchers that are all empty are the same mistake.
    p.http_check(
        "api",
        "anything goes",
        "http://chat.test:${port}/",
        "{ headers: {} }",
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    out.assert_stderr_contains(":4:24: `headers` holds no expectation;");
    assert_eq!(server.connections(), 0, "nothing may be probed");
}

/// An http check with no `status` passes a 500: allowed, with a warning on stderr that names
/// the place; `--strict` makes it a load error for `run` and `validate`.
#[tokio::test(flavor = "multi_thread")]
async fn no_status_warns_and_strict_refuses() {
    let (server, p) = http_project(TestResponse::status(500).header("x-app", "conform")).await;
    p.http_check(
        "api",
        "served by the app",
        "http://chat.test:${port}/",
        "{ headers: { x-app: conform } }",
    );
    let warning = format!(
        "{}:4:13: the http check has no `status` expectation: any status passes, a 500 \
         included; add e.g. status: 200 (or status: 2xx); --strict makes this an error\n",
        p.shown("checks/api.yaml")
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    assert_eq!(out.stderr, format!("warning: {warning}"), "{out}");
    assert_eq!(server.connections(), 1);

    let out = p.run(&["--strict"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!("error: {warning}1 error found; nothing was probed\n"),
        "{out}"
    );
    let out = p.validate(&["--strict"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!("env prod:\nerror: {warning}1 error found; nothing was probed\n"),
        "{out}"
    );
    let out = p.validate(&[]).await;
    out.assert_code(0);
    assert_eq!(out.stderr, format!("warning: env prod: {warning}"), "{out}");
    assert_eq!(server.connections(), 1, "--strict probes nothing");
}

/// `not` of a comparison that cannot be made (a number against a duration) used to pass:
/// the comparison errs, `not` made the error a pass. It is a fail, with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn not_of_a_comparison_that_cannot_be_made_fails() {
    let (_server, p) = http_project(TestResponse::status(404)).await;
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: time
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 404, time: { not: { gte: 0 } } }
  - name: length
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 404, headers: { content-length: { not: { gt: 1s } } } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_outcomes(&[("FAIL", "web/length"), ("FAIL", "web/time")]);
    assert!(
        out.stdout
            .contains("    time\n      expected: not (>= 0)\n      actual:   "),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("compare a duration with a duration, such as 2s or 21d"),
        "{out}"
    );
    assert!(out.stdout.contains("this value is not a duration"), "{out}");
}

/// A status or rcode expectation that every value would pass can never fail (a gate that
/// is always green); one that none would pass can never pass. Both are load errors.
#[tokio::test(flavor = "multi_thread")]
async fn status_and_rcode_expectations_must_decide_something() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    let mut file = String::from("checks:\n");
    let cases = [
        (
            "http: { url: \"https://a.test/\" }",
            "status",
            "{ present: true }",
        ),
        (
            "http: { url: \"https://a.test/\" }",
            "status",
            "{ matches: '^[1-5]' }",
        ),
        (
            "http: { url: \"https://a.test/\" }",
            "status",
            "{ any_of: [2xx, { not: 2xx }] }",
        ),
        (
            "http: { url: \"https://a.test/\" }",
            "status",
            "{ all_of: [2xx, 3xx] }",
        ),
        (
            "dns: { name: a.test, type: A }",
            "rcode",
            "{ present: true }",
        ),
        (
            "dns: { name: a.test, type: A }",
            "rcode",
            "{ any_of: [NOERROR, { not: NOERROR }] }",
        ),
        (
            "dns: { name: a.test, type: A }",
            "rcode",
            "{ not: { absent: true } }",
        ),
    ];
    for (i, (probe, key, m)) in cases.iter().enumerate() {
        file.push_str(&format!(
            "  - name: c{i}\n    {probe}\n    expect: {{ {key}: {m} }}\n"
        ));
    }
    p.write("checks/vacuous.yaml", &file);
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let f = p.shown("checks/vacuous.yaml");
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    let expected: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, key, m))| {
            let (name, example) = if *key == "status" {
                ("HTTP status", "200 or { not: 5xx }")
            } else {
                ("DNS response code", "NOERROR or { not: SERVFAIL }")
            };
            let never = m.starts_with("{ all_of");
            format!(
                "error: {f}:{}:{}: `{key}` holds for {} {name}: it can never {}; expected an \
                 expectation that some {name} would {}, e.g. {example}",
                4 + 3 * i,
                17 + key.len(),
                if never { "no" } else { "every" },
                if never { "pass" } else { "fail" },
                if never { "pass" } else { "fail" },
            )
        })
        .collect();
    assert_eq!(lines, expected, "{out}");
}

/// A header name no answer can have (`x-powered-by:` with its colon) made `absent: true`
/// always pass: a load error.
#[tokio::test(flavor = "multi_thread")]
async fn a_header_name_no_answer_can_have_is_a_load_error() {
    let (_server, p) = http_project(TestResponse::ok("x").header("x-powered-by", "PHP")).await;
    p.http_check(
        "web",
        "no php",
        "http://chat.test:${port}/",
        "{ status: 200, headers: { \"x-powered-by:\": { absent: true } } }",
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:4:39: `x-powered-by:` is not a header name, so no answer has it; expected \
             letters, digits and !#$%&'*+-.^_`|~ only, e.g. x-powered-by\n\
             1 error found; nothing was probed\n",
            p.shown("checks/web.yaml")
        ),
        "{out}"
    );
}

/// A body sent encoded though none was asked for is not judged as text: a fail that says
/// so (`not: { contains: error }` passed on compressed bytes). An answer with no body (204,
/// 304, HEAD) only names its encoding: nothing to judge wrongly.
#[tokio::test(flavor = "multi_thread")]
async fn an_encoded_body_is_not_judged_as_text() {
    let (_none, q) =
        http_project(TestResponse::status(204).header("content-encoding", "gzip")).await;
    q.http_check(
        "web",
        "nothing",
        "http://chat.test:${port}/",
        "{ status: 204, body: { empty: true } }",
    );
    q.run(&[]).await.assert_code(0);
    let (_server, p) = http_project(
        TestResponse::ok(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).header("content-encoding", "gzip"),
    )
    .await;
    p.http_check(
        "web",
        "no error",
        "http://chat.test:${port}/",
        "{ status: 200, body: { not: { contains: error } } }",
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    assert!(
        out.stdout.contains(
            "    body\n      expected: a body as text (conform asks for no content-encoding)\n      \
             actual:   an encoded body (content-encoding: gzip)\n"
        ),
        "{out}"
    );
}

/// A transfer-coding other than chunked (which the client undoes) leaves coded bytes too:
/// `Transfer-Encoding: gzip, chunked` fails the body expectations the same way.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_with_a_transfer_coding_is_not_judged_as_text() {
    let server = raw_server(
        &b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\nb\r\nfatal error\r\n0\r\n\r\n"
            [..],
    )
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.http_check(
        "web",
        "no error",
        "http://chat.test:${port}/",
        "{ status: 200, body: { not: { contains: error } } }",
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    assert_eq!(
        out.details_of("web/no-error")[1..4],
        [
            "body",
            "  expected: a body as text (conform asks for no content-encoding)",
            "  actual:   an encoded body (transfer-encoding: gzip, chunked)",
        ],
        "{out}"
    );
}
