//! Fail closed at load time: a typo in a closed value, an empty expectation, an `envs:` or a
//! filter that names nothing is exit 2 with "did you mean", before anything is probed, never
//! a check that passes (or vanishes) by mistake.

use crate::harness::*;
use crate::support::dns_server;
use crate::support::*;

/// `rcode: { not: NXDOMAN }` (a typo) used to validate and then pass against an NXDOMAIN
/// answer. Now it is exit 2 where it is written; spelled right, the same check fails
/// against the same real answer, so the typo would have been a false green.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_value_typo_is_a_load_error_not_a_pass() {
    let dns = dns_server::start().await;
    let p = Project::new();
    p.env(&format!("vars: {{ dns: \"{}\" }}\n", dns.addr()), None, "");
    let check = |rcode: &str| {
        format!(
            "checks:\n  - name: gone\n    dns: {{ name: gone.conform.test, type: A, server: \"${{dns}}\" }}\n    expect: {{ rcode: {{ not: {rcode} }} }}\n"
        )
    };
    p.write("checks/dns.yaml", &check("NXDOMAN"));
    let f = p.shown("checks/dns.yaml");
    let expected = format!(
        "error: {f}:4:29: `NXDOMAN` is not a DNS response code; did you mean `NXDOMAIN`? \
         expected one of: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, \
         YXRRSET, NXRRSET, NOTAUTH, NOTZONE, DSOTYPENI, BADVERS, BADKEY, BADTIME, BADMODE, \
         BADNAME, BADALG, BADTRUNC, BADCOOKIE, or RCODE<number> for an unassigned code\n\
         1 error found; nothing was probed\n"
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(out.stderr, expected, "{out}");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stderr, format!("env prod:\n{expected}"), "{out}");

    p.write("checks/dns.yaml", &check("NXDOMAIN"));
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_outcomes(&[("FAIL", "dns/gone")]);
    assert!(
        out.stdout
            .contains("rcode: expected not (\"NXDOMAIN\"), got \"NXDOMAIN\""),
        "{out}"
    );
}

/// Every closed set, in one file: each mistake is located and all are listed at once.
#[tokio::test(flavor = "multi_thread")]
async fn every_closed_set_is_checked_at_load() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/closed.yaml",
        r#"checks:
  - name: version
    tls: { host: a.test }
    expect: { version: "1.4", alert: certificate_requird, handshake: rejectd }
  - name: statuses
    http: { url: "https://a.test/" }
    expect: { status: { any_of: [200, 999, "two hundred"] } }
  - name: certificate
    tls: { host: a.test }
    expect: { cert: { eku: [serverAuth, clientauth], key: "ECDSA P-265" } }
  - name: connect
    tcp: { host: a.test, port: 1 }
    expect: { connect: refsed }
  - name: type
    dns: { name: a.test, type: AAA }
    expect: { rcode: { one_of: [NOERROR, noerror] } }
"#,
    );
    let f = p.shown("checks/closed.yaml");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(
        errors
            .iter()
            .map(|l| l.split("; ").next().unwrap_or_default())
            .collect::<Vec<_>>(),
        [
            format!("error: {f}:4:24: `1.4` is not a TLS version"),
            format!("error: {f}:4:38: `certificate_requird` is not a TLS alert"),
            format!("error: {f}:4:70: `handshake` is `rejectd`"),
            format!("error: {f}:7:39: `999` is not an HTTP status"),
            format!("error: {f}:7:44: `two hundred` is not an HTTP status"),
            format!("error: {f}:10:41: `clientauth` is not an extended key usage"),
            format!("error: {f}:10:59: `ECDSA P-265` is not a key type"),
            format!("error: {f}:13:24: `connect` is `refsed`"),
            format!("error: {f}:15:32: `AAA` is not a DNS record type"),
            format!("error: {f}:16:42: `noerror` is not a DNS response code"),
        ],
        "{out}"
    );
    for hint in [
        "did you mean `certificate_required`?",
        "did you mean `rejected`? expected accepted or rejected",
        "did you mean `clientAuth`?",
        "did you mean `ECDSA P-256`?",
        "did you mean `refused`? expected accepted, refused or timeout",
        "did you mean `AAAA`?",
        "did you mean `NOERROR`?",
        "expected a status from 100 to 599 (e.g. 302), or a class: 1xx, 2xx, 3xx, 4xx or 5xx",
    ] {
        out.assert_stderr_contains(hint);
    }
    assert!(
        out.stderr
            .ends_with("10 errors found; nothing was probed\n"),
        "{out}"
    );
}

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
        out.stdout.contains("time: expected not (>= 0), got ",),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("compare a duration with a duration, such as 2s or 21d"),
        "{out}"
    );
    assert!(out.stdout.contains("this value is not a duration"), "{out}");
}

/// YAML 1.1 read `no` as false: `x-enabled: { not: no }` passed against a header `no`. Only
/// `true` and `false` are booleans (YAML 1.2), so the header is compared with the text `no`.
#[tokio::test(flavor = "multi_thread")]
async fn yaml_1_1_booleans_are_text() {
    let (_server, p) = http_project(TestResponse::ok("x").header("x-enabled", "no")).await;
    p.http_check(
        "web",
        "feature off",
        "http://chat.test:${port}/",
        "{ status: 200, headers: { x-enabled: { not: no } } }",
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    assert!(
        out.stdout
            .contains("header x-enabled: expected not (\"no\"), got \"no\""),
        "{out}"
    );
    p.http_check(
        "web",
        "feature off",
        "http://chat.test:${port}/",
        "{ status: 200, headers: { x-enabled: no } }",
    );
    p.run(&[]).await.assert_code(0);
}

/// A secret whose characters end the URL part it is written in (`@`, `/`, `#`) would send a
/// piece of it to DNS as a host name and show it in every error: a load error, nothing
/// probed, nothing of the secret shown. Percent-encoded, it loads.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_that_breaks_its_url_apart_is_a_load_error() {
    let (server, p) = http_project(TestResponse::ok("x")).await;
    p.http_check(
        "web",
        "with a password",
        "http://bob:${secret:S}@chat.test:${port}/",
        "{ status: 200 }",
    );
    // Cut at `#`, the port would be `pass`: not a URL at all, with the secret redacted.
    let out = p.run_with_env(&[], &[("S", "pass#word")]).await;
    out.assert_code(2);
    out.assert_stderr_contains("`http://bob:[redacted:S]@chat.test:");
    assert!(!out.stderr.contains("word"), "{out}");
    for value in ["p@ssword123/xyz", "x@ssword123/"] {
        let out = p.run_with_env(&[], &[("S", value)]).await;
        out.assert_code(2);
        assert_eq!(
            out.stderr,
            format!(
                "error: {}:3:18: the value of `${{secret:S}}` breaks this URL apart: it holds a \
                 character (such as @, /, ?, # or :) that ends the part it is written in, so \
                 part of the secret would become the host or the path; percent-encode those \
                 characters in the secret (@ as %40, / as %2F, : as %3A), or send it in a header\n\
                 1 error found; nothing was probed\n",
                p.shown("checks/web.yaml")
            ),
            "{out}"
        );
        assert!(!out.stdout.contains("ssword") && !out.stderr.contains("ssword"));
    }
    assert_eq!(server.connections(), 0);
    let out = p.run_with_env(&[], &[("S", "p%40ssword123%2Fxyz")]).await;
    out.assert_code(0);

    // A secret that is the URL's own structure (a whole URL, host:port, a host part in any
    // case), or that only happens to look like a piece of it, is fine.
    let port = server.port();
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: whole
    http: { url: "${secret:WHOLE}" }
    expect: { status: 200 }
  - name: origin
    http: { url: "http://${secret:ORIGIN}/ok" }
    expect: { status: 200 }
  - name: tenant
    http: { url: "http://${secret:TENANT}.chat.test:${port}/" }
    expect: { status: 200 }
  - name: pin
    http:
      url: "http://chat.test:${port}/"
      headers: { x-pin: "${secret:PIN}" }
    expect: { status: 200 }
"#,
    );
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1, acmecorp.chat.test: 127.0.0.1 }}\n"
        ),
    );
    let whole = format!("http://chat.test:{port}/ok?token=abc123");
    let origin = format!("127.0.0.1:{port}");
    let pin = port.to_string();
    let out = p
        .run_with_env(
            &[],
            &[
                ("WHOLE", whole.as_str()),
                ("ORIGIN", origin.as_str()),
                ("TENANT", "AcmeCorp"),
                ("PIN", pin.as_str()),
            ],
        )
        .await;
    out.assert_code(0);

    // A port that carries `@` would send the probe to another host: refused. A password with
    // `&` (harmless there) and a host:port on the default port are fine.
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: port
    http: { url: "http://chat.test:${secret:PORT}/" }
    expect: { status: 200 }
"#,
    );
    let hijack = format!("1@chat.test:{port}");
    let before = server.connections();
    let out = p.run_with_env(&[], &[("PORT", hijack.as_str())]).await;
    out.assert_code(2);
    out.assert_stderr_contains("the value of `${secret:PORT}` breaks this URL apart");
    assert_eq!(server.connections(), before, "nothing may be probed");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: amp
    http: { url: "http://u:${secret:PW}@chat.test:${port}/" }
    expect: { status: 200 }
  - name: default port
    http: { url: "http://${secret:HP}/x" }
    expect: { status: 200 }
"#,
    );
    let out = p
        .command(
            "validate",
            &[],
            &[("PW", "p&ssw0rd"), ("HP", "chat.test:80")],
        )
        .await;
    out.assert_code(0);
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
            "body: expected a body as text (conform asks for no content-encoding), got an \
             encoded body (content-encoding: gzip)"
        ),
        "{out}"
    );
}

/// An empty pending reason would excuse a failure for nothing; `.YAML` files are check files.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_pending_reason_is_refused_and_upper_case_yaml_is_read() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/A.YAML",
        "checks:\n  - name: a\n    pending: \"\"\n    http: { url: \"https://a.test/\" }\n    expect: { status: 200 }\n  - name: b\n    pending: { reason: \" \" }\n    http: { url: \"https://a.test/\" }\n    expect: { status: 200 }\n",
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let f = p.shown("checks/A.YAML");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {f}:3:14: `pending` has no reason; expected why the state is not live yet, \
             e.g. pending: \"WAF rule still in COUNT mode\"\n\
             error: {f}:7:24: `pending.reason` is empty; expected why the state is not live \
             yet, e.g. reason: \"WAF rule still in COUNT mode\"\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}
