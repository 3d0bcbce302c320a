//! The scheduler: runs the plan's checks with global and per-host limits, timeouts and
//! retries, and applies `pending`. It knows nothing about HTTP or DNS.

mod examine;
mod pacer;
pub mod result;
mod signals;

pub use signals::{Signal, received as signal_received};

/// What did not hold, as the reports show it.
pub use crate::judge::Mismatch;
pub use result::{Attempt, CheckResult, Counts, Note, Outcome, RunReport, StopReason};

use examine::examine;
use pacer::Pacer;
use signals::Signals;

use crate::config::model::{Check, Environment, Pending, Secrets};
use crate::probe::reproduce::command as reproduce;
use crate::probe::{Observation, ProbeError, ProbeErrorKind, Prober};
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

/// Where a panic's text is cut in the check's message.
const PANIC_TEXT_MAX: usize = 500;

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
}

/// Runs `checks` and calls `on_result` as each one finishes; the report lists them in the
/// order given.
pub async fn run_checks(
    env: &Environment,
    checks: &[Arc<Check>],
    opts: &RunOptions,
    mut on_result: impl FnMut(&CheckResult),
) -> RunReport {
    let started = time::OffsetDateTime::now_utc();
    let clock = Instant::now();
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
    if opts.stop_on_signals {
        let (stop_tx, interrupted) = (Arc::clone(&stop_tx), Arc::clone(&interrupted));
        // Watched from here on, so that no signal is missed while the checks start. The task
        // outlives this call: a second signal, while the reports are written, ends the process.
        let mut signals = Signals::watch();
        tokio::spawn(async move {
            let signal = signals.next().await;
            signals::record(signal);
            *interrupted.lock().unwrap_or_else(|e| e.into_inner()) = Some(signal);
            let _ = stop_tx.send(true);
            let again = signals.next().await;
            eprintln!("interrupted again by {again}: exiting now");
            std::process::exit(again.exit_code());
        });
    }
    let panic_on = std::env::var(INTERNAL_PANIC_VAR).ok();
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, CheckResult)>();
    let env = Arc::new(env.clone());
    for (index, check) in checks.iter().enumerate() {
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
        };
        let tx = tx.clone();
        let check = Arc::clone(check);
        tokio::spawn(async move {
            let clock = Instant::now();
            // A panic inside the check (a bug) is the check's error, never a missing result.
            let result = match AssertUnwindSafe(task.run()).catch_unwind().await {
                Ok(result) => result,
                Err(panic) => internal_error(check, &panic_text(panic.as_ref()), clock.elapsed()),
            };
            let _ = tx.send((index, result));
        });
    }
    drop(tx);
    let mut results: Vec<Option<CheckResult>> = (0..checks.len()).map(|_| None).collect();
    while let Some((index, result)) = rx.recv().await {
        if opts.fail_fast && result.outcome.fails_run() {
            let _ = stop_tx.send(true);
        }
        on_result(&result);
        results[index] = Some(result);
    }
    let interrupted = *interrupted.lock().unwrap_or_else(|e| e.into_inner());
    RunReport {
        interrupted,
        env: env.name.clone(),
        started,
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
fn internal_error(check: Arc<Check>, what: &str, duration: Duration) -> CheckResult {
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
        }],
        flaky: false,
        duration,
        message,
        note: None,
        reproduce: None,
    }
}

/// A panic's text, on one line with every control character escaped, and cut to a bound.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let raw = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    one_line_escaped(raw, PANIC_TEXT_MAX)
}

/// `text` with line breaks, tabs, control characters and bidi overrides escaped (`\n`,
/// `\x1b`, `\u{202e}`), cut after `max` characters.
fn one_line_escaped(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                || matches!(c, '\u{fffe}' | '\u{ffff}') =>
            {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

struct CheckTask {
    check: Arc<Check>,
    env: Arc<Environment>,
    prober: Arc<Prober>,
    global: Arc<Semaphore>,
    host: Arc<Semaphore>,
    timeout: Duration,
    retries: u32,
    stop: watch::Receiver<bool>,
    /// The signal that stopped the run, if one did.
    interrupted: Arc<std::sync::Mutex<Option<Signal>>>,
    /// The host's `host_rate`, shared by every check of the host.
    pacer: Option<Arc<Pacer>>,
    /// With `--fail-fast`: how this check stops the run.
    fail_fast: Option<Arc<watch::Sender<bool>>>,
    /// Panic once holding the slots: see [`INTERNAL_PANIC_VAR`].
    panic: bool,
}

impl CheckTask {
    async fn run(self) -> CheckResult {
        let clock = Instant::now();
        if let Some(result) = self.unresolved() {
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
                a = self.attempt(last_try) => a,
                () = stopped(self.stop.clone()) => None,
            };
            let Some(attempt) = attempt else {
                return self.not_run(attempts, clock.elapsed());
            };
            let passed = attempt.outcome == Outcome::Pass;
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
            .is_some_and(|p| pending_in_force(p, time::OffsetDateTime::now_utc().date()))
    }

    /// One try, holding a per-host slot and then a global slot; `None` when stopped first.
    /// With `--fail-fast`, a last try that ends the check badly stops the run before its
    /// slots are given back, so that no waiting check starts in between.
    async fn attempt(&self, last_try: bool) -> Option<Attempt> {
        let _host = self.host.acquire().await.ok()?;
        if let Some(pacer) = &self.pacer {
            pacer.wait_turn().await;
        }
        let _slot = self.global.acquire().await.ok()?;
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
        let examined = examine(&self.prober, &self.check.kind, self.timeout).await;
        let duration = examined.duration;
        let attempt = match examined.observed {
            Ok((mut observation, mismatches)) => {
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
        if self.check.unresolved.len() > 1 {
            message.push_str(&format!(
                " and {} more unset values",
                self.check.unresolved.len() - 1
            ));
        }
        message.push_str(&format!("; {}", first.expected));
        let error = ProbeError {
            kind: ProbeErrorKind::Unset,
            message: message.clone(),
        };
        Some(CheckResult {
            check: Arc::clone(&self.check),
            outcome: Outcome::Error,
            attempts: vec![Attempt {
                outcome: Outcome::Error,
                mismatches: Vec::new(),
                error: Some(error),
                duration: Duration::ZERO,
                observation: None,
            }],
            flaky: false,
            duration: Duration::ZERO,
            message,
            note: None,
            reproduce: None,
        })
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
                self.check.kind.probe(),
                &self.env,
                self.timeout,
                None,
            )),
        }
    }

    fn finish(&self, attempts: Vec<Attempt>, duration: Duration) -> CheckResult {
        let last = attempts.last().map_or(Outcome::Error, |a| a.outcome);
        let flaky = last == Outcome::Pass && attempts.len() > 1;
        let today = time::OffsetDateTime::now_utc().date();
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
                        "{} (pending expired on {until}: {})",
                        failure_message(attempts.last()),
                        p.reason
                    ),
                )
            }
            (None, Outcome::Pass) => (Outcome::Pass, String::new()),
            (None, raw) => (raw, failure_message(attempts.last())),
        };
        let reproduce = reproduce(
            self.check.kind.probe(),
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
async fn stopped(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn attempts_last(attempts: &[Attempt]) -> Option<&Observation> {
    attempts.last().and_then(|a| a.observation.as_ref())
}

/// A pending state excuses failures until the end of its `until` day (UTC).
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

/// This machine's name, for the reports.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
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
