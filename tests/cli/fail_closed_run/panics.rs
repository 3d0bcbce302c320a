//! No check vanishes: a panic inside a check is its `error`, in every report.

use super::report_json;
use crate::harness::*;
use crate::support::*;

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
    out.assert_summary("1 passed, 0 failed, 1 error, 0 pending");
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
