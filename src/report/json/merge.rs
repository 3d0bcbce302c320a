//! `conform merge`: the reports of a run's shards as one report.

use super::{JsonReport, JsonSelection, SCHEMA_VERSION, summarize};
use std::collections::HashMap;

/// Combines the reports of the shards of one run (`conform merge`): the same environment is
/// required and no check may be in two reports ([`super::check_set`] checks the rest of the
/// set beforehand). Checks are sorted by suite, file and line;
/// the summary and exit code are recomputed; `started` is the earliest and the duration the
/// longest. The shards' baseline comparisons are dropped: compare the merged report instead.
pub fn merge(reports: Vec<JsonReport>) -> Result<JsonReport, String> {
    let Some(first) = reports.first() else {
        return Err("no reports to merge".to_string());
    };
    let env = first.env.clone();
    // The shards' common selection (see `check_set`), as one whole run's.
    let selection = first.selection.clone().map(|s| JsonSelection {
        shard: None,
        missing_shards: Vec::new(),
        ..s
    });
    let mut started = first.started;
    // The earliest shard's evaluation time (shards start a moment apart), and `--at` as the
    // first shard that used it gave it.
    let mut evaluated_at = first.evaluated_at;
    let mut at = first.at.clone();
    let mut duration_seconds = first.duration_seconds;
    let mut versions: Vec<String> = Vec::new();
    let mut hostnames: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut checks = Vec::new();
    for (i, report) in reports.into_iter().enumerate() {
        let number = i + 1;
        if report.env != env {
            return Err(format!(
                "cannot merge reports of different environments: report 1 is {env}, report \
                 {number} is {}",
                report.env
            ));
        }
        started = started.min(report.started);
        evaluated_at = match (evaluated_at, report.evaluated_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        at = at.or(report.at);
        duration_seconds = duration_seconds.max(report.duration_seconds);
        for (list, value) in [
            (&mut versions, report.conform_version),
            (&mut hostnames, report.hostname),
        ] {
            if !value.is_empty() && !list.contains(&value) {
                list.push(value);
            }
        }
        for check in report.checks {
            if let Some(earlier) = seen.insert(check.id.clone(), number) {
                return Err(format!(
                    "check {} is in report {earlier} and report {number}: were the shards' \
                     --shard K/N different, or a report given twice?",
                    check.id
                ));
            }
            checks.push(check);
        }
    }
    checks.sort_by(|a, b| {
        (&a.suite, &a.file, a.line, &a.id).cmp(&(&b.suite, &b.file, b.line, &b.id))
    });
    Ok(JsonReport {
        schema_version: SCHEMA_VERSION,
        conform_version: versions.join(", "),
        env,
        started,
        evaluated_at,
        at,
        duration_seconds,
        hostname: hostnames.join(", "),
        summary: summarize(&checks),
        checks,
        baseline: None,
        interrupted: None,
        selection,
        load_errors: Vec::new(),
        rounds: None,
    })
}
