//! Signals end a run at once, in a retry delay, a wait for a turn or a slot, or for the reports'
//! lock, with its reports written; a second signal exits at once.

use super::report_json;
use crate::harness::*;
use crate::support::*;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

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
    let mut command = crate::harness::conform_command();
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

pub(crate) fn send(child: &Child, signal: libc::c_int) {
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
pub(crate) async fn finish(child: Child) -> (Option<i32>, String, String) {
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
        format!("interrupted by {name}: 1 check not run; the reports say so\n")
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
async fn a_second_signal_exits_at_once(second: libc::c_int, code: i32, only: &[&str]) {
    let server = always_500_but_fine().await;
    let p = retrying_project(server.port());
    let fifo = p.path().join("summary.fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo(3) with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let summary = fifo.display().to_string();
    let args = [&["--format", "github"], only].concat();
    let child = spawn_run(&p, &args, &[("GITHUB_STEP_SUMMARY", summary.as_str())]);
    let checks = if only.is_empty() { 2 } else { 1 };
    until("every check's first attempt", || {
        server.requests().len() >= checks
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
            "interrupted by SIGINT: 1 check not run; the reports say so\n\
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
    a_second_signal_exits_at_once(libc::SIGINT, 130, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sigterm_after_a_sigint_exits_143_at_once() {
    a_second_signal_exits_at_once(libc::SIGTERM, 143, &[]).await;
}

/// A run of one check, which conform runs with the least machinery, ends as promptly.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_ends_a_one_check_run_at_once() {
    a_second_signal_exits_at_once(libc::SIGINT, 130, &["--only", "flaky"]).await;
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
