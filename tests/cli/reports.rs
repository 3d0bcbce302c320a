//! What a run reports when the checks get answers: the terminal lines, the detail block of a
//! failure with its reproduce command, and the JUnit file, its names and where it is written.

use crate::harness::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_check_passes_over_https_exit_0_and_junit_describes_the_run() {
    let pki = Pki::new();
    let server = https(&pki, |_| json_app()).await;
    let p = Project::with_prod_env(server.port(), Some(&pki), "");
    p.write(
        "checks/chat.yaml",
        r#"suite: chat
defaults:
  tags: [chat]
  timeout: 5s
checks:
  - name: app answers
    tags: [gate]
    http: { url: "https://chat.test:${port}/" }
    expect:
      status: 200
      headers:
        X-App: conform-test
        content-type: { present: true }
        x-powered-by: { absent: true }
      body:
        contains: '"status":"ok"'
        json:
          "$.status": ok
          "$.items[*].name": [a, b]
          "$.count": { gte: 2 }
          "$.errors": { absent: true }
      time: { lt: 5s }
  - name: certificate is fresh
    id: chat-cert
    http: { url: "https://chat.test:${port}/" }
    expect:
      cert:
        expires_in: { gt: 21d }
        san: { contains: chat.test }
        issuer: { contains: "conform test CA" }
      status: 200
"#,
    );
    p.write(
        "checks/nest.yaml",
        r#"checks:
  - name: nest status
    http: { url: "https://chat.test:${port}/nest" }
    expect: { status: 2xx }
"#,
    );

    let out = p.run(&[]).await;
    out.assert_code_quiet(0);
    out.assert_outcomes(&[
        ("PASS", "chat-cert"),
        ("PASS", "chat/app-answers"),
        ("PASS", "nest/nest-status"),
    ]);
    out.assert_line("PASS", "chat/app-answers", "app answers");
    out.assert_line("PASS", "chat-cert", "certificate is fresh");
    // A pass has no details at the default verbosity.
    assert_eq!(out.details_of("chat/app-answers"), Vec::<String>::new());
    assert!(
        !out.stdout.contains("\x1b"),
        "no colour with NO_COLOR: {out}"
    );
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(server.requests().len(), 3);

    let xml = p.junit();
    let doc = parse(&xml);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    let chat = suite(&doc, "chat");
    assert_eq!(counts(chat), ["2", "0", "0", "0"]);
    assert_eq!(counts(suite(&doc, "nest")), ["1", "0", "0", "0"]);
    assert!(chat.attribute("timestamp").is_some());
    assert!(chat.attribute("hostname").is_some_and(|h| !h.is_empty()));
    assert!(chat.attribute("time").is_some());
    let props: Vec<(&str, &str)> = child(chat, "properties")
        .children()
        .filter(|n| n.is_element())
        .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
        .collect();
    assert_eq!(
        props,
        [
            ("env", "prod"),
            ("conform.version", env!("CARGO_PKG_VERSION"))
        ]
    );
    let app = case(&doc, "app answers");
    assert_eq!(app.attribute("classname"), Some("prod.chat"));
    let chat_file = p.shown("checks/chat.yaml");
    assert_eq!(app.attribute("file"), Some(chat_file.as_str()));
    assert_eq!(app.attribute("line"), Some("6"));
    assert!(
        app.children().all(|n| !n.is_element()),
        "a pass has no child elements: {xml}"
    );
    assert_eq!(
        case(&doc, "certificate is fresh").attribute("classname"),
        Some("prod.chat")
    );
    let nest = case(&doc, "nest status");
    assert_eq!(nest.attribute("classname"), Some("prod.nest"));
    let nest_file = p.shown("checks/nest.yaml");
    assert_eq!(nest.attribute("file"), Some(nest_file.as_str()));
}

/// Run from inside the project with `--dir .`, reports name files relative to it.
#[tokio::test(flavor = "multi_thread")]
async fn dir_dot_gives_relative_file_names() {
    let server = http(|_| TestResponse::status(500)).await;
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        None,
        "",
    );
    p.http_check("web", "up", "http://127.0.0.1:${port}/", "{ status: 200 }");
    let out = conform(&["run", "--dir", "."], &[], Some(p.path().to_path_buf())).await;
    out.assert_code(1);
    assert_eq!(out.details_of("web/up")[0], "at checks/web.yaml:2", "{out}");
    let xml = p.junit();
    let doc = parse(&xml);
    assert_eq!(case(&doc, "up").attribute("file"), Some("checks/web.yaml"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_status_fails_with_expected_actual_and_a_curl_command() {
    let pki = Pki::new();
    let server = https(&pki, |_| TestResponse::ok("welcome")).await;
    let port = server.port();
    let p = Project::with_prod_env(port, Some(&pki), "");
    p.write(
        "checks/chat.yaml",
        r#"suite: chat
checks:
  - name: root redirects to the app
    id: chat-root-redirect
    timeout: 5s
    http: { url: "https://chat.test:${port}/" }
    expect:
      status: 302
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "chat-root-redirect", "root redirects to the app");
    let ca = p.shown("environments/ca.pem");
    let curl = format!(
        "curl -sS -i --resolve chat.test:{port}:127.0.0.1 --cacert {ca} --max-time 5 \
         https://chat.test:{port}/"
    );
    assert_eq!(
        out.details_of("chat-root-redirect"),
        [
            vec![p.at("checks/chat.yaml", 3)],
            mismatch("status", "302", "200", None),
            vec![format!("reproduce: {curl}")]
        ]
        .concat(),
        "{out}"
    );
    assert!(
        out.stdout.contains("\nfailed: chat-root-redirect\n"),
        "{out}"
    );
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    assert_eq!(server.requests().len(), 1);

    assert_eq!(p.junit_counts("chat"), ["1", "1", "0", "0"]);
    let xml = p.junit();
    let doc = parse(&xml);
    let tc = case(&doc, "root redirects to the app");
    assert_eq!(tc.attribute("classname"), Some("prod.chat"));
    let failure = p.verdict("root redirects to the app", "failure");
    failure.assert_is("fail", "status: expected 302, got 200");
    let body = &failure.text;
    assert!(
        body.contains("status\n  expected: 302\n  actual:   200\n"),
        "{body}"
    );
    assert!(body.contains(&format!("reproduce: {curl}")), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_goes_where_asked_and_an_unwritable_place_is_an_error() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let custom = p.path().join("out/ci/results.xml");
    let out = p.run(&["--junit", &custom.display().to_string()]).await;
    out.assert_code(0);
    assert!(
        !p.path().join("reports/junit.xml").exists(),
        "the default JUnit file is not written"
    );
    assert!(
        p.path().join("reports/report.json").exists(),
        "the JSON report still goes to its default"
    );
    let xml = std::fs::read_to_string(&custom).expect("the custom JUnit file");
    let doc = parse(&xml);
    assert_eq!(counts(suite(&doc, "web")), ["1", "0", "0", "0"]);
    let mut leftovers: Vec<_> = std::fs::read_dir(custom.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [".conform.lock", "results.xml"],
        "no temporary file is left (the lock file stays, empty)"
    );

    // A path under a regular file cannot be written.
    p.write("blocker", "a file, not a folder");
    let bad = p.path().join("blocker/junit.xml");
    let out = p.run(&["--junit", &bad.display().to_string()]).await;
    assert_ne!(out.code, 0, "{out}");
    assert_eq!(out.code, 2, "{out}");
    out.assert_stderr_starts_with(&format!(
        "error: cannot write the JUnit report to {}: ",
        bad.display()
    ));
    out.assert_stderr_contains("os error");
    // The checks still ran and were reported.
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");

    // The default place under a reports/ that is a file.
    std::fs::remove_dir_all(p.path().join("reports")).expect("the earlier runs' reports");
    p.write("reports", "not a folder");
    let out = p.run(&[]).await;
    assert_eq!(out.code, 2, "{out}");
    out.assert_stderr_starts_with(&format!(
        "error: cannot write the JUnit report to {}: ",
        p.shown("reports/junit.xml")
    ));
}

/// A disk that fills up mid-write (here: the process may not write files over 256 bytes, as
/// `ulimit -f` sets, with SIGXFSZ ignored, so writes fail with EFBIG): each report that cannot
/// be written is named in a clear error, the previous reports stay whole, no temporary file is
/// left, and the run exits 2 even though its check passed.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_keeps_the_old_reports_and_says_so() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    p.run(&[]).await.assert_code(0);
    let (junit, json) = (p.read("reports/junit.xml"), p.read("reports/report.json"));

    let out = run_with_file_size_limit(&p, 256).await;
    out.assert_code(2);
    assert!(
        out.stdout
            .contains("1 passed, 0 failed, 0 errors, 0 pending"),
        "{out}"
    );
    assert_neither_written(&p, &out, (&junit, &json));
    let mut left: Vec<String> = std::fs::read_dir(p.path().join("reports"))
        .expect("reports/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [".conform.lock", "junit.xml", "report.json"],
        "no temporary file is left"
    );
}

/// A large run's JUnit and JSON reports are serialized side by side (each on a thread of its
/// own): both whole, and when they cannot be written, both errors in the set's order, the old
/// reports whole, exit 2.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_runs_reports_are_written_side_by_side_and_fail_alike() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    let checks: String = (0..250)
        .map(|i| {
            format!(
                "  - name: up {i}\n    http: {{ url: \"http://chat.test:${{port}}/{i}\" }}\n    expect: {{ status: 200 }}\n"
            )
        })
        .collect();
    p.write("checks/web.yaml", &format!("checks:\n{checks}"));
    let out = p.run(&[]).await;
    out.assert_code(0);
    assert_eq!(p.junit_counts("web"), ["250", "0", "0", "0"]);
    let json: serde_json::Value =
        serde_json::from_str(&p.read("reports/report.json")).expect("JSON report");
    assert_eq!(json["checks"].as_array().map(Vec::len), Some(250));
    assert_eq!(json["checks"][249]["id"], "web/up-249");
    let (junit, json) = (p.read("reports/junit.xml"), p.read("reports/report.json"));

    let out = run_with_file_size_limit(&p, 4096).await;
    out.assert_code(2);
    assert_neither_written(&p, &out, (&junit, &json));
}

/// `conform run` in `p` with files limited to `bytes` (as `ulimit -f` sets, SIGXFSZ
/// ignored): a write past it fails with EFBIG, as on a full disk.
async fn run_with_file_size_limit(p: &Project, bytes: u64) -> Output {
    use std::os::unix::process::CommandExt;
    let args = vec!["run".to_string(), "--dir".to_string(), p.dir_arg()];
    let mut command = crate::harness::conform_command();
    command.args(&args).env("NO_COLOR", "1");
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    tokio::task::spawn_blocking(move || run_bounded(command, &args))
        .await
        .expect("the runner thread")
}

/// Both reports failed with EFBIG, named in the set's order, and the old ones are whole.
#[track_caller]
fn assert_neither_written(p: &Project, out: &Output, (junit, json): (&str, &str)) {
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot write the JUnit report to {}: File too large (os error 27)\n\
             error: cannot write the JSON report to {}: File too large (os error 27)\n",
            p.shown("reports/junit.xml"),
            p.shown("reports/report.json")
        )
    );
    assert_eq!(
        p.read("reports/junit.xml"),
        junit,
        "the old JUnit report is whole"
    );
    assert_eq!(
        p.read("reports/report.json"),
        json,
        "the old JSON report is whole"
    );
}
