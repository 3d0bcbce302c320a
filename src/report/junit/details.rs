//! The text of a `<testcase>` that did not pass (or passed after retries): where the check
//! is, what was expected and what came, each try, and the command that reproduces it.

use super::SUMMARY_MAX;
use crate::report::detail::printable;
use crate::report::json::{JsonAttempt, JsonCheck};
use crate::run::{Note, Outcome};
use std::fmt::Write as _;

/// The detail block of a check, as [`crate::report::detail::detail_lines`] writes it for a result.
pub(super) fn detail_lines(check: &JsonCheck) -> Vec<String> {
    let mut lines = vec![printable(&format!("at {}:{}", check.file, check.line))];
    let last = check.attempts.last();
    let error_message = last.and_then(|a| a.error.as_ref()).map(|e| &e.message);
    // The one-line message of a mismatch says what its block below says: shown once, and
    // only what the message adds is kept.
    let message = match last.and_then(|a| a.mismatches.first().map(|m| (m, a.mismatches.len()))) {
        Some((first, count)) => crate::report::detail::beyond_mismatches(
            &check.message,
            (&first.field, &first.expected, &first.actual),
            count,
        ),
        None => check.message.as_str(),
    };
    if !message.is_empty()
        && Some(&check.message) != error_message
        && !matches!(check.outcome, Outcome::Fixed | Outcome::Pending)
    {
        push_text(&mut lines, "", &printable(message));
    }
    if let Some(last) = last {
        for m in &last.mismatches {
            lines.push(printable(&m.field).replace('\n', " "));
            push_text(&mut lines, "  expected: ", &printable(&m.expected));
            push_text(&mut lines, "  actual:   ", &printable(&m.actual));
            if let Some(note) = m.note() {
                push_text(&mut lines, "  note:     ", &printable(note));
            }
        }
        if let Some(error) = &last.error {
            let head = format!(
                "{} ({}): ",
                last.outcome.label(),
                printable(&error.kind.to_string())
            );
            push_text(&mut lines, &head, &printable(&error.message));
        }
    }
    match check.outcome {
        Outcome::Pending => {
            let reason = check.pending_reason.as_deref().unwrap_or("");
            push_text(&mut lines, "pending: ", &printable(reason));
        }
        Outcome::Fixed => lines.push(Note::Fixed.to_string()),
        _ => {}
    }
    let earlier = check.attempts.len().saturating_sub(1);
    let last_why = last.map(attempt_why);
    for (i, attempt) in check.attempts[..earlier].iter().enumerate() {
        if last_why == Some(attempt_why(attempt)) && check.outcome != Outcome::Pass {
            lines.push(format!(
                "attempt {}: {}, the same as the last attempt",
                i + 1,
                attempt.outcome.label()
            ));
        } else {
            lines.push(attempt_summary(i + 1, attempt));
        }
    }
    if !check.reproduce.is_empty() {
        push_text(&mut lines, "reproduce: ", &printable(&check.reproduce));
    }
    lines
}

/// `attempt 1: fail (status: expected 302, got 200)`.
pub(super) fn attempt_summary(number: usize, attempt: &JsonAttempt) -> String {
    let mut line = format!("attempt {number}: {}", attempt.outcome.label());
    if let Some(why) = attempt_why(attempt) {
        let why = printable(&why).replace('\n', "\\n");
        let shown = &why[..why.floor_char_boundary(SUMMARY_MAX)];
        let _ = write!(line, " ({shown}");
        if shown.len() < why.len() {
            line.push('…');
        }
        line.push(')');
    }
    line
}

/// Why an attempt did not pass, in one line; `None` when there is nothing to say (a pass).
fn attempt_why(attempt: &JsonAttempt) -> Option<String> {
    match &attempt.error {
        Some(error) => Some(format!("{}: {}", error.kind, error.message)),
        None if attempt.mismatches.is_empty() => None,
        None => {
            let parts: Vec<String> = attempt.mismatches.iter().map(|m| m.to_string()).collect();
            Some(parts.join("; "))
        }
    }
}

/// `head` then `text`, whose further lines are aligned under its first.
fn push_text(lines: &mut Vec<String>, head: &str, text: &str) {
    let pad = " ".repeat(head.chars().count());
    for (i, line) in text.split('\n').enumerate() {
        let prefix = if i == 0 { head } else { &pad };
        lines.push(format!("{prefix}{line}").trim_end().to_string());
    }
}
