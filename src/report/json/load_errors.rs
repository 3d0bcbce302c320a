//! The report of a run that stopped before probing (exit 2): no checks, only the reasons, so
//! that a broken commit replaces the last good run's reports instead of leaving them green.

use super::super::detail::printable;
use super::{JsonReport, JsonSummary, SCHEMA_VERSION};
use crate::syntax::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// The exit code of a run that stopped before probing.
const EXIT_USAGE: i32 = 2;

/// One reason why nothing was probed: a load error of a check or environment file (with its
/// place), or a problem with the command's other inputs (a selection that selects nothing, a
/// baseline that cannot be read, reports that cannot be merged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonLoadError {
    /// The file at fault, when there is one.
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// What was expected instead, or how to fix it; empty when there is nothing to add.
    #[serde(default)]
    pub expected: String,
}

impl JsonLoadError {
    /// A load error of a check or environment file, made printable.
    pub fn from_diagnostic(d: &Diagnostic) -> JsonLoadError {
        JsonLoadError {
            file: Some(printable(&d.file.display().to_string())),
            line: (d.pos.line > 0).then_some(d.pos.line),
            column: (d.pos.line > 0).then_some(d.pos.column),
            message: printable(&d.message),
            expected: printable(&d.expected),
        }
    }

    /// A problem that no file position locates; `expected` says how to fix it.
    pub fn plain(message: &str, expected: &str) -> JsonLoadError {
        JsonLoadError {
            file: None,
            line: None,
            column: None,
            message: printable(message),
            expected: printable(expected),
        }
    }

    /// `file:line:column`, `file`, or `None` when no file is at fault.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
            (Some(line), None) => format!("{file}:{line}"),
            _ => file.clone(),
        })
    }

    /// `file:line:column: message`, without what was expected.
    pub fn headline(&self) -> String {
        match self.location() {
            Some(at) => format!("{at}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

impl fmt::Display for JsonLoadError {
    /// As conform prints a load error: `file:line:column: message; expected`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if !self.expected.is_empty() {
            write!(f, "; {}", self.expected)?;
        }
        Ok(())
    }
}

impl JsonReport {
    /// The report of a run of `env` that stopped before probing anything: no checks, every
    /// reason in `load_errors`, exit code 2.
    pub fn refused(env: &str, hostname: &str, errors: Vec<JsonLoadError>) -> JsonReport {
        let started = OffsetDateTime::now_utc();
        JsonReport {
            schema_version: SCHEMA_VERSION,
            conform_version: env!("CARGO_PKG_VERSION").to_string(),
            env: printable(env),
            started,
            evaluated_at: Some(started),
            at: None,
            duration_seconds: 0.0,
            hostname: printable(hostname),
            summary: JsonSummary {
                exit_code: EXIT_USAGE,
                ..JsonSummary::default()
            },
            checks: Vec::new(),
            baseline: None,
            interrupted: None,
            selection: None,
            load_errors: errors,
            rounds: None,
        }
    }

    /// Why this report holds no results, for a command that needs results (`merge`,
    /// `--baseline`): `None` when it has them.
    pub fn why_no_results(&self) -> Option<String> {
        let first = self.load_errors.first()?;
        let n = self.load_errors.len();
        Some(format!(
            "it is the report of a run that stopped before probing, on {n} load error{} (the \
             first: {first}), and holds no results",
            if n == 1 { "" } else { "s" }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::node::Pos;
    use std::path::{Path, PathBuf};

    #[test]
    fn a_refused_report_reads_back_and_says_why_it_holds_nothing() {
        let diagnostic = Diagnostic {
            file: PathBuf::from("checks/web.yaml"),
            pos: Pos { line: 5, column: 7 },
            message: "unknown key `stauts`\u{1b}[31m".into(),
            expected: "did you mean `status`?".into(),
        };
        let error = JsonLoadError::from_diagnostic(&diagnostic);
        assert_eq!(
            error.to_string(),
            "checks/web.yaml:5:7: unknown key `stauts`\\x1b[31m; did you mean `status`?"
        );
        let plain = JsonLoadError::plain("no check selected", "");
        assert_eq!(
            (plain.location(), plain.to_string()),
            (None, "no check selected".into())
        );
        let report = JsonReport::refused("prod", "ci", vec![error, plain]);
        assert_eq!(report.exit_code(), 2);
        let text = report.to_string_pretty().unwrap();
        let back = JsonReport::parse(&text, Path::new("r.json")).unwrap();
        assert_eq!(back, report);
        assert_eq!(
            back.why_no_results().as_deref(),
            Some(
                "it is the report of a run that stopped before probing, on 2 load errors (the \
                 first: checks/web.yaml:5:7: unknown key `stauts`\\x1b[31m; did you mean \
                 `status`?), and holds no results"
            )
        );
    }
}
