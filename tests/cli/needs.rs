//! `needs:` end to end: a sign-in whose token a resource server checks, the order of a chain,
//! dependents of a check that did not pass (errors, never probed), a needed check probed once,
//! retries, selection and shards that keep a chain together, and every load error.

use crate::harness::*;
use crate::support::*;

/// The token the sign-in server hands out: distinctive, so that any 6 characters of it in an
/// output are a leak.
pub(crate) const TOKEN: &str = "tQ7vXk2LmZp9RwB4yNc8Hd";
/// The password the sign-in server takes.
pub(crate) const PASSWORD: &str = "right-password";

/// A server with a sign-in (`POST /sign-in` with `{"password": ...}`: the token in the JSON
/// body and the `x-session` header; 401 for a wrong password) and a resource (`GET /me`: 200
/// and the Authorization header echoed with the right bearer token, 401 otherwise).
pub(crate) async fn issuer() -> TestServer {
    http(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/sign-in") => {
            if String::from_utf8_lossy(&r.body).contains(PASSWORD) {
                TestResponse::ok(format!(
                    r#"{{"AuthenticationResult":{{"IdToken":"{TOKEN}","ExpiresIn":3600}}}}"#
                ))
                .header("content-type", "application/json")
                .header("x-session", TOKEN)
            } else {
                TestResponse::status(401).body(r#"{"message":"Incorrect username or password."}"#)
            }
        }
        ("GET", p) if p.starts_with("/me") => {
            let auth = r.header("authorization").unwrap_or("none").to_string();
            if auth == format!("Bearer {TOKEN}") {
                TestResponse::ok(format!("hello, you sent {auth}")).header("x-echo", &auth)
            } else {
                TestResponse::status(401).body(format!("who? you sent {auth}"))
            }
        }
        _ => TestResponse::status(404),
    })
    .await
}

/// The sign-in check (`auth/sign-in`), with `password` and `extra` keys (indented as a check's).
pub(crate) fn sign_in(password: &str, extra: &str) -> String {
    format!(
        r#"  - name: sign in
    id: auth/sign-in
    http:
      url: "http://chat.test:${{port}}/sign-in"
      method: POST
      json: {{ password: "{password}" }}
    expect: {{ status: 200 }}
    capture:
      id_token: {{ json: "$.AuthenticationResult.IdToken" }}
{extra}"#
    )
}

/// A check `api/<name>` that needs the sign-in and sends its token to `/me`.
pub(crate) fn uses_token(name: &str, extra: &str) -> String {
    format!(
        r#"  - name: {name}
    id: api/{name}
    needs: [auth/sign-in]
    http:
      url: "http://chat.test:${{port}}/me?who={name}"
      headers: {{ authorization: "Bearer ${{capture:auth/sign-in.id_token}}" }}
    expect: {{ status: 200 }}
{extra}"#
    )
}

/// A project on `server` whose `checks/flow.yaml` holds `checks`.
pub(crate) fn project(server: &TestServer, checks: &[String]) -> Project {
    let p = Project::with_prod_env(server.port(), None, "");
    p.write("checks/flow.yaml", &format!("checks:\n{}", checks.concat()));
    p
}

/// How many requests the server saw for paths starting with `prefix`.
pub(crate) fn hits(server: &TestServer, prefix: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with(prefix))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_captured_at_sign_in_is_sent_by_the_check_that_needs_it() {
    let server = issuer().await;
    let p = project(&server, &[uses_token("me", ""), sign_in(PASSWORD, "")]);
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    out.assert_line("PASS", "auth/sign-in", "sign in");
    out.assert_line("PASS", "api/me", "me");
    let me: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/me"))
        .collect();
    assert_eq!(me.len(), 1);
    assert_eq!(
        me[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    // The sign-in was answered before the resource was asked.
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/sign-in", "/me?who=me"]);
    assert_no_secret(&out.stdout, TOKEN, "stdout");
}

#[tokio::test(flavor = "multi_thread")]
async fn dependents_of_a_failed_sign_in_are_errors_and_never_probed() {
    let server = issuer().await;
    let p = project(
        &server,
        &[
            sign_in("wrong", ""),
            uses_token("me", ""),
            uses_token("again", ""),
        ],
    );
    let out = p.run(&[]).await;
    // The sign-in's failure is the cause: the run fails (1), it does not err (3).
    out.assert_code(1);
    out.assert_summary("0 passed, 1 failed, 2 errors, 0 pending");
    out.assert_line("FAIL", "auth/sign-in", "sign in");
    out.assert_line("ERROR", "api/me", "me");
    assert_eq!(
        out.details_of("api/me"),
        [
            p.at("checks/flow.yaml", 11),
            "error (needed check did not pass): not run: needs auth/sign-in, which failed".into()
        ]
    );
    assert_eq!(hits(&server, "/me"), 0, "{:?}", server.requests());
    assert_eq!(hits(&server, "/sign-in"), 1);
    p.verdict("me", "error").assert_is(
        "needed check did not pass",
        "not run: needs auth/sign-in, which failed",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_needed_check_is_probed_once_for_all_its_dependents() {
    let server = issuer().await;
    let p = project(
        &server,
        &[
            sign_in(PASSWORD, ""),
            uses_token("one", ""),
            uses_token("two", ""),
            uses_token("three", ""),
        ],
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("4 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(hits(&server, "/sign-in"), 1);
    assert_eq!(hits(&server, "/me"), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_of_a_dependent_do_not_run_its_need_again() {
    let server = issuer().await;
    let p = project(
        &server,
        &[
            sign_in(PASSWORD, ""),
            uses_token("me", "    retries: 2\n    retry_delay: 10ms\n")
                .replace("status: 200", "status: 201"),
        ],
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    assert_eq!(hits(&server, "/sign-in"), 1);
    assert_eq!(hits(&server, "/me"), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_brings_the_needs_along_and_says_so() {
    let server = issuer().await;
    let p = project(
        &server,
        &[
            sign_in(PASSWORD, ""),
            uses_token("me", ""),
            uses_token("other", ""),
        ],
    );
    let json = p.path().join("run.json").display().to_string();
    let out = p.run(&["--only", "api/me", "--json", &json]).await;
    out.assert_code(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    assert_matches(
        r"^PASS    auth/sign-in  sign in +\d+\.\d\ds \(needed by api/me\)$",
        out.line_of("auth/sign-in"),
        &out,
    );
    out.assert_line("PASS", "api/me", "me");
    assert_eq!(hits(&server, "/me?who=other"), 0);
    let report: serde_json::Value = serde_json::from_str(&p.read("run.json")).unwrap();
    let checks = report["checks"].as_array().unwrap();
    let needed: Vec<(&str, &serde_json::Value)> = checks
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), &c["needed_by"]))
        .collect();
    assert_eq!(
        needed,
        [
            ("auth/sign-in", &serde_json::json!(["api/me"])),
            ("api/me", &serde_json::Value::Null)
        ]
    );
    // JUnit: the needed check's case says why it ran in its output; the selected one has none.
    let junit = p.junit();
    let case = |name: &str| {
        let start = junit
            .find(&format!(r#"<testcase name="{name}""#))
            .expect("its case");
        let rest = &junit[start + 1..];
        let end = rest
            .find("<testcase")
            .or(rest.find("</testsuite>"))
            .unwrap_or(rest.len());
        junit[start..=start + end].to_string()
    };
    assert!(
        case("sign in").contains("<system-out>needed by api/me</system-out>"),
        "{junit}"
    );
    assert!(!case("me").contains("needed by"), "{junit}");
    // TAP: a comment under the needed check's test point.
    let out = p.run(&["--only", "api/me", "--format", "tap"]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "TAP version 14\n1..2\nok 1 - auth/sign-in\n# needed by api/me\nok 2 - api/me\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shard_keeps_a_check_and_its_needs_together() {
    let server = issuer().await;
    // Alone, the ids would be dealt a-…, api/me, auth/sign-in, z-…: the chain split in two.
    let lone = |id: &str| {
        format!(
            "  - name: {id}\n    id: {id}\n    http: {{ url: \"http://chat.test:${{port}}/{id}\" }}\n    expect: {{ status: 404 }}\n"
        )
    };
    let p = project(
        &server,
        &[
            lone("a-lone"),
            uses_token("me", ""),
            sign_in(PASSWORD, ""),
            lone("z-lone"),
        ],
    );
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = p.run(&["--shard", shard]).await;
        out.assert_code(0);
        let ids: Vec<String> = out.outcomes().into_iter().map(|(_, id)| id).collect();
        seen.push(ids);
    }
    assert_eq!(
        seen,
        [
            vec!["a-lone".to_string(), "z-lone".to_string()],
            vec!["api/me".to_string(), "auth/sign-in".to_string()],
        ]
    );
}

/// `--until-pass` runs a dependent again with its needs: the token it got may have expired.
#[tokio::test(flavor = "multi_thread")]
async fn until_pass_runs_the_needs_of_a_check_it_runs_again() {
    let refused = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = http(move |r| {
        if r.path == "/sign-in" {
            return TestResponse::ok(format!(
                r#"{{"AuthenticationResult":{{"IdToken":"{TOKEN}"}}}}"#
            ));
        }
        // The resource is not ready for its first request.
        if refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            TestResponse::status(503)
        } else {
            TestResponse::ok("hello")
        }
    })
    .await;
    let p = project(&server, &[sign_in(PASSWORD, ""), uses_token("me", "")]);
    let out = p
        .run(&["--until-pass", "--deadline", "20s", "--interval", "100ms"])
        .await;
    out.assert_code(0);
    assert_eq!(hits(&server, "/sign-in"), 2, "{out}");
    assert_eq!(hits(&server, "/me"), 2, "{out}");
    let rounds: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("round "))
        .collect();
    assert_eq!(rounds.len(), 1, "{out}");
    assert_matches(
        r"^round 2 at \d\d:\d\d:\d\d: re-running 1 check that did not pass, and 1 check they need$",
        rounds[0],
        &out,
    );
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    assert_no_secret(&out.stdout, TOKEN, "stdout");
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_leaves_the_dependents_of_a_failed_need_not_run() {
    let server = issuer().await;
    let p = project(&server, &[sign_in("wrong", ""), uses_token("me", "")]);
    let out = p.run(&["--fail-fast"]).await;
    out.assert_code(1);
    out.assert_line("FAIL", "auth/sign-in", "sign in");
    assert!(
        out.stdout
            .contains("\n1 check not run: stopped by --fail-fast\n"),
        "{out}"
    );
    assert_eq!(hits(&server, "/me"), 0);
}
