//! GitHub Actions output for a deploy gate: workflow commands that mask the run's secrets and
//! annotate the check files (`::error file=..,line=..,title=..::..`), and Markdown for the
//! job's step summary (`$GITHUB_STEP_SUMMARY`).
//!
//! Text is redacted first and escaped last, so a secret is never written in any form; the
//! escaping follows GitHub's workflow command rules, so nothing a server sent can end the
//! command early or start another one.

use super::detail::{FIXED_TEXT, attempt_summary, clean, flaky_note};
use super::terminal::summary_line;
use crate::judge::Mismatch;
use crate::run::{CheckResult, Outcome, RunReport};
use crate::spec::model::Secrets;
use std::fmt::Write as _;

/// GitHub shows at most this many annotations of each kind (error, warning, notice) per step;
/// the rest are dropped silently.
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// The kinds of annotation, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// fail, error and fixed: the checks that fail the run.
    Error,
    /// Passed only after a retry.
    Warning,
    /// Pending and failing, as planned.
    Notice,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Error, Kind::Warning, Kind::Notice];

    fn command(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Warning => "warning",
            Kind::Notice => "notice",
        }
    }

    /// How the summary annotation calls the checks it stands for.
    fn what(self) -> &'static str {
        match self {
            Kind::Error => "failing",
            Kind::Warning => "flaky",
            Kind::Notice => "pending",
        }
    }

    fn of(result: &CheckResult) -> Option<Kind> {
        match result.outcome {
            Outcome::Fail | Outcome::Error | Outcome::Fixed => Some(Kind::Error),
            Outcome::Pending => Some(Kind::Notice),
            Outcome::Pass if result.flaky => Some(Kind::Warning),
            Outcome::Pass | Outcome::NotRun => None,
        }
    }
}

/// Workflow commands for the step's log: `::add-mask::` for every secret value, then an
/// annotation per check that failed the run (`::error`), passed only after a retry
/// (`::warning`) or failed as its `pending` said it would (`::notice`), on the check's file and
/// line. Of each kind at most [`ANNOTATIONS_PER_KIND`] are written: when there are more, the
/// last one names the rest (`::error title=conform::and 3 more failing checks: a, b, c`), so
/// that it is not itself the one GitHub drops.
pub fn annotations(report: &RunReport, secrets: &Secrets) -> String {
    let mut out = String::new();
    for (_, value) in secrets.values() {
        for mask in mask_values(value) {
            let _ = writeln!(out, "::add-mask::{}", escape_data(mask));
        }
    }
    for kind in Kind::ALL {
        let results: Vec<&CheckResult> = report
            .results
            .iter()
            .filter(|r| Kind::of(r) == Some(kind))
            .collect();
        let shown = if results.len() > ANNOTATIONS_PER_KIND {
            ANNOTATIONS_PER_KIND - 1
        } else {
            results.len()
        };
        for result in &results[..shown] {
            out.push_str(&annotation(kind, result, secrets));
            out.push('\n');
        }
        let rest = &results[shown..];
        if !rest.is_empty() {
            let ids: Vec<String> = rest
                .iter()
                .map(|r| one_line(secrets, &r.check.id))
                .collect();
            let message = format!(
                "and {} more {} checks: {}",
                rest.len(),
                kind.what(),
                ids.join(", ")
            );
            let _ = writeln!(
                out,
                "::{} title=conform::{}",
                kind.command(),
                escape_data(&message)
            );
        }
    }
    out
}

/// What to mask for one secret value: the value, and each of its lines when it has several
/// (the runner masks the log line by line, so a multi-line value is only caught per line).
fn mask_values(value: &str) -> Vec<&str> {
    let mut masks = vec![value];
    if value.contains(['\n', '\r']) {
        masks.extend(
            value
                .split(['\n', '\r'])
                .filter(|line| !line.trim().is_empty()),
        );
    }
    let mut seen = std::collections::HashSet::new();
    masks.retain(|m| seen.insert(*m));
    masks
}

/// One annotation command, without its line end.
fn annotation(kind: Kind, result: &CheckResult, secrets: &Secrets) -> String {
    let check = &result.check;
    let label = if result.outcome == Outcome::Pass {
        "flaky"
    } else {
        result.outcome.label()
    };
    let mut properties = vec![format!(
        "file={}",
        escape_property(&clean(secrets, &check.file.display().to_string()))
    )];
    if check.line > 0 {
        properties.push(format!("line={}", check.line));
    }
    let title = format!("{} ({label})", one_line(secrets, &check.id));
    properties.push(format!("title={}", escape_property(&title)));
    format!(
        "::{} {}::{}",
        kind.command(),
        properties.join(","),
        escape_data(&clean(secrets, &message_lines(result, secrets).join("\n")))
    )
}

/// The annotation's text, redacted as a whole by the caller: the one-line reason, expected
/// and actual of each mismatch, the earlier attempts of a flaky check, and the reproduce
/// command.
fn message_lines(result: &CheckResult, secrets: &Secrets) -> Vec<String> {
    let mut lines = vec![headline(result)];
    if let Some(last) = result.last_attempt() {
        for mismatch in &last.mismatches {
            push_mismatch(&mut lines, mismatch);
        }
        if let Some(error) = &last.error
            && error.message != lines[0]
        {
            lines.push(format!("error ({}): {}", error.kind, error.message));
        }
    }
    if result.flaky {
        let earlier = result.attempts.len().saturating_sub(1);
        for (i, attempt) in result.attempts[..earlier].iter().enumerate() {
            // Redacted before it is cut to length, so no part of a secret survives the cut.
            lines.push(attempt_summary(i + 1, attempt, secrets));
        }
    }
    if !result.reproduce.is_empty() {
        lines.push(format!("reproduce: {}", result.reproduce));
    }
    lines
}

fn push_mismatch(lines: &mut Vec<String>, mismatch: &Mismatch) {
    lines.push(mismatch.field.replace('\n', " "));
    lines.push(format!("  expected: {}", mismatch.expected));
    lines.push(format!("  actual:   {}", mismatch.actual));
    if !mismatch.note.is_empty() {
        lines.push(format!("  note:     {}", mismatch.note));
    }
}

/// The one-line reason a check did not pass (or, for a flaky pass, that it was flaky), even
/// when the runner left `message` empty; not yet redacted.
pub(crate) fn headline(result: &CheckResult) -> String {
    if result.outcome == Outcome::Pass {
        return flaky_note(result).unwrap_or_default();
    }
    if !result.message.is_empty() {
        return result.message.clone();
    }
    let last = result.last_attempt();
    if let Some(error) = last.and_then(|a| a.error.as_ref()) {
        return error.message.clone();
    }
    if let Some(mismatch) = last.and_then(|a| a.mismatches.first()) {
        return mismatch.to_string();
    }
    match result.outcome {
        Outcome::Fixed => FIXED_TEXT.to_string(),
        Outcome::Pending => {
            let reason = result
                .check
                .pending
                .as_ref()
                .map_or("", |p| p.reason.as_str());
            format!("pending: {reason}")
        }
        outcome => outcome.label().to_string(),
    }
}

/// Redacted, printable, on one line.
fn one_line(secrets: &Secrets, raw: &str) -> String {
    clean(secrets, raw).replace(['\n', '\r'], " ")
}

/// A workflow command's data (after `::`): `%`, CR and LF percent-encoded.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as data, and `:` and `,` too.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: a heading with the environment and the counts, a table
/// of the checks that did not simply pass, and the commands that reproduce their probes in a
/// collapsed `<details>`. Secrets redacted.
pub fn step_summary(report: &RunReport, secrets: &Secrets) -> String {
    let icon = match report.exit_code() {
        0 => "✅",
        3 => "⚠️",
        _ => "❌",
    };
    let mut out = format!(
        "## {icon} conform {}: {}\n\n",
        markdown(&one_line(secrets, &report.env)),
        summary_line(report)
    );
    let listed: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::Pass || r.flaky)
        .collect();
    if listed.is_empty() {
        out.push_str("Every check passed.\n");
        return out;
    }
    out.push_str("| outcome | check | message | where |\n");
    out.push_str("| --- | --- | --- | --- |\n");
    for r in &listed {
        let outcome = match r.outcome {
            Outcome::Pass => "flaky".to_string(),
            outcome => outcome.label().to_string(),
        };
        let at = format!("{}:{}", r.check.file.display(), r.check.line);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            outcome,
            cell(secrets, &r.check.id),
            cell(secrets, &headline(r)),
            cell(secrets, &at),
        );
    }
    let reproduce: Vec<(String, String)> = listed
        .iter()
        .filter(|r| r.outcome != Outcome::NotRun && !r.reproduce.is_empty())
        .map(|r| (one_line(secrets, &r.check.id), clean(secrets, &r.reproduce)))
        .collect();
    if !reproduce.is_empty() {
        let longest_ticks = reproduce
            .iter()
            .map(|(id, command)| longest_backtick_run(id).max(longest_backtick_run(command)))
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(3.max(longest_ticks + 1));
        out.push_str("\n<details>\n<summary>Reproduce by hand</summary>\n\n");
        let _ = writeln!(out, "{fence}sh");
        for (i, (id, command)) in reproduce.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "# {id}\n{command}");
        }
        let _ = writeln!(out, "{fence}\n\n</details>");
    }
    out
}

/// A table cell: redacted, one line (`<br>` between lines), pipes and Markdown escaped.
fn cell(secrets: &Secrets, raw: &str) -> String {
    let text = clean(secrets, raw);
    let lines: Vec<String> = text.lines().map(markdown).collect();
    lines.join("<br>")
}

/// Text shown as written: HTML and Markdown punctuation escaped, `|` too (tables).
fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbeErrorKind;
    use crate::report::detail::fixtures::*;
    use std::sync::Arc;

    fn root_failure() -> CheckResult {
        let mut r = result(
            check("chat", "chat/root", "root redirects"),
            Outcome::Fail,
            vec![failed(vec![mismatch("status", "302", "200")])],
        );
        r.message = "status: expected 302, got 200".into();
        r
    }

    fn flaky_up() -> CheckResult {
        let mut c = check("nest", "nest/up", "nest up");
        c.retries = 1;
        let mut r = result(
            c,
            Outcome::Pass,
            vec![failed(vec![mismatch("status", "200", "503")]), passed()],
        );
        r.flaky = true;
        r
    }

    fn refused() -> CheckResult {
        let mut r = result(
            check("nest", "nest/api", "api"),
            Outcome::Error,
            vec![errored(
                ProbeErrorKind::Refused,
                "connect to 10.0.0.1:443: refused",
            )],
        );
        r.message = "connect to 10.0.0.1:443: refused".into();
        r
    }

    fn sample() -> RunReport {
        let mut pending = pending_waf();
        pending.message = "pending: WAF rule in COUNT mode".into();
        let mut not_run = result(check("dns", "dns/mx", "mx"), Outcome::NotRun, Vec::new());
        not_run.message = "not run: stopped by --fail-fast".into();
        report(vec![
            result(
                check("chat", "chat/up", "up"),
                Outcome::Pass,
                vec![passed()],
            ),
            root_failure(),
            refused(),
            pending,
            fixed_new(),
            flaky_up(),
            not_run,
        ])
    }

    #[test]
    fn annotations_of_every_outcome() {
        assert_eq!(
            annotations(&sample(), &secrets()),
            "::add-mask::s3cr3t-t0ken\n\
             ::error file=checks/chat.yaml,line=3,title=chat/root (fail)::\
             status: expected 302, got 200%0Astatus%0A  expected: 302%0A  actual:   200%0A\
             reproduce: curl -sS -i https://chat.example/\n\
             ::error file=checks/nest.yaml,line=3,title=nest/api (error)::\
             connect to 10.0.0.1:443: refused%0A\
             reproduce: curl -sS -i https://chat.example/\n\
             ::error file=checks/chat.yaml,line=3,title=chat/new (fixed)::\
             pending check now passes: remove `pending`%0A\
             reproduce: curl -sS -i https://chat.example/\n\
             ::warning file=checks/nest.yaml,line=3,title=nest/up (flaky)::\
             flaky: passed on attempt 2 of 2%0A\
             attempt 1: fail (status: expected 200, got 503)%0A\
             reproduce: curl -sS -i https://chat.example/\n\
             ::notice file=checks/chat.yaml,line=3,title=chat/waf (pending)::\
             pending: WAF rule in COUNT mode%0Astatus%0A  expected: 403%0A  actual:   200%0A\
             reproduce: curl -sS -i https://chat.example/\n"
        );
    }

    #[test]
    fn nothing_to_say_about_a_clean_run() {
        let clean_run = report(vec![result(
            check("chat", "chat/up", "up"),
            Outcome::Pass,
            vec![passed()],
        )]);
        assert_eq!(annotations(&clean_run, &Secrets::default()), "");
    }

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("50% a\r\nb: c, d"),
            "50%25 a%0D%0Ab%3A c%2C d"
        );
        // Percent goes first, so an escape already in the text is not taken for one.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn text_from_the_server_cannot_start_another_command() {
        let mut c = check("chat", "chat/a:b,c", "odd");
        c.file = "checks/we,ird:name%.yaml".into();
        c.line = 17;
        let mut r = result(
            c,
            Outcome::Fail,
            vec![failed(vec![mismatch(
                "body",
                "100%",
                "a\r\n::set-output name=x::y",
            )])],
        );
        r.message = "body: 100% off\nnext".into();
        r.reproduce = String::new();
        let out = annotations(&report(vec![r]), &Secrets::default());
        assert_eq!(
            out,
            "::error file=checks/we%2Cird%3Aname%25.yaml,line=17,title=chat/a%3Ab%2Cc (fail)::\
             body: 100%25 off%0Anext%0Abody%0A  expected: 100%25%0A\
             \x20 actual:   a%0A::set-output name=x::y\n"
        );
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn at_most_ten_of_each_kind_the_last_naming_the_rest() {
        let mut results = Vec::new();
        for i in 0..12 {
            let mut r = root_failure();
            r.check = Arc::new(check("chat", &format!("chat/f{i}"), "f"));
            results.push(r);
        }
        for i in 0..10 {
            let mut r = flaky_up();
            r.check = Arc::new(check("nest", &format!("nest/flaky{i}"), "f"));
            results.push(r);
        }
        for i in 0..11 {
            let mut r = pending_waf();
            r.check = Arc::new(with_pending(
                check("chat", &format!("chat/p{i}"), "p"),
                "later",
            ));
            results.push(r);
        }
        let out = annotations(&report(results), &Secrets::default());
        let count = |prefix: &str| out.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(count("::error "), ANNOTATIONS_PER_KIND);
        assert_eq!(count("::warning "), ANNOTATIONS_PER_KIND);
        assert_eq!(count("::notice "), ANNOTATIONS_PER_KIND);
        assert!(out.contains("title=chat/f8 (fail)"), "{out}");
        assert!(!out.contains("title=chat/f9 (fail)"), "{out}");
        let summaries: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("title=conform"))
            .collect();
        assert_eq!(
            summaries,
            [
                "::error title=conform::and 3 more failing checks: chat/f9, chat/f10, chat/f11",
                "::notice title=conform::and 2 more pending checks: chat/p9, chat/p10",
            ]
        );
        // Exactly ten of a kind need no summary.
        assert!(out.contains("title=nest/flaky9 (flaky)"), "{out}");
    }

    #[test]
    fn secrets_are_masked_and_never_written_otherwise() {
        let mut secrets = secrets();
        secrets.insert("KEY", "line-one\nline-two\n");
        let mut c = check("chat", "chat/s3cr3t-t0ken", "n");
        c.file = "checks/s3cr3t-t0ken.yaml".into();
        let mut r = result(
            c,
            Outcome::Fail,
            vec![failed(vec![mismatch(
                "header authorization",
                "Bearer s3cr3t-t0ken",
                "key line-one\nline-two\n",
            )])],
        );
        r.message = "got s3cr3t-t0ken".into();
        r.reproduce = "curl -H 'authorization: Bearer s3cr3t-t0ken' https://chat.example/".into();
        let report = report(vec![r]);
        let out = annotations(&report, &secrets);
        let (masks, rest): (Vec<&str>, Vec<&str>) =
            out.lines().partition(|l| l.starts_with("::add-mask::"));
        assert_eq!(
            masks,
            [
                "::add-mask::line-one%0Aline-two%0A",
                "::add-mask::line-one",
                "::add-mask::line-two",
                "::add-mask::s3cr3t-t0ken",
            ]
        );
        let rest = rest.join("\n");
        for leak in ["s3cr3t", "line-one", "line-two"] {
            assert!(!rest.contains(leak), "{rest}");
        }
        assert!(
            rest.contains("title=chat/[redacted%3ATOKEN] (fail)"),
            "{rest}"
        );
        assert!(rest.contains("Bearer [redacted:TOKEN]"), "{rest}");
        assert!(rest.contains("key [redacted:KEY]"), "{rest}");
        let summary = step_summary(&report, &secrets);
        for leak in ["s3cr3t", "line-one", "line-two"] {
            assert!(!summary.contains(leak), "{summary}");
        }
    }

    #[test]
    fn a_secret_at_the_cut_of_an_attempt_summary_is_not_shown_in_part() {
        let mut r = flaky_up();
        let long = format!("{}s3cr3t-t0ken", "x".repeat(270));
        r.attempts[0] = failed(vec![mismatch("body", "ok", &long)]);
        let out = annotations(&report(vec![r]), &secrets());
        let rest: Vec<&str> = out.lines().skip(1).collect();
        assert!(!rest.concat().contains("s3cr"), "{out}");
    }

    #[test]
    fn step_summary_lists_what_did_not_pass() {
        assert_eq!(
            step_summary(&sample(), &secrets()),
            "## ❌ conform prod: 2 passed, 1 failed, 1 errors, 1 pending, 1 fixed, 1 not run, \
             1 flaky in 0.42s\n\
             \n\
             | outcome | check | message | where |\n\
             | --- | --- | --- | --- |\n\
             | fail | chat/root | status: expected 302, got 200 | checks/chat.yaml:3 |\n\
             | error | nest/api | connect to 10.0.0.1:443: refused | checks/nest.yaml:3 |\n\
             | pending | chat/waf | pending: WAF rule in COUNT mode | checks/chat.yaml:3 |\n\
             | fixed | chat/new | pending check now passes: remove \\`pending\\` | \
             checks/chat.yaml:3 |\n\
             | flaky | nest/up | flaky: passed on attempt 2 of 2 | checks/nest.yaml:3 |\n\
             | not run | dns/mx | not run: stopped by --fail-fast | checks/dns.yaml:3 |\n\
             \n\
             <details>\n\
             <summary>Reproduce by hand</summary>\n\
             \n\
             ```sh\n\
             # chat/root\n\
             curl -sS -i https://chat.example/\n\
             \n\
             # nest/api\n\
             curl -sS -i https://chat.example/\n\
             \n\
             # chat/waf\n\
             curl -sS -i https://chat.example/\n\
             \n\
             # chat/new\n\
             curl -sS -i https://chat.example/\n\
             \n\
             # nest/up\n\
             curl -sS -i https://chat.example/\n\
             ```\n\
             \n\
             </details>\n"
        );
    }

    #[test]
    fn step_summary_cells_cannot_break_the_table() {
        let mut r = root_failure();
        r.message = "a | b\nc <img src=x> *d*".into();
        r.reproduce = "echo '```'".into();
        let out = step_summary(&report(vec![r]), &Secrets::default());
        assert!(
            out.contains(
                "| fail | chat/root | a \\| b<br>c &lt;img src=x&gt; \\*d\\* | checks/chat.yaml:3 |\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("````sh\n# chat/root\necho '```'\n````\n"),
            "{out}"
        );
    }

    #[test]
    fn step_summary_of_a_clean_run() {
        let clean_run = report(vec![result(
            check("chat", "chat/up", "up"),
            Outcome::Pass,
            vec![passed()],
        )]);
        assert_eq!(
            step_summary(&clean_run, &Secrets::default()),
            "## ✅ conform prod: 1 passed, 0 failed, 0 errors, 0 pending in 0.42s\n\
             \n\
             Every check passed.\n"
        );
    }
}
