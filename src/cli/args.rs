//! The command line's arguments, as clap parses them.

use crate::cli::select::Filters;
use crate::syntax::quantity::{MAX_WAIT, parse_duration};
use crate::syntax::when::When;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "conform",
    version,
    about = "Checks that live infrastructure matches its declared state."
)]
pub struct Cli {
    /// When to colour the human report (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`: when stdout's human report is coloured. `Auto`: on a terminal, as `NO_COLOR`,
/// `CLICOLOR`, `CLICOLOR_FORCE` and `TERM` say; `Always`: even through a pipe or with
/// `NO_COLOR` set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

impl From<Color> for anstream::ColorChoice {
    fn from(color: Color) -> anstream::ColorChoice {
        match color {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        }
    }
}

// Each subcommand's arguments are defined only when it is the one run (or when help or
// completions need them all): a run does not build every other command's flags first.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum Command {
    /// Probe every selected check and report.
    Run(RunArgs),
    /// Show the resolved plan; nothing is probed.
    List(ListArgs),
    /// Load and resolve everything; nothing is probed.
    Validate(ValidateArgs),
    /// Show one check as it will run: variables filled in (secrets redacted), what it
    /// expects, and the command that repeats its probe by hand.
    Explain(ExplainArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Combine shard JSON reports into one JUnit and one JSON report.
    Merge(MergeArgs),
    /// Print the JSON Schema of check, environment and claims files, for editors (with
    /// --report: of the JSON report).
    Schema(SchemaArgs),
    /// Write a starter project (a check file, environments/prod.yaml, a CI workflow,
    /// reports/.gitignore) that validates as is; an existing file is never overwritten.
    Init(InitArgs),
    /// Probe one target now, without a check file: see what it answers, test an expectation,
    /// or record a check that pins what it answers (--record).
    Probe(ProbeArgs),
    /// Write the HTML report of an earlier run from its JSON report (nothing is probed), with
    /// the history grid of earlier JSON reports.
    Report(ReportArgs),
    /// Each claim of claims.yaml with the checks that verify it, or why it cannot be checked;
    /// exit 1 when a claim has neither.
    Coverage(CoverageArgs),
}

// `--html FILE` and `--history DIR|GLOB`, shared by `run`, `merge` and `report`. A plain
// comment: a flattened struct's doc comment would be the description of the command that
// flattens it, the commands' own being set before their deferred flags.
#[derive(Args, Debug, Clone, Default)]
pub struct HtmlArgs {
    /// Write the HTML report here: one self-contained page (counts, filters, expected vs
    /// actual, reproduce commands, history grid).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Earlier JSON reports for the HTML report's history grid: a folder (its *.json files)
    /// or a glob such as 'history/*.json' (quote it); a file that is not a conform JSON
    /// report is an error.
    #[arg(long, value_name = "DIR|GLOB", requires = "html")]
    pub history: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The JSON report of the run to show.
    #[arg(long, value_name = "FILE", default_value = "reports/report.json")]
    pub json: PathBuf,
    /// Where to write the HTML report.
    #[arg(long, value_name = "FILE", required = true)]
    pub html: PathBuf,
    /// Earlier JSON reports for the history grid: a folder (its *.json files) or a glob such
    /// as 'history/*.json' (quote it).
    #[arg(long, value_name = "DIR|GLOB")]
    pub history: Option<String>,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Print the JSON Schema of the JSON report (`--json`) instead.
    #[arg(long)]
    pub report: bool,
}

#[derive(Args, Debug)]
pub struct CoverageArgs {
    /// Only this environment (default: every environment that runs, each claim in those it
    /// is about).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// The folder that holds claims.yaml, checks/ and environments/.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// markdown (the tables of docs/claims.md) or json (a stable structure).
    #[arg(long, value_enum, default_value_t = CoverageFormat::Markdown)]
    pub format: CoverageFormat,
    #[command(flatten)]
    pub vars: VarArgs,
}

/// `conform coverage --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CoverageFormat {
    Markdown,
    Json,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The folder to write the project in (created when missing).
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// http://…, https://…, tls://HOST[:PORT][?sni=NAME&starttls=PROTOCOL], tcp://HOST:PORT,
    /// dns://[SERVER[:PORT]/]NAME[?type=T] or cert:PATH.
    pub target: String,
    /// What must be true, in the check's `expect:` language, e.g. 'status: 404' (repeatable,
    /// merged).
    #[arg(long = "expect", value_name = "YAML")]
    pub expects: Vec<String>,
    /// Borrow this environment's resolvers, resolve map, trust roots and defaults.
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// The folder that holds environments/ (for --env).
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// Print a check file that pins what was observed, instead of the report.
    #[arg(long, conflicts_with_all = ["expects", "format"])]
    pub record: bool,
    /// Details of a failure (-v); of the exchange (-vv).
    #[arg(short, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The probe's timeout (default: the environment's, else 10s).
    #[arg(long, value_name = "D", value_parser = parse_cli_duration)]
    pub timeout: Option<Duration>,
    /// What stdout shows: human lines or the JSON report.
    #[arg(long, value_enum, default_value_t = ProbeFormat::Human)]
    pub format: ProbeFormat,
    /// http: the request method (default GET).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// http: a request header 'name: value' (repeatable).
    #[arg(long = "header", short = 'H', value_name = "'K: V'")]
    pub headers: Vec<String>,
    /// http: the request body.
    #[arg(long, value_name = "TEXT")]
    pub data: Option<String>,
    /// http: a JSON request body (sets content-type: application/json).
    #[arg(long, value_name = "JSON")]
    pub json: Option<String>,
    /// http: follow redirects (up to 10).
    #[arg(long, short = 'L')]
    pub follow: bool,
    /// Judge the expectations that depend on the time (expires_in, chain_expires_in) as of
    /// WHEN while the probe stays live: +30d, 2027-01-15 (midnight UTC) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN", value_parser = parse_when, conflicts_with = "record")]
    pub at: Option<When>,
    /// http, tls, tcp: which of the host's addresses may be used (the check's `ip:`).
    #[arg(long, value_name = "FAMILY", value_parser = ["v4", "v6", "any"])]
    pub ip: Option<String>,
    /// http, tls, tcp: one address (the first that answers) or every address of the host,
    /// each probed (the check's `addresses:`).
    #[arg(long, value_name = "WHICH", value_parser = ["one", "all"])]
    pub addresses: Option<String>,
    #[command(flatten)]
    pub var: VarArgs,
}

/// `conform probe --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub location: Location,
    /// The check's id or name.
    pub id: String,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug, Clone)]
pub struct Location {
    /// The environment (environments/NAME.yaml).
    #[arg(long, default_value = "prod", value_name = "NAME")]
    pub env: String,
    /// The folder that holds checks/ and environments/.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
}

// `--var NAME=VALUE`, shared by every command that loads an environment (a plain comment,
// as for `HtmlArgs`).
#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Override the environment's variable NAME with VALUE (repeatable; the last one of a
    /// name wins), e.g. --var host=canary.example.com. NAME must be one of the environment's
    /// `vars:`.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<crate::config::overrides::VarOverride>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Run checks with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Leave out checks with this tag (repeatable).
    #[arg(long = "skip-tag", value_name = "T")]
    pub skip_tags: Vec<String>,
    /// Run only this check: its id, its name, or a glob of ids or names such as 'chat/*'
    /// (repeatable).
    #[arg(long = "only", value_name = "ID|GLOB")]
    pub only: Vec<String>,
    /// Run only this suite (repeatable).
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,
    /// Run only part K of N of the selection, split the same way on every machine.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::cli::select::Shard>,
}

impl FilterArgs {
    pub(super) fn filters(&self) -> Filters {
        Filters {
            tags: self.tags.clone(),
            skip_tags: self.skip_tags.clone(),
            only: self.only.clone(),
            suites: self.suites.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub location: Location,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Where to write the JUnit report (default: reports/junit.xml under --dir).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// `rich` (file and line of every check) or `portable` (valid against the Jenkins xUnit
    /// junit-10.xsd).
    #[arg(long, value_name = "FLAVOR", default_value = "rich")]
    pub junit_flavor: crate::report::junit::JunitFlavor,
    /// Where to write the JSON report (default: reports/report.json under --dir).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write Prometheus text exposition (check up, durations, certificate time left) here.
    #[arg(long, value_name = "FILE")]
    pub metrics: Option<PathBuf>,
    /// Compare with an earlier JSON report and say what changed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub html: HtmlArgs,
    /// What stdout shows: human lines, the JSON report, GitHub annotations (with the human
    /// lines), or TAP.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Details of failures (-v); of every check (-vv).
    #[arg(short, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// At most this many probes at once (default: the environment's, else 32).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub concurrency: Option<u32>,
    /// Timeout of every check, overriding the files (e.g. 5s).
    #[arg(long, value_name = "D", value_parser = parse_cli_duration)]
    pub timeout: Option<Duration>,
    /// Retries of every check, overriding the files.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: Option<u32>,
    /// Stop at the first check that does not pass; the rest are reported as not run.
    #[arg(long)]
    pub fail_fast: bool,
    /// Run again the checks that did not pass, every --interval, until all pass (exit 0) or
    /// --deadline passes (the last round decides the exit code): a gate that waits for a rollout.
    #[arg(long, conflicts_with_all = ["watch", "fail_fast"])]
    pub until_pass: bool,
    /// With --until-pass: how long to keep trying, from the start [default: 10m].
    #[arg(long, value_name = "D", requires = "until_pass", value_parser = parse_cli_duration)]
    pub deadline: Option<Duration>,
    /// With --until-pass: the wait from one round's start to the next [default: 10s].
    #[arg(long, value_name = "D", requires = "until_pass", value_parser = parse_cli_duration)]
    pub interval: Option<Duration>,
    /// Run the selection every INTERVAL (default 30s) until interrupted, printing only what
    /// changed; Ctrl-C writes the reports of the latest state.
    #[arg(
        long,
        value_name = "INTERVAL",
        num_args = 0..=1,
        require_equals = false,
        default_missing_value = crate::cli::rounds::WATCH_INTERVAL,
        value_parser = parse_cli_duration,
        conflicts_with = "fail_fast"
    )]
    pub watch: Option<Duration>,
    /// Treat every warning (an http check with no `status` expectation) as a load error.
    #[arg(long)]
    pub strict: bool,
    /// Judge time-dependent expectations (expires_in, chain_expires_in, pending until) as of
    /// WHEN while the probes stay live: +30d (from now; -1d for the past), a date 2027-01-15
    /// (midnight UTC) or an RFC 3339 time 2027-01-15T10:00:00Z.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub at: Option<When>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Tap,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard JSON reports (`--json` of each `run --shard K/N`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where to write the merged JUnit report.
    #[arg(long, value_name = "FILE", default_value = "reports/junit.xml")]
    pub junit: PathBuf,
    /// Where to write the merged JSON report.
    #[arg(long, value_name = "FILE", default_value = "reports/report.json")]
    pub json: PathBuf,
    /// Merge even when shards are missing; the reports name the missing ones.
    #[arg(long)]
    pub allow_partial: bool,
    #[command(flatten)]
    pub html: HtmlArgs,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub location: Location,
    #[command(flatten)]
    pub filters: FilterArgs,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub location: Location,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Validate for every environment under environments/ (except `abstract: true` ones).
    #[arg(long, conflicts_with = "env")]
    pub all_envs: bool,
    /// Treat every warning (an http check with no `status` expectation) as a load error.
    #[arg(long)]
    pub strict: bool,
}

fn parse_when(s: &str) -> Result<When, String> {
    When::parse(s)
}

fn parse_cli_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s) {
        Ok(d) if d.is_zero() => Err("expected a positive duration such as 5s".into()),
        Ok(d) if d > MAX_WAIT => Err(
            "it is longer than 24h; expected a duration of at most 24h, such as 5s or 1m".into(),
        ),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e}; expected a duration such as 500ms, 5s or 1m")),
    }
}
