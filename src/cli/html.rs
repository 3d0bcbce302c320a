//! The HTML report's inputs: `--history DIR|GLOB` read into earlier JSON reports (before a run
//! probes, so that a bad one stops it at once), and `conform report`, which renders the page
//! of an earlier run from its JSON report.

use super::*;
use crate::report::html::html_report;
use run::read_report;

/// The reports `--history` names, in the order found (the page orders them by start time).
/// A folder gives its `*.json` files; a glob (`*`, `?` in the file name) the files of its
/// folder that match; a plain path, that one file. Nothing matching is no history, said on
/// stderr; a folder or file that does not exist, or a file that is not a conform JSON report,
/// is an error.
pub(super) fn read_history(spec: &str) -> Result<Vec<JsonReport>, Refusal> {
    let paths = history_paths(spec).map_err(|e| {
        Refusal::with_hint(
            &format!("--history {spec}: {e}"),
            "give --history a folder of earlier JSON reports or a glob such as \
             'history/*.json'",
        )
    })?;
    if paths.is_empty() {
        eprintln!("note: --history {spec} holds no JSON reports; the grid shows this run only");
    }
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        match read_report(&path) {
            Ok(report) => reports.push(report),
            Err(e) => {
                return Err(Refusal::with_hint(
                    &format!("--history: {e}"),
                    "remove it from the history, or narrow --history to conform's JSON reports",
                ));
            }
        }
    }
    Ok(reports)
}

fn history_paths(spec: &str) -> Result<Vec<PathBuf>, String> {
    let path = Path::new(spec);
    if path.is_dir() {
        return matching(path, "*.json");
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains(['*', '?']) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if dir.to_string_lossy().contains(['*', '?']) {
            return Err("only the file name may hold * or ?, not its folder".into());
        }
        if !dir.is_dir() {
            return Err(format!("the folder {} does not exist", dir.display()));
        }
        return matching(dir, &name);
    }
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    Err("no such folder or file".into())
}

/// The files of `dir` whose name matches `pattern`, sorted by name.
fn matching(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| crate::cli::select::glob(pattern, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    paths.sort();
    Ok(paths)
}

/// `conform report`: the HTML report of the run `--json` holds, with `--history`. Exit 0 when
/// written, 2 when a report cannot be read or the page written.
pub(super) fn cmd_report(args: ReportArgs) -> Exit {
    let report = match read_report(&args.json) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let history = match &args.history {
        Some(spec) => match read_history(spec) {
            Ok(h) => h,
            Err(_) => return Exit::Usage,
        },
        None => Vec::new(),
    };
    let page = html_report(&report, &history, &Secrets::default());
    let problems = write_reports(vec![ReportFile {
        path: args.html.clone(),
        contents: Ok(page),
        what: "the HTML report",
    }]);
    if !problems.is_empty() {
        for e in &problems {
            eprintln!("error: {e}");
        }
        return Exit::Usage;
    }
    say(&format!(
        "wrote {} ({}, {} of history)\n",
        args.html.display(),
        crate::syntax::quantity::count(report.checks.len(), "check"),
        crate::syntax::quantity::count(history.len(), "run")
    ));
    Exit::Pass
}
