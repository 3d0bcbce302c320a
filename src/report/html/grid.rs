//! The history grid: checks × runs, from earlier JSON reports and this one, and which checks
//! are flaky in that window.

use super::Text;
use crate::report::json::{JsonCheck, JsonReport, rfc3339};
use crate::run::Outcome;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The runs of the window (oldest first) and one row per check.
pub(crate) struct History<'a> {
    pub(crate) columns: Vec<Column<'a>>,
    pub(crate) rows: Vec<Row<'a>>,
}

/// One run of the window.
pub(crate) struct Column<'a> {
    pub(crate) report: &'a JsonReport,
    /// The run this page is the report of.
    pub(crate) current: bool,
}

/// One check across the window.
pub(crate) struct Row<'a> {
    pub(crate) id: &'a str,
    /// Its entry in the latest run that has it (this run's when it ran).
    pub(crate) latest: &'a JsonCheck,
    /// Whether this run has it.
    pub(crate) in_current: bool,
    /// Its result in each column, `None` where that run did not have it.
    pub(crate) cells: Vec<Option<&'a JsonCheck>>,
    /// Why it is flaky in the window, when it is.
    pub(crate) flaky: Option<String>,
}

impl<'a> History<'a> {
    /// The window of `report` and `history`: ordered by start time (a tie keeps this run
    /// last), a history report that is this run (same start, host and environment) or a
    /// duplicate of another left out.
    pub(crate) fn new(report: &'a JsonReport, history: &'a [JsonReport]) -> History<'a> {
        let key = |r: &JsonReport| (r.started, r.hostname.clone(), r.env.clone());
        let mut seen = vec![key(report)];
        let mut columns = Vec::new();
        for old in history {
            if !seen.contains(&key(old)) {
                seen.push(key(old));
                columns.push(Column {
                    report: old,
                    current: false,
                });
            }
        }
        columns.push(Column {
            report,
            current: true,
        });
        columns.sort_by_key(|c| (c.report.started, c.current));
        let rows = rows(report, &columns);
        History { columns, rows }
    }

    /// Why the check `id` is flaky in the window, when it is.
    pub(crate) fn flaky(&self, id: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.flaky.as_deref())
    }
}

/// This run's checks in its order, then those only earlier runs had, newest first.
fn rows<'a>(report: &'a JsonReport, columns: &[Column<'a>]) -> Vec<Row<'a>> {
    let mut order: Vec<&'a str> = report.checks.iter().map(|c| c.id.as_str()).collect();
    let mut index: HashMap<&'a str, usize> =
        order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for column in columns.iter().rev() {
        for check in &column.report.checks {
            if !index.contains_key(check.id.as_str()) {
                index.insert(&check.id, order.len());
                order.push(&check.id);
            }
        }
    }
    let mut cells: Vec<Vec<Option<&'a JsonCheck>>> = vec![vec![None; columns.len()]; order.len()];
    for (col, column) in columns.iter().enumerate() {
        for check in &column.report.checks {
            if let Some(&row) = index.get(check.id.as_str()) {
                cells[row][col] = Some(check);
            }
        }
    }
    let current: HashMap<&str, &JsonCheck> =
        report.checks.iter().map(|c| (c.id.as_str(), c)).collect();
    order
        .into_iter()
        .zip(cells)
        .filter_map(|(id, cells)| {
            let latest = current
                .get(id)
                .copied()
                .or_else(|| cells.iter().rev().flatten().next().copied())?;
            Some(Row {
                id,
                latest,
                in_current: current.contains_key(id),
                flaky: flaky(&cells),
                cells,
            })
        })
        .collect()
}

/// A check is flaky when its outcome changed more than once over the runs that have a result
/// of it (`not_run` is none), or it passed only after a retry in one of them.
fn flaky(cells: &[Option<&JsonCheck>]) -> Option<String> {
    let results: Vec<&JsonCheck> = cells
        .iter()
        .flatten()
        .copied()
        .filter(|c| c.outcome != Outcome::NotRun)
        .collect();
    let changes = results
        .windows(2)
        .filter(|w| w[0].outcome != w[1].outcome)
        .count();
    let retried = results.iter().filter(|c| c.flaky).count();
    let runs = results.len();
    if changes > 1 {
        Some(format!(
            "its outcome changed {changes} times in {runs} runs"
        ))
    } else if retried > 0 {
        Some(format!(
            "it passed only after a retry in {retried} of {runs} runs"
        ))
    } else {
        None
    }
}

/// A cell's text: the outcome, short, so that no one needs the colour to read it.
pub(crate) fn short(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERR",
        Outcome::Pending => "pend",
        Outcome::Fixed => "FIXED",
        Outcome::NotRun => "skip",
    }
}

/// The grid's section.
pub(super) fn section(out: &mut String, text: &Text<'_>, history: &History<'_>) {
    let runs = history.columns.len();
    let _ = write!(
        out,
        "<section id=\"history\"><h2>History</h2>\n<p>{} by start time, oldest first; this \
         run is marked. Cells: pass, FAIL, ERR (error), pend (pending), FIXED, skip (not run), \
         · (not in that run); * passed only after a retry.</p>\n\
         <div class=\"scroll\"><table id=\"grid\"><thead><tr><th scope=\"col\">check</th>",
        crate::syntax::quantity::count(runs, "run")
    );
    for (i, column) in history.columns.iter().enumerate() {
        let r = column.report;
        let started = rfc3339::text(r.started);
        let day = started.get(..10).unwrap_or(&started);
        let time = started.get(11..19).unwrap_or("");
        let mut title = format!("{started}, {} on {}", r.env, r.hostname);
        if !r.load_errors.is_empty() {
            title.push_str(", stopped on load errors");
        }
        let _ = write!(
            out,
            "<th scope=\"col\" class=\"run{}\" data-run=\"{i}\" data-started=\"{}\" title=\"{}\">{}<br>{}{}</th>",
            if column.current { " current" } else { "" },
            text.attr(&started),
            text.attr(&title),
            text.show(day),
            text.show(time),
            if column.current {
                "<br><b>this run</b>"
            } else if !r.load_errors.is_empty() {
                "<br>load errors"
            } else {
                ""
            }
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &history.rows {
        grid_row(out, text, history, row);
    }
    out.push_str("</tbody></table></div></section>\n");
}

fn grid_row(out: &mut String, text: &Text<'_>, history: &History<'_>, row: &Row<'_>) {
    let outcome = if row.in_current {
        row.latest.outcome.as_str()
    } else {
        "absent"
    };
    let _ = write!(
        out,
        "<tr data-id=\"{}\" data-outcome=\"{outcome}\" data-suite=\"{}\" data-tags=\"{}\"{}>\
         <th scope=\"row\">",
        text.attr(row.id),
        text.attr(&row.latest.suite),
        text.tags(&row.latest.tags),
        if row.flaky.is_some() {
            " data-flaky=\"true\""
        } else {
            ""
        }
    );
    let _ = write!(out, "<code>{}</code>", text.show(row.id));
    if let Some(why) = &row.flaky {
        let _ = write!(
            out,
            " <span class=\"flaky\" title=\"flaky: {}\">flaky</span>",
            text.attr(why)
        );
    }
    if !row.in_current {
        out.push_str(" <small>(not in this run)</small>");
    }
    out.push_str("</th>");
    for (cell, column) in row.cells.iter().zip(&history.columns) {
        let started = rfc3339::text(column.report.started);
        match cell {
            Some(c) => {
                let retried = if c.flaky { "*" } else { "" };
                let mut title = format!("{started}: {}", c.outcome.label());
                if c.flaky {
                    title.push_str(", passed only after a retry");
                }
                if !c.message.is_empty() {
                    title.push_str(": ");
                    title.push_str(&c.message);
                }
                let _ = write!(
                    out,
                    "<td class=\"o-{0}\" data-outcome=\"{0}\" title=\"{1}\">{2}{retried}</td>",
                    c.outcome.as_str(),
                    text.attr(&title),
                    short(c.outcome)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<td class=\"o-absent\" data-outcome=\"absent\" title=\"{}: not in this \
                     run\">·</td>",
                    text.attr(&started)
                );
            }
        }
    }
    out.push_str("</tr>\n");
}
