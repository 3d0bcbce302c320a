//! `${secret:..}` values: sent to the server, redacted from every output in every quoted or
//! encoded form, and an error only for the checks that run when unset.

use crate::harness::*;
use crate::support::*;

const SECRET: &str = "s3cr3t-value-123";

/// An HTTPS server that echoes the request's Authorization header, and its query, in the body
/// and a header; and a project that trusts it (`extra` added to its environment), with
/// `checks` as `checks/api.yaml`.
async fn echo_project(extra: &str, checks: &str) -> (TestServer, Project) {
    let pki = Pki::new();
    let server = https(&pki, |r| {
        let auth = r.header("authorization").unwrap_or("none").to_string();
        TestResponse::ok(format!("you sent: {auth} to {}", r.path)).header("x-echo", &auth)
    })
    .await;
    let p = Project::with_prod_env(server.port(), Some(&pki), extra);
    p.write("checks/api.yaml", checks);
    (server, p)
}

/// Runs the project with `secret` as `TEST_TOKEN` and `args`; a check fails (exit 1).
async fn run_failing(p: &Project, args: &[&str], secret: &str) -> Output {
    let out = p.run_with_env(args, &[("TEST_TOKEN", secret)]).await;
    out.assert_code(1);
    out
}

/// A project of one check, `t`, whose http probe has the keys `http` (one a line) and that
/// expects 201 of the echo server, which answers 200: run with `secret` as `TEST_TOKEN` and
/// `args`, it fails (exit 1).
async fn run_one_check(
    http: &[&str],
    secret: &str,
    args: &[&str],
) -> (TestServer, Project, Output) {
    let keys: String = http.iter().map(|k| format!("      {k}\n")).collect();
    let checks = format!("checks:\n  - name: t\n    http:\n{keys}    expect: {{ status: 201 }}\n");
    let (server, p) = echo_project("", &checks).await;
    let out = run_failing(&p, args, secret).await;
    (server, p, out)
}

/// Neither stdout nor the JUnit report shows `secret` or any run of 6 of its characters.
#[track_caller]
fn assert_reports_hide(p: &Project, out: &Output, secret: &str) {
    assert_no_secret(&out.stdout, secret, "stdout");
    assert_no_secret(&p.junit(), secret, "junit.xml");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_never_appears_in_any_output_even_with_vv() {
    let (server, p) = echo_project(
        "defaults: { retries: 1, retry_delay: 10ms }\n",
        r#"checks:
  - name: token works
    http:
      url: "https://chat.test:${port}/graphql"
      headers: { authorization: "Bearer ${secret:TEST_TOKEN}" }
    expect:
      body: { contains: nope }
      headers: { x-echo: { equals: nope } }
  - name: token passes
    http:
      url: "https://chat.test:${port}/ok"
      headers: { authorization: "Bearer ${secret:TEST_TOKEN}" }
    expect:
      body: { contains: "Bearer ${secret:TEST_TOKEN}" }
"#,
    )
    .await;
    let out = run_failing(&p, &["-vv"], SECRET).await;
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    assert_reports_hide(&p, &out, SECRET);
    assert_no_secret(&out.stderr, SECRET, "stderr");

    let details = out.details_of("api/token-works");
    for expected in [
        "  actual:   \"Bearer [redacted:TEST_TOKEN]\"",
        "  actual:   \"you sent: Bearer [redacted:TEST_TOKEN] to /graphql\"",
        "attempt 1: fail, the same as the last attempt",
        "> authorization: Bearer [redacted:TEST_TOKEN]",
        "< x-echo: Bearer [redacted:TEST_TOKEN]",
        "  | you sent: Bearer [redacted:TEST_TOKEN] to /graphql",
    ] {
        assert!(
            details.contains(&expected.to_string()),
            "{expected:?}: {out}"
        );
    }
    let curl = details
        .iter()
        .find(|l| l.starts_with("reproduce: "))
        .expect("a reproduce line");
    assert!(
        curl.starts_with("reproduce: curl -sS -i -H 'authorization: Bearer '\"${TEST_TOKEN}\" "),
        "{curl}"
    );
    // -vv shows the passing check's exchange too, redacted.
    assert!(
        out.details_of("api/token-passes")
            .contains(&"> authorization: Bearer [redacted:TEST_TOKEN]".to_string()),
        "{out}"
    );
    let failure = p.verdict("token works", "failure");
    let message = failure.message.as_deref().expect("a message");
    assert!(message.contains("[redacted:TEST_TOKEN]"), "{}", failure.xml);
    assert!(
        failure
            .text
            .contains("-H 'authorization: Bearer '\"${TEST_TOKEN}\""),
        "{}",
        failure.xml
    );
    // The server did get the real value, every time.
    let sent: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(
        sent.len(),
        3,
        "two tries of the failing check, one of the other"
    );
    assert!(
        sent.iter()
            .all(|a| a.as_deref() == Some("Bearer s3cr3t-value-123")),
        "{sent:?}"
    );
}

/// A secret met through an environment variable (`vars: { token: "${secret:..}" }`) is
/// redacted like one written in the check.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_through_environment_vars_is_redacted() {
    let (server, p) = echo_project(
        "",
        r#"checks:
  - name: t
    http:
      url: "https://chat.test:${port}/"
      headers: { x-api-key: "${token}", authorization: "${token}" }
    expect: { body: nope }
"#,
    )
    .await;
    // The token as a var of the environment.
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{}\", token: \"${{secret:TEST_TOKEN}}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\ntls: {{ ca_file: ca.pem }}\n",
            server.port()
        ),
    );
    let out = run_failing(&p, &["-v"], SECRET).await;
    assert_reports_hide(&p, &out, SECRET);
    assert!(
        out.stdout.contains("-H 'x-api-key: '\"${TEST_TOKEN}\""),
        "{out}"
    );
    assert_eq!(server.requests()[0].header("x-api-key"), Some(SECRET));
    // `list` shows the plan, redacted too.
    let list = p.command("list", &[], &[("TEST_TOKEN", SECRET)]).await;
    list.assert_code(0);
    assert_no_secret(&list.stdout, SECRET, "list");
}

/// A secret whose value has a single quote: the reproduce command shell-quotes it
/// (`'\''`), and redaction of the finished command no longer finds the value.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_with_a_quote_is_redacted_in_the_reproduce_command() {
    let secret = "pa'ss-w0rd-123";
    let http = [
        r#"url: "https://chat.test:${port}/""#,
        r#"headers: { authorization: "Bearer ${secret:TEST_TOKEN}" }"#,
    ];
    let (server, p, out) = run_one_check(&http, secret, &[]).await;
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer pa'ss-w0rd-123")
    );
    assert_reports_hide(&p, &out, secret);
}

/// A secret in a `json:` request body with a `"`: the reproduce command carries the
/// JSON-escaped form (`\"`), which redaction does not recognise.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_with_a_double_quote_in_a_json_body_is_redacted() {
    let secret = "pa\"ss-w0rd-123";
    let http = [
        r#"url: "https://chat.test:${port}/login""#,
        "method: POST",
        r#"json: { password: "${secret:TEST_TOKEN}" }"#,
    ];
    let (server, p, out) = run_one_check(&http, secret, &[]).await;
    assert_eq!(
        server.requests()[0].body,
        br#"{"password":"pa\"ss-w0rd-123"}"#
    );
    assert_reports_hide(&p, &out, secret);
}

/// A secret in the URL's query with a character URLs percent-encode: every report shows the
/// encoded URL, which redaction does not recognise.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_the_url_is_redacted_even_when_percent_encoded() {
    let secret = "pa ss-w0rd-123";
    let http = [r#"url: "https://chat.test:${port}/feed?key=${secret:TEST_TOKEN}""#];
    let (server, p, out) = run_one_check(&http, secret, &["-vv"]).await;
    assert_eq!(server.requests()[0].path, "/feed?key=pa%20ss-w0rd-123");
    let encoded = "pa%20ss-w0rd-123";
    assert!(!out.stdout.contains(encoded), "{out}");
    assert!(!p.junit().contains(encoded));
    let list = p.command("list", &[], &[("TEST_TOKEN", secret)]).await;
    assert!(!list.stdout.contains(encoded), "{list}");
}

/// Load errors quote the value they reject; a secret inside must be redacted there too.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_a_rejected_value_is_redacted_in_load_errors() {
    let p = Project::with_prod_env(closed_port(), None, "");
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: bad url
    http: { url: "https://exa mple.test/${secret:TEST_TOKEN}" }
    expect: { status: 200 }
  - name: bad regex
    http: { url: "https://chat.test/" }
    expect: { body: { matches: "(${secret:TEST_TOKEN}" } }
"#,
    );
    let out = p.run_with_env(&[], &[("TEST_TOKEN", SECRET)]).await;
    out.assert_code(2);
    assert_eq!(out.stderr.matches("error: ").count(), 2, "{out}");
    assert_no_secret(&out.stderr, SECRET, "stderr");
    out.assert_stderr_contains("[redacted:TEST_TOKEN]");
    let out = p.command("validate", &[], &[("TEST_TOKEN", SECRET)]).await;
    out.assert_code(2);
    assert_no_secret(&out.stderr, SECRET, "validate stderr");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_secret_is_an_error_only_for_the_checks_that_run() {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: with token
    tags: [gate]
    http:
      url: "http://chat.test:${port}/"
      headers: { authorization: "Bearer ${secret:TEST_TOKEN}" }
    expect: { status: 200 }
  - name: public
    tags: [other]
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    // The check that needs the secret is not probed: it is an error that names the value,
    // and the rest of the run goes on (exit 3: not every check could be completed).
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    let mut outcomes = out.outcomes();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("ERROR".to_string(), "api/with-token".to_string()),
            ("PASS".to_string(), "api/public".to_string()),
        ]
    );
    let details = out.details_of("api/with-token");
    assert_eq!(
        details[1],
        format!(
            "error (unset value): not run: secret `TEST_TOKEN` is not set (needed by `${{secret:TEST_TOKEN}}`) \
             (at {}:6:33); set it in the environment that runs conform, or give a default: ${{env:NAME:-value}}",
            p.shown("checks/api.yaml")
        ),
        "{out}"
    );
    out.assert_summary("1 passed, 0 failed, 1 error, 0 pending");
    assert_eq!(
        server.requests().len(),
        1,
        "only the public check was probed"
    );
    let out = p.run(&["--tag", "gate"]).await;
    out.assert_code(3);
    assert!(
        out.stdout.contains("secret `TEST_TOKEN` is not set"),
        "{out}"
    );
    assert_eq!(server.requests().len(), 1, "the gate check was not probed");

    let out = p.run(&["--tag", "other"]).await;
    out.assert_code_quiet(0);
    out.assert_outcomes(&[("PASS", "api/public")]);
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(server.requests().len(), 2);
}

/// A JSON Web Token is a bearer credential wherever it stands, captured or not: one in a
/// redirect's `Location` (an implicit-flow callback) is shown by its start and length only, in
/// the mismatch, the verbose exchange, the JSON report's observed facts and JUnit.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_nobody_captured_is_shown_by_its_start_only() {
    let signature = "c2lnbmF0dXJlLW5vYm9keS1jYXB0dXJlZA";
    let token = format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.{signature}");
    let location = format!("https://app.example/cb#id_token={token}");
    let (_server, p) = http_project(TestResponse::redirect(302, &location)).await;
    p.http_check(
        "web",
        "callback",
        "http://chat.test:${port}/login",
        "{ status: 200, headers: { location: { equals: nope } } }",
    );
    let out = p.run(&["-v"]).await;
    out.assert_code(1);
    let shown = format!(
        "https://app.example/cb#id_token=eyJhbGciOi…({} chars)",
        token.len()
    );
    assert!(out.stdout.contains(&shown), "{out}");
    for (what, text) in [
        ("stdout", out.stdout.clone()),
        ("json", p.read("reports/report.json")),
        ("junit", p.junit()),
    ] {
        assert_no_secret(&text, signature, what);
        assert_no_secret(&text, "eyJzdWIiOiJ1c2VyLTEyMyJ9", what);
    }
}
