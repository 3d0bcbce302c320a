//! The step summary's section on `--baseline`: the checks whose observed facts changed while
//! their outcome did not.

use super::markdown;
use crate::report::json::baseline::BaselineDiff;
use std::fmt::Write as _;

/// How many checks the table lists before it says how many more.
const CHECKS_SHOWN: usize = 100;

/// Markdown to append to the step summary: a table of the changed facts, values shortened;
/// a note when the baseline has no observed facts; nothing when no fact changed.
pub fn changed_summary(diff: &BaselineDiff) -> String {
    let Some(list) = &diff.changed else {
        return "\n_Changed facts not compared: the baseline is a report of an older schema, \
                without observed facts._\n"
            .to_string();
    };
    if list.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n### {} changed since the baseline, outcome unchanged\n\n\
         | check | fact | before → after |\n| --- | --- | --- |\n",
        match list.len() {
            1 => "1 check".to_string(),
            n => format!("{n} checks"),
        }
    );
    let text = |s: &str| markdown(&s.replace(['\n', '\r'], " "));
    for check in list.iter().take(CHECKS_SHOWN) {
        for (name, change) in &check.facts {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                text(&check.id),
                text(name),
                text(&change.short())
            );
        }
    }
    if list.len() > CHECKS_SHOWN {
        let _ = writeln!(out, "\nand {} more checks", list.len() - CHECKS_SHOWN);
    }
    out
}
