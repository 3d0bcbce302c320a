//! The TAP report (Test Anything Protocol, version 14): a test point per check, in plan order,
//! numbered from 1, and a YAML diagnostic block under each check that did not simply pass.
//!
//! A pending check that fails is `not ok .. # TODO pending: <reason>` (TAP does not count it
//! as a failure), a check `--fail-fast` stopped is `ok .. # SKIP not run`, and a fixed check
//! (pending, but passing) is a plain `not ok`: it fails the run.

use super::detail::{attempt_summary, clean, excerpt};
use super::github::headline;
use crate::config::model::Secrets;
use crate::run::{CheckResult, Outcome, RunReport};
use crate::syntax::escape::yaml_quoted;
use std::fmt::Write as _;

/// The run as a TAP 14 document, secrets redacted. `needed_by`: the checks run only because
/// selected ones need them (by id as the reports show it), each marked by a comment under its
/// test point: `# needed by api/me`.
pub fn tap(
    report: &RunReport,
    secrets: &Secrets,
    needed_by: &std::collections::BTreeMap<String, Vec<String>>,
) -> String {
    let mut out = String::from("TAP version 14\n");
    if let Some(as_of) = &report.as_of {
        let _ = writeln!(
            out,
            "# {}",
            clean(secrets, &as_of.line()).replace('\n', " ")
        );
    }
    if report.results.is_empty() {
        out.push_str("1..0 # SKIP no checks selected\n");
        return out;
    }
    let _ = writeln!(out, "1..{}", report.results.len());
    for (i, result) in report.results.iter().enumerate() {
        out.push_str(&test_point(i + 1, result, secrets));
        if let Some(by) = needed_by.get(&clean(secrets, &result.check.id)) {
            let by = by.join(", ").replace(['\n', '\r'], " ");
            let _ = writeln!(out, "# needed by {by}");
        }
        let diagnose = match result.outcome {
            Outcome::Pass => result.flaky,
            Outcome::NotRun => false,
            _ => true,
        };
        if diagnose {
            out.push_str(&diagnostics(result, secrets));
        }
    }
    out
}

/// `ok 1 - id`, `not ok 2 - id`, with a directive for pending and not run checks.
fn test_point(number: usize, result: &CheckResult, secrets: &Secrets) -> String {
    let ok = matches!(result.outcome, Outcome::Pass | Outcome::NotRun);
    let mut line = format!(
        "{}ok {number} - {}",
        if ok { "" } else { "not " },
        description(&clean(secrets, &result.check.id))
    );
    match result.outcome {
        Outcome::Pending => {
            let reason = result
                .check
                .pending
                .as_ref()
                .map_or("", |p| p.reason.as_str());
            let _ = write!(
                line,
                " # TODO pending: {}",
                directive_reason(&clean(secrets, reason))
            );
        }
        Outcome::NotRun => {
            let _ = write!(line, " # SKIP {}", Outcome::NotRun.label());
        }
        _ => {}
    }
    line.push('\n');
    line
}

/// A test point description: one line, and `#` and `\` escaped so that nothing in it is read
/// as a directive.
fn description(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '#' => out.push_str("\\#"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A directive's reason runs to the line end: it only has to stay on one line.
fn directive_reason(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The YAML block (`  ---` .. `  ...`): outcome, message, where, expected and actual, the
/// probe error, earlier attempts, the reproduce command. Every string is double-quoted, so
/// no value can end the block or change its structure.
fn diagnostics(result: &CheckResult, secrets: &Secrets) -> String {
    let check = &result.check;
    let q = |text: &str| yaml_quoted(&clean(secrets, text));
    let cut = |text: &str| yaml_quoted(&excerpt(secrets, text));
    let mut out = String::from("  ---\n");
    let _ = writeln!(out, "  outcome: {}", result.label());
    let _ = writeln!(out, "  message: {}", cut(&headline(result)));
    let _ = writeln!(
        out,
        "  at: {}",
        q(&format!("{}:{}", check.file.display(), check.line))
    );
    if let Some(pending) = &check.pending {
        let _ = writeln!(out, "  pending: {}", q(&pending.reason));
    }
    if let Some(last) = result.last_attempt() {
        if !last.mismatches.is_empty() {
            out.push_str("  mismatches:\n");
            for m in &last.mismatches {
                let _ = writeln!(out, "    - field: {}", q(&m.field));
                let _ = writeln!(out, "      expected: {}", cut(&m.expected));
                let _ = writeln!(out, "      actual: {}", cut(&m.actual));
                if let Some(note) = &m.note {
                    let _ = writeln!(out, "      note: {}", cut(note));
                }
            }
        }
        if let Some(error) = &last.error {
            out.push_str("  error:\n");
            let _ = writeln!(out, "    kind: {}", q(&error.kind.to_string()));
            let _ = writeln!(out, "    message: {}", cut(&error.message));
        }
    }
    let earlier = result.attempts.len().saturating_sub(1);
    if earlier > 0 {
        out.push_str("  attempts:\n");
        for (i, attempt) in result.attempts[..earlier].iter().enumerate() {
            let summary = attempt_summary(i + 1, attempt, secrets);
            let _ = writeln!(out, "    - {}", yaml_quoted(&summary));
        }
    }
    if let Some(command) = &result.reproduce {
        let _ = writeln!(out, "  reproduce: {}", q(&command.to_shell(secrets)));
    }
    out.push_str("  ...\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbeErrorKind;
    use crate::report::detail::fixtures::*;

    fn sample() -> RunReport {
        let mut fail = result(
            check("chat", "chat/root", "root redirects"),
            Outcome::Fail,
            vec![
                errored(ProbeErrorKind::Timeout, "no answer within 5s"),
                failed(vec![mismatch("status", "302", "200")]),
            ],
        );
        fail.message = "status: expected 302, got 200".into();
        let mut pending = pending_waf();
        pending.message = "pending: WAF rule in COUNT mode".into();
        let mut error = result(
            check("nest", "nest/api", "api"),
            Outcome::Error,
            vec![errored(ProbeErrorKind::Refused, "connect: refused")],
        );
        error.message = "connect: refused".into();
        let not_run = result(check("dns", "dns/mx", "mx"), Outcome::NotRun, Vec::new());
        report(vec![
            result(
                check("chat", "chat/up", "up"),
                Outcome::Pass,
                vec![passed()],
            ),
            fail,
            pending,
            not_run,
            error,
            fixed_new(),
        ])
    }

    #[test]
    fn numbered_points_with_todo_skip_and_diagnostics() {
        assert_eq!(
            tap(&sample(), &Secrets::default(), &Default::default()),
            "TAP version 14\n\
             1..6\n\
             ok 1 - chat/up\n\
             not ok 2 - chat/root\n\
             \x20 ---\n\
             \x20 outcome: fail\n\
             \x20 message: \"status: expected 302, got 200\"\n\
             \x20 at: \"checks/chat.yaml:3\"\n\
             \x20 mismatches:\n\
             \x20   - field: \"status\"\n\
             \x20     expected: \"302\"\n\
             \x20     actual: \"200\"\n\
             \x20 attempts:\n\
             \x20   - \"attempt 1: error (timeout: no answer within 5s)\"\n\
             \x20 reproduce: \"curl -sS -i https://chat.example/\"\n\
             \x20 ...\n\
             not ok 3 - chat/waf # TODO pending: WAF rule in COUNT mode\n\
             \x20 ---\n\
             \x20 outcome: pending\n\
             \x20 message: \"pending: WAF rule in COUNT mode\"\n\
             \x20 at: \"checks/chat.yaml:3\"\n\
             \x20 pending: \"WAF rule in COUNT mode\"\n\
             \x20 mismatches:\n\
             \x20   - field: \"status\"\n\
             \x20     expected: \"403\"\n\
             \x20     actual: \"200\"\n\
             \x20 reproduce: \"curl -sS -i https://chat.example/\"\n\
             \x20 ...\n\
             ok 4 - dns/mx # SKIP not run\n\
             not ok 5 - nest/api\n\
             \x20 ---\n\
             \x20 outcome: error\n\
             \x20 message: \"connect: refused\"\n\
             \x20 at: \"checks/nest.yaml:3\"\n\
             \x20 error:\n\
             \x20   kind: \"connection refused\"\n\
             \x20   message: \"connect: refused\"\n\
             \x20 reproduce: \"curl -sS -i https://chat.example/\"\n\
             \x20 ...\n\
             not ok 6 - chat/new\n\
             \x20 ---\n\
             \x20 outcome: fixed\n\
             \x20 message: \"pending check now passes: remove `pending`\"\n\
             \x20 at: \"checks/chat.yaml:3\"\n\
             \x20 pending: \"not live\"\n\
             \x20 reproduce: \"curl -sS -i https://chat.example/\"\n\
             \x20 ...\n"
        );
    }

    #[test]
    fn a_flaky_pass_is_ok_with_its_attempts() {
        let mut c = check("nest", "nest/up", "up");
        c.retries = 2;
        let mut r = result(
            c,
            Outcome::Pass,
            vec![failed(vec![mismatch("status", "200", "503")]), passed()],
        );
        r.flaky = true;
        r.reproduce = None;
        assert_eq!(
            tap(&report(vec![r]), &Secrets::default(), &Default::default()),
            "TAP version 14\n\
             1..1\n\
             ok 1 - nest/up\n\
             \x20 ---\n\
             \x20 outcome: flaky\n\
             \x20 message: \"flaky: passed on attempt 2 of 3\"\n\
             \x20 at: \"checks/nest.yaml:3\"\n\
             \x20 attempts:\n\
             \x20   - \"attempt 1: fail (status: expected 200, got 503)\"\n\
             \x20 ...\n"
        );
    }

    #[test]
    fn an_empty_run_skips_all() {
        assert_eq!(
            tap(
                &report(Vec::new()),
                &Secrets::default(),
                &Default::default()
            ),
            "TAP version 14\n1..0 # SKIP no checks selected\n"
        );
    }

    #[test]
    fn hashes_and_newlines_cannot_make_directives_or_lines() {
        let c = with_pending(
            check("chat", "chat/a#b\\c\nd # TODO", "x"),
            "two\nlines # x",
        );
        let mut r = result(
            c,
            Outcome::Pending,
            vec![failed(vec![mismatch(
                "body",
                "\"quoted\" \\ back",
                "line\n  ...\n---\tend\u{2028}",
            )])],
        );
        r.reproduce = None;
        let out = tap(&report(vec![r]), &Secrets::default(), &Default::default());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[2],
            "not ok 1 - chat/a\\#b\\\\c d \\# TODO # TODO pending: two lines # x"
        );
        assert!(
            out.contains("      expected: \"\\\"quoted\\\" \\\\ back\"\n"),
            "{out}"
        );
        assert!(
            out.contains("      actual: \"line\\n  ...\\n---\\\\tend\\\\u{2028}\"\n"),
            "{out}"
        );
        assert_eq!(out.lines().filter(|l| *l == "  ...").count(), 1, "{out}");
    }

    #[test]
    fn the_yaml_blocks_parse() {
        let out = tap(&sample(), &Secrets::default(), &Default::default());
        let mut blocks = Vec::new();
        let mut current: Option<String> = None;
        for line in out.lines() {
            match (line, current.as_mut()) {
                ("  ---", None) => current = Some(String::new()),
                ("  ...", Some(_)) => blocks.push(current.take().unwrap()),
                (line, Some(block)) => {
                    block.push_str(line.strip_prefix("  ").unwrap());
                    block.push('\n');
                }
                _ => {}
            }
        }
        assert_eq!(blocks.len(), 4);
        let first: serde_json::Value = serde_saphyr::from_str(&blocks[0]).unwrap();
        assert_eq!(
            first,
            serde_json::json!({
                "outcome": "fail",
                "message": "status: expected 302, got 200",
                "at": "checks/chat.yaml:3",
                "mismatches": [{"field": "status", "expected": "302", "actual": "200"}],
                "attempts": ["attempt 1: error (timeout: no answer within 5s)"],
                "reproduce": "curl -sS -i https://chat.example/",
            })
        );
        for block in &blocks[1..] {
            serde_saphyr::from_str::<serde_json::Value>(block).unwrap();
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let mut r = result(
            with_pending(check("chat", "chat/s3cr3t-t0ken", "x"), "s3cr3t-t0ken"),
            Outcome::Pending,
            vec![failed(vec![mismatch("header x", "s3cr3t-t0ken", "none")])],
        );
        r.message = "pending: s3cr3t-t0ken".into();
        r.reproduce = command(&["curl", "-H", "x: s3cr3t-t0ken", "https://chat.example/"]);
        let out = tap(&report(vec![r]), &secrets(), &Default::default());
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(
            out.contains("not ok 1 - chat/[redacted:TOKEN] # TODO pending: [redacted:TOKEN]\n"),
            "{out}"
        );
        assert!(
            out.contains("  reproduce: \"curl -H 'x: '\\\"${TOKEN}\\\" https://chat.example/\""),
            "{out}"
        );
    }
}
