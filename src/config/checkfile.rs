//! Check files: `suite`, file `defaults`, and the `checks` list.

use super::claims::KnownClaims;
use super::kind::decode_kind;
use super::model::{Check, CheckKind, Environment, KeptOut, Secrets, TlsOptions};
use crate::syntax::decode::{MapReader, duration, string, strings, unsigned};
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::node::{Node, NodeValue, Pos};
use std::path::Path;
use std::time::Duration;

mod common;
mod flow;
mod url_secrets;

use common::{decode_common, kept_out, resolve_check};
use flow::{check_flow, decode_flow};
use url_secrets::{secrets_stay_verbatim, secrets_stay_whole};

pub const FILE_KEYS: &[&str] = &["suite", "defaults", "checks"];
pub const DEFAULTS_KEYS: &[&str] = &["tags", "envs", "timeout", "retries", "retry_delay"];
pub const CHECK_KEYS: &[&str] = &[
    "name",
    "id",
    "tags",
    "envs",
    "claims",
    "pending",
    "timeout",
    "retries",
    "retry_delay",
    "http",
    "tls",
    "dns",
    "tcp",
    "cert",
    "expect",
    "needs",
    "capture",
];

/// A file's `defaults:`, merged under each of its checks.
#[derive(Default)]
pub(super) struct FileDefaults {
    pub(super) tags: Vec<String>,
    pub(super) envs: Option<Vec<String>>,
    pub(super) timeout: Option<Duration>,
    pub(super) retries: Option<u32>,
    pub(super) retry_delay: Option<Duration>,
}

/// What loading one check file needs from the run.
pub struct FileContext<'a> {
    pub env: &'a Environment,
    pub env_tls: &'a std::sync::Arc<TlsOptions>,
    pub getenv: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// The environments `envs:` may name; empty when the folder has no `environments/`.
    pub known_envs: &'a KnownEnvs,
    /// The claims `claims:` may name (`claims.yaml`).
    pub claims: &'a KnownClaims,
}

/// The environments of a folder, for checking `envs:` and the claims: listed (each file read
/// for `abstract:`) the first time they are asked for, so a folder whose checks name none is
/// not read twice.
#[derive(Clone, Debug, Default)]
pub struct KnownEnvs {
    /// `None`: no folder, no environment.
    dir: Option<std::path::PathBuf>,
    names: std::sync::OnceLock<EnvNames>,
}

#[derive(Clone, Debug, Default)]
struct EnvNames {
    runnable: Vec<String>,
    /// `abstract: true`: bases that never run.
    abstract_: Vec<String>,
}

impl KnownEnvs {
    /// The environments of the folder `dir`.
    pub fn of(dir: &Path) -> KnownEnvs {
        KnownEnvs {
            dir: Some(dir.to_path_buf()),
            names: std::sync::OnceLock::new(),
        }
    }

    /// The environments that run.
    pub fn runnable(&self) -> &[String] {
        &self.names().runnable
    }

    fn names(&self) -> &EnvNames {
        self.names.get_or_init(|| {
            let Some(dir) = &self.dir else {
                return EnvNames::default();
            };
            let all = super::environment::env_names(dir);
            let runnable = super::environment::runnable_among(dir, all.clone());
            let abstract_ = all.into_iter().filter(|n| !runnable.contains(n)).collect();
            EnvNames {
                runnable,
                abstract_,
            }
        })
    }

    /// Checks every name of an `envs:` node; errors at each name's place.
    fn check(&self, node: &Node, d: &mut Diagnostics) {
        if matches!(&node.value, NodeValue::Seq(items) if items.is_empty()) {
            d.error(
                node.pos,
                "`envs` is empty: the check would never run in any environment",
                "expected the environments it runs in, e.g. envs: [prod], or no `envs` to run it in all",
            );
            return;
        }
        let EnvNames {
            runnable,
            abstract_,
        } = self.names();
        if runnable.is_empty() {
            return;
        }
        let items: Vec<&Node> = match &node.value {
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let names: Vec<&str> = runnable.iter().map(String::as_str).collect();
        for item in items {
            let Some(name) = item.scalar_text() else {
                continue;
            };
            if names.contains(&name.as_str()) {
                continue;
            }
            if abstract_.contains(&name) {
                d.error(
                    item.pos,
                    format!("`envs` names `{name}`, an abstract environment that never runs"),
                    format!("expected the environments that run: {}", names.join(", ")),
                );
                continue;
            }
            let hint = names
                .iter()
                .copied()
                .find(|n| n.eq_ignore_ascii_case(&name))
                .or_else(|| crate::syntax::diag::suggest(&name, &names))
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            d.error(
                item.pos,
                format!("`envs` names `{name}`, which is not an environment: the check would never run there"),
                format!("{hint}expected one of: {}", names.join(", ")),
            );
        }
    }
}

/// What one check file holds for the environment: its checks, and those its `envs:` keep
/// out.
#[derive(Debug, Default)]
pub struct FileChecks {
    pub checks: Vec<Check>,
    pub kept_out: Vec<KeptOut>,
}

/// The checks of one file that apply to the environment, with their positions.
pub fn decode_file(
    root: &Node,
    file: &Path,
    ctx: &FileContext,
    secrets: &mut Secrets,
    d: &mut Diagnostics,
) -> FileChecks {
    if matches!(root.value, NodeValue::Null) {
        d.error(
            root.pos,
            "the check file is empty",
            "expected `checks:` with a list of checks",
        );
        return FileChecks::default();
    }
    let Some(mut r) = MapReader::new(root, "check file", d) else {
        return FileChecks::default();
    };
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("checks")
        .to_string();
    let suite = r
        .take("suite")
        .and_then(|n| string(n, "`suite`", d))
        .unwrap_or(stem);
    let defaults = r
        .take("defaults")
        .map(|n| decode_defaults(n, ctx, d))
        .unwrap_or_default();
    let checks_node = r.require("checks", d);
    r.finish(FILE_KEYS, d);
    let Some(checks_node) = checks_node else {
        return FileChecks::default();
    };
    let NodeValue::Seq(items) = &checks_node.value else {
        d.error(
            checks_node.pos,
            format!("`checks` is {}", checks_node.kind()),
            "expected a list of checks, each starting with `- name:`",
        );
        return FileChecks::default();
    };
    let scope = FileScope {
        file,
        base: file.parent().unwrap_or(Path::new(".")),
        suite: &suite,
        defaults: &defaults,
    };
    let mut out = FileChecks::default();
    for item in items {
        match decode_check(item, &scope, ctx, secrets, d) {
            Some(Decoded::Check(check)) => out.checks.push(*check),
            Some(Decoded::KeptOut(k)) => out.kept_out.push(k),
            None => {}
        }
    }
    out
}

/// Where a check is written: its file, the file's folder (for relative paths), its suite and
/// the file's defaults.
pub(super) struct FileScope<'a> {
    pub(super) file: &'a Path,
    pub(super) base: &'a Path,
    pub(super) suite: &'a str,
    pub(super) defaults: &'a FileDefaults,
}

/// A check, or one that `envs:` keeps out of this environment.
enum Decoded {
    Check(Box<Check>),
    KeptOut(KeptOut),
}

fn decode_defaults(node: &Node, ctx: &FileContext, d: &mut Diagnostics) -> FileDefaults {
    let Some(mut r) = MapReader::new(node, "file defaults", d) else {
        return FileDefaults::default();
    };
    if let Some(n) = r.key_pos("envs").and(node.get("envs")) {
        ctx.known_envs.check(n, d);
    }
    if let Some(p) = r.key_pos("claims") {
        // Taken, so that it is said once, with why.
        r.take("claims");
        d.error(
            p,
            "`claims` is not a file default: a claim is verified by a check, not by a whole file",
            "expected `claims: [ID]` on each check that verifies the claim",
        );
    }
    let out = FileDefaults {
        tags: r
            .take("tags")
            .and_then(|n| strings(n, "`tags`", d))
            .unwrap_or_default(),
        envs: r.take("envs").and_then(|n| strings(n, "`envs`", d)),
        timeout: r.take("timeout").and_then(|n| duration(n, "`timeout`", d)),
        retries: r
            .take("retries")
            .and_then(|n| unsigned(n, "`retries`", 100, d))
            .map(|v| v as u32),
        retry_delay: r
            .take("retry_delay")
            .and_then(|n| duration(n, "`retry_delay`", d)),
    };
    r.finish(DEFAULTS_KEYS, d);
    out
}

/// One check of the file, decoded for the environment: `None` when it has errors (they are in
/// `d`).
fn decode_check(
    raw: &Node,
    scope: &FileScope,
    ctx: &FileContext,
    secrets: &mut Secrets,
    d: &mut Diagnostics,
) -> Option<Decoded> {
    // `envs` decides whether the check exists here at all, before any variable is needed.
    let envs = match raw.get("envs") {
        Some(n) => {
            ctx.known_envs.check(n, d);
            strings(n, "`envs`", d)
        }
        None => scope.defaults.envs.clone(),
    };
    // So are the claims it names, wherever it runs.
    let claims = raw
        .get("claims")
        .map(|n| ctx.claims.decode(n, d))
        .unwrap_or_default();
    if let Some(envs) = &envs
        && !envs.iter().any(|e| e == &ctx.env.name)
    {
        return Some(Decoded::KeptOut(kept_out(raw, scope, envs, claims)));
    }
    let resolved = resolve_check(raw, scope.file, ctx, secrets, d);
    let node = &resolved.node;
    let mut r = MapReader::new(node, "check", d)?;
    let before = d.len();
    let common = decode_common(&mut r, scope, ctx.env, d);
    let mut warnings = Vec::new();
    let mut kind = decode_kind(&mut r, node, scope.base, ctx.env_tls, &mut warnings, d);
    let flow = decode_flow(r.take("needs"), r.take("capture"), raw, d);
    if let Some(kind) = &mut kind {
        check_flow(&flow, kind, d);
    }
    r.finish(CHECK_KEYS, d);
    if let Some(CheckKind::Http { .. }) = &kind
        && let Some(written) = raw.get("http").and_then(|n| n.get("url"))
    {
        secrets_stay_whole(written, secrets, d);
    }
    if let Some(CheckKind::Tcp { .. }) = &kind {
        for key in ["send", "read_until"] {
            if let Some(written) = raw.get("tcp").and_then(|n| n.get(key)) {
                secrets_stay_verbatim(written, key, secrets, d);
            }
        }
    }
    if d.len() > before {
        resolved.report_once(before, d);
        return None;
    }
    Some(Decoded::Check(Box::new(Check {
        id: common.id?,
        name: common.name?,
        suite: scope.suite.to_string(),
        file: scope.file.to_path_buf(),
        line: raw.pos.line,
        tags: common.tags,
        claims,
        pending: common.pending,
        timeout: common.timeout,
        retries: common.retries,
        retry_delay: common.retry_delay,
        kind: kind?,
        flow,
        unresolved: resolved.missing.list,
        warnings,
    })))
}

/// Positions of the checks' names, for duplicate detection across files of one suite.
pub fn name_pos(check: &Check) -> Pos {
    Pos {
        line: check.line,
        column: 1,
    }
}

/// A diagnostic for a check name used twice in one suite.
pub fn duplicate_name(check: &Check, first: &Check) -> Diagnostic {
    Diagnostic {
        file: check.file.clone(),
        pos: name_pos(check),
        message: format!(
            "check name `{}` is used twice in suite `{}` (first at {}:{})",
            check.name,
            check.suite,
            first.file.display(),
            first.line
        ),
        expected: "expected a unique name for each check of a suite".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::model::slug;

    #[test]
    fn slugs() {
        assert_eq!(
            slug("Root redirects visitors to the app!"),
            "root-redirects-visitors-to-the-app"
        );
        assert_eq!(slug("/_synapse/admin is 404"), "synapse-admin-is-404");
        assert_eq!(slug("Ünïcode  name"), "ünïcode-name");
    }
}
