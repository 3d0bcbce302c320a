//! Check files: `suite`, file `defaults`, and the `checks` list.

use super::interpolate::resolve_node;
use super::kind::decode_kind;
use super::model::{Check, CheckKind, Environment, KeptOut, Pending, Secrets, TlsOptions, slug};
use super::vars::VarSource;
use crate::syntax::decode::{MapReader, duration, string, strings, unsigned};
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::node::{Node, NodeValue, Pos};
use std::path::Path;
use std::time::Duration;

pub const FILE_KEYS: &[&str] = &["suite", "defaults", "checks"];
pub const DEFAULTS_KEYS: &[&str] = &["tags", "envs", "timeout", "retries", "retry_delay"];
pub const CHECK_KEYS: &[&str] = &[
    "name",
    "id",
    "tags",
    "envs",
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
];

/// A file's `defaults:`, merged under each of its checks.
#[derive(Default)]
struct FileDefaults {
    tags: Vec<String>,
    envs: Option<Vec<String>>,
    timeout: Option<Duration>,
    retries: Option<u32>,
    retry_delay: Option<Duration>,
}

/// What loading one check file needs from the run.
pub struct FileContext<'a> {
    pub env: &'a Environment,
    pub env_tls: &'a TlsOptions,
    pub getenv: &'a dyn Fn(&str) -> Option<String>,
    /// The environments `envs:` may name; empty when the folder has no `environments/`.
    pub known_envs: &'a KnownEnvs,
}

/// The environments of a folder, for checking `envs:`.
#[derive(Clone, Debug, Default)]
pub struct KnownEnvs {
    pub runnable: Vec<String>,
    /// `abstract: true`: bases that never run.
    pub abstract_: Vec<String>,
}

impl KnownEnvs {
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
        if self.runnable.is_empty() {
            return;
        }
        let items: Vec<&Node> = match &node.value {
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let names: Vec<&str> = self.runnable.iter().map(String::as_str).collect();
        for item in items {
            let Some(name) = item.scalar_text() else {
                continue;
            };
            if names.contains(&name.as_str()) {
                continue;
            }
            if self.abstract_.contains(&name) {
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
    let base = file.parent().unwrap_or(Path::new("."));
    let mut out = FileChecks::default();
    for item in items {
        match decode_check(item, file, base, &suite, &defaults, ctx, secrets, d) {
            Some(Decoded::Check(check)) => out.checks.push(*check),
            Some(Decoded::KeptOut(k)) => out.kept_out.push(k),
            None => {}
        }
    }
    out
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

#[allow(clippy::too_many_arguments)]
fn decode_check(
    raw: &Node,
    file: &Path,
    base: &Path,
    suite: &str,
    defaults: &FileDefaults,
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
        None => defaults.envs.clone(),
    };
    if let Some(envs) = &envs
        && !envs.iter().any(|e| e == &ctx.env.name)
    {
        return Some(Decoded::KeptOut(kept_out(raw, file, suite, defaults, envs)));
    }
    let src = VarSource {
        vars: Some(&ctx.env.vars),
        getenv: ctx.getenv,
    };
    let mut missing = Diagnostics::new(file);
    let var_errors_from = d.len();
    let node = resolve_node(raw, &src, secrets, d, &mut missing);
    // A value whose variable is wrong is reported once, for the variable, not again for
    // what the unresolved text then fails to be.
    let var_error_places: Vec<Pos> = d.list[var_errors_from..]
        .iter()
        .chain(&missing.list)
        .map(|e| e.pos)
        .collect();
    let mut r = MapReader::new(&node, "check", d)?;
    let before = d.len();
    let name = r.require("name", d).and_then(|n| string(n, "`name`", d));
    r.take("envs");
    let id = match r.take("id") {
        Some(n) => string(n, "`id`", d).filter(|id| {
            let ok = !id.trim().is_empty() && !id.chars().any(char::is_whitespace);
            if !ok {
                d.error(
                    n.pos,
                    format!("id `{id}` is empty or has spaces"),
                    "expected a stable id such as chat-root-redirect",
                );
            }
            ok
        }),
        None => name.as_ref().map(|n| format!("{suite}/{}", slug(n))),
    };
    let mut tags = defaults.tags.clone();
    if let Some(own) = r.take("tags").and_then(|n| strings(n, "`tags`", d)) {
        for t in own {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    let pending = r.take("pending").and_then(|n| decode_pending(n, d));
    let timeout = r
        .take("timeout")
        .and_then(|n| duration(n, "`timeout`", d))
        .or(defaults.timeout)
        .unwrap_or(ctx.env.defaults.timeout);
    let retries = r
        .take("retries")
        .and_then(|n| unsigned(n, "`retries`", 100, d))
        .map(|v| v as u32)
        .or(defaults.retries)
        .unwrap_or(ctx.env.defaults.retries);
    let retry_delay = r
        .take("retry_delay")
        .and_then(|n| duration(n, "`retry_delay`", d))
        .or(defaults.retry_delay)
        .unwrap_or(ctx.env.defaults.retry_delay);
    if timeout.is_zero()
        && let Some(p) = r.key_pos("timeout")
    {
        d.error(
            p,
            "`timeout` is 0",
            "expected a positive duration such as 10s",
        );
    }
    let mut warnings = Vec::new();
    let kind = decode_kind(&mut r, &node, base, ctx.env_tls, &mut warnings, d);
    r.finish(CHECK_KEYS, d);
    if let Some(CheckKind::Http { .. }) = &kind
        && let Some(written) = raw.get("http").and_then(|n| n.get("url"))
    {
        secrets_stay_whole(written, secrets, d);
    }
    if d.len() > before {
        let mut i = before;
        while i < d.list.len() {
            if var_error_places.contains(&d.list[i].pos) {
                d.list.remove(i);
            } else {
                i += 1;
            }
        }
        // Only a missing value broke the check (a port that is not set, say): the check
        // cannot exist without it, so the missing value is an error here, not a warning.
        if d.len() == before {
            d.list.extend(missing.list);
        }
        return None;
    }
    Some(Decoded::Check(Box::new(Check {
        id: id?,
        name: name?,
        suite: suite.to_string(),
        file: file.to_path_buf(),
        line: raw.pos.line,
        tags,
        pending,
        timeout,
        retries,
        retry_delay,
        kind: kind?,
        unresolved: missing.list,
        warnings,
    })))
}

/// What selection needs to know of a check that `envs:` keeps out: its id, name, suite and
/// tags as written (variables are not resolved for an environment it does not run in).
fn kept_out(
    raw: &Node,
    file: &Path,
    suite: &str,
    defaults: &FileDefaults,
    envs: &[String],
) -> KeptOut {
    let mut scratch = Diagnostics::new(file);
    let text = |key: &str| raw.get(key).and_then(|n| n.scalar_text());
    let name = text("name").unwrap_or_default();
    let id = text("id").unwrap_or_else(|| format!("{suite}/{}", slug(&name)));
    let mut tags = defaults.tags.clone();
    for t in raw
        .get("tags")
        .and_then(|n| strings(n, "`tags`", &mut scratch))
        .unwrap_or_default()
    {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    KeptOut {
        id,
        name,
        suite: suite.to_string(),
        tags,
        envs: envs.to_vec(),
    }
}

/// A secret put into a URL must stay in the part it was written in: `https://u:${secret:P}@h/`
/// with `P` = `p@ss/word` would make `ss` the host, asked of DNS and shown in every error, and
/// a port `${secret:PORT}` holding `1@other:2` would send the probe to another host. So each
/// `${secret:NAME}` of the URL as written may not hold a character that ends its part there:
/// `/ ? # \\` in the user info; those and `@` in the host and port; `? #` in the path; `#`
/// in the query; and no tab or line break anywhere (the parser drops them). A secret that is
/// the whole URL, or its scheme, is the URL's own structure.
fn secrets_stay_whole(written: &Node, secrets: &Secrets, d: &mut Diagnostics) {
    let Some(text) = written.scalar_text() else {
        return;
    };
    let values: std::collections::HashMap<&str, &str> = secrets.values().collect();
    let mut at = 0;
    while let Some(found) = text[at..].find("${secret:") {
        let start = at + found;
        let Some(len) = text[start..].find('}') else {
            return;
        };
        let reference = &text[start..start + len + 1];
        at = start + len + 1;
        let name = reference["${secret:".len()..reference.len() - 1]
            .split(":-")
            .next()
            .unwrap_or_default();
        let Some(value) = values.get(name) else {
            continue;
        };
        let ends: &[char] = match url_part_at(&text, start) {
            UrlPart::Structure => continue,
            UrlPart::UserInfo => &['/', '?', '#', '\\'],
            UrlPart::HostPort => &['/', '?', '#', '\\', '@'],
            UrlPart::Path => &['?', '#'],
            UrlPart::Query => &['#'],
            UrlPart::Fragment => &[],
        };
        if value.contains(ends) || value.contains(['\t', '\n', '\r']) {
            d.error(
                written.pos,
                format!(
                    "the value of `${{secret:{name}}}` breaks this URL apart: it holds a character \
                     (such as @, /, ?, # or :) that ends the part it is written in, so part of the \
                     secret would become the host or the path"
                ),
                "percent-encode those characters in the secret (@ as %40, / as %2F, : as %3A), or \
                 send it in a header",
            );
        }
    }
}

/// Where a position of a URL as written falls.
enum UrlPart {
    /// The scheme, or a URL that is nothing but the reference: the URL's own structure.
    Structure,
    UserInfo,
    HostPort,
    Path,
    Query,
    Fragment,
}

/// The part of the URL `text` (as written, with `${..}` references) that `pos` falls in,
/// read the way URL parsers read it: the authority after `://` ends at `/`, `?`, `#` or `\\`,
/// its user info ends at its last `@`.
fn url_part_at(text: &str, pos: usize) -> UrlPart {
    let Some(scheme_end) = text.find("://").filter(|e| *e < pos) else {
        return UrlPart::Structure;
    };
    let authority_start = scheme_end + 3;
    let rest = &text[authority_start..];
    let authority_end = authority_start + rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    if pos < authority_end {
        let authority = &text[authority_start..authority_end];
        return match authority.rfind('@') {
            Some(at) if pos < authority_start + at => UrlPart::UserInfo,
            _ => UrlPart::HostPort,
        };
    }
    let after = &text[authority_end..];
    let query = after.find(['?', '#']).map(|i| authority_end + i);
    let fragment = after.find('#').map(|i| authority_end + i);
    match (query, fragment) {
        (_, Some(f)) if pos > f => UrlPart::Fragment,
        (Some(q), _) if pos > q && text.as_bytes().get(q) == Some(&b'?') => UrlPart::Query,
        _ => UrlPart::Path,
    }
}

fn decode_pending(node: &Node, d: &mut Diagnostics) -> Option<Pending> {
    if let NodeValue::Str(reason) = &node.value {
        if reason.trim().is_empty() {
            // A failure excused for no stated reason is a failure hidden.
            d.error(
                node.pos,
                "`pending` has no reason",
                "expected why the state is not live yet, e.g. pending: \"WAF rule still in COUNT mode\"",
            );
            return None;
        }
        return Some(Pending {
            reason: reason.clone(),
            until: None,
        });
    }
    let mut r = MapReader::new(node, "pending", d)?;
    let reason = r.require("reason", d).and_then(|n| {
        let reason = string(n, "`reason`", d)?;
        if reason.trim().is_empty() {
            d.error(
                n.pos,
                "`pending.reason` is empty",
                "expected why the state is not live yet, e.g. reason: \"WAF rule still in COUNT mode\"",
            );
            return None;
        }
        Some(reason)
    });
    let until = r.take("until").and_then(|n| {
        let text = string(n, "`until`", d)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(text.trim(), &format) {
            Ok(date) => Some(date),
            Err(_) => {
                d.error(
                    n.pos,
                    format!("`until` `{text}` is not a date"),
                    "expected a date as YYYY-MM-DD, e.g. 2026-12-31",
                );
                None
            }
        }
    });
    r.finish(&["reason", "until"], d);
    Some(Pending {
        reason: reason?,
        until,
    })
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
