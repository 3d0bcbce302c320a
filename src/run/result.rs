//! What a run produced: one result per check, in plan order. Reports read only these.

use super::signals::Signal;
use crate::config::model::Check;
use crate::matcher::Mismatch;
use crate::probe::reproduce::ShellCommand;
use crate::probe::{Observation, ProbeError};
use crate::syntax::when::AsOf;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The outcome of a check: the one vocabulary every report speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Not run: `--fail-fast` or a signal (SIGINT, SIGTERM) stopped the run first; the
    /// attempts made before that are kept.
    NotRun,
}

impl Outcome {
    /// Every outcome, in the order summaries and metrics list them.
    pub const ALL: [Outcome; 6] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::Pending,
        Outcome::Fixed,
        Outcome::NotRun,
    ];

    /// Its token in the JSON report and the metrics' labels: `pass`, …, `not_run` (the
    /// strings serde reads and writes).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Pending => "pending",
            Outcome::Fixed => "fixed",
            Outcome::NotRun => "not_run",
        }
    }

    /// For people, in text reports: the token, with `not run` spelled with a space.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::NotRun => "not run",
            outcome => outcome.as_str(),
        }
    }

    /// In the terminal's closing list of the checks that failed the run: `failed: api/health`.
    pub fn past_tense(self) -> &'static str {
        match self {
            Outcome::Pass => "passed",
            Outcome::Fail => "failed",
            Outcome::Error => "errored",
            Outcome::NotRun => "not run",
            outcome => outcome.as_str(),
        }
    }

    /// The run's exit code when this is the worst outcome in it: 1 for `fail` and `fixed`,
    /// 3 for `error` (no answer), 0 for the others.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Fail | Outcome::Fixed => 1,
            Outcome::Error => 3,
            Outcome::Pass | Outcome::Pending | Outcome::NotRun => 0,
        }
    }

    /// Whether this outcome makes the run fail (`fail`, `error`, `fixed`): the one place
    /// that is decided. Exit codes, `--fail-fast`, the terminal's summary, the baseline and
    /// GitHub's annotations all ask here.
    pub fn fails_run(self) -> bool {
        self.exit_code() != 0
    }
}

/// Why a check has the outcome it has, when that is not in its attempts: the run knows it,
/// reports match on it and show its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// A pending check passed: the excuse must go.
    Fixed,
    /// The run stopped before the check could finish.
    NotRun(StopReason),
}

/// What stopped a run before every check finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// A check did not pass and `--fail-fast` was given.
    FailFast,
    /// A signal interrupted the run.
    Signal(Signal),
}

impl std::fmt::Display for Note {
    /// The check's one-line message: ``pending check now passes: remove `pending` ``,
    /// `not run: stopped by --fail-fast`, `not run: the run was interrupted (SIGINT)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Fixed => f.write_str("pending check now passes: remove `pending`"),
            Note::NotRun(StopReason::FailFast) => f.write_str("not run: stopped by --fail-fast"),
            Note::NotRun(StopReason::Signal(signal)) => {
                write!(f, "not run: the run was interrupted ({signal})")
            }
        }
    }
}

/// One try of a check.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// Pass, Fail or Error: the raw result before pending is applied.
    pub outcome: Outcome,
    pub mismatches: Vec<Mismatch>,
    pub error: Option<ProbeError>,
    pub duration: Duration,
    /// What the probe saw, for verbose reports (None on error).
    pub observation: Option<Observation>,
    /// `addresses: all`: each address probed and its outcome, in address order; empty
    /// otherwise.
    pub addresses: Vec<AddressOutcome>,
}

/// One address of an `addresses: all` try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressOutcome {
    pub address: std::net::SocketAddr,
    /// Pass, Fail or Error.
    pub outcome: Outcome,
}

#[derive(Clone, Debug)]
pub struct CheckResult {
    pub check: Arc<Check>,
    pub outcome: Outcome,
    /// Every try, in order; the last decided the outcome. Empty when not run.
    pub attempts: Vec<Attempt>,
    /// Passed only after a retry.
    pub flaky: bool,
    /// Wall time of all attempts and the delays between them.
    pub duration: Duration,
    /// One line for people: why the check did not pass (empty on pass); the text of
    /// `note` when there is one.
    pub message: String,
    /// Why a fixed or not-run check is so, for reports to match on.
    pub note: Option<Note>,
    /// The shell command that repeats the probe by hand (curl, openssl, dig, nc), to the
    /// address the probe reached; secrets are still in it: reports redact. None when the
    /// check was not probed (a value is unset) or failed inside conform.
    pub reproduce: Option<ShellCommand>,
}

impl CheckResult {
    pub fn last_attempt(&self) -> Option<&Attempt> {
        self.attempts.last()
    }

    /// Its outcome for people ([`Outcome::label`]), `flaky` for a pass that took a retry.
    pub fn label(&self) -> &'static str {
        match self.outcome {
            Outcome::Pass if self.flaky => "flaky",
            outcome => outcome.label(),
        }
    }
}

/// A whole run.
#[derive(Debug)]
pub struct RunReport {
    /// The signal that stopped the run early, if one did.
    pub interrupted: Option<Signal>,
    pub env: String,
    pub started: time::OffsetDateTime,
    /// `--at`: the moment time-dependent expectations were judged at, and how it was asked;
    /// `None`: at the real time (the reports state `started` as the evaluation time).
    pub as_of: Option<AsOf>,
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

    /// How many checks had `outcome`.
    pub fn of(&self, outcome: Outcome) -> usize {
        match outcome {
            Outcome::Pass => self.passed,
            Outcome::Fail => self.failed,
            Outcome::Error => self.errors,
            Outcome::Pending => self.pending,
            Outcome::Fixed => self.fixed,
            Outcome::NotRun => self.not_run,
        }
    }

    /// The run's exit code (README, "Command line"): 1 on any fail or fixed, else 3 on any
    /// error, else 0; each outcome's code is [`Outcome::exit_code`].
    pub fn exit_code(&self) -> i32 {
        let seen = |code: i32| {
            Outcome::ALL
                .iter()
                .any(|&o| o.exit_code() == code && self.of(o) > 0)
        };
        [1, 3].into_iter().find(|&code| seen(code)).unwrap_or(0)
    }

    /// `3 passed, 1 failed, 0 errors, 1 pending`, with `, N fixed`, `, N not run` and
    /// `, N flaky` when not zero.
    pub fn text(&self) -> String {
        let mut line = format!(
            "{} passed, {} failed, {}, {} pending",
            self.passed,
            self.failed,
            crate::syntax::quantity::count(self.errors, "error"),
            self.pending
        );
        for (n, what) in [
            (self.fixed, Outcome::Fixed.label()),
            (self.not_run, Outcome::NotRun.label()),
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
    /// The moment time-dependent expectations were judged at: `--at`'s, else the start.
    pub fn evaluated_at(&self) -> time::OffsetDateTime {
        self.as_of.as_ref().map_or(self.started, |a| a.moment)
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.results {
            c.add(r.outcome, r.flaky);
        }
        c
    }

    /// The run's exit code (see [`Counts::exit_code`]), or 128 + the signal's number when a
    /// signal ended the run, as shells report a process a signal ended.
    pub fn exit_code(&self) -> i32 {
        match self.interrupted {
            Some(signal) => signal.exit_code(),
            None => self.counts().exit_code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_is_spelled_once_for_json_metrics_and_people() {
        let tokens: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            tokens,
            ["pass", "fail", "error", "pending", "fixed", "not_run"]
        );
        let labels: Vec<&str> = Outcome::ALL.iter().map(|o| o.label()).collect();
        assert_eq!(
            labels,
            ["pass", "fail", "error", "pending", "fixed", "not run"]
        );
    }

    #[test]
    fn serde_reads_and_writes_the_json_tokens() {
        for outcome in Outcome::ALL {
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
            let back: Outcome = serde_json::from_str(&json).unwrap();
            assert_eq!(back, outcome);
        }
        assert!(serde_json::from_str::<Outcome>("\"not run\"").is_err());
        assert!(serde_json::from_str::<Outcome>("\"Pass\"").is_err());
    }

    #[test]
    fn fail_error_and_fixed_fail_the_run() {
        let failing: Vec<Outcome> = Outcome::ALL.into_iter().filter(|o| o.fails_run()).collect();
        assert_eq!(failing, [Outcome::Fail, Outcome::Error, Outcome::Fixed]);
        let codes: Vec<i32> = Outcome::ALL.iter().map(|o| o.exit_code()).collect();
        assert_eq!(codes, [0, 1, 3, 0, 1, 0]);
    }

    #[test]
    fn the_exit_code_is_1_on_fail_or_fixed_else_3_on_error_else_0() {
        let counts = |outcomes: &[Outcome]| {
            let mut c = Counts::default();
            for &o in outcomes {
                c.add(o, false);
            }
            c.exit_code()
        };
        assert_eq!(counts(&[]), 0);
        assert_eq!(
            counts(&[Outcome::Pass, Outcome::Pending, Outcome::NotRun]),
            0
        );
        assert_eq!(counts(&[Outcome::Error, Outcome::Pass]), 3);
        assert_eq!(counts(&[Outcome::Error, Outcome::Fail]), 1);
        assert_eq!(counts(&[Outcome::Fixed, Outcome::Error]), 1);
        assert_eq!(counts(&[Outcome::Fixed]), 1);
    }

    #[test]
    fn a_note_says_why_in_the_words_of_the_reports() {
        assert_eq!(
            Note::Fixed.to_string(),
            "pending check now passes: remove `pending`"
        );
        assert_eq!(
            Note::NotRun(StopReason::FailFast).to_string(),
            "not run: stopped by --fail-fast"
        );
        assert_eq!(
            Note::NotRun(StopReason::Signal(Signal::Term)).to_string(),
            "not run: the run was interrupted (SIGTERM)"
        );
    }
}
