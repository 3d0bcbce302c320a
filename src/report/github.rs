//! GitHub Actions output for a deploy gate: workflow commands that mask the run's secrets and
//! annotate the check files (`::error file=..,line=..,title=..::..`), and Markdown for the
//! job's step summary (`$GITHUB_STEP_SUMMARY`).
//!
//! Text is redacted first and escaped last, so a secret is never written in any form; the
//! escaping follows GitHub's workflow command rules, so nothing a server sent can end the
//! command early or start another one.

use super::detail::{attempt_summary, clean, excerpt, flaky_note};
use super::terminal::summary_line;
use crate::config::model::Secrets;
use crate::matcher::Mismatch;
use crate::run::{CheckResult, Note, Outcome, RunReport};
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
            outcome if outcome.fails_run() => Some(Kind::Error),
            Outcome::Pending => Some(Kind::Notice),
            Outcome::Pass if result.flaky => Some(Kind::Warning),
            _ => None,
        }
    }
}

/// Workflow commands for the step's log: [`masks`], then [`check_annotations`].
pub fn annotations(report: &RunReport, secrets: &Secrets) -> String {
    let mut out = masks(secrets);
    out.push_str(&check_annotations(report, secrets));
    out
}

/// `::add-mask::` for every secret value, the one rule every output follows: the value
/// itself, and each of its lines when it has several (split at LF and at CR, lines of only
/// blanks left out), since the runner masks the log line by line; each once.
pub fn masks(secrets: &Secrets) -> String {
    let mut out = String::new();
    for (_, value) in secrets.all_values() {
        for mask in mask_values(&value) {
            let _ = writeln!(out, "::add-mask::{}", super::escape::github_mask(mask));
        }
    }
    out
}

/// An annotation per check that failed the run (`::error`), passed only after a retry
/// (`::warning`) or failed as its `pending` said it would (`::notice`), on the check's file and
/// line. Of each kind at most [`ANNOTATIONS_PER_KIND`] are written: when there are more, the
/// last one names the rest (`::error title=conform::and 3 more failing checks: a, b, c`), so
/// that it is not itself the one GitHub drops.
pub fn check_annotations(report: &RunReport, secrets: &Secrets) -> String {
    let mut out = String::new();
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
                "and {} more {} {}: {}",
                rest.len(),
                kind.what(),
                if rest.len() == 1 { "check" } else { "checks" },
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
    let label = result.label();
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
    let head = headline(result);
    let mut lines = Vec::new();
    // The one-line message of a mismatch says what its block below says: shown once, and
    // only what the message adds is kept.
    let first = result
        .last_attempt()
        .and_then(|a| a.mismatches.first().map(|m| (m, a.mismatches.len())));
    let head_beyond = match first {
        Some((m, count)) => {
            super::detail::beyond_mismatches(&head, (&m.field, &m.expected, &m.actual), count)
        }
        None => head.as_str(),
    };
    if !head_beyond.is_empty() {
        lines.push(excerpt(secrets, head_beyond));
    }
    if let Some(last) = result.last_attempt() {
        for mismatch in &last.mismatches {
            push_mismatch(&mut lines, mismatch, secrets);
        }
        if let Some(error) = &last.error
            && error.message != head
        {
            let head = last.outcome.label();
            let message = excerpt(secrets, &error.message);
            lines.push(format!("{head} ({}): {message}", error.kind));
        }
    }
    if result.flaky {
        let earlier = result.attempts.len().saturating_sub(1);
        for (i, attempt) in result.attempts[..earlier].iter().enumerate() {
            // Redacted before it is cut to length, so no part of a secret survives the cut.
            lines.push(attempt_summary(i + 1, attempt, secrets));
        }
    }
    if let Some(command) = &result.reproduce {
        lines.push(format!("reproduce: {}", command.to_shell(secrets)));
    }
    lines
}

fn push_mismatch(lines: &mut Vec<String>, mismatch: &Mismatch, secrets: &Secrets) {
    lines.push(mismatch.field.replace('\n', " "));
    lines.push(format!(
        "  expected: {}",
        excerpt(secrets, &mismatch.expected)
    ));
    lines.push(format!(
        "  actual:   {}",
        excerpt(secrets, &mismatch.actual)
    ));
    if let Some(note) = &mismatch.note {
        lines.push(format!("  note:     {}", excerpt(secrets, note)));
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
        Outcome::Fixed => Note::Fixed.to_string(),
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

/// A workflow command's data (after `::`): `%`, CR and LF percent-encoded, `##[` broken up.
pub fn escape_data(text: &str) -> String {
    super::escape::github_data(text)
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
    if let Some(as_of) = &report.as_of {
        let _ = writeln!(out, "{}.\n", markdown(&one_line(secrets, &as_of.line())));
    }
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
        let outcome = r.label();
        let at = format!("{}:{}", r.check.file.display(), r.check.line);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            outcome,
            cell(secrets, &r.check.id),
            cell(secrets, &excerpt(secrets, &headline(r))),
            cell(secrets, &at),
        );
    }
    let reproduce: Vec<(String, String)> = listed
        .iter()
        .filter(|r| r.outcome != Outcome::NotRun)
        .filter_map(|r| {
            let command = r.reproduce.as_ref()?.to_shell(secrets);
            Some((one_line(secrets, &r.check.id), clean(secrets, &command)))
        })
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

mod changed;
#[cfg(test)]
mod tests;

pub use changed::changed_summary;
