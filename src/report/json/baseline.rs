//! `--baseline FILE`: what changed between an earlier JSON report and this run, by check id.
//! The diff goes into the new JSON report's `baseline` field and, as a few lines, to the
//! terminal.

use super::{JsonReport, rfc3339};
use crate::run::Outcome;
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
}

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
    }

    /// For the terminal: a headline with the counts, then the ids, one a line.
    ///
    /// ```text
    /// changed since the baseline (reports/nightly.json, 2026-11-24T02:00:00Z): 2 newly failing, 1 newly passing, 0 newly flaky, 1 new, 0 removed
    ///   newly failing: chat/root-redirect
    /// ```
    pub fn lines(&self) -> Vec<String> {
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
mod tests {
    use super::*;
    use crate::report::json::{JsonCheck, JsonSummary};

    fn check(id: &str, outcome: Outcome, flaky: bool) -> JsonCheck {
        JsonCheck {
            id: id.to_string(),
            name: id.to_string(),
            suite: id.split('/').next().unwrap().to_string(),
            file: String::new(),
            line: 1,
            tags: Vec::new(),
            claims: Vec::new(),
            probe: "http".into(),
            target: String::new(),
            outcome,
            flaky,
            retries: 0,
            duration_seconds: 0.1,
            message: String::new(),
            pending_reason: None,
            reproduce: String::new(),
            attempts: Vec::new(),
            rounds: Vec::new(),
        }
    }

    fn report(checks: Vec<JsonCheck>) -> JsonReport {
        JsonReport {
            schema_version: 1,
            conform_version: "0.1.0".into(),
            env: "prod".into(),
            started: time::macros::datetime!(2026-11-24 02:00:00 UTC),
            duration_seconds: 1.0,
            hostname: "ci".into(),
            summary: JsonSummary::default(),
            checks,
            baseline: None,
            interrupted: None,
            selection: None,
            load_errors: Vec::new(),
            rounds: None,
        }
    }

    use Outcome::*;

    fn pair() -> (JsonReport, JsonReport) {
        let old = report(vec![
            check("chat/root-redirect", Pass, false),
            check("chat/waf", Pending, false),
            check("chat/up", Fail, false),
            check("nest/api", Error, false),
            check("nest/new", Fixed, false),
            check("nest/flaky", Pass, false),
            check("nest/was-flaky", Pass, true),
            check("dns/gone", Pass, false),
            check("dns/still", Fail, false),
            check("dns/same", Pass, false),
        ]);
        let new = report(vec![
            check("chat/root-redirect", Fail, false),
            check("chat/waf", Fixed, false),
            check("chat/up", Pass, false),
            check("nest/api", Pass, true),
            check("nest/new", Error, false),
            check("nest/flaky", Pass, true),
            check("nest/was-flaky", Pass, true),
            check("dns/still", Fail, false),
            check("dns/same", Pass, false),
            check("dns/added", Fail, false),
        ]);
        (old, new)
    }

    #[test]
    fn every_category() {
        let (old, new) = pair();
        let diff = compare(&old, &new);
        assert_eq!(diff.newly_failing, ["chat/root-redirect", "chat/waf"]);
        assert_eq!(diff.newly_passing, ["chat/up", "nest/api"]);
        assert_eq!(diff.newly_flaky, ["nest/api", "nest/flaky"]);
        assert_eq!(diff.new_checks, ["dns/added"]);
        assert_eq!(diff.removed_checks, ["dns/gone"]);
        assert_eq!(diff.still_failing, 2, "nest/new and dns/still");
        assert!(!diff.is_empty());
        assert_eq!(diff.started, old.started);
        assert_eq!(diff.file, None);
    }

    #[test]
    fn pending_and_not_run_changes_are_not_regressions() {
        let old = report(vec![
            check("a/pass-to-pending", Pass, false),
            check("a/fail-to-pending", Fail, false),
            check("a/not-run-to-fail", NotRun, false),
            check("a/pass-to-not-run", Pass, false),
        ]);
        let new = report(vec![
            check("a/pass-to-pending", Pending, false),
            check("a/fail-to-pending", Pending, false),
            check("a/not-run-to-fail", Fail, false),
            check("a/pass-to-not-run", NotRun, false),
        ]);
        let diff = compare(&old, &new);
        assert!(diff.is_empty(), "{diff:?}");
        assert_eq!(diff.still_failing, 0);
    }

    #[test]
    fn identical_reports_make_an_empty_diff() {
        let (old, _) = pair();
        let diff = compare(&old, &old).with_file(Path::new("reports/nightly.json"));
        assert!(diff.is_empty());
        assert_eq!(diff.still_failing, 4);
        assert_eq!(
            diff.lines(),
            [
                "nothing changed since the baseline (reports/nightly.json, 2026-11-24T02:00:00Z): \
                 4 still failing"
            ]
        );
        let clean = report(vec![check("a/b", Pass, false)]);
        assert_eq!(
            compare(&clean, &clean).lines(),
            ["nothing changed since the baseline (2026-11-24T02:00:00Z)"]
        );
    }

    #[test]
    fn lines_for_the_terminal() {
        let (old, new) = pair();
        let diff = compare(&old, &new).with_file(Path::new("reports/nightly.json"));
        assert_eq!(
            diff.lines(),
            [
                "changed since the baseline (reports/nightly.json, 2026-11-24T02:00:00Z): 2 \
                 newly failing, 2 newly passing, 2 newly flaky, 1 new, 1 removed",
                "  newly failing: chat/root-redirect",
                "  newly failing: chat/waf",
                "  newly passing: chat/up",
                "  newly passing: nest/api",
                "  newly flaky: nest/api",
                "  newly flaky: nest/flaky",
                "  new: dns/added",
                "  removed: dns/gone",
                "  2 still failing, as in the baseline",
            ]
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let old = report(vec![]);
        let new = report(
            (0..25)
                .map(|i| check(&format!("a/{i}"), Pass, false))
                .collect(),
        );
        let lines = compare(&old, &new).lines();
        assert_eq!(lines.len(), 1 + NAMES_SHOWN + 1);
        assert_eq!(lines[NAMES_SHOWN], "  new: a/19");
        assert_eq!(lines[NAMES_SHOWN + 1], "  and 5 more new");
    }

    #[test]
    fn serialized_in_the_report() {
        let (old, mut new) = pair();
        new.baseline = Some(compare(&old, &new).with_file(Path::new("reports/nightly.json")));
        let value = serde_json::to_value(&new).unwrap();
        assert_eq!(
            value["baseline"],
            serde_json::json!({
                "file": "reports/nightly.json",
                "started": "2026-11-24T02:00:00Z",
                "newly_failing": ["chat/root-redirect", "chat/waf"],
                "newly_passing": ["chat/up", "nest/api"],
                "newly_flaky": ["nest/api", "nest/flaky"],
                "new_checks": ["dns/added"],
                "removed_checks": ["dns/gone"],
                "still_failing": 2,
            })
        );
        let text = new.to_string_pretty().unwrap();
        let back = JsonReport::parse(&text, Path::new("r.json")).unwrap();
        assert_eq!(back.baseline, new.baseline);
    }
}
