//! Whether reports given to `conform merge` make one whole run: every shard of one selection,
//! each once. A report without a shard is the whole selection on its own (shard 1/1).

use super::{JsonReport, JsonSelection, JsonShard, fingerprint};
use std::collections::BTreeMap;

/// What [`check_set`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ShardSet {
    /// Reasons the reports cannot be merged at all: a report with no results or no recorded
    /// selection, a selection that differs from the first report's, a shard given twice.
    pub problems: Vec<String>,
    /// Shards of the selection that no report holds (`--allow-partial` merges without them).
    pub missing: Vec<JsonShard>,
}

/// Checks that `reports` (each with the name it is known by, its path) are the shards of one
/// selection, each once. Every problem is listed, not just the first.
pub fn check_set(reports: &[(String, &JsonReport)]) -> ShardSet {
    let mut set = ShardSet::default();
    let mut reference: Option<(&str, &JsonReport, &JsonSelection)> = None;
    let mut shards: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (name, report) in reports {
        if let Some(why) = report.why_no_results() {
            set.problems.push(format!("{name}: {why}"));
            continue;
        }
        let Some(selection) = &report.selection else {
            set.problems.push(format!(
                "{name} does not record the selection it ran (a report of schema 1): merge \
                 needs the reports of conform {} or later; run the shards again",
                env!("CARGO_PKG_VERSION")
            ));
            continue;
        };
        let Some((first_name, first, first_selection)) = reference else {
            reference = Some((name, report, selection));
            shards
                .entry(shard_of(selection).index)
                .or_default()
                .push(name);
            continue;
        };
        let differences = differences(first, first_selection, report, selection);
        if differences.is_empty() {
            shards
                .entry(shard_of(selection).index)
                .or_default()
                .push(name);
        } else {
            set.problems.push(format!(
                "{name} is not of the same selection as {first_name}: {}; every shard must \
                 run the same checkout with the same --env and filters",
                differences.join("; ")
            ));
        }
    }
    let Some((_, _, selection)) = reference else {
        return set;
    };
    let count = shard_of(selection).count;
    for (index, names) in &shards {
        if names.len() > 1 {
            let what = if count == 1 {
                "the whole selection (a run without --shard)".to_string()
            } else {
                format!(
                    "shard {}",
                    JsonShard {
                        index: *index,
                        count
                    }
                )
            };
            set.problems.push(format!(
                "{what} is given more than once: {}",
                names.join(", ")
            ));
        }
    }
    set.missing = (1..=count)
        .filter(|k| !shards.contains_key(k))
        .map(|index| JsonShard { index, count })
        .collect();
    for (_, report) in reports {
        if let Some(s) = &report.selection {
            set.missing.extend(s.missing_shards.iter().copied());
        }
    }
    set.missing.sort();
    set.missing.dedup();
    set
}

/// A run without `--shard` ran the whole selection: shard 1/1.
fn shard_of(selection: &JsonSelection) -> JsonShard {
    selection.shard.unwrap_or(JsonShard { index: 1, count: 1 })
}

fn shards_text(selection: &JsonSelection) -> String {
    match shard_of(selection).count {
        1 => "a run without --shard".to_string(),
        n => format!("{n} shards"),
    }
}

/// How `other` differs from `first`, for people: `env staging, not prod`.
fn differences(
    first: &JsonReport,
    first_selection: &JsonSelection,
    other: &JsonReport,
    selection: &JsonSelection,
) -> Vec<String> {
    let mut out = Vec::new();
    if other.env != first.env {
        out.push(format!("env {}, not {}", other.env, first.env));
    }
    if selection.filters != first_selection.filters {
        out.push(format!(
            "{}, not {}",
            selection.filters, first_selection.filters
        ));
    }
    if shard_of(selection).count != shard_of(first_selection).count {
        out.push(format!(
            "{}, not {}",
            shards_text(selection),
            shards_text(first_selection)
        ));
    }
    if (selection.checks, &selection.sha256) != (first_selection.checks, &first_selection.sha256) {
        out.push(format!(
            "{} checks selected (sha256 {}), not {} (sha256 {}): were they run from different \
             commits?",
            selection.checks,
            short(&selection.sha256),
            first_selection.checks,
            short(&first_selection.sha256)
        ));
    }
    out
}

fn short(hash: &str) -> &str {
    &hash[..hash.floor_char_boundary(12)]
}

/// For a merge of a whole set: whether the merged checks are exactly those the shards
/// selected (a report edited by hand, or shards that dropped checks, are not).
pub fn holds_the_selection(merged: &JsonReport) -> Option<String> {
    let selection = merged.selection.as_ref()?;
    if !selection.missing_shards.is_empty() {
        return None;
    }
    let ids: Vec<&str> = merged.checks.iter().map(|c| c.id.as_str()).collect();
    if ids.len() == selection.checks && fingerprint(&ids) == selection.sha256 {
        return None;
    }
    Some(format!(
        "the reports hold {} checks (sha256 {}), but their selection had {} (sha256 {}): \
         a report was changed after its run",
        ids.len(),
        short(&fingerprint(&ids)),
        selection.checks,
        short(&selection.sha256)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Secrets;
    use crate::report::detail::fixtures::{check as a_check, passed, report as run, result};
    use crate::report::json::{JsonFilters, JsonLoadError};
    use crate::run::Outcome;

    fn report(env: &str, shard: Option<(usize, usize)>, ids: &[&str]) -> JsonReport {
        let mut r = JsonReport::refused(env, "ci", Vec::new());
        r.selection = Some(JsonSelection {
            shard: shard.map(|(index, count)| JsonShard { index, count }),
            filters: JsonFilters::default(),
            checks: ids.len(),
            sha256: fingerprint(ids),
            missing_shards: Vec::new(),
        });
        r
    }

    fn check(reports: &[(&str, &JsonReport)]) -> ShardSet {
        let named: Vec<(String, &JsonReport)> =
            reports.iter().map(|(n, r)| (n.to_string(), *r)).collect();
        check_set(&named)
    }

    const IDS: [&str; 3] = ["a/x", "a/y", "b/z"];

    #[test]
    fn a_whole_set_in_any_order_has_no_problem() {
        let (one, two) = (
            report("prod", Some((1, 2)), &IDS),
            report("prod", Some((2, 2)), &IDS),
        );
        assert_eq!(check(&[("2", &two), ("1", &one)]), ShardSet::default());
        let whole = report("prod", None, &IDS);
        assert_eq!(check(&[("w", &whole)]), ShardSet::default());
    }

    #[test]
    fn every_problem_is_listed() {
        let one = report("prod", Some((1, 4)), &IDS);
        let staging = report("staging", Some((2, 4)), &IDS);
        let mut other_filters = report("prod", Some((3, 4)), &IDS);
        other_filters.selection.as_mut().unwrap().filters.suites = vec!["a".into()];
        let refused = JsonReport::refused(
            "prod",
            "ci",
            vec![JsonLoadError::plain("no check selected", "")],
        );
        let mut old = report("prod", Some((4, 4)), &IDS);
        old.selection = None;
        let set = check(&[
            ("one", &one),
            ("one again", &one),
            ("staging", &staging),
            ("filters", &other_filters),
            ("refused", &refused),
            ("old", &old),
        ]);
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            set.problems,
            [
                "staging is not of the same selection as one: env staging, not prod; every \
                 shard must run the same checkout with the same --env and filters"
                    .to_string(),
                "filters is not of the same selection as one: --suite a, not no filters; \
                 every shard must run the same checkout with the same --env and filters"
                    .to_string(),
                "refused: it is the report of a run that stopped before probing, on 1 load \
                 error (the first: no check selected), and holds no results"
                    .to_string(),
                format!(
                    "old does not record the selection it ran (a report of schema 1): merge \
                     needs the reports of conform {version} or later; run the shards again"
                ),
                "shard 1/4 is given more than once: one, one again".to_string(),
            ]
        );
        let missing: Vec<String> = set.missing.iter().map(ToString::to_string).collect();
        assert_eq!(missing, ["2/4", "3/4", "4/4"]);
    }

    #[test]
    fn a_partial_merge_given_again_is_still_partial() {
        let mut partial = report("prod", None, &IDS);
        partial.selection.as_mut().unwrap().missing_shards = vec![JsonShard { index: 3, count: 3 }];
        assert_eq!(
            check(&[("partial", &partial)]).missing,
            [JsonShard { index: 3, count: 3 }]
        );
    }

    #[test]
    fn a_merge_must_hold_exactly_the_selected_checks() {
        let whole = report("prod", None, &IDS);
        let mut merged = whole.clone();
        let results = IDS
            .iter()
            .map(|id| result(a_check("a", id, id), Outcome::Pass, vec![passed()]))
            .collect();
        merged.checks = JsonReport::from_run(&run(results), &Secrets::default()).checks;
        assert_eq!(holds_the_selection(&merged), None);
        merged.checks.pop();
        let (held, selected) = (fingerprint(&IDS[..2]), fingerprint(&IDS));
        assert_eq!(
            holds_the_selection(&merged),
            Some(format!(
                "the reports hold 2 checks (sha256 {}), but their selection had 3 (sha256 {}): \
                 a report was changed after its run",
                &held[..12],
                &selected[..12]
            ))
        );
        // Not checked for a partial merge, nor for reports that record no selection.
        merged.selection.as_mut().unwrap().missing_shards = vec![JsonShard { index: 2, count: 2 }];
        assert_eq!(holds_the_selection(&merged), None);
        merged.selection = None;
        assert_eq!(holds_the_selection(&merged), None);
    }
}
