//! `run --until-pass` and `run --watch`: the run repeated in rounds over the same selection,
//! stopped by the first SIGINT or SIGTERM (between rounds too) with the reports still written.

use super::human::Human;
use super::progress::{PROGRESS_AFTER, Progress};
use crate::config::model::{Check, Environment};
use crate::report::escape::one_line;
use crate::report::json::{JsonReport, JsonRound, JsonRounds};
use crate::run::{
    CheckResult, Counts, Interrupts, Note, Outcome, RunOptions, RunReport, StopReason,
    run_checks_with,
};
use std::io::{IsTerminal, Write};
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
    let mut session = Session {
        rounds,
        clock: Instant::now(),
        state: checks.iter().map(|_| None).collect(),
        shown: checks.iter().map(|_| 0).collect(),
        log: RoundLog {
            rounds,
            count: 0,
            per_check: checks.iter().map(|_| Vec::new()).collect(),
        },
        status: Status::new(),
    };
    let mut as_of;
    let interrupted = loop {
        session.log.count += 1;
        let round = session.log.count;
        let round_start = session.clock.elapsed();
        let failing = session.todo();
        let todo = with_needs(checks, failing.clone());
        session.announce(human, round, failing.len(), todo.len() - failing.len());
        let subset: Vec<Arc<Check>> = todo.iter().map(|&i| Arc::clone(&checks[i])).collect();
        let watching = matches!(rounds, Rounds::Watch { .. });
        let ids = subset.iter().map(|c| human.clean_line(&c.id)).collect();
        let mut progress = Progress::new(ids);
        // Each check's place in this round, by the address of its shared data.
        let order: std::collections::HashMap<*const Check, usize> = subset
            .iter()
            .enumerate()
            .map(|(i, c)| (Arc::as_ptr(c), i))
            .collect();
        // The first round of `--until-pass` is shown as a run is; later ones show the checks
        // whose outcome changed (in `record`) and, at the deadline, the last state of the
        // others (in `next_wait`).
        if !watching && round == 1 {
            human.wait_for_captures(&subset);
        }
        let report = async {
            progress.show_after(PROGRESS_AFTER);
            run_checks_with(env, &subset, options, Some(&interrupts), |r| {
                let index = order.get(&Arc::as_ptr(&r.check)).copied();
                progress.suspend(index, || {
                    if !watching && round == 1 {
                        human.check_finished(index, r);
                    }
                });
            })
            .await
        }
        .await;
        progress.finish();
        if !watching && round == 1 {
            human.flush();
        }
        // Each round judges as of its own start (`--at +30d`); the report states the last.
        as_of = report.as_of;
        session.record(human, round, round_start, &todo, report.results);
        if let Some(signal) = report.interrupted {
            break Some(signal);
        }
        let Some(wait) = session.next_wait(human, round, round_start) else {
            break None;
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            signal = interrupts.next() => break Some(signal),
        }
    };
    session.status.clear();
    let report = RunReport {
        interrupted,
        env: env.name.clone(),
        started,
        as_of,
        duration: session.clock.elapsed(),
        hostname: crate::run::hostname(),
        results: session.state.into_iter().flatten().collect(),
    };
    (report, session.log)
}

/// `todo` (indexes into `checks`) with the checks they need, however far down, in plan
/// order: a dependent run again runs its needs again, since what they captured may have
/// expired.
fn with_needs(checks: &[Arc<Check>], todo: Vec<usize>) -> Vec<usize> {
    let mut wanted: std::collections::HashSet<usize> = todo.iter().copied().collect();
    let mut stack = todo;
    while let Some(i) = stack.pop() {
        for id in checks[i].flow.need_ids() {
            if let Some(j) = checks.iter().position(|c| c.id == id)
                && wanted.insert(j)
            {
                stack.push(j);
            }
        }
    }
    let mut out: Vec<usize> = wanted.into_iter().collect();
    out.sort_unstable();
    out
}

/// The rounds so far: each check's latest result, what was shown of it, and the log.
struct Session {
    rounds: Rounds,
    clock: Instant,
    /// Each check's latest result, in plan order (`None` before the first round ends).
    state: Vec<Option<CheckResult>>,
    /// The round whose result of each check was last shown.
    shown: Vec<u32>,
    log: RoundLog,
    status: Status,
}

impl Session {
    /// The checks of the next round: all of them, but under `--until-pass` after the first
    /// round only those that did not pass.
    fn todo(&self) -> Vec<usize> {
        (0..self.state.len())
            .filter(|&i| match (self.rounds, &self.state[i]) {
                (Rounds::UntilPass { .. }, Some(result)) => !settled(result),
                _ => true,
            })
            .collect()
    }

    /// `--until-pass`: a line at the start of every round after the first.
    fn announce(&mut self, human: &mut Human, round: u32, checks: usize, needed: usize) {
        self.status.clear();
        if round == 1 || !matches!(self.rounds, Rounds::UntilPass { .. }) {
            return;
        }
        // A blank line after the details of what was shown since the last round line.
        let gap = if round == 2 || self.shown.contains(&(round - 1)) {
            "\n"
        } else {
            ""
        };
        let needs = match needed {
            0 => String::new(),
            n => format!(
                ", and {} they need",
                crate::syntax::quantity::count(n, "check")
            ),
        };
        human.line(&format!(
            "{gap}round {round} at {}: re-running {} that did not pass{needs}\n",
            now_hms(),
            crate::syntax::quantity::count(checks, "check")
        ));
    }

    /// Takes in a round's results (of the checks `todo`), logs them and shows the changes.
    fn record(
        &mut self,
        human: &mut Human,
        round: u32,
        round_start: Duration,
        todo: &[usize],
        results: Vec<CheckResult>,
    ) {
        let watching = matches!(self.rounds, Rounds::Watch { .. });
        let mut changes = Vec::new();
        for (&i, result) in todo.iter().zip(results) {
            let cut_short = matches!(result.note, Some(Note::NotRun(StopReason::Signal(_))));
            if cut_short && self.state[i].is_some() {
                // The signal came first: the check keeps its state of the round before.
                continue;
            }
            let old = self.state[i].as_ref().map(|r| r.outcome);
            let changed = old != Some(result.outcome);
            // `--watch` keeps the rounds that changed the outcome (its memory stays bounded
            // however long it watches); `--until-pass`, bounded by its deadline, keeps them all.
            if !watching || changed {
                self.log.per_check[i].push(JsonRound {
                    round,
                    outcome: result.outcome,
                    at_seconds: round_start.as_secs_f64(),
                });
            }
            if changed {
                changes.push((old, result.outcome, Arc::clone(&result.check)));
                if !watching && round > 1 {
                    human.check_finished(None, &result);
                }
                self.shown[i] = round;
            }
            self.state[i] = Some(result);
        }
        if watching {
            show_changes(human, &changes, round, &self.counts());
        }
    }

    /// The wait before the next round, or `None` when the rounds are over (`--until-pass`:
    /// every check passes, or the deadline has passed; then its closing line).
    fn next_wait(
        &mut self,
        human: &mut Human,
        round: u32,
        round_start: Duration,
    ) -> Option<Duration> {
        let elapsed = self.clock.elapsed();
        match self.rounds {
            Rounds::Once => None,
            Rounds::UntilPass { deadline, interval } => {
                if self.state.iter().flatten().all(settled) {
                    let pending = self.counts().pending > 0;
                    human.line(&format!(
                        "\nuntil-pass: every check passes{}, after {}\n",
                        if pending { " or is pending" } else { "" },
                        crate::syntax::quantity::count(round as usize, "round")
                    ));
                    return None;
                }
                if elapsed < deadline {
                    let wait = (round_start + interval).saturating_sub(elapsed);
                    return Some(wait.min(deadline - elapsed));
                }
                // The last state of each check still failing, unless shown already.
                for (i, result) in self.state.iter().enumerate() {
                    let last = self.log.per_check[i].last().map(|r| r.round);
                    if let Some(result) = result.as_ref().filter(|r| !settled(r))
                        && last != Some(self.shown[i])
                    {
                        human.check_finished(None, result);
                    }
                }
                let left = self.state.iter().flatten().filter(|r| !settled(r)).count();
                human.line(&format!(
                    "\nuntil-pass: the deadline ({}) passed after {}; {} still not passing\n",
                    humantime::format_duration(deadline),
                    crate::syntax::quantity::count(round as usize, "round"),
                    crate::syntax::quantity::count(left, "check")
                ));
                None
            }
            Rounds::Watch { interval } => {
                let wait = (round_start + interval).saturating_sub(elapsed);
                self.status.show(&format!(
                    "{}  round {round}: {}; next round in {}",
                    now_hms(),
                    self.counts().text(),
                    humantime::format_duration(Duration::from_secs(
                        wait.as_secs_f64().ceil() as u64
                    )),
                ));
                Some(wait)
            }
        }
    }

    /// The counts of the checks' latest results.
    fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for result in self.state.iter().flatten() {
            counts.add(result.outcome, result.flaky);
        }
        counts
    }
}

/// `--watch`'s status line on a terminal (stderr, and `CI` unset): rewritten after every round,
/// cleared before anything else is printed; never in logs.
struct Status {
    shown: bool,
    wanted: bool,
}

impl Status {
    fn new() -> Status {
        let wanted = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Status {
            shown: false,
            wanted,
        }
    }

    fn show(&mut self, text: &str) {
        if self.wanted {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{}", one_line(text));
            let _ = err.flush();
            self.shown = true;
        }
    }

    fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

/// The closing summary and, when a signal ended the rounds, on stderr how many ran and that the
/// reports hold the latest state.
pub(super) fn finish(human: &mut Human, report: &RunReport, log: &RoundLog) {
    human.summary(report);
    if let Some(signal) = report.interrupted {
        let mut line = format!(
            "interrupted by {signal} after {}: the reports hold the latest state of every check",
            crate::syntax::quantity::count(log.count as usize, "round")
        );
        let not_run = report.counts().not_run;
        if not_run > 0 {
            line.push_str(&format!(
                " ({} not run)",
                crate::syntax::quantity::count(not_run, "check")
            ));
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
    counts: &Counts,
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
    text.push_str(&format!("{at}  round {round}: {}\n", counts.text()));
    human.line(&text);
}

/// The time of day in UTC, `HH:MM:SS`.
fn now_hms() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}
