//! One check's task: its slots, its attempts and retries, pending, and its result.

use super::examine::{HostLimits, examine};
use super::needs;
use super::*;
use crate::config::model::{CheckKind, Secrets};
use crate::matcher::Mismatch;
use std::collections::BTreeMap;

mod flow;

pub(super) struct CheckTask {
    pub(super) check: Arc<Check>,
    pub(super) env: Arc<Environment>,
    pub(super) prober: Arc<Prober>,
    pub(super) global: Arc<Semaphore>,
    pub(super) host: Arc<Semaphore>,
    pub(super) timeout: Duration,
    pub(super) retries: u32,
    pub(super) stop: watch::Receiver<bool>,
    /// The signal that stopped the run, if one did.
    pub(super) interrupted: Arc<std::sync::Mutex<Option<Signal>>>,
    /// The host's `host_rate`, shared by every check of the host.
    pub(super) pacer: Option<Arc<Pacer>>,
    /// With `--fail-fast`: how this check stops the run.
    pub(super) fail_fast: Option<Arc<watch::Sender<bool>>>,
    /// Panic once holding the slots: see [`INTERNAL_PANIC_VAR`].
    pub(super) panic: bool,
    /// The moment time-dependent expectations and pending `until` are judged at.
    pub(super) judged_at: Arc<Clock>,
    /// The checks it needs, each with how it ended (`None`: not in this run).
    pub(super) needs: Vec<(String, Option<needs::DoneRx>)>,
    /// What the check's passing attempt captured: name → value.
    pub(super) captured: Arc<std::sync::Mutex<BTreeMap<String, String>>>,
    /// The run's secrets, which every captured value joins at once.
    pub(super) secrets: Secrets,
    /// The check's kind with its captures filled in, once its needs passed.
    pub(super) filled: Option<Box<CheckKind>>,
    /// Its turn to queue for the slots (see [`super::turns`]).
    pub(super) turn: Option<super::turns::Turn>,
}

impl CheckTask {
    pub(super) async fn run(mut self) -> CheckResult {
        let clock = Instant::now();
        let turn = self.turn.take();
        if let Some(result) = self.unresolved() {
            return result;
        }
        // A check that waits for its needs starts after them, whatever its place.
        let mut turn = turn.filter(|_| self.needs.is_empty());
        if let Some(result) = self.wait_for_needs(clock).await {
            return result;
        }
        let mut attempts: Vec<Attempt> = Vec::new();
        // A pending check is expected to fail: retrying it only costs time.
        let tries = if self.pending_active() {
            1
        } else {
            self.retries + 1
        };
        for n in 0..tries {
            // The delay, like every wait of an attempt (slots, `host_rate`), ends at once when
            // the run is stopped.
            if n > 0 {
                tokio::select! {
                    () = tokio::time::sleep(self.check.retry_delay) => {}
                    () = stopped(self.stop.clone()) => {
                        return self.not_run(attempts, clock.elapsed());
                    }
                }
            }
            let last_try = n + 1 == tries;
            let attempt = tokio::select! {
                a = self.attempt(last_try, turn.take()) => a,
                () = stopped(self.stop.clone()) => None,
            };
            let Some(attempt) = attempt else {
                return self.not_run(attempts, clock.elapsed());
            };
            let passed = attempt.outcome == Outcome::Pass;
            // Kept to the end of the run: room for this attempt only, not the four a first
            // push makes room for (an attempt holds its observation inline, about 0.5 KiB).
            attempts.reserve_exact(1);
            attempts.push(attempt);
            if passed {
                break;
            }
        }
        self.finish(attempts, clock.elapsed())
    }

    fn pending_active(&self) -> bool {
        self.check
            .pending
            .as_ref()
            .is_some_and(|p| pending_in_force(p, self.judged_at.today()))
    }

    /// One try, holding a per-host slot and then a global slot; `None` when stopped first.
    /// With `--fail-fast`, a last try that ends the check badly stops the run before its
    /// slots are given back, so that no waiting check starts in between.
    async fn attempt(&self, last_try: bool, turn: Option<super::turns::Turn>) -> Option<Attempt> {
        let (host, mut turn) = super::turns::queue(self.host.acquire(), turn).await;
        let _host = host.ok()?;
        if let Some(pacer) = &self.pacer {
            drop(turn.take());
            pacer.wait_turn().await;
        }
        let (slot, turn) = super::turns::queue(self.global.acquire(), turn).await;
        drop(turn);
        let _slot = slot.ok()?;
        if *self.stop.borrow() {
            return None;
        }
        if self.panic {
            let target = match self.check.kind.probe() {
                crate::config::model::Probe::Http(h) => h.url.to_string(),
                other => other.host_key(),
            };
            panic!("{INTERNAL_PANIC_VAR} asked for a panic in {target}\n\u{1b}[31mhere");
        }
        // Boxed, made only once the slots are held: a check waiting for its slots (with 10,000
        // checks, nearly all of them at first) holds no room for a probe.
        let limits = HostLimits {
            host: Some(&self.host),
            global: Some(&self.global),
            pacer: self.pacer.as_deref(),
        };
        let examined = Box::pin(examine(
            &self.prober,
            self.kind(),
            self.timeout,
            &self.judged_at,
            limits,
        ))
        .await;
        let duration = examined.duration;
        let addresses = examined.addresses;
        let attempt = match examined.observed {
            Ok((mut observation, mut mismatches)) => {
                self.capture(&observation, &mut mismatches);
                let outcome = if mismatches.is_empty() {
                    Outcome::Pass
                } else {
                    Outcome::Fail
                };
                // Judged: a run holds no whole bodies, whatever their number and size.
                observation.release_body(match outcome {
                    Outcome::Pass => 0,
                    _ => BODY_EXCERPT,
                });
                Attempt {
                    outcome,
                    mismatches,
                    error: None,
                    duration,
                    observation: Some(observation),
                    addresses,
                }
            }
            Err(error) => Attempt {
                // A certificate that does not verify is an answer, and a wrong one.
                outcome: if error.kind.is_answer() {
                    Outcome::Fail
                } else {
                    Outcome::Error
                },
                mismatches: Vec::new(),
                error: Some(error),
                duration,
                observation: None,
                addresses,
            },
        };
        if let Some(stop) = &self.fail_fast
            && last_try
        {
            let pending = self.pending_active();
            let bad = match attempt.outcome {
                Outcome::Pass => pending,
                _ => !pending,
            };
            if bad {
                let _ = stop.send(true);
            }
        }
        Some(attempt)
    }

    /// A check that needs a value the process environment does not set is not probed: it
    /// ends as an error that names the value, and the rest of the run goes on.
    fn unresolved(&self) -> Option<CheckResult> {
        let first = self.check.unresolved.first()?;
        let mut message = format!(
            "not run: {} (at {}:{})",
            first.message,
            first.file.display(),
            first.pos
        );
        // Another use of the same value is not one more value.
        let mut others: Vec<&str> = self
            .check
            .unresolved
            .iter()
            .map(|u| u.message.as_str())
            .filter(|m| *m != first.message)
            .collect();
        others.sort_unstable();
        others.dedup();
        if !others.is_empty() {
            message.push_str(&format!(
                " and {}",
                crate::syntax::quantity::count(others.len(), "more unset value")
            ));
        }
        message.push_str(&format!("; {}", first.expected));
        Some(self.unprobed(ProbeErrorKind::Unset, message))
    }

    /// The check as an error that was never probed: one attempt with the error `kind` and
    /// `message` (a value it needs is not set, a need did not pass).
    pub(super) fn unprobed(&self, kind: ProbeErrorKind, message: String) -> CheckResult {
        let error = ProbeError {
            kind,
            message: message.clone(),
        };
        CheckResult {
            check: Arc::clone(&self.check),
            outcome: Outcome::Error,
            attempts: vec![Attempt {
                outcome: Outcome::Error,
                mismatches: Vec::new(),
                error: Some(error),
                duration: Duration::ZERO,
                observation: None,
                addresses: Vec::new(),
            }],
            flaky: false,
            duration: Duration::ZERO,
            message,
            note: None,
            reproduce: None,
        }
    }

    fn not_run(&self, attempts: Vec<Attempt>, duration: Duration) -> CheckResult {
        let note = Note::NotRun(
            match *self.interrupted.lock().unwrap_or_else(|e| e.into_inner()) {
                Some(signal) => StopReason::Signal(signal),
                None => StopReason::FailFast,
            },
        );
        CheckResult {
            check: Arc::clone(&self.check),
            outcome: Outcome::NotRun,
            attempts,
            flaky: false,
            duration,
            message: note.to_string(),
            note: Some(note),
            reproduce: Some(reproduce(
                self.kind().probe(),
                &self.env,
                self.timeout,
                None,
            )),
        }
    }

    fn finish(&self, attempts: Vec<Attempt>, duration: Duration) -> CheckResult {
        let last = attempts.last().map_or(Outcome::Error, |a| a.outcome);
        let flaky = last == Outcome::Pass && attempts.len() > 1;
        let today = self.judged_at.today();
        let (outcome, message) = match (&self.check.pending, last) {
            (Some(_), Outcome::Pass) => (Outcome::Fixed, Note::Fixed.to_string()),
            (Some(p), _) if pending_in_force(p, today) => {
                (Outcome::Pending, format!("pending: {}", p.reason))
            }
            (Some(p), raw) => {
                let until = p.until.map(|d| d.to_string()).unwrap_or_default();
                (
                    raw,
                    format!(
                        "{} (pending expired on {until}{}: {})",
                        failure_message(attempts.last()),
                        self.judged_at.as_of_suffix().replacen(',', "", 1),
                        p.reason
                    ),
                )
            }
            (None, Outcome::Pass) => (Outcome::Pass, String::new()),
            (None, raw) => (raw, failure_message(attempts.last())),
        };
        // `addresses: all` without an observation (an address did not answer): the command
        // goes to the first address that did not pass.
        let pinned = attempts
            .last()
            .filter(|a| a.observation.is_none())
            .and_then(|a| a.addresses.iter().find(|x| x.outcome != Outcome::Pass))
            .and_then(|x| super::examine::Pinned::new(self.kind(), x.address));
        let reproduce = reproduce(
            pinned.as_ref().map_or(self.kind().probe(), |p| p.probe()),
            &self.env,
            self.timeout,
            attempts_last(&attempts),
        );
        CheckResult {
            check: Arc::clone(&self.check),
            outcome,
            attempts,
            flaky,
            duration,
            message,
            note: (outcome == Outcome::Fixed).then_some(Note::Fixed),
            reproduce: Some(reproduce),
        }
    }
}

/// Resolves once the run is stopped (`--fail-fast`, a signal); never if it is not.
pub(super) async fn stopped(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn attempts_last(attempts: &[Attempt]) -> Option<&Observation> {
    attempts.last().and_then(|a| a.observation.as_ref())
}

/// A pending state excuses failures until the end of its `until` day (UTC): `today` is the
/// evaluation clock's day, under `--at` the day it names.
pub fn pending_in_force(p: &Pending, today: time::Date) -> bool {
    p.until.is_none_or(|until| today <= until)
}

/// One line: the first mismatch (and how many more), or the probe error.
fn failure_message(attempt: Option<&Attempt>) -> String {
    let Some(a) = attempt else {
        return "no attempt was made".into();
    };
    if let Some(e) = &a.error {
        return e.message.clone();
    }
    match a.mismatches.as_slice() {
        [] => String::new(),
        [one] => one_line(one),
        [first, rest @ ..] => format!("{} (+{} more)", one_line(first), rest.len()),
    }
}

fn one_line(m: &Mismatch) -> String {
    format!("{}: expected {}, got {}", m.field, m.expected, m.actual)
}
