//! `${secret:..}` values: sent to the server, redacted from every output in every quoted or
//! encoded form, and an error only for the checks that run when unset.

use crate::harness::*;
use crate::support::*;

const SECRET: &str = "s3cr3t-value-123";

/// Echoes the request's Authorization header, and its query, in the body and a header.
async fn echo_server(pki: &Pki) -> TestServer {
    https(pki, |r| {
        let auth = r.header("authorization").unwrap_or("none").to_string();
        TestResponse::ok(format!("you sent: {auth} to {}", r.path)).header("x-echo", &auth)
    })
    .await
}

/// The secret's value, or any run of 6 of its characters, appears nowhere in `text`.
#[track_caller]
fn assert_no_secret(text: &str, secret: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(6) {
        let part: String = w.iter().collect();
        assert!(
            !text.contains(&part),
            "{what} shows {part:?} of the secret:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_never_appears_in_any_output_even_with_vv() {
    let pki = Pki::new();
    let server = echo_server(&pki).await;
    let p = Project::new();
    p.prod_env(
        server.port(),
        Some(&pki),
        "defaults: { retries: 1, retry_delay: 10ms }\n",
    );
    p.write(
        "checks/api.yaml",
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
    );
    let out = p.run_with_env(&["-vv"], &[("TEST_TOKEN", SECRET)]).await;
    out.assert_code(1);
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    let xml = p.junit();
    assert_no_secret(&out.stdout, SECRET, "stdout");
    assert_no_secret(&out.stderr, SECRET, "stderr");
    assert_no_secret(&xml, SECRET, "junit.xml");

    let details = out.details_of("api/token-works");
    for expected in [
        "  actual:   \"Bearer [redacted:TEST_TOKEN]\"",
        "  actual:   \"you sent: Bearer [redacted:TEST_TOKEN] to /graphql\"",
        "attempt 1: fail, the same as the last attempt",
        "> authorization: Bearer [redacted:TEST_TOKEN]",
        "< x-echo: Bearer [redacted:TEST_TOKEN]",
        "  you sent: Bearer [redacted:TEST_TOKEN] to /graphql",
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
        curl.starts_with(
            "reproduce: curl -sS -i -H 'authorization: Bearer [redacted:TEST_TOKEN]' "
        ),
        "{curl}"
    );
    // -vv shows the passing check's exchange too, redacted.
    assert!(
        out.details_of("api/token-passes")
            .contains(&"> authorization: Bearer [redacted:TEST_TOKEN]".to_string()),
        "{out}"
    );
    let doc = parse(&xml);
    let failure = child(case(&doc, "token works"), "failure");
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("[redacted:TEST_TOKEN]")
    );
    assert!(
        failure
            .text()
            .unwrap()
            .contains("-H 'authorization: Bearer [redacted:TEST_TOKEN]'")
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
    let pki = Pki::new();
    let server = echo_server(&pki).await;
    let p = Project::new();
    p.write("environments/ca.pem", &pki.ca_pem());
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{}\", token: \"${{secret:TEST_TOKEN}}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\ntls: {{ ca_file: ca.pem }}\n",
            server.port()
        ),
    );
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: t
    http:
      url: "https://chat.test:${port}/"
      headers: { x-api-key: "${token}", authorization: "${token}" }
    expect: { body: nope }
"#,
    );
    let out = p.run_with_env(&["-v"], &[("TEST_TOKEN", SECRET)]).await;
    out.assert_code(1);
    assert_no_secret(&out.stdout, SECRET, "stdout");
    assert_no_secret(&p.junit(), SECRET, "junit.xml");
    assert!(
        out.stdout.contains("-H 'x-api-key: [redacted:TEST_TOKEN]'"),
        "{out}"
    );
    assert_eq!(server.requests()[0].header("x-api-key"), Some(SECRET));
    // `list` shows the plan, redacted too.
    let dir = p.dir_arg();
    let list = conform(&["list", "--dir", &dir], &[("TEST_TOKEN", SECRET)], None).await;
    list.assert_code(0);
    assert_no_secret(&list.stdout, SECRET, "list");
}

/// A secret whose value has a single quote: the reproduce command shell-quotes it
/// (`'\''`), and redaction of the finished command no longer finds the value.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_with_a_quote_is_redacted_in_the_reproduce_command() {
    let secret = "pa'ss-w0rd-123";
    let pki = Pki::new();
    let server = echo_server(&pki).await;
    let p = Project::new();
    p.prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: t
    http:
      url: "https://chat.test:${port}/"
      headers: { authorization: "Bearer ${secret:TEST_TOKEN}" }
    expect: { status: 201 }
"#,
    );
    let out = p.run_with_env(&[], &[("TEST_TOKEN", secret)]).await;
    out.assert_code(1);
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer pa'ss-w0rd-123")
    );
    assert_no_secret(&out.stdout, secret, "stdout");
    assert_no_secret(&p.junit(), secret, "junit.xml");
}

/// A secret in a `json:` request body with a `"`: the reproduce command carries the
/// JSON-escaped form (`\"`), which redaction does not recognise.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_with_a_double_quote_in_a_json_body_is_redacted() {
    let secret = "pa\"ss-w0rd-123";
    let pki = Pki::new();
    let server = echo_server(&pki).await;
    let p = Project::new();
    p.prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: t
    http:
      url: "https://chat.test:${port}/login"
      method: POST
      json: { password: "${secret:TEST_TOKEN}" }
    expect: { status: 201 }
"#,
    );
    let out = p.run_with_env(&[], &[("TEST_TOKEN", secret)]).await;
    out.assert_code(1);
    assert_eq!(
        server.requests()[0].body,
        br#"{"password":"pa\"ss-w0rd-123"}"#
    );
    assert_no_secret(&out.stdout, secret, "stdout");
    assert_no_secret(&p.junit(), secret, "junit.xml");
}

/// A secret in the URL's query with a character URLs percent-encode: every report shows the
/// encoded URL, which redaction does not recognise.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_the_url_is_redacted_even_when_percent_encoded() {
    let secret = "pa ss-w0rd-123";
    let pki = Pki::new();
    let server = echo_server(&pki).await;
    let p = Project::new();
    p.prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: t
    http:
      url: "https://chat.test:${port}/feed?key=${secret:TEST_TOKEN}"
    expect: { status: 201 }
"#,
    );
    let out = p.run_with_env(&["-vv"], &[("TEST_TOKEN", secret)]).await;
    out.assert_code(1);
    assert_eq!(server.requests()[0].path, "/feed?key=pa%20ss-w0rd-123");
    let encoded = "pa%20ss-w0rd-123";
    assert!(!out.stdout.contains(encoded), "{out}");
    assert!(!p.junit().contains(encoded));
    let list = conform(
        &["list", "--dir", &p.dir_arg()],
        &[("TEST_TOKEN", secret)],
        None,
    )
    .await;
    assert!(!list.stdout.contains(encoded), "{list}");
}

/// Load errors quote the value they reject; a secret inside must be redacted there too.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_a_rejected_value_is_redacted_in_load_errors() {
    let p = Project::new();
    p.prod_env(closed_port(), None, "");
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
    assert!(out.stderr.contains("[redacted:TEST_TOKEN]"), "{out}");
    let out = conform(
        &["validate", "--dir", &p.dir_arg()],
        &[("TEST_TOKEN", SECRET)],
        None,
    )
    .await;
    out.assert_code(2);
    assert_no_secret(&out.stderr, SECRET, "validate stderr");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_secret_is_an_error_only_for_the_checks_that_run() {
    let server = http(|_| TestResponse::ok("fine")).await;
    let p = Project::new();
    p.prod_env(server.port(), None, "");
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
    out.assert_code(3);
    assert_eq!(out.stderr, "", "{out}");
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
    out.assert_summary("1 passed, 0 failed, 1 errors, 0 pending");
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
    out.assert_code(0);
    assert_eq!(out.stderr, "", "{out}");
    assert_eq!(
        out.outcomes(),
        [("PASS".to_string(), "api/public".to_string())]
    );
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(server.requests().len(), 2);
}
