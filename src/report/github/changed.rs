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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::baseline::{ChangedCheck, FactChange};
    use serde_json::json;

    fn diff(changed: Option<Vec<ChangedCheck>>) -> BaselineDiff {
        BaselineDiff {
            file: None,
            started: time::macros::datetime!(2026-11-24 02:00:00 UTC),
            newly_failing: Vec::new(),
            newly_passing: Vec::new(),
            newly_flaky: Vec::new(),
            new_checks: Vec::new(),
            removed_checks: Vec::new(),
            still_failing: 0,
            changed,
        }
    }

    /// Markdown and HTML in an id or a value stay text; nothing is said when nothing changed.
    #[test]
    fn a_table_of_changed_facts_escaped_and_nothing_when_none() {
        let hostile = ChangedCheck {
            id: "web/a|b".into(),
            facts: [(
                "server".to_string(),
                FactChange {
                    before: json!("<script>x</script>"),
                    after: json!("nginx\n*1.27*"),
                },
            )]
            .into(),
        };
        assert_eq!(
            changed_summary(&diff(Some(vec![hostile]))),
            "\n### 1 check changed since the baseline, outcome unchanged\n\n\
             | check | fact | before → after |\n| --- | --- | --- |\n\
             | web/a\\|b | server | &lt;script&gt;x&lt;/script&gt; → nginx \\*1.27\\* |\n"
        );
        assert_eq!(changed_summary(&diff(Some(Vec::new()))), "");
        assert_eq!(
            changed_summary(&diff(None)),
            "\n_Changed facts not compared: the baseline is a report of an older schema, \
             without observed facts._\n"
        );
    }
}
