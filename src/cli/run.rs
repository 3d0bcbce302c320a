//! `conform run`: the run, then every report it writes.

use super::*;
use crate::report::json::JsonCheck;
use config::RunConfig;
use history::read_report;
use human::Human;
use outputs::Source;
use progress::{PROGRESS_AFTER, Progress};
use rounds::{Rounds, run_rounds};
use std::path::PathBuf;

pub(super) fn cmd_run(args: RunArgs, color: Color) -> Exit {
    let mut config = match RunConfig::resolve(args, color) {
        Ok(config) => config,
        Err(clash) => {
            eprintln!("error: {clash}");
            return Exit::Usage;
        }
    };
    let (mut loaded, engine) = match load(&config).and_then(|l| {
        let engine = Engine::new(l.checks.len(), &config.rounds)?;
        Ok((l, engine))
    }) {
        Ok(ready) => ready,
        Err(refusal) => return config.outputs.refuse(&config.location.env, refusal),
    };
    config.outputs.history = std::mem::take(&mut loaded.history);
    let secrets = &loaded.plan.secrets;
    // Captured values join the plan's secrets (shared by every clone) as the run goes.
    let options = RunOptions {
        secrets: secrets.clone(),
        ..config.options.clone()
    };
    let mut human = Human::start(&config.outputs, secrets, config.verbosity);
    human.set_needed_by(&loaded.needed_by);
    // Only the metrics read a passing check's observation once its JSON is made.
    let release = config.outputs.metrics.is_none();
    let (mut report, made, rounds) = match config.rounds {
        Rounds::Once => {
            let (report, made) = probe(&engine, &loaded, &options, &mut human, release);
            (report, made, None)
        }
        rounds => {
            let (report, log) = engine.block_on(run_rounds(
                &loaded.plan.env,
                &loaded.checks,
                &options,
                rounds,
                &mut human,
            ));
            engine.keep_watching();
            rounds::finish(&mut human, &report, &log);
            (report, Vec::new(), Some(log))
        }
    };
    let mut json = json_report(&mut report, made, release, &loaded, &mut human);
    if let Some(log) = rounds {
        log.annotate(&mut json);
    }
    human.close();
    let problems = config.outputs.write(Source::Run {
        report: &report,
        json: &json,
        secrets,
    });
    engine.finish();
    let exit = verdict(&report, &problems);
    // conform exits now: freeing a large run's checks, results and JSON report piece by
    // piece would only delay the exit (5 ms for 1,000 checks). They hold no file or lock.
    std::mem::forget((loaded, report, json));
    exit
}

/// What a run works on: the plan, the checks selected, the record of the selection, and the
/// `--baseline` report with its path, and the `--history` reports.
struct Loaded {
    plan: Plan,
    checks: Vec<Arc<Check>>,
    selection: JsonSelection,
    /// Checks run only because selected ones need them: id → those that do.
    needed_by: NeededBy,
    baseline: Option<(PathBuf, JsonReport)>,
    /// `--history`'s reports, for the HTML report.
    history: Vec<JsonReport>,
}

/// Loads and selects the checks, and reads `--baseline` and `--history` before probing: a
/// report that cannot be read is a usage error, found at once.
fn load(config: &RunConfig) -> Result<Loaded, Refusal> {
    let (plan, checks, selection, needed_by) =
        load_selected(&config.location, &config.filters, config.strict)?;
    crate::run::redact_panics_with(&plan.secrets);
    let baseline = match &config.baseline {
        Some(path) => match read_baseline(path) {
            Ok(old) => Some((path.clone(), old)),
            Err(refusal) => return Err(refusal),
        },
        None => None,
    };
    let history = match &config.history {
        Some(spec) => super::history::read_history(spec)?,
        None => Vec::new(),
    };
    Ok(Loaded {
        plan,
        checks,
        selection,
        needed_by,
        baseline,
        history,
    })
}

/// The run's async runtime: one worker per CPU, or, for a single check run once, this thread
/// alone (no worker to start, hand the check to and take it back from: about 0.5 ms of a
/// one-check run; counting the CPUs also reads cgroup files). Such a runtime watches the
/// signals only while it is driven, so once the probes are done [`Engine::keep_watching`]
/// hands it to a thread of its own.
struct Engine(Arc<tokio::runtime::Runtime>);

impl Engine {
    /// This thread alone only for one check run once: it writes to stdout while it drives the
    /// runtime, and `--until-pass` and `--watch` write round after round, enough to fill a
    /// pipe nobody reads, where the signals must still be seen.
    fn new(checks: usize, rounds: &Rounds) -> Result<Engine, Refusal> {
        let mut builder = if checks <= 1 && matches!(rounds, Rounds::Once) {
            tokio::runtime::Builder::new_current_thread()
        } else {
            tokio::runtime::Builder::new_multi_thread()
        };
        builder
            .enable_all()
            .build()
            .map(|runtime| Engine(Arc::new(runtime)))
            .map_err(|e| Refusal::plain(&format!("cannot start the async runtime: {e}")))
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    /// After the probes, before anything is written: this thread may now be stuck writing to a
    /// pipe or a FIFO nobody reads (a step summary), or wait for another conform's lock,
    /// where a signal must still be seen and a second one end conform at once. A runtime of
    /// workers goes on watching by itself; one of this thread alone is driven from now on by a
    /// thread of its own, until the process exits. (Should no thread start, no signal is seen
    /// after the probes: conform then ends when its writing does.)
    fn keep_watching(&self) {
        if self.0.handle().runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread {
            return;
        }
        let runtime = Arc::clone(&self.0);
        let _ = std::thread::Builder::new()
            .name("conform-signals".to_string())
            .spawn(move || runtime.block_on(std::future::pending::<()>()));
    }

    /// The run is over and its reports written: conform exits now, without waiting for the
    /// runtime's blocking threads (a name lookup a signal cut short) nor for the thread that
    /// drives it.
    fn finish(self) {
        match Arc::try_unwrap(self.0) {
            Ok(runtime) => runtime.shutdown_background(),
            Err(driven) => std::mem::forget(driven),
        }
    }
}

/// Probes the checks, each shown as it finishes (around the progress line), then the summary.
/// Each check's part of the JSON report is made as it finishes (returned beside the report, in
/// the plan's order), while the others still wait on the network, unless a check captures
/// values: a value captured later may have to be redacted from an earlier check's part, which
/// then waits for the end of the run.
/// With `release`, a passing check's observation is let go once its part is made.
fn probe(
    engine: &Engine,
    loaded: &Loaded,
    options: &RunOptions,
    human: &mut Human,
    release: bool,
) -> (RunReport, Vec<Option<JsonCheck>>) {
    let early = loaded.checks.iter().all(|c| c.flow.captures.is_empty());
    let mut made: Vec<Option<JsonCheck>> = Vec::new();
    if early {
        made.resize_with(loaded.checks.len(), || None);
    }
    // The ids as the terminal shows them: redacted, printable, on one line.
    let secrets = &loaded.plan.secrets;
    let ids = loaded
        .checks
        .iter()
        .map(|c| crate::report::escape::one_line(&secrets.redact(&c.id)))
        .collect();
    let mut progress = Progress::new(ids);
    // Each check's place in the plan, by the address of its shared data.
    let order: std::collections::HashMap<*const Check, usize> = loaded
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (std::sync::Arc::as_ptr(c), i))
        .collect();
    human.wait_for_captures(&loaded.checks);
    let report = engine.block_on(async {
        progress.show_after(PROGRESS_AFTER);
        run_checks(&loaded.plan.env, &loaded.checks, options, |r| {
            let index = order.get(&std::sync::Arc::as_ptr(&r.check)).copied();
            progress.suspend(index, || human.check_finished(index, r));
            if let Some(slot) = index.and_then(|i| made.get_mut(i)) {
                *slot = Some(JsonReport::check_of(r, secrets));
                if release {
                    JsonReport::release(r);
                }
            }
        })
        .await
    });
    engine.keep_watching();
    progress.finish();
    human.finish(&report);
    (report, made)
}

/// The run's JSON report, with its selection and what changed since `--baseline` (shown to
/// the human too).
fn json_report(
    report: &mut RunReport,
    made: Vec<Option<JsonCheck>>,
    release: bool,
    loaded: &Loaded,
    human: &mut Human,
) -> JsonReport {
    let mut json = JsonReport::from_run_made(report, &loaded.plan.secrets, made, release);
    json.selection = Some(loaded.selection.clone());
    for check in &mut json.checks {
        if let Some(by) = loaded.needed_by.get(&check.id) {
            check.needed_by = by
                .iter()
                .map(|id| clean(&loaded.plan.secrets, id))
                .collect();
        }
    }
    if let Some((path, old)) = &loaded.baseline {
        let diff = compare(old, &json).with_file(path);
        human.baseline(&diff);
        json.baseline = Some(diff);
    }
    json
}

/// The checks' verdict; when a report could not be written, every problem on stderr and a run
/// that passed is not a pass.
fn verdict(report: &RunReport, problems: &[String]) -> Exit {
    let checks = Exit::from_code(report.exit_code());
    if problems.is_empty() {
        return checks;
    }
    for e in problems {
        eprintln!("error: {e}");
    }
    // A signal that cut the wait for the reports' lock short ends conform as signals do.
    if let Some(signal) = crate::run::signal_received() {
        return Exit::Signal(signal.number());
    }
    match checks {
        Exit::Pass => Exit::Usage,
        exit => exit,
    }
}

/// The `--baseline` report, or what is wrong with it and how to fix that.
fn read_baseline(path: &Path) -> Result<JsonReport, Refusal> {
    let report = read_report(path).map_err(|e| Refusal::plain(&e))?;
    match report.why_no_results() {
        None => Ok(report),
        Some(why) => Err(Refusal::with_hint(
            &format!("the baseline {}: {why}", path.display()),
            "give --baseline the report of a run that probed its checks",
        )),
    }
}
