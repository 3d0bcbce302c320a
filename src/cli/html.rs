//! `conform report`: the HTML report of an earlier run, from its JSON report, with the
//! history grid of `--history`; nothing is probed.

use super::*;
use crate::report::html::html_report;
use history::{read_history, read_report};

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
        contents: Ok(crate::report::write::Contents::Text(&page)),
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
