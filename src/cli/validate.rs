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
    let warnings: Vec<&Diagnostic> = plan
        .checks
        .iter()
        .flat_map(|c| c.unresolved.iter())
        .collect();
    for w in &warnings {
        eprintln!("warning: env {}: {w}", plan.env.name);
    }
    say(&format!(
        "env {}: {} checks in {} suites are valid{}\n",
        plan.env.name,
        plan.checks.len(),
        suites.len(),
        if warnings.is_empty() {
            String::new()
        } else {
            format!(
                " ({} values are not set here; `run` needs them)",
                warnings.len()
            )
        }
    ));
    true
}
