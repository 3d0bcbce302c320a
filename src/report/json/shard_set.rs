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
