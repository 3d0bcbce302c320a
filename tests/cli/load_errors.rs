//! Bad files and bad usage: every error located and listed, exit 2, nothing probed.

use crate::harness::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_misspelt_key_is_located_corrected_and_nothing_is_probed() {
    let (server, p) = http_project(TestResponse::ok("x")).await;
    p.write(
        "checks/x.yaml",
        r#"checks:
  - name: good
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
  - name: typo
    http: { url: "http://chat.test:${port}/" }
    expect:
      stauts: 302
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    let file = p.shown("checks/x.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:8:7: unknown key `stauts` in the expect; did you mean `status`? \
             expected one of: status, headers, body, cert, time\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );
    assert_eq!(server.requests().len(), 0);
    assert_eq!(server.connections(), 0, "nothing may be probed");
    // The reports carry the error (see `fail_closed_reports`).
    assert_eq!(p.junit_counts("conform.load"), ["1", "0", "1", "0"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_load_error_of_every_file_is_listed() {
    let (server, p) = http_project(TestResponse::ok("x")).await;
    p.write(
        "checks/a.yaml",
        r#"checks:
  - name: one
    http: { url: "http://chat.test:${prot}/" }
    expect: { status: 200 }
"#,
    );
    p.write(
        "checks/b.yaml",
        r#"checks:
  - name: two
    timout: 5s
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    let (a, b) = (p.shown("checks/a.yaml"), p.shown("checks/b.yaml"));
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "error: {a}:3:18: unknown variable `${{prot}}`; did you mean `${{port}}`? \
             the environment's vars are: port"
        )
    );
    assert!(
        lines[1].starts_with(&format!(
            "error: {b}:3:5: unknown key `timout` in the check; did you mean `timeout`?"
        )),
        "{out}"
    );
    assert_eq!(lines[2], "2 errors found; nothing was probed");
    assert_eq!(server.connections(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_selections_and_flags_are_usage_errors() {
    let (server, p) = http_project(TestResponse::ok("x")).await;
    p.write(
        "checks/x.yaml",
        r#"checks:
  - name: good
    tags: [gate]
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&["--tag", "nonexistent"]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: --tag `nonexistent` matches no check's tags\n\
         hint: `conform list --env prod` shows every check with its id and tags\n"
    );
    let out = p.run(&["--bogus"]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with("error: unexpected argument '--bogus' found");
    // Each of these mistakes is a usage error that says what is wrong.
    for (args, said) in [
        (
            &["--only", "x/goood"][..],
            "error: --only `x/goood` matches no check id or name; did you mean `x/good`?\n",
        ),
        (
            &["--concurrency", "0"],
            "invalid value '0' for '--concurrency <N>'",
        ),
        (
            &["--timeout", "0s"],
            "expected a positive duration such as 5s",
        ),
        (
            &["--env", "staging"],
            "environment `staging` not found: there is no environments/staging.yaml; expected \
             one of: prod",
        ),
    ] {
        let out = p.run(args).await;
        out.assert_code(2);
        out.assert_stderr_contains(said);
    }
    let out = conform(&["frobnicate"], &[], None).await;
    out.assert_code(2);
    assert_eq!(server.connections(), 0, "nothing may be probed");
    // The last refusal after the arguments parsed (`--env staging`) wrote its reports.
    assert_eq!(p.junit_counts("conform.load"), ["1", "0", "1", "0"]);
    // The same project is fine without the mistakes.
    p.run(&["--tag", "gate"]).await.assert_code(0);
}
