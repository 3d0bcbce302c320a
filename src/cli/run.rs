//! `conform run`: the run, then every report it writes.

use super::*;
use crate::report::escape::one_line;
use progress::{PROGRESS_AFTER, Progress};
use refusal::{RefusalReports, write_refusal};
use std::path::PathBuf;

pub(super) fn cmd_run(args: RunArgs) -> i32 {
    if let Some(clash) = clashing_outputs(&args) {
        eprintln!("error: {clash}");
        return EXIT_USAGE;
    }
    let (plan, selected, selection) =
        match load_selected(&args.location, &args.filters, args.strict) {
            Ok(v) => v,
            Err(refusal) => return refuse(&args, refusal),
        };
    crate::run::redact_panics_with(&plan.secrets);
    // Read before probing: a baseline that cannot be read is a usage error, found at once.
    let baseline = match &args.baseline {
        Some(path) => match read_baseline(path) {
            Ok(old) => Some((path.clone(), old)),
            Err(refusal) => return refuse(&args, refusal),
        },
        None => None,
    };
    let opts = RunOptions {
        concurrency: args.concurrency.map(|n| n as usize),
        host_concurrency: None,
        timeout: args.timeout,
        retries: args.retries,
        fail_fast: args.fail_fast,
        stop_on_signals: true,
    };
    let stdout = std::io::stdout();
    let color = use_color(stdout.is_terminal());
    // Under --format github, the human report (which shows what servers sent) is written
    // where the runner reads no workflow command: between `::stop-commands::TOKEN` and
    // `::TOKEN::`, with a token no server can guess. Without randomness to draw it from, the
    // human report is left out rather than written where a server could forge commands.
    let stop_token = match args.format {
        Format::Github => Some(crate::report::escape::stop_token()),
        _ => None,
    };
    let human: Box<dyn Write + Send> = match (args.format, stop_token.as_deref()) {
        (Format::Github, Some("")) => {
            eprintln!("warning: no system randomness: the human report is left out");
            Box::new(std::io::sink())
        }
        (Format::Human | Format::Github, _) => Box::new(stdout),
        (Format::Json | Format::Tap, _) => Box::new(std::io::sink()),
    };
    if args.format == Format::Github {
        // Masks first, so that the runner hides the secrets in every line after them.
        let masks: String = plan
            .secrets
            .values()
            .flat_map(|(_, v)| v.lines().map(String::from).collect::<Vec<_>>())
            .filter(|v| !v.is_empty())
            .map(|v| format!("::add-mask::{}\n", crate::report::escape::github_mask(&v)))
            .collect();
        say(&masks);
        if let Some(token) = stop_token.as_deref().filter(|t| !t.is_empty()) {
            say(&format!("::stop-commands::{token}\n"));
        }
    }
    let mut terminal = TerminalReporter::new(human, color, args.verbose, plan.secrets.clone());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let e = format!("cannot start the async runtime: {e}");
            return refuse(&args, Refusal::plain(&e, ""));
        }
    };
    let progress = Progress::new(selected.len());
    let report = runtime.block_on(async {
        progress.show_after(PROGRESS_AFTER);
        run_checks(&plan.env, &selected, &opts, |r| {
            progress.suspend(|| terminal.check_finished(r));
        })
        .await
    });
    progress.finish();
    terminal.finish(&report);
    if let Some(signal) = report.interrupted {
        let not_run = report.counts().not_run;
        eprintln!("interrupted by {signal}: {not_run} checks not run; the reports say so");
    }
    let mut json = JsonReport::from_run(&report, &plan.secrets);
    json.selection = Some(selection);
    if let Some((path, old)) = &baseline {
        let diff = compare(old, &json).with_file(path);
        if matches!(args.format, Format::Human | Format::Github) {
            let lines: Vec<String> = diff.lines().iter().map(|l| one_line(l)).collect();
            say(&format!("{}\n", lines.join("\n")));
        }
        json.baseline = Some(diff);
    }
    if let Some(token) = stop_token.as_deref().filter(|t| !t.is_empty()) {
        say(&format!("::{token}::\n"));
    }
    let baseline_properties: Vec<(String, String)> = match &json.baseline {
        Some(diff) => vec![
            (
                "baseline.newly_failing".into(),
                diff.newly_failing.join(", "),
            ),
            (
                "baseline.newly_passing".into(),
                diff.newly_passing.join(", "),
            ),
            ("baseline.newly_flaky".into(), diff.newly_flaky.join(", ")),
            ("baseline.new_checks".into(), diff.new_checks.join(", ")),
            (
                "baseline.removed_checks".into(),
                diff.removed_checks.join(", "),
            ),
        ],
        None => Vec::new(),
    };
    let junit = junit_xml_with(
        &report,
        &plan.secrets,
        args.junit_flavor,
        &baseline_properties,
    );
    let (junit_path, json_path) = report_paths(&args);
    let mut files = vec![
        ReportFile {
            path: junit_path,
            contents: junit,
            what: "the JUnit report",
        },
        ReportFile {
            path: json_path,
            contents: json.to_string_pretty(),
            what: "the JSON report",
        },
    ];
    if let Some(path) = &args.metrics {
        files.push(ReportFile {
            path: path.clone(),
            contents: Ok(metrics(&report, &plan.secrets)),
            what: "the metrics",
        });
    }
    // One set, under a lock: the JUnit and JSON reports always come from the same run.
    let mut problems = write_reports(files);
    match args.format {
        Format::Human => {}
        Format::Json => match json.to_string_pretty() {
            Ok(text) => say(&text),
            Err(e) => problems.push(e),
        },
        Format::Tap => say(&tap(&report, &plan.secrets)),
        Format::Github => {
            // The masks went out before the run.
            let notes: String = annotations(&report, &plan.secrets)
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .map(|l| format!("{l}\n"))
                .collect();
            say(&notes);
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                let summary = step_summary(&report, &plan.secrets);
                if let Err(e) = append(Path::new(&path), &summary) {
                    problems.push(format!("cannot append to $GITHUB_STEP_SUMMARY: {e}"));
                }
            }
        }
    }
    // Not waiting for the runtime's blocking threads (a name lookup the signal cut short):
    // the reports are written, conform exits now.
    runtime.shutdown_background();
    if !problems.is_empty() {
        for e in &problems {
            eprintln!("error: {e}");
        }
        // A signal that cut the wait for the reports' lock short ends conform as signals do.
        if let Some(signal) = crate::run::signal_received() {
            return signal.exit_code();
        }
        // The checks' verdict stands; a run that passed but could not write its reports is
        // not a pass.
        return match report.exit_code() {
            0 => EXIT_USAGE,
            code => code,
        };
    }
    report.exit_code()
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// `--junit` and `--json`, or their defaults under `--dir`.
fn report_paths(args: &RunArgs) -> (PathBuf, PathBuf) {
    let reports = args.location.dir.join("reports");
    (
        args.junit
            .clone()
            .unwrap_or_else(|| reports.join("junit.xml")),
        args.json
            .clone()
            .unwrap_or_else(|| reports.join("report.json")),
    )
}

/// Two reports asked to the same file would leave only one of them, silently.
fn clashing_outputs(args: &RunArgs) -> Option<String> {
    let (junit, json) = report_paths(args);
    let mut outputs = vec![("--junit", junit), ("--json", json)];
    if let Some(m) = &args.metrics {
        outputs.push(("--metrics", m.clone()));
    }
    let same = |a: &Path, b: &Path| one_place(a) == one_place(b);
    for (i, (flag, path)) in outputs.iter().enumerate() {
        if let Some((other, _)) = outputs[..i].iter().find(|(_, p)| same(p, path)) {
            return Some(format!(
                "{other} and {flag} name the same file, {}: one report would replace the \
                 other; give each its own file",
                path.display()
            ));
        }
    }
    None
}

/// Where a path really points: absolute, `.` and `..` resolved, and its folder's symbolic
/// links followed when the folder exists.
fn one_place(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    match (clean.parent(), clean.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(clean),
        _ => clean,
    }
}

/// Stops the run before probing: `refusal`'s errors replace the reports (exit 2).
fn refuse(args: &RunArgs, refusal: Refusal) -> i32 {
    let (junit, json) = report_paths(args);
    let to = RefusalReports {
        junit,
        json,
        flavor: args.junit_flavor,
        format: args.format,
        metrics: args.metrics.clone(),
    };
    write_refusal(to, &args.location.env, refusal)
}

/// The `--baseline` report, or what is wrong with it (and how to fix that), said on stderr.
fn read_baseline(path: &Path) -> Result<JsonReport, Refusal> {
    let report = read_report(path).map_err(|e| Refusal::plain(&e, ""))?;
    match report.why_no_results() {
        None => Ok(report),
        Some(why) => Err(Refusal::plain(
            &format!("the baseline {}: {why}", path.display()),
            "give --baseline the report of a run that probed its checks",
        )),
    }
}

/// The most conform reads of a JSON report (`--baseline`, `merge`): far above any real run's.
const REPORT_CAP: u64 = 512 << 20;

/// Reads a JSON report: a regular file (a FIFO or a device is refused, never waited on or
/// read without end) of at most [`REPORT_CAP`].
pub(super) fn read_report(path: &Path) -> Result<JsonReport, String> {
    use crate::syntax::file::{FileError, read_capped};
    let bytes = read_capped(path, REPORT_CAP).map_err(|e| match e {
        FileError::Io(e) => format!("cannot read the report {}: {e}", path.display()),
        other => format!("cannot read the report {}: it {other}", path.display()),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        format!(
            "cannot read the report {}: it is not UTF-8 text",
            path.display()
        )
    })?;
    JsonReport::parse(&text, path)
}
