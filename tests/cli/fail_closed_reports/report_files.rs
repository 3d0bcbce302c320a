//! Report files always come from one run: the lock on them, FIFOs, and two reports to one file.

use super::{hold_lock, parse_json, shard_project};
use crate::harness::*;
use crate::support::*;
use std::collections::BTreeSet;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_run_waits_for_another_writing_the_same_reports() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let lock = hold_lock(&p);
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        drop(lock);
    });
    let out = p.run(&[]).await;
    release.await.expect("released");
    out.assert_code(0);
    let reports = std::fs::canonicalize(p.path().join("reports")).expect("reports");
    assert_eq!(
        out.stderr,
        format!(
            "note: waiting for another conform (pid 4242) to finish writing its reports to {}\n",
            reports.display()
        ),
        "{out}"
    );
    out.assert_took_at_least(Duration::from_millis(1500));
    assert_eq!(p.junit_counts("web"), ["1", "0", "0", "0"]);
    assert_eq!(
        p.read("reports/.conform.lock"),
        "",
        "the lock file names no holder once released"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_held_too_long_is_a_clear_refusal_that_writes_nothing() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    p.run(&[]).await.assert_code_quiet(0);
    let before = (p.junit(), p.read("reports/report.json"));
    let _lock = hold_lock(&p);
    let out = p.run(&[]).await;
    out.assert_code(2);
    let reports = std::fs::canonicalize(p.path().join("reports")).expect("reports");
    let dir = reports.display();
    assert_eq!(
        out.stderr,
        format!(
            "note: waiting for another conform (pid 4242) to finish writing its reports to \
             {dir}\n\
             error: cannot write the reports to {dir}: another conform (pid 4242) has held \
             {dir}/.conform.lock for 10s, writing its own reports there; no report of this run \
             was written (wait for it to finish, or write this run's reports elsewhere with \
             --junit and --json)\n"
        ),
        "{out}"
    );
    out.assert_took_at_least(Duration::from_secs(10));
    assert_eq!((p.junit(), p.read("reports/report.json")), before);
}

/// Two runs of different selections writing the same files at once: each file set is one
/// run's, whichever finished last. (Without the lock, about one try in three left the JUnit
/// report of one run beside the JSON report of the other.)
#[tokio::test(flavor = "multi_thread")]
async fn two_runs_at_once_leave_the_reports_of_one() {
    let (_server, p) = shard_project().await;
    for _ in 0..10 {
        let (a, b) = futures::join!(p.run(&["--only", "web/a"]), p.run(&["--only", "web/b"]));
        a.assert_code(0);
        b.assert_code(1);
        let report = parse_json(&p.read("reports/report.json"));
        let ids: BTreeSet<&str> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let xml = p.junit();
        let doc = parse(&xml);
        let cases: BTreeSet<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| format!("web/{}", n.attribute("name").unwrap()))
            .collect();
        assert_eq!(
            ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
            cases
        );
    }
}

/// A FIFO given to `merge` or `--baseline` is refused at once, never waited on.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_report_is_refused_at_once() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let fifo = p.path().join("old.json");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo(3) with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let shown = fifo.display().to_string();
    let out = p.run(&["--baseline", &shown]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!(
        "error: cannot read the report {shown}: it is a FIFO, not a regular file\n"
    ));
    let out = conform(&["merge", &shown], &[], Some(p.path().to_path_buf())).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!(
        "error: cannot read the report {shown}: it is a FIFO, not a regular file\n"
    ));
}

/// Two reports asked to the same file would leave one, silently: a usage error, nothing run.
#[tokio::test(flavor = "multi_thread")]
async fn two_reports_to_one_file_is_a_usage_error() {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let out = p.run(&["--json", "x.out", "--junit", "./x.out"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: --junit and --json name the same file, x.out: one report would replace the \
         other; give each its own file\n"
    );
    // Spelt another way, or through a link to its folder, it is the same file.
    let out_dir = p.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    std::os::unix::fs::symlink(&out_dir, p.path().join("lnk")).expect("symlink");
    let a = out_dir.join("r.x").display().to_string();
    for b in [
        out_dir.join("../out/r.x").display().to_string(),
        p.path().join("lnk/r.x").display().to_string(),
    ] {
        let out = p.run(&["--junit", &a, "--json", &b]).await;
        out.assert_code(2);
        out.assert_stderr_starts_with("error: --junit and --json name the same file, ");
    }
    assert_eq!(server.connections(), 0);
}
