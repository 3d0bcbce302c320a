//! The summary of a report's checks: counts by outcome and the exit code.

use super::{JsonCheck, JsonSummary};
use crate::run::Counts;

/// Counts and the exit code, by the same rules as a run's.
pub(super) fn summarize(checks: &[JsonCheck]) -> JsonSummary {
    let mut c = Counts::default();
    for check in checks {
        c.add(check.outcome, check.flaky);
    }
    JsonSummary {
        passed: c.passed,
        failed: c.failed,
        errors: c.errors,
        pending: c.pending,
        fixed: c.fixed,
        not_run: c.not_run,
        flaky: c.flaky,
        exit_code: c.exit_code(),
    }
}

impl JsonSummary {
    /// The counts, for their text and exit code.
    pub fn counts(&self) -> Counts {
        Counts {
            passed: self.passed,
            failed: self.failed,
            errors: self.errors,
            pending: self.pending,
            fixed: self.fixed,
            not_run: self.not_run,
            flaky: self.flaky,
        }
    }
}
