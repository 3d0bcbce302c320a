//! `envs:` and filters that name nothing: a refusal that says why, in the format and reports asked.

use crate::harness::*;
use crate::support::*;

/// `envs: [prdo]` used to validate; the check silently never ran. A name that is not an
/// environment (or is an abstract one) is a load error with "did you mean".
#[tokio::test(flavor = "multi_thread")]
async fn envs_must_name_environments_that_run() {
    let p = Project::new();
    p.write("environments/base.yaml", "abstract: true\n");
    p.write("environments/prod.yaml", "extends: base\n");
    p.write("environments/staging.yaml", "extends: base\n");
    p.write(
        "checks/a.yaml",
        r#"defaults:
  envs: [prod, stagng]
checks:
  - name: typo
    envs: [prdo]
    http: { url: "https://a.test/" }
    expect: { status: 200 }
  - name: base
    envs: [base, prod]
    http: { url: "https://a.test/" }
    expect: { status: 200 }
  - name: nowhere
    envs: []
    http: { url: "https://a.test/" }
    expect: { status: 200 }
  - name: shouting
    envs: [PROD]
    http: { url: "https://a.test/" }
    expect: { status: 200 }
"#,
    );
    let f = p.shown("checks/a.yaml");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {f}:2:16: `envs` names `stagng`, which is not an environment: the check would \
             never run there; did you mean `staging`? expected one of: prod, staging\n\
             error: {f}:5:12: `envs` names `prdo`, which is not an environment: the check would \
             never run there; did you mean `prod`? expected one of: prod, staging\n\
             error: {f}:9:12: `envs` names `base`, an abstract environment that never runs; \
             expected the environments that run: prod, staging\n\
             error: {f}:13:11: `envs` is empty: the check would never run in any environment; \
             expected the environments it runs in, e.g. envs: [prod], or no `envs` to run it in \
             all\n\
             error: {f}:17:12: `envs` names `PROD`, which is not an environment: the check would \
             never run there; did you mean `prod`? expected one of: prod, staging\n\
             5 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}

/// Filters that select nothing are exit 2 with "did you mean"; a check that exists but whose
/// `envs:` keep it out is named as such; nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn filters_that_select_nothing_say_why() {
    let (server, p) = http_project(TestResponse::ok("x")).await;
    p.write("environments/staging.yaml", "vars: { port: \"1\" }\n");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: home
    tags: [gate]
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
  - name: staging only
    tags: [canary]
    envs: [staging]
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let hint = "hint: `conform list --env prod` shows every check with its id and tags\n";
    for (args, said) in [
        (
            &["--tag", "gaet"][..],
            "error: --tag `gaet` matches no check's tags; did you mean `gate`?\n".to_string(),
        ),
        (
            &["--skip-tag", "gatee"],
            "error: --skip-tag `gatee` matches no check's tags; did you mean `gate`?\n".into(),
        ),
        (
            &["--only", "web/hom"],
            "error: --only `web/hom` matches no check id or name; did you mean `web/home`?\n"
                .into(),
        ),
        (
            &["--suite", "wbe"],
            "error: --suite `wbe` is not a suite; did you mean `web`?\n".into(),
        ),
        (
            &["--only", "web/staging-only"],
            "error: --only `web/staging-only` selects no check here: check `web/staging-only` \
             exists, but its `envs: [staging]` keep it out of env `prod`\n"
                .into(),
        ),
        (
            &["--tag", "canary", "--tag", "gate"],
            "error: --tag `canary` selects no check here: check `web/staging-only` exists, but \
             its `envs: [staging]` keep it out of env `prod`\n"
                .into(),
        ),
    ] {
        let out = p.run(args).await;
        out.assert_code(2);
        assert_eq!(out.stdout, "", "{args:?}: {out}");
        assert_eq!(out.stderr, format!("{said}{hint}"), "{args:?}: {out}");
    }
    let out = p.run(&["--env", "prdo"]).await;
    out.assert_code(2);
    out.assert_stderr_contains(
        "environment `prdo` not found: there is no environments/prdo.yaml; did you mean \
         `prod`? expected one of: prod, staging\n",
    );
    assert_eq!(server.connections(), 0, "nothing may be probed");
    // Each filter right: the gate check runs.
    p.run(&["--tag", "gate", "--suite", "web"])
        .await
        .assert_code(0);
}

/// A run refused at load replaces `--metrics` too: last night's `conform_check_up 1` series
/// must not stay behind for a dashboard to read as all well.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_run_replaces_the_metrics() {
    let (_server, p) = http_project(TestResponse::ok("x")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let metrics = p.path().join("up.prom");
    let arg = metrics.display().to_string();
    p.run(&["--metrics", &arg]).await.assert_code(0);
    let before = std::fs::read_to_string(&metrics).expect("metrics");
    assert!(before.contains("conform_check_up{id=\"web/up\",env=\"prod\",suite=\"web\"} 1\n"));

    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 999 }");
    p.run(&["--metrics", &arg]).await.assert_code(2);
    let after = std::fs::read_to_string(&metrics).expect("metrics");
    let lines: Vec<&str> = after.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "# HELP conform_load_errors Errors in the check or environment files (or the command \
             line) that stopped the run before anything was probed.",
            "# TYPE conform_load_errors gauge",
            "conform_load_errors{env=\"prod\"} 1",
            "# HELP conform_run_timestamp_seconds When the run started, in seconds since the Unix \
             epoch.",
        ],
        "{after}"
    );
    assert!(!after.contains("conform_check_up"), "{after}");
}

/// Under `--format github` a refused run annotates each error at its file, line and column;
/// under `--format tap` it bails out, saying why.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_run_speaks_the_format_asked() {
    let (_server, p) = http_project(TestResponse::ok("x")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 999 }");
    let f = p.shown("checks/web.yaml");
    let out = p.run(&["--format", "github"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stdout,
        format!(
            "::error file={},line=4,col=23,title=conform%3A nothing was probed::`999` is not an \
             HTTP status; expected a status from 100 to 599 (e.g. 302), or a class: 1xx, 2xx, \
             3xx, 4xx or 5xx\n",
            f.replace(':', "%3A").replace(',', "%2C")
        ),
        "{out}"
    );
    let out = p.run(&["--format", "tap"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stdout,
        format!(
            "TAP version 14\nBail out! 1 error in the check or environment files or the command \
             line, nothing was probed (the first: {f}:4:23: `999` is not an HTTP status)\n"
        ),
        "{out}"
    );
}

/// A filter's "did you mean" names a check id, and ids come from names, which may hold a
/// secret: the message is redacted like every output.
#[tokio::test(flavor = "multi_thread")]
async fn filter_messages_redact_secrets_in_ids() {
    let (_server, p) = http_project(TestResponse::ok("x")).await;
    p.http_check(
        "web",
        "token ${secret:TOK}",
        "http://chat.test:${port}/",
        "{ status: 200 }",
    );
    let out = p
        .run_with_env(
            &["--only", "web/token-sup3rsecretvalu"],
            &[("TOK", "Sup3rSecretValue")],
        )
        .await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: --only `web/token-sup3rsecretvalu` matches no check id or name; did you mean \
         `web/token-[redacted:TOK]`?\n\
         hint: `conform list --env prod` shows every check with its id and tags\n",
        "{out}"
    );
}
