//! `conform run` and `conform merge`: the run, then every report it writes.

use super::*;
use crate::report::escape::one_line;
use progress::{PROGRESS_AFTER, Progress};

pub(super) fn cmd_run(args: RunArgs) -> i32 {
    let (plan, selected) = match load_selected(&args.location, &args.filters) {
        Ok(v) => v,
        Err(code) => return code,
    };
    // Read before probing: a baseline that cannot be read is a usage error, found at once.
    let baseline = match &args.baseline {
        Some(path) => match read_report(path) {
            Ok(old) => Some((path.clone(), old)),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
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
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_USAGE;
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
    let dir = &args.location.dir;
    let junit_path = args
        .junit
        .unwrap_or_else(|| dir.join("reports").join("junit.xml"));
    let json_path = args
        .json
        .unwrap_or_else(|| dir.join("reports").join("report.json"));
    let mut problems = Vec::new();
    let mut write = |path: &Path, text: Result<String, String>, what: &str| {
        if let Err(e) = text.and_then(|t| write_atomic(path, t.as_bytes(), what)) {
            problems.push(e);
        }
    };
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
    write(&junit_path, junit, "the JUnit report");
    write(&json_path, json.to_string_pretty(), "the JSON report");
    if let Some(path) = &args.metrics {
        write(path, Ok(metrics(&report, &plan.secrets)), "the metrics");
    }
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
    if !problems.is_empty() {
        for e in &problems {
            eprintln!("error: {e}");
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

fn read_report(path: &Path) -> Result<JsonReport, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the report {}: {e}", path.display()))?;
    JsonReport::parse(&text, path)
}

pub(super) fn cmd_merge(args: MergeArgs) -> i32 {
    let mut reports = Vec::new();
    for path in &args.files {
        match read_report(path) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let merged = match merge(reports) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let written = junit_from_json(&merged)
        .and_then(|xml| write_atomic(&args.junit, xml.as_bytes(), "the JUnit report"))
        .and_then(|()| merged.to_string_pretty())
        .and_then(|text| write_atomic(&args.json, text.as_bytes(), "the JSON report"));
    if let Err(e) = written {
        eprintln!("error: {e}");
        return EXIT_USAGE;
    }
    let counts = merged.summary.counts().text();
    say(&format!(
        "merged {} reports: {} checks; {counts}\n",
        args.files.len(),
        merged.checks.len()
    ));
    merged.exit_code()
}
