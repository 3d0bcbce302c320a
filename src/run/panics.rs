//! A panic inside a check becomes that check's `error`, and its text reaches stderr as one
//! escaped, redacted line.

use super::{Attempt, CheckResult, Outcome};
use crate::config::model::{Check, Secrets};
use crate::probe::{ProbeError, ProbeErrorKind};
use std::sync::Arc;
use std::time::Duration;

/// Where a panic's text is cut in the check's message.
const PANIC_TEXT_MAX: usize = 500;

/// The secrets a panic's text is redacted with on stderr, once the plan is loaded.
static PANIC_SECRETS: std::sync::OnceLock<Secrets> = std::sync::OnceLock::new();

/// Replaces the default panic message (raw text, a backtrace hint) with one escaped line on
/// stderr, redacted with the secrets [`redact_panics_with`] gave: a panic's text may quote
/// what a server sent or what a check holds. A panic inside a check also becomes that
/// check's `error` in every report (which redact it as they redact every message).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let mut text = panic_text(info.payload());
        if let Some(secrets) = PANIC_SECRETS.get() {
            text = secrets.redact(&text);
        }
        let place = info
            .location()
            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("error: internal error: {text}{place}");
    }));
}

/// The secrets [`quiet_panics`] redacts with from now on (the first call only counts).
pub fn redact_panics_with(secrets: &Secrets) {
    let _ = PANIC_SECRETS.set(secrets.clone());
}

/// The `error` result of a check that failed inside conform: `internal error: <what>`.
pub(super) fn internal_error(check: Arc<Check>, what: &str, duration: Duration) -> CheckResult {
    let message = format!("internal error: {what}");
    CheckResult {
        check,
        outcome: Outcome::Error,
        attempts: vec![Attempt {
            outcome: Outcome::Error,
            mismatches: Vec::new(),
            error: Some(ProbeError {
                kind: ProbeErrorKind::Internal,
                message: message.clone(),
            }),
            duration,
            observation: None,
            addresses: Vec::new(),
        }],
        flaky: false,
        duration,
        message,
        note: None,
        reproduce: None,
    }
}

/// A panic's text, on one line with every control character escaped, and cut to a bound.
pub(super) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let raw = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    one_line_escaped(raw, PANIC_TEXT_MAX)
}

/// `text` cut after `max` characters, then on one line with every character a terminal
/// would act on escaped (`\n`, `\x1b`, `\u{202e}`), as every report escapes network text.
fn one_line_escaped(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    let longer = text.chars().nth(max).is_some();
    cut = crate::syntax::escape::one_line(&cut);
    if longer {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_text_is_one_escaped_bounded_line() {
        assert_eq!(
            one_line_escaped("a\nb\r\tc\u{1b}[2J\u{202e}d\u{9b}é", 100),
            "a\\nb\\r\\tc\\x1b[2J\\u{202e}d\\u{9b}é"
        );
        assert_eq!(one_line_escaped("abcdef", 3), "abc…");
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("overflow\n"));
        assert_eq!(panic_text(payload.as_ref()), "overflow\\n");
        let payload: Box<dyn std::any::Any + Send> = Box::new(7_u8);
        assert_eq!(panic_text(payload.as_ref()), "a panic without a message");
    }
}
