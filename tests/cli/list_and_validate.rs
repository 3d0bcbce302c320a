//! `list` and `validate`: the resolved plan without probing, every environment checked, and
//! values the process environment does not set are warnings until `run` needs them.

use crate::harness::*;
use crate::selection::filter_project;
use crate::support::*;

/// The filter project plus an abstract base, a staging environment extending it, a pending
/// prod-only check and a check that needs an unset `${env:..}` in a header.
async fn plan_project() -> (TestServer, Project) {
    let (server, p) = filter_project().await;
    p.write(
        "environments/base.yaml",
        "abstract: true\nvars: { port: \"1\" }\nresolve: { chat.test: 127.0.0.1 }\n",
    );
    p.write("environments/staging.yaml", "extends: base\n");
    p.write(
        "checks/pending.yaml",
        r#"checks:
  - name: later
    envs: [prod]
    pending: not yet
    http: { url: "http://chat.test:${port}/later", method: post }
    expect: { status: 200 }
  - name: uses env
    http: { url: "http://chat.test:${port}/", headers: { x-build: "${env:CONFORM_TEST_UNSET}" } }
    expect: { status: 200 }
"#,
    );
    (server, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_the_resolved_plan_and_probes_nothing() {
    let (server, p) = plan_project().await;
    let port = server.port();
    let out = p.list(&[]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "chat/root  [chat,gate]  http GET http://chat.test:{port}/chat/root\n\
             chat/admin  [chat,slow]  http GET http://chat.test:{port}/chat/admin\n\
             chat/health  [chat]  http GET http://chat.test:{port}/chat/health\n\
             nest/api  [gate,slow]  http GET http://chat.test:{port}/nest/api\n\
             nest/web  []  http GET http://chat.test:{port}/nest/web\n\
             pending/later  []  http POST http://chat.test:{port}/later  (pending: not yet)\n\
             pending/uses-env  []  http GET http://chat.test:{port}/  (needs values not set: see `conform validate`)\n\
             7 checks for env prod\n"
        )
    );
    let out = p.list(&["--tag", "gate"]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        format!(
            "chat/root  [chat,gate]  http GET http://chat.test:{port}/chat/root\n\
             nest/api  [gate,slow]  http GET http://chat.test:{port}/nest/api\n\
             2 checks for env prod\n"
        )
    );
    // staging: its own vars, and no prod-only check.
    let out = p.list(&["--env", "staging"]).await;
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("chat/root  [chat,gate]  http GET http://chat.test:1/chat/root\n")
    );
    assert!(!out.stdout.contains("pending/later"), "{out}");
    assert!(
        out.stdout.ends_with("\n6 checks for env staging\n"),
        "{out}"
    );

    let out = p.list(&["--tag", "nope"]).await;
    out.assert_code(2);
    out.assert_stderr_contains("error: --tag `nope` matches no check's tags\n");
    let out = p.list(&["--env", "base"]).await;
    out.assert_code(2);
    out.assert_stderr_contains("environment `base` is abstract: it exists to be extended");
    assert_eq!(server.connections(), 0, "list probes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_checks_every_environment_and_warns_about_unset_values() {
    let (server, p) = plan_project().await;
    let warning = format!(
        "warning: env prod: {}:8:67: environment variable `CONFORM_TEST_UNSET` is not set (needed by \
         `${{env:CONFORM_TEST_UNSET}}`); set it in the environment that runs conform, or give a \
         default: ${{env:NAME:-value}}\n",
        p.shown("checks/pending.yaml")
    );
    let out = p.validate(&[]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "env prod: 7 checks in 3 suites are valid (1 value is not set here; `run` needs it)\n"
    );
    assert_eq!(out.stderr, warning);

    let out = p.validate(&["--all-envs"]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "env prod: 7 checks in 3 suites are valid (1 value is not set here; `run` needs it)\n\
         env staging: 6 checks in 3 suites are valid (1 value is not set here; `run` needs it)\n"
    );
    assert_eq!(out.stderr.matches("warning: ").count(), 2, "{out}");

    // Set, there is nothing to warn about.
    let out = p
        .command("validate", &[], &[("CONFORM_TEST_UNSET", "42")])
        .await;
    out.assert_code(0);
    assert_eq!(out.stdout, "env prod: 7 checks in 3 suites are valid\n");
    assert_eq!(out.stderr, "");

    // `run` needs the value only for the checks it selects.
    let out = p.run(&[]).await;
    // The pending check passes against this server (fixed: exit 1); the one needing the
    // value is an error, unprobed.
    out.assert_code_quiet(1);
    assert!(
        out.stdout
            .contains("not run: environment variable `CONFORM_TEST_UNSET` is not set"),
        "{out}"
    );
    let _ = &warning;
    let before = server.requests().len();
    let out = p.run(&["--suite", "chat"]).await;
    out.assert_code(0);

    // A broken staging file fails --all-envs (exit 2) and names the environment.
    p.write(
        "environments/staging.yaml",
        "extends: base\nconcurency: 3\n",
    );
    let out = p.validate(&["--all-envs"]).await;
    out.assert_code(2);
    assert!(out.stdout.starts_with("env prod: 7 checks"), "{out}");
    out.assert_stderr_contains("env staging:\nerror: ");
    out.assert_stderr_contains(
        "unknown key `concurency` in the environment; did you mean `concurrency`?",
    );
    let out = p.validate(&["--env", "base"]).await;
    out.assert_code(2);
    let out = p.validate(&["--env", "prod", "--all-envs"]).await;
    out.assert_code(2);
    assert_eq!(
        server.requests().len() - before,
        3,
        "only the chat checks were probed"
    );
}

/// README: a value the process environment does not set matters only to the checks that use
/// it: `validate` lists it as a warning, and `run` reports those checks as errors, unprobed. That must hold for an
/// unset value in any field, not only in free text such as a header.
#[tokio::test(flavor = "multi_thread")]
async fn an_unset_value_in_a_url_is_only_a_warning() {
    let server = http(|_| TestResponse::ok("fine")).await;
    let p = Project::new();
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{}\", alb: \"${{env:CONFORM_TEST_UNSET}}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\n",
            server.port()
        ),
    );
    p.write(
        "checks/a.yaml",
        r#"checks:
  - name: via alb
    tags: [alb]
    http: { url: "http://chat.test:${port}/", connect_to: "${alb}" }
    expect: { status: 200 }
  - name: direct url
    tags: [alb]
    http: { url: "http://${env:CONFORM_TEST_UNSET}/" }
    expect: { status: 200 }
  - name: plain
    tags: [gate]
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.validate(&[]).await;
    out.assert_code(0);
    assert_eq!(out.stderr.matches("warning: ").count(), 2, "{out}");
    let out = p.run(&["--tag", "gate"]).await;
    out.assert_code(0);
    // Run whole, the two checks that need the value are errors that name it, unprobed; the
    // plain check still runs.
    let out = p.run(&[]).await;
    out.assert_code(3);
    assert_eq!(
        out.stdout
            .matches("not run: environment variable `CONFORM_TEST_UNSET` is not set")
            .count(),
        2,
        "{out}"
    );
    out.assert_summary("1 passed, 0 failed, 2 errors, 0 pending");
}
