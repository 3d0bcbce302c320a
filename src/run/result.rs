//! What a run produced: one result per check, in plan order. Reports read only these.

use crate::config::model::Check;
use crate::judge::Mismatch;
use crate::probe::reproduce::ShellCommand;
use crate::probe::{Observation, ProbeError};
use std::sync::Arc;
use std::time::Duration;

/// The outcome of a check, as SPEC names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Pass,
    /// An answer came and was wrong.
    Fail,
    /// No answer (timeout, refused, DNS failure).
    Error,
    /// A pending check that failed: excused.
    Pending,
    /// A pending check that passed: fails the run.
    Fixed,
    /// Not run because `--fail-fast` stopped the run.
    NotRun,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Pending => "pending",
            Outcome::Fixed => "fixed",
            Outcome::NotRun => "not run",
        }
    }
}

/// One try of a check.
#[derive(Debug)]
pub struct Attempt {
    /// Pass, Fail or Error: the raw result before pending is applied.
    pub outcome: Outcome,
    pub mismatches: Vec<Mismatch>,
    pub error: Option<ProbeError>,
    pub duration: Duration,
    /// What the probe saw, for verbose reports (None on error).
    pub observation: Option<Observation>,
}

#[derive(Debug)]
pub struct CheckResult {
    pub check: Arc<Check>,
    pub outcome: Outcome,
    /// Every try, in order; the last decided the outcome. Empty when not run.
    pub attempts: Vec<Attempt>,
    /// Passed only after a retry.
    pub flaky: bool,
    /// Wall time of all attempts and the delays between them.
    pub duration: Duration,
    /// One line for people: why the check did not pass (empty on pass).
    pub message: String,
    /// The shell command that repeats the probe by hand (curl, openssl, dig, nc), to the
    /// address the probe reached; secrets are still in it: reports redact. None when the
    /// check was not probed (a value is unset) or failed inside conform.
    pub reproduce: Option<ShellCommand>,
}

impl CheckResult {
    pub fn last_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }
}

/// A whole run.
#[derive(Debug)]
pub struct RunReport {
    /// The signal that stopped the run early (`SIGINT`, `SIGTERM`), if one did.
    pub interrupted: Option<&'static str>,
    pub env: String,
    pub started: time::OffsetDateTime,
    pub duration: Duration,
    pub hostname: String,
    pub results: Vec<CheckResult>,
}

/// Counts by outcome, for summaries and exit codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub pending: usize,
    pub fixed: usize,
    pub not_run: usize,
    pub flaky: usize,
}

impl Counts {
    /// Counts one check.
    pub fn add(&mut self, outcome: Outcome, flaky: bool) {
        match outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Pending => self.pending += 1,
            Outcome::Fixed => self.fixed += 1,
            Outcome::NotRun => self.not_run += 1,
        }
        if flaky {
            self.flaky += 1;
        }
    }

    /// SPEC's exit code: 1 on any fail or fixed, else 3 on any error, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.failed + self.fixed > 0 {
            1
        } else if self.errors > 0 {
            3
        } else {
            0
        }
    }

    /// `3 passed, 1 failed, 0 errors, 1 pending`, with `, N fixed`, `, N not run` and
    /// `, N flaky` when not zero.
    pub fn text(&self) -> String {
        let mut line = format!(
            "{} passed, {} failed, {} errors, {} pending",
            self.passed, self.failed, self.errors, self.pending
        );
        for (n, what) in [
            (self.fixed, "fixed"),
            (self.not_run, "not run"),
            (self.flaky, "flaky"),
        ] {
            if n > 0 {
                line.push_str(&format!(", {n} {what}"));
            }
        }
        line
    }
}

impl RunReport {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.results {
            c.add(r.outcome, r.flaky);
        }
        c
    }

    /// SPEC's exit code (see [`Counts::exit_code`]), or 128 + the signal's number when a
    /// signal ended the run, as shells report a process a signal ended.
    pub fn exit_code(&self) -> i32 {
        match self.interrupted {
            Some(signal) => super::signals::exit_code(signal),
            None => self.counts().exit_code(),
        }
    }
}
