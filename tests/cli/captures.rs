//! `capture:` end to end: json, header and regex captures, a capture that finds nothing, and
//! no captured value in any output, in any format.

use crate::harness::*;
use crate::needs::{TOKEN, hits, issuer, project, sign_in, uses_token};
use crate::support::*;

/// The run's stdout without its `::add-mask::` lines: masks are the one place the runner must
/// be told a value.
fn without_masks(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Neither the run's stdout and stderr nor its JUnit and `run.json` reports show the token.
#[track_caller]
fn no_token_in_outputs(out: &Output, p: &Project) {
    for (text, what) in [
        (&out.stdout, "stdout"),
        (&out.stderr, "stderr"),
        (&p.junit(), "junit.xml"),
        (&p.read("run.json"), "run.json"),
    ] {
        assert_no_secret(text, TOKEN, what);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_captured_token_is_in_no_output_of_any_format() {
    let server = issuer().await;
    // The dependent fails: its details show the request it sent (the token in a header) and
    // the answer (the token echoed); with -vv the sign-in's exchange is shown too.
    let p = project(
        &server,
        &[
            sign_in("right-password", "      session: { header: x-session }\n"),
            uses_token("me", "").replace("status: 200", "status: 201"),
        ],
    );
    let json = p.path().join("run.json").display().to_string();
    let out = p.run(&["-vv", "--json", &json]).await;
    out.assert_code(1);
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    assert_eq!(hits(&server, "/me"), 1);
    assert!(
        out.details_of("api/me")
            .contains(&"> authorization: Bearer [redacted:CAPTURE_AUTH_SIGN_IN_ID_TOKEN]".into()),
        "{out}"
    );
    assert_eq!(
        out.reproduce("api/me"),
        format!(
            "reproduce: curl -sS -i -H 'authorization: Bearer '\"${{CAPTURE_AUTH_SIGN_IN_ID_TOKEN}}\" \
             --resolve chat.test:{port}:127.0.0.1 --max-time 10 'http://chat.test:{port}/me?who=me'",
            port = server.port()
        )
    );
    no_token_in_outputs(&out, &p);
    for format in ["github", "tap", "json"] {
        let out = p.run(&["-vv", "--format", format]).await;
        out.assert_code(1);
        assert_no_secret(&without_masks(&out.stdout), TOKEN, format);
        assert_no_secret(&out.stderr, TOKEN, format);
        if format == "github" {
            // The runner is told to mask the value once it is captured, outside the region
            // of human lines (where it reads no command).
            assert_eq!(
                out.stdout.matches(&format!("::add-mask::{TOKEN}")).count(),
                1,
                "{}",
                out.stdout
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn header_and_regex_captures_are_sent_on() {
    let server = issuer().await;
    let p = project(
        &server,
        &[
            sign_in(
                "right-password",
                "      session: { header: X-Session }\n      raw: { regex: '\"IdToken\":\"([^\"]+)\"' }\n",
            ),
            r#"  - name: both
    needs: [auth/sign-in]
    http:
      url: "http://chat.test:${port}/me?raw=${capture:auth/sign-in.raw}"
      headers: { authorization: "Bearer ${capture:auth/sign-in.session}" }
    expect: { status: 200 }
"#
            .to_string(),
        ],
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    let me: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/me"))
        .collect();
    assert_eq!(me.len(), 1);
    assert_eq!(me[0].path, format!("/me?raw={TOKEN}"));
    assert_eq!(
        me[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_capture_that_finds_nothing_fails_its_check_and_its_dependents_err() {
    let server = issuer().await;
    let p = project(
        &server,
        &[
            sign_in("right-password", "").replace("IdToken\"", "AccessToken\""),
            uses_token("me", ""),
        ],
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 1 failed, 1 error, 0 pending");
    out.assert_line("FAIL", "auth/sign-in", "sign in");
    let details = out.details_of("auth/sign-in");
    assert_eq!(
        details[1..4],
        [
            "capture id_token",
            "  expected: a value at $.AuthenticationResult.AccessToken",
            "  actual:   nothing",
        ],
        "{out}"
    );
    assert_eq!(
        out.details_of("api/me")[1],
        "error (needed check did not pass): not run: needs auth/sign-in, which failed"
    );
    assert_eq!(hits(&server, "/me"), 0);
}

/// A check that finishes before a value is captured may hold that value (here a failed
/// check's answer holds the token the sign-in captures 300 ms later): its line waits until
/// every capturing check is done, and the reports written at the end redact it too, since a
/// run with captures makes each check's JSON only then.
#[tokio::test(flavor = "multi_thread")]
async fn a_value_captured_later_is_redacted_from_an_earlier_checks_report() {
    let server = http(|r| match r.path.as_str() {
        "/early" => TestResponse::ok(format!("the session will be {TOKEN}")),
        "/slow" => TestResponse::ok("ok").delay(std::time::Duration::from_millis(300)),
        "/sign-in" => TestResponse::ok("signed in").header("x-session", TOKEN),
        _ => TestResponse::status(404),
    })
    .await;
    let checks = r#"  - name: early
    http: { url: "http://chat.test:${port}/early" }
    expect: { status: 200, body: { contains: "no such text" } }
  - name: slow
    http: { url: "http://chat.test:${port}/slow" }
    expect: { status: 200 }
  - name: sign in
    needs: [flow/slow]
    http: { url: "http://chat.test:${port}/sign-in" }
    expect: { status: 200 }
    capture:
      session: { header: x-session }
"#;
    let p = project(&server, &[checks.to_string()]);
    let json = p.path().join("run.json").display().to_string();
    let out = p.run(&["--json", &json]).await;
    out.assert_code(1);
    out.assert_summary("2 passed, 1 failed, 0 errors, 0 pending");
    let report = p.read("run.json");
    assert_no_secret(&report, TOKEN, "run.json");
    assert_no_secret(&p.junit(), TOKEN, "junit.xml");
    assert!(
        report.contains("the session will be [redacted:CAPTURE_FLOW_SIGN_IN_SESSION]"),
        "{report}"
    );
    // The terminal, which shows each check as it finishes, in every format and verbosity.
    for verbosity in ["-v", "-vv"] {
        let out = p.run(&[verbosity]).await;
        out.assert_code(1);
        assert_no_secret(&out.stdout, TOKEN, verbosity);
        assert_no_secret(&out.stderr, TOKEN, verbosity);
        assert!(
            out.stdout
                .contains("the session will be [redacted:CAPTURE_FLOW_SIGN_IN_SESSION]"),
            "{out}"
        );
        assert_eq!(out.stdout.find("FAIL    flow/early"), Some(0), "{out}");
    }
    let out = p
        .run(&[
            "-vv",
            "--until-pass",
            "--deadline",
            "1s",
            "--interval",
            "200ms",
        ])
        .await;
    out.assert_code(1);
    assert_no_secret(&out.stdout, TOKEN, "--until-pass");
    assert_no_secret(&out.stderr, TOKEN, "--until-pass");
    let out = p.run(&["-vv", "--format", "github"]).await;
    out.assert_code(1);
    assert_no_secret(&without_masks(&out.stdout), TOKEN, "github");
    // The runner is told to mask the value before the first line that could show it.
    let mask = out.stdout.find(&format!("::add-mask::{TOKEN}"));
    let early = out.stdout.find("flow/early");
    assert!(mask.is_some() && mask < early, "{}", out.stdout);
}

/// A capturing check that fails still held the value it would have captured (a sign-in whose
/// answer carries the session but not what else was expected, or only one of two captures):
/// that value is redacted from every output all the same, though nothing is sent on.
#[tokio::test(flavor = "multi_thread")]
async fn a_value_a_failed_check_would_have_captured_is_redacted_too() {
    let server = http(|r| match r.path.as_str() {
        p if p.starts_with("/sign-in") => {
            TestResponse::ok(format!("signed in as {TOKEN}")).header("x-session", TOKEN)
        }
        _ => TestResponse::status(404),
    })
    .await;
    let checks = r#"  - name: sign in
    http: { url: "http://chat.test:${port}/sign-in" }
    expect: { status: 200, body: { contains: "welcome" } }
    capture:
      session: { header: x-session }
  - name: sign in twice
    http: { url: "http://chat.test:${port}/sign-in?again" }
    expect: { status: 200 }
    capture:
      session: { header: x-session }
      refresh: { header: x-refresh }
"#;
    let p = project(&server, &[checks.to_string()]);
    let json = p.path().join("run.json").display().to_string();
    let out = p.run(&["-vv", "--json", &json]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 2 failed, 0 errors, 0 pending");
    assert_eq!(
        out.details_of("flow/sign-in-twice")[1..4],
        [
            "capture refresh",
            "  expected: a header x-refresh",
            "  actual:   none",
        ],
        "{out}"
    );
    no_token_in_outputs(&out, &p);
    // Both checks hold the same value, redacted under the name of either.
    assert_eq!(
        out.stdout
            .matches("< x-session: [redacted:CAPTURE_FLOW_SIGN_IN")
            .count(),
        2,
        "{out}"
    );
    for format in ["github", "tap", "json"] {
        let out = p.run(&["-vv", "--format", format]).await;
        out.assert_code(1);
        assert_no_secret(&without_masks(&out.stdout), TOKEN, format);
        assert_no_secret(&out.stderr, TOKEN, format);
    }
}

/// A JSON `null` is no value: the capture finds nothing (the check fails, nothing is sent
/// on), and `null` is not made a secret that every output would then hide.
#[tokio::test(flavor = "multi_thread")]
async fn a_json_null_is_nothing_to_capture() {
    let server = http(|_| {
        TestResponse::ok(r#"{"token": null, "error": "null session"}"#)
            .header("content-type", "application/json")
    })
    .await;
    let checks = r#"  - name: sign in
    http: { url: "http://chat.test:${port}/sign-in" }
    expect: { status: 200 }
    capture:
      token: { json: "$.token" }
"#;
    let p = project(&server, &[checks.to_string()]);
    let out = p.run(&["-vv"]).await;
    out.assert_code(1);
    assert_eq!(
        out.details_of("flow/sign-in")[1..4],
        [
            "capture token",
            "  expected: a value at $.token",
            "  actual:   nothing",
        ],
        "{out}"
    );
    assert!(
        out.stdout
            .contains(r#"| {"token": null, "error": "null session"}"#),
        "{out}"
    );
}
