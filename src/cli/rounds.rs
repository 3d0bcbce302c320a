//! `run --until-pass` and `run --watch`: the run repeated in rounds over the same selection,
//! stopped by the first SIGINT or SIGTERM (between rounds too) with the reports still written.

use super::human::Human;
use crate::config::model::{Check, Environment};
use crate::report::json::{JsonReport, JsonRound, JsonRounds};
use crate::run::{
    CheckResult, Interrupts, Note, Outcome, RunOptions, RunReport, StopReason, run_checks_with,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `--until-pass`'s `--deadline` when not given.
pub(super) const DEADLINE: Duration = Duration::from_secs(600);
/// `--until-pass`'s `--interval` when not given.
pub(super) const INTERVAL: Duration = Duration::from_secs(10);
/// `--watch`'s interval when not given.
pub(super) const WATCH_INTERVAL: &str = "30s";

/// How many times `conform run` runs its selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rounds {
    /// Once (no `--until-pass`, no `--watch`).
    Once,
    /// `--until-pass`: again, for the checks that did not pass, every `interval`, until all
    /// pass or `deadline` (from the start) has passed.
    UntilPass {
        deadline: Duration,
        interval: Duration,
    },
    /// `--watch`: the whole selection again every `interval`, until a signal.
    Watch { interval: Duration },
}

/// What the rounds did, for the JSON report: how many ran and, per check in plan order, the
/// rounds it ran in.
pub(super) struct RoundLog {
    rounds: Rounds,
    count: u32,
    per_check: Vec<Vec<JsonRound>>,
}

impl RoundLog {
    /// Adds the rounds to the run's JSON report (its `rounds` and each check's `rounds`).
    pub(super) fn annotate(self, json: &mut JsonReport) {
        let (mode, interval, deadline) = match self.rounds {
            Rounds::Once => return,
            Rounds::UntilPass { deadline, interval } => ("until_pass", interval, Some(deadline)),
            Rounds::Watch { interval } => ("watch", interval, None),
        };
        json.rounds = Some(JsonRounds {
            mode: mode.into(),
            count: self.count,
            interval_seconds: interval.as_secs_f64(),
            deadline_seconds: deadline.map(|d| d.as_secs_f64()),
        });
        for (check, rounds) in json.checks.iter_mut().zip(self.per_check) {
            check.rounds = rounds;
        }
    }
}

/// Whether a check is done for `--until-pass`: it passed, or is pending (excused).
fn settled(result: &CheckResult) -> bool {
    !result.outcome.fails_run() && result.outcome != Outcome::NotRun
}

/// Runs `checks` in rounds as `rounds` says; the report holds each check's state after the
/// last round it ran in, and the signal that stopped the rounds, if one did.
pub(super) async fn run_rounds(
    env: &Environment,
    checks: &[Arc<Check>],
    options: &RunOptions,
    rounds: Rounds,
    human: &mut Human,
) -> (RunReport, RoundLog) {
    let interrupts = Interrupts::watch();
    let started = time::OffsetDateTime::now_utc();
    let clock = Instant::now();
    let mut state: Vec<Option<CheckResult>> = checks.iter().map(|_| None).collect();
    let mut log = RoundLog {
        rounds,
        count: 0,
        per_check: checks.iter().map(|_| Vec::new()).collect(),
    };
    // The round whose result of each check was last shown.
    let mut shown: Vec<u32> = checks.iter().map(|_| 0).collect();
    let interrupted = loop {
        log.count += 1;
        let round = log.count;
        let round_start = clock.elapsed();
        let todo: Vec<usize> = (0..checks.len())
            .filter(|&i| match (rounds, &state[i]) {
                (Rounds::UntilPass { .. }, Some(result)) => !settled(result),
                _ => true,
            })
            .collect();
        if round > 1 && matches!(rounds, Rounds::UntilPass { .. }) {
            // A blank line after the details of what was shown since the last round line.
            let gap = if round == 2 || shown.contains(&(round - 1)) {
                "\n"
            } else {
                ""
            };
            human.line(&format!(
                "{gap}round {round} at {}: re-running {} that did not pass\n",
                now_hms(),
                plural(todo.len(), "check")
            ));
        }
        let subset: Vec<Arc<Check>> = todo.iter().map(|&i| Arc::clone(&checks[i])).collect();
        let watching = matches!(rounds, Rounds::Watch { .. });
        // The first round of `--until-pass` is shown as a run is; later ones show the checks
        // whose outcome changed (below) and, at the deadline, the last state of the others.
        let report = run_checks_with(env, &subset, options, Some(&interrupts), |r| {
            if !watching && round == 1 {
                human.check_finished(r);
            }
        })
        .await;
        let mut changes = Vec::new();
        for (&i, result) in todo.iter().zip(report.results) {
            let cut_short = matches!(result.note, Some(Note::NotRun(StopReason::Signal(_))));
            if cut_short && state[i].is_some() {
                // The signal came first: the check keeps its state of the round before.
                continue;
            }
            let old = state[i].as_ref().map(|r| r.outcome);
            // `--watch` keeps the rounds that changed the outcome (its memory stays bounded
            // however long it watches); `--until-pass`, bounded by its deadline, keeps them all.
            if !watching || old != Some(result.outcome) {
                log.per_check[i].push(JsonRound {
                    round,
                    outcome: result.outcome,
                    at_seconds: round_start.as_secs_f64(),
                });
            }
            if old != Some(result.outcome) {
                changes.push((old, result.outcome, Arc::clone(&result.check)));
                if !watching && round > 1 {
                    human.check_finished(&result);
                }
                shown[i] = round;
            }
            state[i] = Some(result);
        }
        if watching {
            show_changes(human, &changes, round, &state);
        }
        if let Some(signal) = report.interrupted {
            break Some(signal);
        }
        let wait = match rounds {
            Rounds::Once => break None,
            Rounds::UntilPass { deadline, interval } => {
                if state.iter().flatten().all(settled) {
                    human.line(&format!(
                        "\nuntil-pass: every check passes, after {}\n",
                        plural(round as usize, "round")
                    ));
                    break None;
                }
                let elapsed = clock.elapsed();
                if elapsed >= deadline {
                    // The last state of each check still failing, unless shown already.
                    for (i, result) in state.iter().enumerate() {
                        let last = log.per_check[i].last().map(|r| r.round);
                        if let Some(result) = result.as_ref().filter(|r| !settled(r))
                            && last != Some(shown[i])
                        {
                            human.check_finished(result);
                        }
                    }
                    let left = state.iter().flatten().filter(|r| !settled(r)).count();
                    human.line(&format!(
                        "\nuntil-pass: the deadline ({}) passed after {}; {} still not passing\n",
                        humantime::format_duration(deadline),
                        plural(round as usize, "round"),
                        plural(left, "check")
                    ));
                    break None;
                }
                (round_start + interval)
                    .saturating_sub(elapsed)
                    .min(deadline.saturating_sub(elapsed))
            }
            Rounds::Watch { interval } => (round_start + interval).saturating_sub(clock.elapsed()),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            signal = interrupts.next() => break Some(signal),
        }
    };
    let report = RunReport {
        interrupted,
        env: env.name.clone(),
        started,
        duration: clock.elapsed(),
        hostname: crate::run::hostname(),
        results: state.into_iter().flatten().collect(),
    };
    (report, log)
}

/// The closing summary and, when a signal ended the rounds, on stderr how many ran and that the
/// reports hold the latest state.
pub(super) fn finish(human: &mut Human, report: &RunReport, log: &RoundLog) {
    human.summary(report);
    if let Some(signal) = report.interrupted {
        let mut line = format!(
            "interrupted by {signal} after {}: the reports hold the latest state of every check",
            plural(log.count as usize, "round")
        );
        let not_run = report.counts().not_run;
        if not_run > 0 {
            line.push_str(&format!(" ({} not run)", plural(not_run, "check")));
        }
        eprintln!("{line}");
    }
}

/// `--watch`: a line per check whose outcome changed (every check, in the first round), then
/// the status line; nothing when nothing changed.
fn show_changes(
    human: &mut Human,
    changes: &[(Option<Outcome>, Outcome, Arc<Check>)],
    round: u32,
    state: &[Option<CheckResult>],
) {
    if changes.is_empty() {
        return;
    }
    let at = now_hms();
    let mut text = String::new();
    for (old, new, check) in changes {
        let id = human.clean_line(&check.id);
        match old {
            Some(old) => text.push_str(&format!(
                "{at}  {id}: {} \u{2192} {}\n",
                old.label(),
                new.label()
            )),
            None => text.push_str(&format!("{at}  {id}: {}\n", new.label())),
        }
    }
    let mut counts = crate::run::Counts::default();
    for result in state.iter().flatten() {
        counts.add(result.outcome, result.flaky);
    }
    text.push_str(&format!("{at}  round {round}: {}\n", counts.text()));
    human.line(&text);
}

/// The time of day in UTC, `HH:MM:SS`.
fn now_hms() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}

/// `1 check`, `2 checks`.
fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
