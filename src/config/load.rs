//! Loading a project folder: `environments/<env>.yaml` and `checks/**/*.yaml` into a [`Plan`].

use super::checkfile::{FileContext, KnownEnvs, decode_file, duplicate_name};
use super::claims::{KnownClaims, load_claims, stray_notes};
use super::environment::load_environment;
use super::model::{Check, CheckKind, Environment, KeptOut, Plan, Secrets, TlsOptions};
use super::overrides::{VarOverride, apply_overrides};
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::file::parse_file;
use crate::syntax::node::{Node, Pos};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Decodes `text` as the check file `fuzz.yaml` for an empty environment named `fuzz` (no
/// variables, no TLS options, no process environment) and returns its diagnostics; the
/// checks are dropped. For fuzzing and tools: no input may make it panic.
pub fn load_check_text(text: &str) -> Vec<Diagnostic> {
    decode_check_text(text).err().unwrap_or_default()
}

/// Decodes `text` as [`load_check_text`] does, and returns its checks when it has no errors.
pub fn decode_check_text(text: &str) -> Result<Vec<Check>, Vec<Diagnostic>> {
    let file = Path::new("fuzz.yaml");
    let mut d = Diagnostics::new(file);
    let mut checks = Vec::new();
    match Node::parse(text) {
        Ok(root) => {
            let env = Environment::named("fuzz");
            let ctx = FileContext {
                env: &env,
                env_tls: &std::sync::Arc::default(),
                getenv: &|_| None,
                known_envs: &KnownEnvs::default(),
                claims: &KnownClaims::nowhere(),
            };
            checks = decode_file(&root, file, &ctx, &mut Secrets::default(), &mut d).checks;
        }
        Err(e) => d.error(e.pos, e.message, e.expected),
    }
    if d.list.is_empty() {
        Ok(checks)
    } else {
        Err(d.list)
    }
}

/// Every check file under `dir/checks`, sorted, or a diagnostic when there is none.
pub fn check_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let root = dir.join("checks");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Diagnostic {
            file: root,
            // The folder as a whole: no position.
            pos: Pos::default(),
            message: "no check files found".into(),
            expected: "expected *.yaml files under checks/ (or pass --dir with the folder that holds checks/ and environments/)".into(),
        });
    }
    Ok(files)
}

/// `./checks/a.yaml` reads better as `checks/a.yaml`.
fn tidy(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Loads the folder for environment `env_name`. On failure, every problem is listed, with
/// any secret value met on the way redacted.
pub fn load_plan(
    dir: &Path,
    env_name: &str,
    getenv: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Plan, Vec<Diagnostic>> {
    load_plan_with(dir, env_name, getenv, &[])
}

/// [`load_plan`] with `--var` overrides of the environment's variables (see
/// [`super::overrides`]); an override of a name the environment does not define changes
/// nothing here: [`super::overrides::unknown_overrides`] tells the user.
pub fn load_plan_with(
    dir: &Path,
    env_name: &str,
    getenv: &(dyn Fn(&str) -> Option<String> + Sync),
    overrides: &[VarOverride],
) -> Result<Plan, Vec<Diagnostic>> {
    let mut secrets = Secrets::default();
    load(dir, env_name, getenv, overrides, &mut secrets).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Diagnostic {
                message: secrets.redact(&e.message),
                expected: secrets.redact(&e.expected),
                ..e
            })
            .collect()
    })
}

fn load(
    dir: &Path,
    env_name: &str,
    getenv: &(dyn Fn(&str) -> Option<String> + Sync),
    overrides: &[VarOverride],
    secrets: &mut Secrets,
) -> Result<Plan, Vec<Diagnostic>> {
    // `.` joins as `./checks/a.yaml`; an empty base gives the tidier `checks/a.yaml`.
    let dir = tidy(dir);
    let mut errors = Vec::new();
    let env = load_environment(&dir, env_name, getenv, secrets, &mut errors);
    let files = match check_files(&dir) {
        Ok(f) => f,
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    let Some(mut env) = env else {
        return Err(errors);
    };
    apply_overrides(&mut env, overrides, secrets);
    let env_tls = std::sync::Arc::new(TlsOptions {
        extra_roots: env.ca.clone(),
        ca_files: env.ca_files.clone(),
        ..TlsOptions::default()
    });
    let known_envs = KnownEnvs::of(&dir);
    let (claims, claim_errors) = load_claims(&dir, || known_envs.runnable().to_vec());
    errors.extend(claim_errors);
    let ctx = FileContext {
        env: &env,
        env_tls: &env_tls,
        getenv,
        known_envs: &known_envs,
        claims: &claims,
    };
    // Shared as they are decoded: collecting a `Vec<Check>` into `Arc`s afterwards would keep
    // the whole first buffer (about 1 KiB per check) as the plan's list of pointers.
    let mut checks: Vec<Arc<Check>> = Vec::new();
    let mut kept_out = Vec::new();
    for file in decode_all(&files, &ctx, secrets) {
        secrets.absorb(&file.secrets);
        checks.extend(file.checks);
        kept_out.extend(file.kept_out);
        errors.extend(file.diagnostics);
    }
    errors.extend(duplicates(&checks));
    errors.extend(super::flow_graph::flow_errors(
        &checks, &kept_out, &env.name,
    ));
    if errors.is_empty()
        && let Some(book) = &claims.book
    {
        let named: Vec<(&str, &[String])> = checks
            .iter()
            .map(|c| (c.id.as_str(), c.claims.as_slice()))
            .chain(
                kept_out
                    .iter()
                    .map(|k| (k.id.as_str(), k.claims.as_slice())),
            )
            .collect();
        errors.extend(stray_notes(book, &named));
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.pos).cmp(&(&b.file, b.pos)));
        return Err(errors);
    }
    for check in &checks {
        if let CheckKind::Http { probe, .. } = &check.kind
            && let Some(setting) = &probe.proxy
        {
            setting.register_password("a check's proxy password", secrets);
        }
    }
    Ok(Plan {
        env,
        checks,
        kept_out,
        secrets: secrets.clone(),
    })
}

/// One check file read, parsed and decoded: its checks, those kept out of this environment,
/// its problems, and the secrets known once it was decoded, for the plan to absorb.
struct Decoded {
    checks: Vec<Arc<Check>>,
    kept_out: Vec<KeptOut>,
    diagnostics: Vec<Diagnostic>,
    secrets: Secrets,
}

/// Decodes `file` with a copy of `secrets`, the ones known before any check file: each file
/// can be decoded on any thread, and brings back what it met.
fn decode_one(file: &Path, ctx: &FileContext, secrets: &Secrets) -> Decoded {
    let file = tidy(file);
    let mut d = Diagnostics::new(&file);
    let mut secrets = secrets.clone();
    let (checks, kept_out) = match parse_file(&file, &mut d) {
        Some(root) => {
            let found = decode_file(&root, &file, ctx, &mut secrets, &mut d);
            let checks = found.checks.into_iter().map(Arc::new).collect();
            (checks, found.kept_out)
        }
        None => (Vec::new(), Vec::new()),
    };
    Decoded {
        checks,
        kept_out,
        diagnostics: d.list,
        secrets,
    }
}

/// Reads, parses and decodes `files`, on up to one thread per CPU: YAML parsing and decoding
/// are most of a large load's time, and files are independent. The result keeps the order of
/// `files`; if no thread can be started, this thread does it all.
fn decode_all(files: &[PathBuf], ctx: &FileContext, secrets: &Secrets) -> Vec<Decoded> {
    // One file needs no helper, nor the count of CPUs (which reads cgroup files).
    let helpers = match files.len() {
        0 | 1 => 0,
        n => std::thread::available_parallelism()
            .map_or(1, |cpus| cpus.get())
            .min(n)
            .saturating_sub(1),
    };
    if helpers == 0 {
        return files.iter().map(|f| decode_one(f, ctx, secrets)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Decoded>>> = files.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = files.get(i) else { break };
            let decoded = decode_one(file, ctx, secrets);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(decoded);
        }
    };
    std::thread::scope(|scope| {
        // A helper that cannot start leaves its share to the others and to this thread.
        let started: Vec<_> = (0..helpers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        work();
        // A helper that panicked left the file it was on without a result: decoded below.
        for helper in started {
            let _ = helper.join();
        }
    });
    slots
        .into_iter()
        .zip(files)
        .map(|(slot, file)| {
            let decoded = slot.into_inner().unwrap_or_else(|e| e.into_inner());
            // The worker that took each index filled its slot; decoding again here only
            // keeps this function total.
            decoded.unwrap_or_else(|| decode_one(file, ctx, secrets))
        })
        .collect()
}

fn duplicates(checks: &[Arc<Check>]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut names: HashMap<(&str, &str), &Check> = HashMap::new();
    let mut ids: HashMap<&str, &Check> = HashMap::new();
    for c in checks {
        let c: &Check = c;
        if let Some(first) = names.get(&(c.suite.as_str(), c.name.as_str())) {
            out.push(duplicate_name(c, first));
        } else {
            names.insert((&c.suite, &c.name), c);
            if let Some(first) = ids.get(c.id.as_str()) {
                out.push(Diagnostic {
                    file: c.file.clone(),
                    pos: Pos {
                        line: c.line,
                        column: 1,
                    },
                    message: format!(
                        "check id `{}` is used twice (first at {}:{})",
                        c.id,
                        first.file.display(),
                        first.line
                    ),
                    expected: "expected a unique `id` for each check".into(),
                });
            } else {
                ids.insert(&c.id, c);
            }
        }
    }
    out
}
