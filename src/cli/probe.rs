//! `conform probe TARGET`: one check made from the command line ([`adhoc_plan`]), run and
//! reported as `conform run` does (no report files), or recorded as a check file.

use super::*;
use crate::config::adhoc::{AdhocRequest, adhoc_plan, probe_keys};
use crate::report::detail::clean_line;
use crate::report::record::{Recording, record};
use crate::run::CheckResult;
use human::Human;
use outputs::Outputs;
use std::time::Duration;

pub(super) fn cmd_probe(args: ProbeArgs, color: Color) -> Exit {
    let req = AdhocRequest {
        target: args.target.clone(),
        expects: args.expects.clone(),
        method: args.method.clone(),
        headers: args.headers.clone(),
        data: args.data.clone(),
        json: args.json.clone(),
        follow: args.follow,
        vars: args.var.vars.clone(),
        ip: args.ip.clone(),
        addresses: args.addresses.clone(),
        banner: false,
    };
    // A target or option that makes no probe is said as such: it has no place in a file.
    if let Err(why) = probe_keys(&req) {
        eprintln!("error: {why}");
        return Exit::Usage;
    }
    let plan = match adhoc_plan(&args.dir, args.env.as_deref(), &req, &getenv) {
        Ok(plan) => plan,
        Err(errors) => {
            print_diagnostics(&errors);
            return Exit::Usage;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Usage;
        }
    };
    crate::run::redact_panics_with(&plan.secrets);
    let options = RunOptions {
        concurrency: None,
        host_concurrency: None,
        timeout: args.timeout,
        retries: Some(0),
        fail_fast: false,
        stop_on_signals: true,
        at: args.at.clone(),
        secrets: plan.secrets.clone(),
    };
    let checks = plan.checks.clone();
    let expecting = !args.expects.is_empty();
    let exit = if args.record {
        let report = runtime.block_on(run_checks(&plan.env, &checks, &options, |_| {}));
        let banner = match banner_plan(&args, &req, &report) {
            Some((plan, options)) => {
                let checks = plan.checks.clone();
                let run = run_checks(&plan.env, &checks, &options, |_| {});
                Some(runtime.block_on(run))
            }
            None => None,
        };
        record_report(&args, &req, &plan, &report, banner.as_ref())
    } else {
        let outputs = Outputs {
            junit: PathBuf::new(),
            flavor: crate::report::junit::JunitFlavor::Rich,
            json: PathBuf::new(),
            metrics: None,
            format: match args.format {
                ProbeFormat::Human => Format::Human,
                ProbeFormat::Json => Format::Json,
            },
            color: color.into(),
            step_summary: None,
            html: None,
            history: Vec::new(),
        };
        if expecting {
            for w in checks.iter().flat_map(|c| c.warnings.iter()) {
                eprintln!("warning: {w}");
            }
        }
        let mut human = Human::start(&outputs, &plan.secrets, args.verbose);
        let shown = args.format == ProbeFormat::Human;
        let report = runtime.block_on(run_checks(&plan.env, &checks, &options, |r| {
            if expecting {
                human.check_finished(None, r);
            } else if shown {
                say(&seen(r, &plan.secrets));
            }
        }));
        if expecting {
            human.finish(&report);
        }
        human.close();
        if args.format == ProbeFormat::Json {
            let json = JsonReport::from_run(&report, &plan.secrets);
            if let Ok(text) = json.to_string_pretty() {
                say(&text);
            }
        }
        verdict(&report, expecting)
    };
    runtime.shutdown_background();
    exit
}

/// With `--expect`, the run's exit code; without, 0 when an answer came and 3 when none did
/// (a signal still ends as signals do).
fn verdict(report: &RunReport, expecting: bool) -> Exit {
    let exit = Exit::from_code(report.exit_code());
    if expecting || matches!(exit, Exit::Signal(_)) {
        return exit;
    }
    if answered(report) {
        Exit::Pass
    } else {
        Exit::Error
    }
}

fn answered(report: &RunReport) -> bool {
    report.results.iter().all(|r| {
        r.last_attempt()
            .is_some_and(|a| a.observation.is_some() && a.outcome != crate::run::Outcome::Error)
    }) && !report.results.is_empty()
}

/// How long `--record` waits for a tcp server to speak first (or `--timeout`, when shorter):
/// a server that does not (http, postgres) is recorded by its connect alone.
const BANNER_WAIT: Duration = Duration::from_secs(2);

/// `--record` of a tcp target that accepted the connection: the same probe reading what the
/// server sends first, and its run options; None for any other target or answer.
fn banner_plan(
    args: &ProbeArgs,
    req: &AdhocRequest,
    report: &RunReport,
) -> Option<(Plan, RunOptions)> {
    let result = report.results.first()?;
    let accepted = result.last_attempt().is_some_and(|a| {
        matches!(&a.observation, Some(crate::probe::Observation::Tcp(t))
            if t.outcome == crate::probe::ConnectOutcome::Accepted && t.exchange.is_none())
    });
    if !accepted || report.interrupted.is_some() {
        return None;
    }
    let req = AdhocRequest {
        banner: true,
        ..req.clone()
    };
    let plan = adhoc_plan(&args.dir, args.env.as_deref(), &req, &getenv).ok()?;
    let wait = args
        .timeout
        .unwrap_or(result.check.timeout)
        .min(BANNER_WAIT);
    let options = RunOptions {
        timeout: Some(wait),
        retries: Some(0),
        stop_on_signals: true,
        ..RunOptions::default()
    };
    Some((plan, options))
}

/// `--record`: the check file on stdout; when no answer came (or one a check cannot pin),
/// why on stderr and exit 3. `banner`: the tcp probe's second run, which read what the
/// server sent first; its observation is pinned when something came.
fn record_report(
    args: &ProbeArgs,
    req: &AdhocRequest,
    plan: &Plan,
    report: &RunReport,
    banner: Option<&RunReport>,
) -> Exit {
    if let Some(signal) = report.interrupted.or(banner.and_then(|b| b.interrupted)) {
        return Exit::Signal(signal.number());
    }
    let spoke = |r: &&RunReport| {
        r.results
            .first()
            .and_then(|r| r.last_attempt())
            .is_some_and(|a| {
                a.outcome != crate::run::Outcome::Error
                    && matches!(&a.observation, Some(crate::probe::Observation::Tcp(t))
                    if t.exchange.as_ref().is_some_and(|e| !e.received.is_empty()))
            })
    };
    let result = banner.filter(spoke).unwrap_or(report).results.first();
    let observation = result
        .and_then(|r| r.last_attempt())
        .filter(|a| a.outcome != crate::run::Outcome::Error)
        .and_then(|a| a.observation.as_ref());
    let Some(observation) = observation else {
        let why = result.map(|r| r.message.as_str()).unwrap_or("not run");
        eprintln!("error: nothing to record: {}", clean(&plan.secrets, why));
        return Exit::Error;
    };
    let Ok((kind, mut probe)) = probe_keys(req) else {
        return Exit::Usage;
    };
    // A recorded check lives in checks/: its certificate file is named from anywhere.
    if let Some(serde_json::Value::String(file)) = probe.get("file")
        && let Ok(absolute) = std::path::absolute(file)
    {
        let absolute = absolute.display().to_string();
        probe.insert("file".into(), serde_json::Value::String(absolute));
    }
    let recording = Recording {
        name: &args.target,
        kind,
        probe: &probe,
        observation,
        env: args.env.as_deref(),
        now: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
    };
    match record(&recording, &plan.secrets) {
        Ok(text) => {
            say(&text);
            Exit::Pass
        }
        Err(why) => {
            eprintln!("error: nothing to record: {why}");
            Exit::Error
        }
    }
}

/// Without `--expect`: what the probe saw, as `-vv` shows a check's exchange, and the command
/// that repeats it; nothing is judged.
fn seen(result: &CheckResult, secrets: &Secrets) -> String {
    use crate::report::detail::exchange_lines;
    let target = clean_line(secrets, &result.check.name);
    let took = format!("{:.2}s", result.duration.as_secs_f64());
    let last = result.last_attempt();
    let mut text = match last.and_then(|a| a.error.as_ref()) {
        Some(e) if last.is_some_and(|a| a.outcome == crate::run::Outcome::Error) => format!(
            "{target}  no answer in {took}: {}\n",
            clean_line(secrets, &e.message)
        ),
        _ => format!("{target}  answered in {took}\n"),
    };
    let mut lines = Vec::new();
    if let Some(observation) = last.and_then(|a| a.observation.as_ref()) {
        // Nothing was judged: the body's size and digest, without "the check passed".
        lines.extend(exchange_lines(observation, secrets).into_iter().map(|l| {
            match l.strip_suffix("; not kept, the check passed") {
                Some(body) => body.to_string(),
                None => l,
            }
        }));
    }
    if let Some(command) = &result.reproduce {
        lines.push(format!(
            "reproduce: {}",
            clean_line(secrets, &command.to_string())
        ));
    }
    for line in lines {
        text.push_str("    ");
        text.push_str(&line);
        text.push('\n');
    }
    text
}
