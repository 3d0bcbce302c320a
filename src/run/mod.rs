//! The scheduler: runs the plan's checks with global and per-host limits, timeouts and
//! retries, and applies `pending`. It knows nothing about HTTP or DNS.

mod examine;
mod needs;
mod pacer;
mod panics;
pub mod result;
mod signals;
mod task;
mod turns;

pub use signals::{Interrupts, Signal, received as signal_received};

pub use result::{Attempt, CheckResult, Counts, Note, Outcome, RunReport, StopReason};

pub use panics::{quiet_panics, redact_panics_with};
pub use task::pending_in_force;

use pacer::Pacer;
use panics::{internal_error, panic_text};
use task::CheckTask;

use crate::config::model::{Check, Environment, Pending};
use crate::probe::reproduce::command as reproduce;
use crate::probe::{Observation, ProbeError, ProbeErrorKind, Prober};
use crate::syntax::when::{Clock, When};
use futures::FutureExt;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};

/// For tests of the run itself, never for users: the id of a check whose task panics once it
/// holds its slots, to show that a panic becomes that check's `error` and nothing vanishes.
/// The panic text names the target (http: the URL, which may hold a secret) and holds a line
/// break and an escape sequence: every output escapes them and redacts the secret.
pub const INTERNAL_PANIC_VAR: &str = "CONFORM_INTERNAL_PANIC";

/// How much of an http body a check that did not pass keeps once judged, cut from the raw
/// body: the reports redact secrets first and then show at most 2 KiB of it (the verbose
/// exchange) or a few hundred characters, so this leaves them a wide margin. A passing check
/// keeps none: only the body's size and SHA-256.
pub const BODY_EXCERPT: usize = 16 * 1024;

/// Command-line settings that override the files (the highest precedence).
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub concurrency: Option<usize>,
    pub host_concurrency: Option<usize>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub fail_fast: bool,
    /// Stop on SIGINT or SIGTERM: checks not finished are reported as not run.
    pub stop_on_signals: bool,
    /// `--at`: judge time-dependent expectations as of this moment (from the run's start
    /// when relative); `None`: as of the real time.
    pub at: Option<When>,
    /// The run's secrets: a value a check captures joins them before its result is
    /// reported, so every output holding a clone redacts it from then on.
    pub secrets: crate::config::model::Secrets,
}

/// Runs `checks` and calls `on_result` as each one finishes; the report lists them in the
/// order given.
pub async fn run_checks(
    env: &Environment,
    checks: &[Arc<Check>],
    opts: &RunOptions,
    on_result: impl FnMut(&mut CheckResult),
) -> RunReport {
    // Watched from here on, so that no signal is missed while the checks start. The watch
    // outlives this call: a second signal, while the reports are written, ends the process.
    let interrupts = opts.stop_on_signals.then(Interrupts::watch);
    run_checks_with(env, checks, opts, interrupts.as_ref(), on_result).await
}

/// [`run_checks`], stopped by the first signal of `interrupts` (watched by the caller across
/// several runs) rather than by signals it watches itself; `None`: signals do not stop it.
pub async fn run_checks_with(
    env: &Environment,
    checks: &[Arc<Check>],
    opts: &RunOptions,
    interrupts: Option<&Interrupts>,
    mut on_result: impl FnMut(&mut CheckResult),
) -> RunReport {
    let started = time::OffsetDateTime::now_utc();
    let clock = Instant::now();
    let judged_at = Arc::new(Clock::for_run(opts.at.as_ref(), started));
    let prober = Arc::new(Prober::new(env));
    let global = Arc::new(Semaphore::new(
        opts.concurrency.unwrap_or(env.concurrency).max(1),
    ));
    let per_host_limit = opts.host_concurrency.unwrap_or(env.host_concurrency).max(1);
    let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut pacers: HashMap<String, Arc<Pacer>> = HashMap::new();
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let interrupted = Arc::new(std::sync::Mutex::new(None::<Signal>));
    // Ended with this run: the next run of the same interrupts gets its own.
    let _listener = interrupts.map(|interrupts| {
        let (stop_tx, interrupted) = (Arc::clone(&stop_tx), Arc::clone(&interrupted));
        let first = interrupts.clone_receiver();
        AbortOnDrop(tokio::spawn(async move {
            let signal = signals::first_of(first).await;
            *interrupted.lock().unwrap_or_else(|e| e.into_inner()) = Some(signal);
            let _ = stop_tx.send(true);
        }))
    });
    let panic_on = std::env::var(INTERNAL_PANIC_VAR).ok();
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, CheckResult)>();
    let env = Arc::new(env.clone());
    let (done_txs, mut needs) = needs::wire(checks);
    // Each task is started once the one before it has queued for its slots (see `turns`).
    let (queued_tx, mut queued_rx) = mpsc::unbounded_channel::<()>();
    for ((index, check), done) in checks.iter().enumerate().zip(done_txs) {
        let host = hosts
            .entry(check.kind.probe().host_key())
            .or_insert_with(|| Arc::new(Semaphore::new(per_host_limit)))
            .clone();
        let pacer = env.host_rate.map(|rate| {
            Arc::clone(
                pacers
                    .entry(check.kind.probe().host_key())
                    .or_insert_with(|| Arc::new(Pacer::new(rate.interval()))),
            )
        });
        let task = CheckTask {
            check: Arc::clone(check),
            env: Arc::clone(&env),
            prober: Arc::clone(&prober),
            global: Arc::clone(&global),
            host,
            timeout: opts.timeout.unwrap_or(check.timeout),
            retries: opts.retries.unwrap_or(check.retries),
            stop: stop_rx.clone(),
            interrupted: Arc::clone(&interrupted),
            pacer,
            fail_fast: opts.fail_fast.then(|| Arc::clone(&stop_tx)),
            panic: panic_on.as_deref() == Some(check.id.as_str()),
            judged_at: Arc::clone(&judged_at),
            needs: std::mem::take(&mut needs[index]),
            captured: Arc::default(),
            secrets: opts.secrets.clone(),
            filled: None,
            turn: Some(turns::Turn::new(queued_tx.clone())),
        };
        let captured = Arc::clone(&task.captured);
        let tx = tx.clone();
        let check = Arc::clone(check);
        tokio::spawn(async move {
            let clock = Instant::now();
            // A panic inside the check (a bug) is the check's error, never a missing result.
            let result = match AssertUnwindSafe(task.run()).catch_unwind().await {
                Ok(result) => result,
                Err(panic) => internal_error(check, &panic_text(panic.as_ref()), clock.elapsed()),
            };
            // The checks that need this one go on (or end) before its result is reported.
            if let Some(done) = done {
                let captures = captured.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let passed = result
                    .attempts
                    .last()
                    .is_some_and(|a| a.outcome == Outcome::Pass)
                    && matches!(result.outcome, Outcome::Pass | Outcome::Fixed);
                let _ = done.send(Some(needs::Done {
                    outcome: result.outcome,
                    passed,
                    captures: Arc::new(captures),
                }));
            }
            let _ = tx.send((index, result));
        });
        // Its turn comes back once it has queued, or will not: then the next one starts.
        let _ = queued_rx.recv().await;
    }
    drop(tx);
    let mut results: Vec<Option<CheckResult>> = (0..checks.len()).map(|_| None).collect();
    while let Some((index, mut result)) = rx.recv().await {
        if opts.fail_fast && result.outcome.fails_run() {
            let _ = stop_tx.send(true);
        }
        on_result(&mut result);
        results[index] = Some(result);
    }
    let interrupted = *interrupted.lock().unwrap_or_else(|e| e.into_inner());
    RunReport {
        interrupted,
        env: env.name.clone(),
        started,
        as_of: judged_at.as_of().cloned(),
        duration: clock.elapsed(),
        hostname: hostname(),
        // A check whose task ended without a result (it cannot, short of a bug) is an error:
        // the reports hold every selected check, always.
        results: results
            .into_iter()
            .zip(checks)
            .map(|(result, check)| {
                result.unwrap_or_else(|| {
                    internal_error(
                        Arc::clone(check),
                        "the check ended without a result",
                        Duration::ZERO,
                    )
                })
            })
            .collect(),
    }
}

/// Aborts its task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// This machine's name, for the reports.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
