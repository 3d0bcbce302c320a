//! `conform merge`: the reports of a run's shards as one report, once they are known to be
//! the whole set (or `--allow-partial` says to go without the missing ones).

use super::*;
use crate::report::json::{JsonShard, check_set, holds_the_selection, merge};
use history::read_report;
use outputs::{Outputs, Source};

pub(super) fn cmd_merge(args: MergeArgs) -> Exit {
    let mut outputs = Outputs::for_merge(&args);
    let mut reports = Vec::new();
    let mut refusal = Refusal::default();
    if let Some(spec) = &args.html.history {
        match super::history::read_history(spec) {
            Ok(history) => outputs.history = history,
            Err(r) => refusal = r,
        }
    }
    for path in &args.files {
        match read_report(path) {
            Ok(r) => reports.push((path.display().to_string(), r)),
            Err(e) => refusal.add(&e),
        }
    }
    let env = reports
        .first()
        .map(|(_, r)| r.env.clone())
        .unwrap_or_default();
    if !refusal.errors.is_empty() {
        return outputs.refuse(&env, refusal);
    }
    let named: Vec<(String, &JsonReport)> = reports.iter().map(|(n, r)| (n.clone(), r)).collect();
    let set = check_set(&named);
    for problem in &set.problems {
        refusal.add(problem);
    }
    if !args.allow_partial {
        for shard in &set.missing {
            refusal.add(&format!("shard {shard} is missing"));
        }
    }
    if !refusal.errors.is_empty() {
        let n = refusal.errors.len();
        eprintln!(
            "{n} problem{} with the reports given; nothing was merged",
            if n == 1 { "" } else { "s" }
        );
        if set.problems.is_empty() {
            eprintln!(
                "hint: run the missing shards, or merge the reports given with --allow-partial \
                 (the merged reports then name the missing shards)"
            );
        }
        return outputs.refuse(&env, refusal);
    }
    let count = reports.len();
    let mut merged = match merge(reports.into_iter().map(|(_, r)| r).collect()) {
        Ok(m) => m,
        Err(e) => return outputs.refuse(&env, Refusal::plain(&e)),
    };
    if let Some(selection) = &mut merged.selection {
        selection.missing_shards = set.missing.clone();
    }
    if let Some(e) = holds_the_selection(&merged) {
        return outputs.refuse(&env, Refusal::plain(&e));
    }
    let partial = missing_text(&set.missing);
    if let Some(missing) = &partial {
        eprintln!(
            "warning: {missing}: merged without {} (--allow-partial); the merged reports say so",
            if set.missing.len() == 1 { "it" } else { "them" }
        );
    }
    let properties: Vec<(String, String)> = match &partial {
        Some(_) => vec![("conform.missing_shards".into(), shard_list(&set.missing))],
        None => Vec::new(),
    };
    let problems = outputs.write(Source::Merged {
        json: &merged,
        properties: &properties,
    });
    if !problems.is_empty() {
        for e in &problems {
            eprintln!("error: {e}");
        }
        return Exit::Usage;
    }
    let counts = merged.summary.counts().text();
    say(&format!(
        "merged {}: {}; {counts}\n",
        crate::syntax::quantity::count(count, "report"),
        crate::syntax::quantity::count(merged.checks.len(), "check")
    ));
    Exit::from_code(merged.exit_code())
}

/// `shard 3/3 is missing`, `shards 2/4, 4/4 are missing`, or `None`.
fn missing_text(missing: &[JsonShard]) -> Option<String> {
    match missing {
        [] => None,
        [one] => Some(format!("shard {one} is missing")),
        many => Some(format!("shards {} are missing", shard_list(many))),
    }
}

fn shard_list(shards: &[JsonShard]) -> String {
    let names: Vec<String> = shards.iter().map(ToString::to_string).collect();
    names.join(", ")
}
