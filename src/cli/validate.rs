//! `conform validate`: load and resolve every file for one environment (or all), check the
//! filters and `--var`s given, probe nothing.

use super::*;
use crate::config::environment::runnable_env_names;
use crate::config::overrides::unknown_overrides;

pub(super) fn cmd_validate(args: ValidateArgs) -> Exit {
    let envs = if args.all_envs {
        let names = runnable_env_names(&args.location.dir);
        if names.is_empty() {
            vec![args.location.env.clone()]
        } else {
            names
        }
    } else {
        vec![args.location.env.clone()]
    };
    let filters = args.filters.filters();
    let overrides = &args.location.vars.vars;
    let mut code = Exit::Pass;
    for env in envs {
        let plan = match load_plan_with(&args.location.dir, &env, &getenv, overrides) {
            Ok(plan) => plan,
            Err(errors) => {
                eprintln!("env {env}:");
                print_diagnostics(&errors);
                code = Exit::Usage;
                continue;
            }
        };
        let mut refused = unknown_overrides(&plan.env, overrides);
        refused.extend(unmatched_filters(&plan, &filters));
        if !refused.is_empty() {
            eprintln!("env {}:", plan.env.name);
            for message in &refused {
                eprintln!("error: {message}");
            }
            eprintln!("hint: {}", list_hint(&plan));
            code = Exit::Usage;
            continue;
        }
        if !validate_plan(&plan, args.strict) {
            code = Exit::Usage;
        }
    }
    code
}

/// Says whether `plan` is valid (with `--strict`, warnings are errors) and prints why.
fn validate_plan(plan: &Plan, strict: bool) -> bool {
    let suites: std::collections::BTreeSet<&str> =
        plan.checks.iter().map(|c| c.suite.as_str()).collect();
    let lint: Vec<Diagnostic> = plan
        .checks
        .iter()
        .flat_map(|c| c.warnings.iter().cloned())
        .collect();
    if strict && !lint.is_empty() {
        eprintln!("env {}:", plan.env.name);
        print_diagnostics(&lint);
        return false;
    }
    for w in &lint {
        eprintln!("warning: env {}: {w}", plan.env.name);
    }
    let warnings = per_value(plan.checks.iter().flat_map(|c| c.unresolved.iter()));
    for w in &warnings {
        eprintln!("warning: env {}: {w}", plan.env.name);
    }
    say(&format!(
        "env {}: {} in {} {} valid{}\n",
        plan.env.name,
        crate::syntax::quantity::count(plan.checks.len(), "check"),
        crate::syntax::quantity::count(suites.len(), "suite"),
        if plan.checks.len() == 1 { "is" } else { "are" },
        if warnings.is_empty() {
            String::new()
        } else {
            format!(
                " ({} not set here; `run` needs {})",
                match warnings.len() {
                    1 => "1 value is".to_string(),
                    n => format!("{n} values are"),
                },
                if warnings.len() == 1 { "it" } else { "them" }
            )
        }
    ));
    true
}

/// One warning per unset value, not one per use: the first place it is needed, and the
/// others after it (`also at FILE:LINE:COLUMN, ...`, the first few and how many more).
fn per_value<'a>(unresolved: impl Iterator<Item = &'a Diagnostic>) -> Vec<Diagnostic> {
    const PLACES: usize = 3;
    let mut groups: Vec<(&Diagnostic, Vec<&Diagnostic>)> = Vec::new();
    for u in unresolved {
        match groups
            .iter_mut()
            .find(|(first, _)| first.message == u.message)
        {
            Some((_, more)) => more.push(u),
            None => groups.push((u, Vec::new())),
        }
    }
    groups
        .into_iter()
        .map(|(first, more)| {
            let mut d = first.clone();
            if !more.is_empty() {
                let places: Vec<String> = more
                    .iter()
                    .take(PLACES)
                    .map(|m| format!("{}:{}", m.file.display(), m.pos))
                    .collect();
                let rest = more.len().saturating_sub(PLACES);
                let tail = if rest > 0 {
                    format!(" and {rest} more")
                } else {
                    String::new()
                };
                d.message = format!("{} (also at {}{tail})", d.message, places.join(", "));
            }
            d
        })
        .collect()
}
