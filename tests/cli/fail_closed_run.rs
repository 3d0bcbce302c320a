//! Fail closed, the run's part: no check vanishes (a panic inside a check is its `error`),
//! waits are bounded (24h), signals end a run at once with its reports written, and the
//! bodies of passing checks are not kept.

use crate::harness::*;
use crate::support::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TWO_CHECKS: &str = "checks:
  - name: boom
    http: { url: \"http://chat.test:${port}/boom?key=${secret:TEST_TOKEN}\" }
    expect: { status: 200 }
  - name: fine
    http: { url: \"http://chat.test:${port}/fine\" }
    expect: { status: 200 }
";

/// What the deliberate panic says, as every output shows it: one line, escaped, redacted.
fn panic_shown(port: u16) -> String {
    format!(
        "internal error: CONFORM_INTERNAL_PANIC asked for a panic in \
         http://chat.test:{port}/boom?key=[redacted:TEST_TOKEN]\\n\\x1b[31mhere"
    )
}

fn report_json(p: &Project) -> Value {
    serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report")
}

/// A panic inside a check is that check's `error`, in the terminal, JUnit and JSON, with its
/// text escaped; the other checks run, the exit code is 3, and every report holds both checks.
#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_panics_is_an_internal_error_in_every_report() {
    let (server, p) = http_project(TestResponse::ok("ok")).await;
    p.write("checks/web.yaml", TWO_CHECKS);
    let shown = panic_shown(server.port());
    let out = p
        .run_with_env(
            &[],
            &[
                ("CONFORM_INTERNAL_PANIC", "web/boom"),
                ("TEST_TOKEN", "s3cr3t-t0ken"),
            ],
        )
        .await;
    out.assert_code(3);
    out.assert_line("ERROR", "web/boom", "boom");
    out.assert_line("PASS", "web/fine", "fine");
    assert!(
        out.details_of("web/boom")
            .contains(&format!("error (internal): {shown}")),
        "{out}"
    );
    out.assert_summary("1 passed, 0 failed, 1 errors, 0 pending");
    assert!(!out.stdout.contains('\u{1b}'), "{out}");
    assert!(!out.stderr.contains('\u{1b}'), "{out}");
    out.assert_stderr_starts_with(&format!("error: {shown} (at src/run/"));
    assert_no_secret(&out.stdout, "s3cr3t-t0ken", "stdout");
    assert_no_secret(&out.stderr, "s3cr3t-t0ken", "stderr");
    assert_no_secret(&p.junit(), "s3cr3t-t0ken", "junit.xml");
    assert_no_secret(
        &p.read("reports/report.json"),
        "s3cr3t-t0ken",
        "report.json",
    );

    assert_eq!(p.junit_counts("web"), ["2", "0", "1", "0"]);
    p.verdict("boom", "error").assert_is("internal", &shown);
    assert!(!p.junit_case_has("fine", "error"));

    let json = report_json(&p);
    let checks = json["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 2, "{json}");
    let boom = checks
        .iter()
        .find(|c| c["id"] == "web/boom")
        .expect("web/boom in the JSON report");
    assert_eq!(boom["outcome"], "error");
    assert_eq!(boom["message"], shown.as_str());
    assert_eq!(boom["attempts"][0]["error"]["kind"], "internal");
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["summary"]["passed"], 1);
}

/// A tls check whose timeout is the largest number of seconds there is: a load error, not
/// a panic that would drop the check from the reports.
#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_beyond_any_clock_is_a_load_error() {
    let p = Project::with_prod_env(1, None, "");
    p.write(
        "checks/edge.yaml",
        "checks:
  - name: cert
    timeout: 18446744073709551615s
    tls: { host: chat.test, port: 443 }
    expect: { handshake: accepted }
",
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:3:14: `timeout` `18446744073709551615s` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             1 error found; nothing was probed\n",
            p.shown("checks/edge.yaml")
        ),
        "{out}"
    );
}

/// 24h is the longest wait: a check's `timeout` and `retry_delay`, the file's and the
/// environment's defaults, and `--timeout`.
#[tokio::test(flavor = "multi_thread")]
async fn waits_are_bounded_by_24h_everywhere() {
    let (_server, p) = http_project(TestResponse::ok("ok")).await;
    let check = |timeout: &str, delay: &str| {
        format!(
            "checks:
  - name: up
    timeout: {timeout}
    retry_delay: {delay}
    http: {{ url: \"http://chat.test:${{port}}/\" }}
    expect: {{ status: 200 }}
"
        )
    };
    p.write("checks/web.yaml", &check("24h", "24h"));
    p.run(&[]).await.assert_code(0);
    p.run(&["--timeout", "24h"]).await.assert_code(0);

    let file = p.shown("checks/web.yaml");
    p.write("checks/web.yaml", &check("25h", "1d1s"));
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:14: `timeout` `25h` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             error: {file}:4:18: `retry_delay` `1d1s` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );

    p.write(
        "checks/web.yaml",
        "defaults: { timeout: 48h }\nchecks:\n  - name: up\n    http: { url: \"http://chat.test:${port}/\" }\n    expect: { status: 200 }\n",
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:1:22: `timeout` `48h` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );

    p.write("checks/web.yaml", &check("5s", "1s"));
    let port = _server.port();
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\ndefaults: {{ retry_delay: 100000000h }}\n"
        ),
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}:3:26: `retry_delay` `100000000h` is longer than 24h; \
             expected a duration of at most 24h, such as 10s, 5m or 1h\n\
             1 error found; nothing was probed\n",
            p.shown("environments/prod.yaml")
        ),
        "{out}"
    );

    p.write(
        "environments/prod.yaml",
        &format!("vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\n"),
    );
    let out = p.run(&["--timeout", "25h"]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(
        "error: invalid value '25h' for '--timeout <D>': it is longer than 24h; \
         expected a duration of at most 24h, such as 5s or 1m",
    );

    // `host_rate`'s period too: 1/500y would hold the second check of a host for 500 years
    // (and 1/500000000000y overflowed the clock).
    for rate in ["1/500y", "1/500000000000y", "2/25h"] {
        p.write(
            "environments/prod.yaml",
            &format!(
                "vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1 }}\nhost_rate: {rate}\n"
            ),
        );
        let out = p.run(&[]).await;
        out.assert_code(2);
        assert_eq!(
            out.stderr,
            format!(
                "error: {}:3:12: `host_rate` `{rate}` has a period longer than 24h; expected a \
                 period of at most 24h, e.g. 10/s, 15/10s or 100/1h\n\
                 1 error found; nothing was probed\n",
                p.shown("environments/prod.yaml")
            ),
            "{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Signals.

/// A check that fails (500) and is retried after 20s, and a check that passes.
fn retrying_project(port: u16) -> Project {
    let p = Project::with_prod_env(port, None, "");
    p.write(
        "checks/web.yaml",
        "checks:
  - name: fine
    http: { url: \"http://chat.test:${port}/fine\" }
    expect: { status: 200 }
  - name: flaky
    retries: 3
    retry_delay: 20s
    http: { url: \"http://chat.test:${port}/flaky\" }
    expect: { status: 200 }
",
    );
    p
}

async fn always_500_but_fine() -> TestServer {
    http(|r| {
        if r.path == "/fine" {
            TestResponse::ok("ok")
        } else {
            TestResponse::status(500)
        }
    })
    .await
}

fn spawn_run(p: &Project, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conform"));
    command
        .args(["run", "--dir", &p.dir_arg()])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().expect("spawn conform")
}

fn send(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) with the pid of a child this test started and has not yet waited for.
    let sent = unsafe { libc::kill(pid, signal) };
    assert_eq!(sent, 0, "kill");
}

/// Sends `signal` and waits for the child: it must exit with `code`, well within the waits
/// the signal cut short (a correctness bound, not a speed target). Its stdout and stderr.
async fn end_with(child: Child, signal: libc::c_int, code: i32) -> (String, String) {
    let sent = Instant::now();
    send(&child, signal);
    let (status, stdout, stderr) = finish(child).await;
    assert_eq!(status, Some(code), "{stdout}{stderr}");
    assert!(
        sent.elapsed() < Duration::from_secs(5),
        "{:?}",
        sent.elapsed()
    );
    (stdout, stderr)
}

/// Waits (polling) until `ready` holds, for at most 15s.
async fn until(what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "waited 15s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The child's exit code, stdout and stderr; fails the test if it has not ended within 15s.
async fn finish(child: Child) -> (Option<i32>, String, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(15),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("conform ends after the signal")
    .expect("join")
    .expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A signal during a 20s retry delay ends the delay at once: the check that was waiting is
/// not run (with its first attempt reported), the reports are written and the exit code is
/// 128 + the signal's number.
async fn a_signal_ends_a_retry_delay(signal: libc::c_int, name: &str, code: i32) {
    let server = always_500_but_fine().await;
    let p = retrying_project(server.port());
    let child = spawn_run(&p, &[], &[]);
    until("both checks' first attempt", || {
        server.requests().len() >= 2
    })
    .await;
    // The first attempt of `flaky` is in; its answer is judged and the delay begins.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Correctness, not speed: far less than the 20s the delay would have taken.
    let (stdout, stderr) = end_with(child, signal, code).await;
    assert_eq!(server.requests().len(), 2, "no retry after the signal");
    assert!(stdout.contains("PASS    web/fine"), "{stdout}");
    assert!(stdout.contains("NOT RUN web/flaky"), "{stdout}");
    assert!(
        stdout.contains("1 passed, 0 failed, 0 errors, 0 pending, 1 not run in "),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        format!("interrupted by {name}: 1 checks not run; the reports say so\n")
    );
    let json = report_json(&p);
    assert_eq!(json["interrupted"], name);
    assert_eq!(json["summary"]["not_run"], 1);
    assert_eq!(json["summary"]["passed"], 1);
    let checks = json["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 2, "{json}");
    let flaky = checks
        .iter()
        .find(|c| c["id"] == "web/flaky")
        .expect("web/flaky");
    assert_eq!(
        flaky["message"],
        format!("not run: the run was interrupted ({name})")
    );
    assert_eq!(
        flaky["attempts"].as_array().map(Vec::len),
        Some(1),
        "{json}"
    );
    let junit = p.junit();
    assert!(
        junit.contains(&format!("not run: the run was interrupted ({name})")),
        "{junit}"
    );
    assert_eq!(p.junit_counts("web"), ["2", "0", "0", "1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_ends_a_retry_delay_at_once_and_exits_130() {
    a_signal_ends_a_retry_delay(libc::SIGINT, "SIGINT", 130).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_ends_a_retry_delay_at_once_and_exits_143() {
    a_signal_ends_a_retry_delay(libc::SIGTERM, "SIGTERM", 143).await;
}

/// A second signal ends the process at once, even while it is stuck writing after the first:
/// here, appending the step summary to a FIFO nobody reads (the reports are already written).
async fn a_second_signal_exits_at_once(second: libc::c_int, code: i32) {
    let server = always_500_but_fine().await;
    let p = retrying_project(server.port());
    let fifo = p.path().join("summary.fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo(3) with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let summary = fifo.display().to_string();
    let child = spawn_run(
        &p,
        &["--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.as_str())],
    );
    until("both checks' first attempt", || {
        server.requests().len() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(&child, libc::SIGINT);
    let junit = p.path().join("reports/junit.xml");
    let json = p.path().join("reports/report.json");
    until("the reports", || exists(&junit) && exists(&json)).await;
    // It now waits for a reader of the FIFO, for ever.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, stderr) = end_with(child, second, code).await;
    let name = if second == libc::SIGTERM {
        "SIGTERM"
    } else {
        "SIGINT"
    };
    assert_eq!(
        stderr,
        format!(
            "interrupted by SIGINT: 1 checks not run; the reports say so\n\
             interrupted again by {name}: exiting now\n"
        )
    );
    assert_eq!(report_json(&p)["interrupted"], "SIGINT");
}

fn exists(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.len() > 0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sigint_exits_130_at_once() {
    a_second_signal_exits_at_once(libc::SIGINT, 130).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sigterm_after_a_sigint_exits_143_at_once() {
    a_second_signal_exits_at_once(libc::SIGTERM, 143).await;
}

// ---------------------------------------------------------------------------------------------
// Bodies.

/// A passing check's body is let go once judged: `-vv` shows its size and SHA-256. A failing
/// check keeps the start of its body: `-v` shows it, and how much more there was.
#[tokio::test(flavor = "multi_thread")]
async fn bodies_of_passing_checks_are_a_digest_and_failing_ones_an_excerpt() {
    use sha2::{Digest, Sha256};
    let body: Vec<u8> = (0..(1 << 20)).map(|i| b'a' + (i % 26) as u8).collect();
    let sha256: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let served = body.clone();
    let server = http(move |r| {
        let answer = TestResponse::ok(served.clone());
        if r.path == "/broken" {
            TestResponse::status(500).body(served.clone())
        } else {
            answer
        }
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        "checks:
  - name: big
    http: { url: \"http://chat.test:${port}/big\" }
    expect: { status: 200 }
  - name: broken
    http: { url: \"http://chat.test:${port}/broken\" }
    expect: { status: 200 }
",
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code(1);
    let big = out.details_of("web/big");
    assert_eq!(
        big.last().map(String::as_str),
        Some(
            format!("body: 1 MiB (1048576 bytes), sha256 {sha256}; not kept, the check passed")
                .as_str()
        ),
        "{out}"
    );
    let broken = out.details_of("web/broken");
    let at = broken
        .iter()
        .position(|l| l == "body (1048576 bytes):")
        .unwrap_or_else(|| panic!("no body line: {out}"));
    let shown = String::from_utf8_lossy(&body[..2048]);
    assert_eq!(broken[at + 1], format!("  | {shown}"), "{out}");
    assert_eq!(broken[at + 2], "  … 1046528 more bytes", "{out}");
    assert_eq!(p.junit_counts("web"), ["2", "1", "0", "0"]);
}

/// A signal also ends the waits before an attempt: for `host_rate`'s next turn (a minute
/// away) and for a host slot (`host_concurrency: 1`, held by a probe of 20s).
#[tokio::test(flavor = "multi_thread")]
async fn a_signal_ends_the_waits_for_a_turn_and_for_a_slot() {
    for (extra, delay) in [("host_rate: 1/1m\n", 0), ("host_concurrency: 1\n", 20)] {
        let server = http(move |_| TestResponse::ok("ok").delay(Duration::from_secs(delay))).await;
        let p = Project::with_prod_env(server.port(), None, extra);
        p.write(
            "checks/web.yaml",
            "checks:
  - name: first
    http: { url: \"http://chat.test:${port}/first\" }
    expect: { status: 200 }
  - name: second
    http: { url: \"http://chat.test:${port}/second\" }
    expect: { status: 200 }
",
        );
        let child = spawn_run(&p, &[], &[]);
        until("the first request", || !server.requests().is_empty()).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = Instant::now();
        send(&child, libc::SIGINT);
        let (status, stdout, stderr) = finish(child).await;
        assert_eq!(status, Some(130), "{extra}{stdout}{stderr}");
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "{:?}",
            sent.elapsed()
        );
        assert_eq!(server.requests().len(), 1, "{extra}");
        let json = report_json(&p);
        assert_eq!(json["checks"].as_array().map(Vec::len), Some(2), "{json}");
        let not_run = if delay == 0 { 1 } else { 2 };
        assert_eq!(json["summary"]["not_run"], not_run, "{extra}{json}");
        assert_eq!(json["summary"]["passed"], 2 - not_run, "{extra}{json}");
    }
}

/// A signal while the finished run waits for another conform's lock on its reports folder
/// ends the wait at once: exit 130, nothing written, and stderr says why.
#[tokio::test(flavor = "multi_thread")]
async fn a_signal_ends_the_wait_for_the_reports_lock() {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let _lock = crate::fail_closed_reports::hold_lock(&p);
    let child = spawn_run(&p, &[], &[]);
    until("the check's request", || server.requests().len() == 1).await;
    // The run is over; it now waits for the lock (up to 10s).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, stderr) = end_with(child, libc::SIGINT, 130).await;
    let dir = std::fs::canonicalize(p.path().join("reports")).expect("reports");
    let dir = dir.display();
    assert_eq!(
        stderr,
        format!(
            "note: waiting for another conform (pid 4242) to finish writing its reports to \
             {dir}\n\
             error: interrupted by SIGINT while waiting for another conform (pid 4242) to \
             finish writing to {dir}; no report of this run was written\n"
        )
    );
    assert!(!p.path().join("reports/junit.xml").exists());
    assert!(!p.path().join("reports/report.json").exists());
}
