//! `--baseline FILE`: what changed between an earlier JSON report and this run, by check id.
//! The diff goes into the new JSON report's `baseline` field and, as a few lines, to the
//! terminal.

use super::{JsonReport, rfc3339};
use crate::run::Outcome;
pub use changed::{ChangedCheck, FactChange};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use time::OffsetDateTime;

/// How many ids of one kind the terminal lines name before they say "and N more".
const NAMES_SHOWN: usize = 20;

/// What changed since a baseline report. The lists hold check ids, in the order of the new
/// report (removed checks: of the baseline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineDiff {
    /// The baseline report's path as given, when the caller set it ([`BaselineDiff::with_file`]).
    #[serde(default)]
    pub file: Option<String>,
    /// When the baseline run started.
    #[serde(with = "rfc3339")]
    pub started: OffsetDateTime,
    /// Was pass or pending, now fail, error or fixed.
    #[serde(default)]
    pub newly_failing: Vec<String>,
    /// Was fail, error or fixed, now pass.
    #[serde(default)]
    pub newly_passing: Vec<String>,
    /// Flaky now, not in the baseline (checks in both reports only).
    #[serde(default)]
    pub newly_flaky: Vec<String>,
    /// In this run, not in the baseline.
    #[serde(default)]
    pub new_checks: Vec<String>,
    /// In the baseline, not in this run.
    #[serde(default)]
    pub removed_checks: Vec<String>,
    /// Failing (fail, error or fixed) in both.
    #[serde(default)]
    pub still_failing: usize,
    /// Checks whose observed facts changed while their outcome did not; `null` when the
    /// baseline is of a schema without observed facts (2 or older).
    #[serde(default)]
    pub changed: Option<Vec<ChangedCheck>>,
}

mod changed;

/// Compares a run (`new`) with a baseline report (`old`) check by check.
pub fn compare(old: &JsonReport, new: &JsonReport) -> BaselineDiff {
    let before: HashMap<&str, (Outcome, bool)> = old
        .checks
        .iter()
        .map(|c| (c.id.as_str(), (c.outcome, c.flaky)))
        .collect();
    let mut diff = BaselineDiff {
        file: None,
        started: old.started,
        newly_failing: Vec::new(),
        newly_passing: Vec::new(),
        newly_flaky: Vec::new(),
        new_checks: Vec::new(),
        removed_checks: Vec::new(),
        still_failing: 0,
        changed: changed::changed(old, new),
    };
    for check in &new.checks {
        let id = check.id.clone();
        let Some(&(was, was_flaky)) = before.get(check.id.as_str()) else {
            diff.new_checks.push(id);
            continue;
        };
        let now = check.outcome;
        if matches!(was, Outcome::Pass | Outcome::Pending) && now.fails_run() {
            diff.newly_failing.push(id.clone());
        } else if was.fails_run() && now == Outcome::Pass {
            diff.newly_passing.push(id.clone());
        } else if was.fails_run() && now.fails_run() {
            diff.still_failing += 1;
        }
        if check.flaky && !was_flaky {
            diff.newly_flaky.push(id);
        }
    }
    let after: std::collections::HashSet<&str> = new.checks.iter().map(|c| c.id.as_str()).collect();
    diff.removed_checks = old
        .checks
        .iter()
        .filter(|c| !after.contains(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    diff
}

impl BaselineDiff {
    /// The diff, saying where the baseline was read from.
    pub fn with_file(mut self, file: &Path) -> BaselineDiff {
        self.file = Some(file.display().to_string());
        self
    }

    /// Nothing newly failing, passing or flaky, and no check added or removed.
    pub fn is_empty(&self) -> bool {
        self.newly_failing.is_empty()
            && self.newly_passing.is_empty()
            && self.newly_flaky.is_empty()
            && self.new_checks.is_empty()
            && self.removed_checks.is_empty()
            && self.changed.as_ref().is_none_or(Vec::is_empty)
    }

    /// For the terminal: a headline with the counts, then the ids, one a line, and each
    /// changed fact with its values shortened.
    ///
    /// ```text
    /// changed since the baseline (reports/nightly.json, 2026-11-24T02:00:00Z): 2 newly failing, 1 newly passing, 0 newly flaky, 1 new, 0 removed, 1 changed
    ///   newly failing: chat/root-redirect
    ///   changed: chat/cert leaf.fingerprint_sha256 3f9a… → 81bc…
    /// ```
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.outcome_lines();
        match &self.changed {
            None => lines.push(
                "  changed facts not compared: the baseline is a report of an older schema, \
                 without observed facts"
                    .to_string(),
            ),
            Some(list) => {
                for check in list.iter().take(NAMES_SHOWN) {
                    for (name, change) in &check.facts {
                        lines.push(format!(
                            "  changed: {} {name} {}",
                            check.id.replace('\n', " "),
                            change.short()
                        ));
                    }
                }
                if list.len() > NAMES_SHOWN {
                    lines.push(format!("  and {} more changed", list.len() - NAMES_SHOWN));
                }
            }
        }
        lines
    }

    /// As JUnit properties (of every suite, beside the run's other properties): the id lists
    /// comma-separated, then one `baseline.changed` per changed fact, `ID NAME: BEFORE → AFTER`
    /// with the values in full.
    pub fn properties(&self) -> Vec<(String, String)> {
        let mut properties: Vec<(String, String)> = [
            ("baseline.newly_failing", &self.newly_failing),
            ("baseline.newly_passing", &self.newly_passing),
            ("baseline.newly_flaky", &self.newly_flaky),
            ("baseline.new_checks", &self.new_checks),
            ("baseline.removed_checks", &self.removed_checks),
        ]
        .into_iter()
        .map(|(name, ids)| (name.to_string(), ids.join(", ")))
        .collect();
        let changed = |value: String| ("baseline.changed".to_string(), value);
        match &self.changed {
            None => properties.push(changed(
                "not compared: the baseline has no observed facts (an older schema)".into(),
            )),
            Some(list) => properties.extend(list.iter().flat_map(|check| {
                check.facts.iter().map(|(name, change)| {
                    changed(format!("{} {name}: {}", check.id, change.full()))
                })
            })),
        }
        properties
    }

    /// The headline and the ids by outcome change.
    fn outcome_lines(&self) -> Vec<String> {
        let started = rfc3339::text(self.started);
        let source = match &self.file {
            Some(file) => format!("{file}, {started}"),
            None => started,
        };
        let still = match self.still_failing {
            0 => String::new(),
            n => format!("{n} still failing"),
        };
        if self.is_empty() {
            let mut line = format!("nothing changed since the baseline ({source})");
            if !still.is_empty() {
                line.push_str(": ");
                line.push_str(&still);
            }
            return vec![line];
        }
        let mut lines = vec![format!(
            "changed since the baseline ({source}): {} newly failing, {} newly passing, {} newly \
             flaky, {} new, {} removed",
            self.newly_failing.len(),
            self.newly_passing.len(),
            self.newly_flaky.len(),
            self.new_checks.len(),
            self.removed_checks.len()
        )];
        if let Some(list) = &self.changed {
            lines[0].push_str(&format!(", {} changed", list.len()));
        }
        for (what, ids) in [
            ("newly failing", &self.newly_failing),
            ("newly passing", &self.newly_passing),
            ("newly flaky", &self.newly_flaky),
            ("new", &self.new_checks),
            ("removed", &self.removed_checks),
        ] {
            for id in ids.iter().take(NAMES_SHOWN) {
                lines.push(format!("  {what}: {}", id.replace('\n', " ")));
            }
            if ids.len() > NAMES_SHOWN {
                lines.push(format!("  and {} more {what}", ids.len() - NAMES_SHOWN));
            }
        }
        if !still.is_empty() {
            lines.push(format!("  {still}, as in the baseline"));
        }
        lines
    }
}

#[cfg(test)]
mod tests;
