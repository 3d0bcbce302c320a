//! `--var NAME=VALUE` on every command that loads an environment, and "did you mean" for
//! every name a command line gives (`--only`, `--tag`, `--skip-tag`, `--suite`, `--env`,
//! `--var`) on every command.

use crate::harness::*;
use crate::support::*;

/// A project whose one check, `web/home-page` (name `home page`, tag `gate`), GETs
/// `http://${host}:${port}/health`; `host` is `prod.test` and `port` the prod server's, and
/// both `prod.test` and `canary.test` resolve to 127.0.0.1.
async fn canary_project() -> (TestServer, TestServer, Project) {
    let prod = http(|_| TestResponse::ok("prod")).await;
    let canary = http(|_| TestResponse::ok("canary")).await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ host: prod.test, port: \"{}\" }}\n\
             resolve: {{ prod.test: 127.0.0.1, canary.test: 127.0.0.1 }}\n",
            prod.port()
        ),
        None,
        "",
    );
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: home page
    tags: [gate]
    http: { url: "http://${host}:${port}/health" }
    expect: { status: 200 }
"#,
    );
    (prod, canary, p)
}

fn hosts(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.host.unwrap_or_default(), r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn var_points_the_suite_at_a_canary() {
    let (prod, canary, p) = canary_project().await;
    let port = canary.port().to_string();
    let host_var = "host=canary.test".to_string();
    let port_var = format!("port={port}");
    let vars = ["--var", &host_var, "--var", &port_var];

    let out = p.run(&vars).await;
    out.assert_code(0);
    assert_eq!(out.outcomes(), [("PASS".into(), "web/home-page".into())]);
    assert_eq!(hosts(&canary), [format!("canary.test:{port} /health")]);
    assert_eq!(prod.connections(), 0, "the canary run must not reach prod");

    // The last --var of a name wins.
    let out = p
        .run(&[
            "--var",
            "host=prod.test",
            "--var",
            &host_var,
            "--var",
            &port_var,
        ])
        .await;
    out.assert_code(0);
    assert_eq!(canary.requests().len(), 2);
    assert_eq!(prod.connections(), 0);

    // Without --var, the environment's values.
    p.run(&[]).await.assert_code(0);
    assert_eq!(hosts(&prod), [format!("prod.test:{} /health", prod.port())]);

    let out = p.list(&vars).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "web/home-page  [gate]  http GET http://canary.test:{port}/health\n\
             1 check for env prod\n"
        )
    );

    let out = p
        .command(
            "explain",
            &["web/home-page", vars[0], vars[1], vars[2], vars[3]],
            &[],
        )
        .await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout.contains(&format!(
            "\nprobe\n  http GET http://canary.test:{port}/health\n"
        )),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!(
            "\nreproduce\n  curl -sS -i --resolve canary.test:{port}:127.0.0.1 --max-time 10 \
             http://canary.test:{port}/health\n"
        )),
        "{out}"
    );

    let out = p.validate(&vars).await;
    out.assert_code_quiet(0);
    assert_eq!(out.stdout, "env prod: 1 check in 1 suite is valid\n");
    assert_eq!(
        canary.requests().len(),
        2,
        "list, explain, validate probe nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_var_is_a_usage_error_on_every_command() {
    let (prod, _canary, p) = canary_project().await;
    for command in ["run", "list", "validate", "explain"] {
        for (var, said) in [
            (
                "host",
                "error: invalid value 'host' for '--var <NAME=VALUE>': `host` has no `=`; \
                 expected NAME=VALUE, e.g. --var host=canary.example.com\n",
            ),
            (
                "=canary.test",
                "error: invalid value '=canary.test' for '--var <NAME=VALUE>': the variable's \
                 name is empty; expected NAME=VALUE, e.g. --var host=canary.example.com\n",
            ),
        ] {
            let mut args = vec!["--var", var];
            if command == "explain" {
                args.push("web/home-page");
            }
            let out = p.command(command, &args, &[]).await;
            out.assert_code(2);
            assert_eq!(out.stdout, "", "{command} {var}: {out}");
            assert_eq!(
                out.stderr,
                format!("{said}\nFor more information, try '--help'.\n"),
                "{command} {var}: {out}"
            );
        }
    }
    assert_eq!(prod.connections(), 0);
}

/// A `--var` that names no variable of the environment would change nothing, and the suite
/// would pass against the usual target: it is refused, with "did you mean".
#[tokio::test(flavor = "multi_thread")]
async fn a_var_the_environment_does_not_define_is_refused_with_did_you_mean() {
    let (prod, _canary, p) = canary_project().await;
    let env_file = p.shown("environments/prod.yaml");
    let said = format!(
        "error: --var `hots` names no variable of env `prod`; did you mean `host`? env `prod` \
         defines: host, port\n\
         error: --var `canary_only` names no variable of env `prod`; env `prod` defines: host, \
         port\n\
         hint: --var overrides the environment's `vars:`; to add a variable, define it in \
         {env_file}\n"
    );
    let vars = ["--var", "hots=canary.test", "--var", "canary_only=1"];
    for command in ["run", "list", "explain"] {
        let mut args = vars.to_vec();
        if command == "explain" {
            args.push("web/home-page");
        }
        let out = p.command(command, &args, &[]).await;
        out.assert_code(2);
        assert_eq!(out.stdout, "", "{command}: {out}");
        assert_eq!(out.stderr, said, "{command}: {out}");
    }
    let out = p.validate(&vars).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "env prod:\n\
         error: --var `hots` names no variable of env `prod`; did you mean `host`? env `prod` \
         defines: host, port\n\
         error: --var `canary_only` names no variable of env `prod`; env `prod` defines: host, \
         port\n\
         hint: `conform list --env prod` shows every check with its id and tags\n"
    );
    assert_eq!(prod.connections(), 0, "nothing may be probed");
}

/// Overriding a variable that holds a secret gives a secret: the new value is redacted too.
#[tokio::test(flavor = "multi_thread")]
async fn a_var_that_replaces_a_secret_stays_secret() {
    let server = http(|_| TestResponse::ok("fine")).await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{}\", token: \"${{secret:TOKEN}}\" }}\n\
             resolve: {{ chat.test: 127.0.0.1 }}\n",
            server.port()
        ),
        None,
        "",
    );
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: me
    http:
      url: "http://chat.test:${port}/me"
      headers: { authorization: "Bearer ${token}" }
    expect: { status: 200 }
"#,
    );
    let env = [("TOKEN", "the-old-token-1234")];
    let args = ["api/me", "--var", "token=the-new-token-5678"];
    let out = p.command("explain", &args, &env).await;
    out.assert_code_quiet(0);
    assert!(!out.stdout.contains("the-new-token-5678"), "{out}");
    assert!(
        out.stdout
            .contains("\n  header authorization: Bearer [redacted:token]\n"),
        "{out}"
    );
    let out = p
        .run_with_env(&["-vv", "--var", "token=the-new-token-5678"], &env)
        .await;
    out.assert_code(0);
    assert!(!out.stdout.contains("the-new-token-5678"), "{out}");
    assert!(!p.read("reports/report.json").contains("the-new-token-5678"));
    let sent: Vec<String> = server
        .requests()
        .into_iter()
        .flat_map(|r| r.headers)
        .filter(|(k, _)| k == "authorization")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(sent, ["Bearer the-new-token-5678"]);
}

/// Two suites: `web` (`home page`, tag `gate`) and `api` (`status`, tag `nightly`).
async fn suggestion_project() -> (TestServer, Project) {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.write("environments/staging.yaml", "vars: { port: \"1\" }\n");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: home page
    tags: [gate]
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    p.write(
        "checks/api.yaml",
        r#"checks:
  - name: status
    tags: [nightly]
    http: { url: "http://chat.test:${port}/status" }
    expect: { status: 200 }
"#,
    );
    (server, p)
}

/// Every filter that names nothing is exit 2 with the closest name, on run, list and validate.
#[tokio::test(flavor = "multi_thread")]
async fn every_filter_suggests_the_closest_name_on_every_command() {
    let (server, p) = suggestion_project().await;
    let hint = "hint: `conform list --env prod` shows every check with its id and tags\n";
    for (args, said) in [
        (
            ["--tag", "gaet"],
            "error: --tag `gaet` matches no check's tags; did you mean `gate`?\n",
        ),
        (
            ["--skip-tag", "nightyl"],
            "error: --skip-tag `nightyl` matches no check's tags; did you mean `nightly`?\n",
        ),
        (
            ["--only", "web/home-pgae"],
            "error: --only `web/home-pgae` matches no check id or name; did you mean \
             `web/home-page`?\n",
        ),
        (
            ["--only", "home pag"],
            "error: --only `home pag` matches no check id or name; did you mean `home page`?\n",
        ),
        (
            ["--suite", "wbe"],
            "error: --suite `wbe` is not a suite; did you mean `web`?\n",
        ),
    ] {
        for command in ["run", "list"] {
            let out = p.command(command, &args, &[]).await;
            out.assert_code(2);
            assert_eq!(out.stdout, "", "{command} {args:?}: {out}");
            assert_eq!(
                out.stderr,
                format!("{said}{hint}"),
                "{command} {args:?}: {out}"
            );
        }
        let out = p.validate(&args).await;
        out.assert_code(2);
        assert_eq!(out.stdout, "", "validate {args:?}: {out}");
        assert_eq!(
            out.stderr,
            format!("env prod:\n{said}{hint}"),
            "validate {args:?}: {out}"
        );
    }
    // Right names pass.
    let out = p.validate(&["--tag", "gate", "--suite", "web"]).await;
    out.assert_code_quiet(0);
    assert_eq!(out.stdout, "env prod: 2 checks in 2 suites are valid\n");
    assert_eq!(server.connections(), 0, "nothing may be probed");
}

/// `--env` with a typo, on every command; and `explain` of an id with a typo.
#[tokio::test(flavor = "multi_thread")]
async fn env_and_explain_suggest_the_closest_name() {
    let (server, p) = suggestion_project().await;
    let said = format!(
        "error: {}: environment `prdo` not found: there is no environments/prdo.yaml; did \
         you mean `prod`? expected one of: prod, staging\n\
         1 error found; nothing was probed\n",
        p.shown("environments")
    );
    let explain_args = ["web/home-page", "--env", "prdo"];
    for (command, args) in [
        ("run", &["--env", "prdo"][..]),
        ("list", &["--env", "prdo"]),
        ("validate", &["--env", "prdo"]),
        ("explain", &explain_args),
    ] {
        let out = p.command(command, args, &[]).await;
        out.assert_code(2);
        assert_eq!(out.stdout, "", "{command}: {out}");
        let head = if command == "validate" {
            "env prdo:\n"
        } else {
            ""
        };
        assert_eq!(out.stderr, format!("{head}{said}"), "{command}: {out}");
    }

    let out = p.command("explain", &["web/home-pgae"], &[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: no check `web/home-pgae` in env `prod`; did you mean `web/home-page`? \
         `conform list --env prod` shows every id\n"
    );
    assert_eq!(server.connections(), 0, "nothing may be probed");
}

/// `--only` globs match names as well as ids.
#[tokio::test(flavor = "multi_thread")]
async fn only_globs_match_check_names() {
    let (server, p) = suggestion_project().await;
    let out = p.list(&["--only", "home*"]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "web/home-page  [gate]  http GET http://chat.test:{}/\n1 check for env prod\n",
            server.port()
        )
    );
    let out = p.run(&["--only", "*atu?"]).await;
    out.assert_code(0);
    assert_eq!(out.outcomes(), [("PASS".into(), "api/status".into())]);
    assert_eq!(paths(&server), ["/status"]);
}
