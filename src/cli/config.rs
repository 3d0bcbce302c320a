//! `conform run`'s settings, resolved once from the parsed arguments: clap's flags (low level)
//! become what the run needs (high level): where the checks are, which to run, how, and where
//! every report goes.

use super::outputs::Outputs;
use super::rounds::{self, Rounds};
use super::{Color, FilterArgs, Location, RunArgs};
use crate::run::RunOptions;
use std::path::PathBuf;

/// Everything `conform run` was asked, in the terms of the run.
#[derive(Debug)]
pub(super) struct RunConfig {
    /// `--dir` and `--env`.
    pub(super) location: Location,
    /// `--tag`, `--skip-tag`, `--only`, `--suite`, `--shard`.
    pub(super) filters: FilterArgs,
    /// `--strict`: warnings are load errors.
    pub(super) strict: bool,
    /// `--baseline`: the earlier JSON report to compare with.
    pub(super) baseline: Option<PathBuf>,
    /// `--history`: the earlier JSON reports of the HTML report's grid.
    pub(super) history: Option<String>,
    /// `--concurrency`, `--timeout`, `--retries`, `--fail-fast`; a run stops on signals.
    pub(super) options: RunOptions,
    /// `--until-pass` (`--deadline`, `--interval`) or `--watch`.
    pub(super) rounds: Rounds,
    /// `-v` (1) or `-vv` (2).
    pub(super) verbosity: u8,
    pub(super) outputs: Outputs,
}

impl RunConfig {
    /// The settings `args` and `--color` ask for, or why they cannot be used together (a
    /// usage error: nothing is loaded and no report is written).
    pub(super) fn resolve(args: RunArgs, color: Color) -> Result<RunConfig, String> {
        let outputs = Outputs::for_run(&args, color);
        if let Some(clash) = outputs.clash() {
            return Err(clash);
        }
        let rounds = match (args.until_pass, args.watch) {
            (true, _) => Rounds::UntilPass {
                deadline: args.deadline.unwrap_or(rounds::DEADLINE),
                interval: args.interval.unwrap_or(rounds::INTERVAL),
            },
            (false, Some(interval)) => Rounds::Watch { interval },
            (false, None) => Rounds::Once,
        };
        Ok(RunConfig {
            rounds,
            options: RunOptions {
                concurrency: args.concurrency.map(|n| n as usize),
                host_concurrency: None,
                timeout: args.timeout,
                retries: args.retries,
                fail_fast: args.fail_fast,
                stop_on_signals: true,
                at: args.at,
                // The plan's, once loaded.
                secrets: Default::default(),
            },
            location: args.location,
            filters: args.filters,
            strict: args.strict,
            baseline: args.baseline,
            history: args.html.history,
            verbosity: args.verbose,
            outputs,
        })
    }
}
