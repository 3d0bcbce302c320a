use super::*;
use crate::probe::ProbeErrorKind;
use crate::report::detail::fixtures::*;
use std::sync::{Arc, Mutex};

/// A writer the test can read back after the reporter took ownership of it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn render(verbosity: u8, secrets: Secrets, results: &[CheckResult]) -> String {
    let out = Captured::default();
    let mut reporter = TerminalReporter::new(Box::new(out.clone()), false, verbosity, secrets);
    for r in results {
        reporter.check_finished(r);
    }
    out.text()
}

fn redirect_failure() -> CheckResult {
    let mut r = result(
        check("chat", "chat/root-redirect", "root redirects"),
        Outcome::Fail,
        vec![failed(vec![mismatch("status", "302", "200")])],
    );
    r.message = "expected a redirect".into();
    r
}

#[test]
fn pass_line() {
    let r = result(
        check("chat", "chat/up", "up"),
        Outcome::Pass,
        vec![passed()],
    );
    assert_eq!(
        render(0, Secrets::default(), &[r]),
        "PASS    chat/up  up   0.12s\n"
    );
    let same = result(check("c", "c/x", "c/x"), Outcome::Pass, vec![passed()]);
    assert_eq!(
        render(1, Secrets::default(), &[same]),
        "PASS    c/x   0.12s\n"
    );
}

#[test]
fn fail_line_and_details() {
    assert_eq!(
        render(0, Secrets::default(), &[redirect_failure()]),
        "FAIL    chat/root-redirect  root redirects   0.12s\n\
         \x20   at checks/chat.yaml:3\n\
         \x20   expected a redirect\n\
         \x20   status\n\
         \x20     expected: 302\n\
         \x20     actual:   200\n\
         \x20   reproduce: curl -sS -i https://chat.example/\n"
    );
}

#[test]
fn verbose_failure_shows_the_exchange() {
    let text = render(1, Secrets::default(), &[redirect_failure()]);
    assert!(
        text.ends_with(
            "    > GET https://chat.example/\n\
             \x20   < HTTP/1.1 200\n\
             \x20   < content-type: text/plain\n\
             \x20   body (5 bytes):\n\
             \x20     | hello\n"
        ),
        "{text}"
    );
}

#[test]
fn error_pending_fixed_and_not_run_lines() {
    let mut error = result(
        check("nest", "nest/api", "api"),
        Outcome::Error,
        vec![errored(
            ProbeErrorKind::Refused,
            "connect to 10.0.0.1:443: refused",
        )],
    );
    error.message = "connect to 10.0.0.1:443: refused".into();
    let (pending, mut fixed) = (pending_waf(), fixed_new());
    fixed.reproduce = None;
    let not_run = result(check("dns", "dns/mx", "mx"), Outcome::NotRun, vec![]);
    assert_eq!(
        render(0, Secrets::default(), &[error, pending, fixed, not_run]),
        "ERROR   nest/api  api   0.12s\n\
         \x20   at checks/nest.yaml:3\n\
         \x20   error (connection refused): connect to 10.0.0.1:443: refused\n\
         \x20   reproduce: curl -sS -i https://chat.example/\n\
         PENDING chat/waf  waf   0.12s\n\
         \x20   at checks/chat.yaml:3\n\
         \x20   status\n\
         \x20     expected: 403\n\
         \x20     actual:   200\n\
         \x20   pending: WAF rule in COUNT mode\n\
         \x20   reproduce: curl -sS -i https://chat.example/\n\
         FIXED   chat/new  new   0.12s\n\
         \x20   at checks/chat.yaml:3\n\
         \x20   pending check now passes: remove `pending`\n\
         NOT RUN dns/mx  mx   0.12s\n"
    );
}

#[test]
fn flaky_pass_shows_its_attempts() {
    let mut c = check("chat", "chat/up", "up");
    c.retries = 2;
    let mut r = result(
        c,
        Outcome::Pass,
        vec![failed(vec![mismatch("status", "302", "200")]), passed()],
    );
    r.flaky = true;
    assert_eq!(
        render(0, Secrets::default(), &[r]),
        "PASS    chat/up  up (flaky: passed on attempt 2 of 3)   0.12s\n\
         \x20   at checks/chat.yaml:3\n\
         \x20   attempt 1: fail (status: expected 302, got 200)\n\
         \x20   reproduce: curl -sS -i https://chat.example/\n"
    );
}

#[test]
fn color_marks_the_label_only_when_asked() {
    let out = Captured::default();
    let mut reporter = TerminalReporter::new(Box::new(out.clone()), true, 0, Secrets::default());
    reporter.check_finished(&result(
        check("a", "a/b", "b"),
        Outcome::Pass,
        vec![passed()],
    ));
    assert!(
        out.text()
            .starts_with("\x1b[32mPASS\x1b[0m    \x1b[1ma/b\x1b[0m")
    );
}

#[test]
fn closing_summary() {
    let mut results = vec![
        result(check("a", "a/1", "1"), Outcome::Pass, vec![passed()]),
        redirect_failure(),
        result(check("a", "a/3", "3"), Outcome::Pending, vec![]),
        result(check("a", "a/4", "4"), Outcome::Fixed, vec![passed()]),
    ];
    results[0].flaky = true;
    let report = report(results);
    let out = Captured::default();
    let mut reporter = TerminalReporter::new(Box::new(out.clone()), false, 0, Secrets::default());
    reporter.finish(&report);
    assert_eq!(
        out.text(),
        "\nfailed: chat/root-redirect\nfixed: a/4\n\
         1 passed, 1 failed, 0 errors, 1 pending, 1 fixed, 1 flaky in 0.42s\n"
    );
    let clean = crate::report::detail::fixtures::report(vec![]);
    assert_eq!(
        summary_line(&clean),
        "0 passed, 0 failed, 0 errors, 0 pending in 0.42s"
    );
}

#[test]
fn secrets_never_reach_the_terminal() {
    let mut r = result(
        check("chat", "chat/api", "api"),
        Outcome::Fail,
        vec![failed(vec![mismatch(
            "header x",
            "Bearer s3cr3t-t0ken",
            "none",
        )])],
    );
    r.reproduce = command(&[
        "curl",
        "-H",
        "authorization: Bearer s3cr3t-t0ken",
        "https://x/",
    ]);
    if let Some(crate::probe::Observation::Http(o)) = &mut r.attempts[0].observation {
        o.body = b"echo: s3cr3t-t0ken \x1b]0;owned\x07".to_vec();
    }
    let text = render(1, secrets(), &[r]);
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("expected: Bearer [redacted:TOKEN]"), "{text}");
    assert!(
        text.contains("authorization: Bearer '\"${TOKEN}\" https://x/"),
        "{text}"
    );
    assert!(
        text.contains("echo: [redacted:TOKEN] \\x1b]0;owned\\x07"),
        "{text}"
    );
}
