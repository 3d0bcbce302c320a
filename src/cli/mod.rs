//! The command line: parses arguments, calls the library, returns the README's exit codes
//! ([`Exit`]). `args.rs` holds the flags as clap parses them, `config.rs` what `conform run`
//! makes of them; `run.rs` holds `conform run`, `merge.rs` `conform merge`, `probe.rs`
//! `conform probe` (one check from the command line, or its recording), `refusal.rs` how
//! both stop on bad input (exit 2, with reports that say why); `outputs.rs` writes every
//! report a command asks for, `human.rs` the human lines of a run, `progress.rs` the
//! progress line; `init.rs` writes a starter project.

mod args;
mod config;
mod coverage;
mod exit;
mod history;
mod html;
mod human;
mod init;
mod merge;
mod outputs;
mod probe;
mod progress;
mod refusal;
mod rounds;
mod run;
pub mod select;
mod validate;

#[cfg(test)]
mod leak_property;

pub use args::*;
pub use exit::Exit;

use merge::cmd_merge;
use probe::cmd_probe;
use refusal::Refusal;
use run::cmd_run;
use validate::cmd_validate;

use crate::config::load::load_plan_with;
use crate::config::model::{Check, Plan, Probe, Secrets};
use crate::report::detail::clean;
use crate::report::json::baseline::compare;
use crate::report::json::{JsonFilters, JsonReport, JsonSelection, JsonShard, fingerprint};
use crate::report::write::{ReportFile, write_report_set};
use crate::run::{RunOptions, RunReport, run_checks};
use crate::syntax::diag::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn getenv(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Parses the process's arguments and runs the command. A command line that does not parse
/// is clap's usage error (exit 2); `--help` and `--version` print and pass.
pub fn main() -> Exit {
    use clap::Parser;
    match Cli::try_parse() {
        Ok(cli) => main_with(cli),
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Pass
            }
        }
    }
}

/// Runs the parsed command line.
pub fn main_with(cli: Cli) -> Exit {
    match cli.command {
        Command::Run(args) => cmd_run(args, cli.color),
        Command::List(args) => cmd_list(args),
        Command::Validate(args) => cmd_validate(args),
        Command::Explain(args) => cmd_explain(args),
        Command::Merge(args) => cmd_merge(args),
        Command::Init(args) => init::cmd_init(args),
        Command::Probe(args) => cmd_probe(args, cli.color),
        Command::Report(args) => html::cmd_report(args),
        Command::Coverage(args) => coverage::cmd_coverage(args),
        Command::Schema(args) => {
            let document = if args.report {
                crate::report::json::report_schema()
            } else {
                crate::config::schema::schema_document()
            };
            match serde_json::to_string_pretty(&document) {
                Ok(text) => {
                    say(&format!("{text}\n"));
                    Exit::Pass
                }
                Err(e) => {
                    eprintln!("error: cannot write the schema: {e}");
                    Exit::Usage
                }
            }
        }
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "conform", &mut std::io::stdout());
            Exit::Pass
        }
    }
}

fn cmd_explain(args: ExplainArgs) -> Exit {
    let Ok(plan) = load_located(&args.location, &args.location.env) else {
        return Exit::Usage;
    };
    let found = plan
        .checks
        .iter()
        .find(|c| c.id == args.id || c.name == args.id);
    let Some(check) = found else {
        let ids: Vec<&str> = plan.checks.iter().map(|c| c.id.as_str()).collect();
        let hint = crate::syntax::diag::suggest(&args.id, &ids)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        eprintln!(
            "error: no check `{}` in env `{}`; {hint}`conform list --env {}` shows every id",
            args.id, plan.env.name, plan.env.name
        );
        return Exit::Usage;
    };
    say(&crate::report::explain::explain(
        check,
        &plan.env,
        &plan.secrets,
    ));
    Exit::Pass
}

/// Writes a command's set of reports under their folders' lock (see
/// [`crate::report::write::write_report_set`]), saying on stderr when it waits for another
/// conform; returns every problem.
fn write_reports(files: Vec<ReportFile<'_>>) -> Vec<String> {
    write_report_set(
        files,
        &mut |holder, dir| {
            eprintln!(
                "note: waiting for {holder} to finish writing its reports to {}",
                dir.display()
            );
        },
        &give_up_on_signal(),
    )
}

/// When waiting for the reports' lock ends: at once on a signal that comes during the wait;
/// after a second when the run was already interrupted (its reports are worth that second,
/// not more: conform exits within a second of a signal).
fn give_up_on_signal() -> impl Fn() -> Option<crate::run::Signal> {
    let started = std::time::Instant::now();
    let before = crate::run::signal_received();
    move || {
        let signal = crate::run::signal_received()?;
        let grace = if before.is_some() {
            std::time::Duration::from_millis(900)
        } else {
            std::time::Duration::ZERO
        };
        (started.elapsed() >= grace).then_some(signal)
    }
}

/// Writes to stdout; a reader that went away (`conform list | head`) is not an error.
fn say(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn print_diagnostics(list: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for d in list {
        let _ = writeln!(err, "error: {d}");
    }
    let n = list.len();
    let _ = writeln!(
        err,
        "{n} error{} found; nothing was probed",
        if n == 1 { "" } else { "s" }
    );
}

/// Loads the plan of environment `env` with `location`'s `--var` overrides; on failure prints
/// every error (or every `--var` that names no variable, with "did you mean") and returns them.
fn load_located(location: &Location, env: &str) -> Result<Plan, Refusal> {
    let overrides = &location.vars.vars;
    let plan =
        load_plan_with(&location.dir, env, &getenv, overrides).map_err(|e| Refusal::load(&e))?;
    let unknown = crate::config::overrides::unknown_overrides(&plan.env, overrides);
    if unknown.is_empty() {
        return Ok(plan);
    }
    let file = plan
        .env
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| format!("environments/{env}.yaml"));
    Err(Refusal::messages(
        &unknown,
        Some(&format!(
            "--var overrides the environment's `vars:`; to add a variable, define it in {file}"
        )),
    ))
}

/// Every filter value that selects nothing in `plan`, with "did you mean" (see
/// [`select::unmatched`]). Ids come from names, which may hold a secret: the messages are
/// redacted like any output.
fn unmatched_filters(plan: &Plan, filters: &select::Filters) -> Vec<String> {
    let all: Vec<&Check> = plan.checks.iter().map(|c| c.as_ref()).collect();
    select::unmatched(filters, &all, &plan.kept_out, &plan.env.name)
        .iter()
        .map(|m| clean(&plan.secrets, m))
        .collect()
}

/// How to see what the filters can name.
fn list_hint(plan: &Plan) -> String {
    format!(
        "`conform list --env {}` shows every check with its id and tags",
        plan.env.name
    )
}

/// Loads the plan and selects the checks, with the record of the selection (before
/// `--shard`) for the reports; on failure prints every error and returns them.
fn load_selected(
    location: &Location,
    filters: &FilterArgs,
    strict: bool,
) -> Result<Selected, Refusal> {
    let plan = load_located(location, &location.env)?;
    let f = filters.filters();
    let unmatched = unmatched_filters(&plan, &f);
    if !unmatched.is_empty() {
        return Err(Refusal::messages(&unmatched, Some(&list_hint(&plan))));
    }
    let warnings: Vec<&Diagnostic> = plan.checks.iter().flat_map(|c| c.warnings.iter()).collect();
    if strict && !warnings.is_empty() {
        let errors: Vec<Diagnostic> = warnings.into_iter().cloned().collect();
        return Err(Refusal::load(&errors));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let selected: Vec<Arc<Check>> = plan
        .checks
        .iter()
        .filter(|c| f.selects(c))
        .cloned()
        .collect();
    if selected.is_empty() {
        let total = plan.checks.len();
        return Err(Refusal::with_hint(
            &format!(
                "no check selected: {total} check{} loaded for env `{}`, none matches the filters{}",
                if total == 1 { "" } else { "s" },
                plan.env.name,
                if f.is_empty() { "" } else { " given" }
            ),
            &format!(
                "`conform list --env {}` shows every check with its id and tags",
                plan.env.name
            ),
        ));
    }
    // A check's needs come along, and `--shard` keeps every chain of needs in one shard.
    let (selected, needed_by) = select::with_needs(&plan.checks, selected);
    let selection = selection_record(&plan, filters, &selected);
    let selected = match filters.shard {
        Some(shard) => {
            let groups = select::group_keys(&selected);
            shard.take_grouped(selected, |c| {
                groups.get(&c.id).cloned().unwrap_or_else(|| c.id.clone())
            })
        }
        None => selected,
    };
    Ok((plan, selected, selection, needed_by))
}

/// The plan, the checks selected (with their needs, and `--shard`'s part), the record of the
/// selection, and the checks brought along as needs.
type Selected = (Plan, Vec<Arc<Check>>, JsonSelection, NeededBy);

/// The checks run only because selected ones need them: id → the selected checks that do.
pub(crate) type NeededBy = std::collections::BTreeMap<String, Vec<String>>;

/// What the filters selected, for the JSON report: ids as the report writes them.
fn selection_record(plan: &Plan, filters: &FilterArgs, selected: &[Arc<Check>]) -> JsonSelection {
    let text = |values: &[String]| -> Vec<String> {
        values.iter().map(|v| clean(&plan.secrets, v)).collect()
    };
    let ids: Vec<String> = selected
        .iter()
        .map(|c| clean(&plan.secrets, &c.id))
        .collect();
    JsonSelection {
        shard: filters.shard.map(|s| JsonShard {
            index: s.index,
            count: s.count,
        }),
        filters: JsonFilters {
            tags: text(&filters.tags),
            skip_tags: text(&filters.skip_tags),
            only: text(&filters.only),
            suites: text(&filters.suites),
        },
        checks: ids.len(),
        sha256: fingerprint(&ids),
        missing_shards: Vec::new(),
    }
}

fn describe_target(c: &Check) -> String {
    match c.kind.probe() {
        Probe::Http(h) => {
            let mut s = format!("{} {}", h.method, h.url);
            if let Some(ct) = &h.connect_to {
                s.push_str(&format!(
                    " via {}{}",
                    ct.host,
                    ct.port.map(|p| format!(":{p}")).unwrap_or_default()
                ));
            }
            s
        }
        Probe::Tls(t) => {
            let ip = t.host.parse::<std::net::IpAddr>().ok();
            let target = match ip {
                Some(ip) => std::net::SocketAddr::new(ip, t.port).to_string(),
                None => format!("{}:{}", t.host, t.port),
            };
            // rustls sends no SNI for an address.
            let mut s = match t.sni.parse::<std::net::IpAddr>() {
                Ok(_) => format!("{target} (no sni)"),
                Err(_) => format!("{target} sni {}", t.sni),
            };
            if let Some(protocol) = t.starttls {
                s.push_str(&format!(" starttls {}", protocol.as_str()));
            }
            s
        }
        Probe::Cert(c) => c.file.display().to_string(),
        Probe::Dns(d) => {
            let server = d.server.map(|s| format!(" @{s}")).unwrap_or_default();
            format!("{} {}{server}", d.name, d.record_type)
        }
        Probe::Tcp(t) => format!("{}:{}", t.host, t.port),
    }
}

/// A check's line in `conform list`: id, tags, kind, target, pending reason. Each part is
/// redacted on its own, then the line as a whole, and it stays on one line.
pub(crate) fn list_line(c: &Check, secrets: &Secrets) -> String {
    let mut line = format!(
        "{}  [{}]  {} {}",
        secrets.redact(&c.id),
        secrets.redact(&c.tags.join(",")),
        c.kind.probe().kind(),
        secrets.redact(&describe_target(c))
    );
    if !c.claims.is_empty() {
        line.push_str(&format!("  (claims: {})", c.claims.join(", ")));
    }
    if let Some(p) = &c.pending {
        line.push_str(&format!("  (pending: {})", secrets.redact(&p.reason)));
    }
    if !c.unresolved.is_empty() {
        line.push_str("  (needs values not set: see `conform validate`)");
    }
    if !c.flow.needs.is_empty() {
        let ids: Vec<&str> = c.flow.need_ids().collect();
        line.push_str(&format!("  (needs {})", secrets.redact(&ids.join(", "))));
    }
    crate::report::detail::clean_line(secrets, &line)
}

fn cmd_list(args: ListArgs) -> Exit {
    let (plan, selected, _, needed_by) = match load_selected(&args.location, &args.filters, false) {
        Ok(v) => v,
        Err(_) => return Exit::Usage,
    };
    let mut out = std::io::stdout().lock();
    for c in &selected {
        let mut line = list_line(c, &plan.secrets);
        if let Some(by) = needed_by.get(&c.id) {
            let by = crate::report::detail::clean_line(&plan.secrets, &by.join(", "));
            line.push_str(&format!("  (needed by {by})"));
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "{} for env {}",
        crate::syntax::quantity::count(selected.len(), "check"),
        plan.env.name
    );
    Exit::Pass
}
