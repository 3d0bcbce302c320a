//! How `run` and `merge` stop before doing their work (exit 2): every reason on stderr, and
//! reports that carry them written over the last ones (by
//! [`Outputs::refuse`](super::outputs::Outputs::refuse)), so that no earlier green report
//! survives a broken commit. Here: the reasons, and how stdout says them under `--format`.

use super::*;
use crate::report::json::JsonLoadError;

/// Why a command stopped before probing (or merging), as said on stderr, kept for the
/// reports.
#[derive(Debug, Default)]
pub(super) struct Refusal {
    pub(super) errors: Vec<JsonLoadError>,
}

impl Refusal {
    /// Load errors of check or environment files: printed as `error: file:line:column: ...`
    /// lines and a count.
    pub(super) fn load(list: &[Diagnostic]) -> Refusal {
        print_diagnostics(list);
        Refusal {
            errors: list.iter().map(JsonLoadError::from_diagnostic).collect(),
        }
    }

    /// Any other reason, with nothing to add: `error: <message>`.
    pub(super) fn plain(message: &str) -> Refusal {
        Refusal::messages(&[message.to_string()], None)
    }

    /// A reason and how to fix it: `error: <message>`, then `hint: <hint>`.
    pub(super) fn with_hint(message: &str, hint: &str) -> Refusal {
        Refusal::messages(&[message.to_string()], Some(hint))
    }

    /// Several reasons with one fix (filters that select nothing): an `error:` line each,
    /// then the `hint:` line when there is one; the reports give each error the hint.
    pub(super) fn messages(messages: &[String], hint: Option<&str>) -> Refusal {
        let mut err = std::io::stderr().lock();
        for message in messages {
            let _ = writeln!(err, "error: {message}");
        }
        if let Some(hint) = hint {
            let _ = writeln!(err, "hint: {hint}");
        }
        Refusal {
            errors: messages
                .iter()
                .map(|m| JsonLoadError::plain(m, hint.unwrap_or_default()))
                .collect(),
        }
    }

    /// One more reason, printed as [`Refusal::plain`] prints it.
    pub(super) fn add(&mut self, message: &str) {
        self.errors.extend(Refusal::plain(message).errors);
    }
}

/// An `::error` annotation per error, on its file, line and column when it has them.
pub(super) fn refusal_annotations(errors: &[JsonLoadError]) -> String {
    use crate::report::github::{escape_data, escape_property};
    let mut out = String::new();
    for e in errors {
        let mut place = Vec::new();
        if let Some(file) = &e.file {
            place.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = e.line {
            place.push(format!("line={line}"));
        }
        if let Some(column) = e.column {
            place.push(format!("col={column}"));
        }
        place.push(format!(
            "title={}",
            escape_property("conform: nothing was probed")
        ));
        let message = match e.expected.as_str() {
            "" => e.message.clone(),
            expected => format!("{}; {expected}", e.message),
        };
        let message = crate::report::escape::one_line(&message);
        out.push_str(&format!(
            "::error {}::{}\n",
            place.join(","),
            escape_data(&message)
        ));
    }
    out
}

/// TAP 14 for a run that stopped before probing: no test point, and `Bail out!` with why.
pub(super) fn refusal_tap(errors: &[JsonLoadError]) -> String {
    let first = errors.first().map_or(String::new(), |e| {
        let place = match (&e.file, e.line, e.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
            (Some(f), _, _) => format!("{f}: "),
            _ => String::new(),
        };
        crate::report::escape::one_line(&format!("{place}{}", e.message))
    });
    let n = errors.len();
    format!(
        "TAP version 14\nBail out! {n} error{} in the check or environment files or the \
         command line, nothing was probed (the first: {first})\n",
        if n == 1 { "" } else { "s" }
    )
}
