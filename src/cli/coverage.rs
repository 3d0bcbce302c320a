//! `conform coverage`: every claim of `claims.yaml` with the checks that verify it, or the
//! reason it cannot be checked; exit 1 when a claim has neither in an environment it is about.

use super::*;
use crate::config::claims::load_claims;
use crate::config::environment::runnable_env_names;
use crate::report::coverage::{CheckRef, coverage, to_json, to_markdown};

pub(super) fn cmd_coverage(args: CoverageArgs) -> Exit {
    let dir = args
        .dir
        .strip_prefix(".")
        .unwrap_or(&args.dir)
        .to_path_buf();
    let runnable = runnable_env_names(&dir);
    let (known, errors) = load_claims(&dir, || runnable.clone());
    if !errors.is_empty() {
        print_diagnostics(&errors);
        return Exit::Usage;
    }
    let Some(book) = known.book else {
        eprintln!(
            "error: {}: there is no claims file; expected {} beside checks/, listing each claim \
             (sections: [{{ title, claims: [{{ id, text, not_checkable? }}] }}]), and `claims: [ID]` on the checks that verify them",
            known.file.display(),
            crate::config::claims::FILE_NAME
        );
        return Exit::Usage;
    };
    let envs = match &args.env {
        Some(env) => vec![env.clone()],
        None if runnable.is_empty() => vec!["prod".to_string()],
        None => runnable,
    };
    let mut checks: Vec<CheckRef> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    // The same mistake in a check file is found in every environment: said once.
    let mut errors: Vec<Diagnostic> = Vec::new();
    for env in &envs {
        let plan = match load_plan_with(&dir, env, &getenv, &args.vars.vars) {
            Ok(plan) => plan,
            Err(found) => {
                for e in found {
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
                continue;
            }
        };
        // An environment is the file `--env` names: its `name:` may be another's.
        for c in &plan.checks {
            let id = clean(&plan.secrets, &c.id);
            match seen.get(&id) {
                Some(&i) => checks[i].envs.push(env.clone()),
                None => {
                    seen.insert(id.clone(), checks.len());
                    checks.push(CheckRef {
                        id,
                        file: c.file.clone(),
                        line: c.line,
                        envs: vec![env.clone()],
                        claims: c.claims.clone(),
                    });
                }
            }
        }
    }
    if !errors.is_empty() {
        print_diagnostics(&errors);
        return Exit::Usage;
    }
    let found = coverage(&book, &envs, args.env.as_deref(), &checks);
    let text = match args.format {
        CoverageFormat::Markdown => to_markdown(&found),
        CoverageFormat::Json => match serde_json::to_string_pretty(&to_json(&found)) {
            Ok(text) => format!("{text}\n"),
            Err(e) => {
                eprintln!("error: cannot write the coverage: {e}");
                return Exit::Usage;
            }
        },
    };
    say(&text);
    let uncovered: Vec<_> = found.uncovered().collect();
    if uncovered.is_empty() {
        return Exit::Pass;
    }
    for row in &uncovered {
        let claim = row.claim;
        let place = format!("{}:{}", book.file.display(), claim.pos);
        if row.checks.is_empty() {
            eprintln!(
                "error: {place}: claim `{}` has no check{} and no `not_checkable` reason; expected a check that names it in `claims:`, or `not_checkable: REASON` on the claim",
                claim.id,
                in_envs(&row.missing_envs, &envs)
            );
        } else {
            let runs: Vec<&str> = row
                .checks
                .iter()
                .flat_map(|(_, there)| there.iter().map(String::as_str))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            eprintln!(
                "error: {place}: claim `{}` has no check in env {} (its checks run in {}); expected a check that runs there and names it, or `envs:` on the claim for the environments it is about",
                claim.id,
                row.missing_envs.join(", "),
                runs.join(", ")
            );
        }
    }
    let n = uncovered.len();
    eprintln!(
        "{n} claim{} not covered: neither a check nor a reason",
        if n == 1 { " is" } else { "s are" }
    );
    Exit::Fail
}

/// ` in env E` when the claim is missing from only some of the environments looked at.
fn in_envs(missing: &[String], envs: &[String]) -> String {
    if missing.len() == envs.len() && envs.len() > 1 {
        String::new()
    } else {
        format!(" in env {}", missing.join(", "))
    }
}
