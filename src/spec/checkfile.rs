//! Check files: `suite`, file `defaults`, and the `checks` list.

use super::decode::{MapReader, duration, string, strings, unsigned};
use super::diag::{Diagnostic, Diagnostics};
use super::interpolate::resolve_node;
use super::model::{Check, Environment, Expect, Pending, Probe, Secrets, TlsOptions};
use super::node::{Node, NodeValue, Pos};
use super::vars::VarSource;
use super::{http, net, tls};
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
const PROBE_KINDS: &[&str] = &["http", "tls", "dns", "tcp", "cert"];

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
}

/// The checks of one file that apply to the environment, with their positions.
pub fn decode_file(
    root: &Node,
    file: &Path,
    ctx: &FileContext,
    secrets: &mut Secrets,
    d: &mut Diagnostics,
) -> Vec<Check> {
    if matches!(root.value, NodeValue::Null) {
        d.error(
            root.pos,
            "the check file is empty",
            "expected `checks:` with a list of checks",
        );
        return Vec::new();
    }
    let Some(mut r) = MapReader::new(root, "check file", d) else {
        return Vec::new();
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
        .map(|n| decode_defaults(n, d))
        .unwrap_or_default();
    let checks_node = r.require("checks", d);
    r.finish(FILE_KEYS, d);
    let Some(checks_node) = checks_node else {
        return Vec::new();
    };
    let NodeValue::Seq(items) = &checks_node.value else {
        d.error(
            checks_node.pos,
            format!("`checks` is {}", checks_node.kind()),
            "expected a list of checks, each starting with `- name:`",
        );
        return Vec::new();
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for item in items {
        if let Some(check) = decode_check(item, file, base, &suite, &defaults, ctx, secrets, d) {
            out.push(check);
        }
    }
    out
}

fn decode_defaults(node: &Node, d: &mut Diagnostics) -> FileDefaults {
    let Some(mut r) = MapReader::new(node, "file defaults", d) else {
        return FileDefaults::default();
    };
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
) -> Option<Check> {
    // `envs` decides whether the check exists here at all, before any variable is needed.
    let envs = match raw.get("envs") {
        Some(n) => strings(n, "`envs`", d),
        None => defaults.envs.clone(),
    };
    if let Some(envs) = &envs
        && !envs.iter().any(|e| e == &ctx.env.name)
    {
        return None;
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
    let present: Vec<&str> = PROBE_KINDS.iter().copied().filter(|k| r.has(k)).collect();
    let probe = match present.as_slice() {
        [] => {
            d.error(
                node.pos,
                "the check has no probe",
                "expected exactly one of: http, tls, dns, tcp, cert",
            );
            None
        }
        ["http"] => r
            .take("http")
            .and_then(|n| http::decode_probe(n, base, ctx.env_tls, d))
            .map(Probe::Http),
        ["tls"] => r
            .take("tls")
            .and_then(|n| tls::decode_tls_probe(n, base, ctx.env_tls, d))
            .map(Probe::Tls),
        ["cert"] => r
            .take("cert")
            .and_then(|n| tls::decode_cert_probe(n, base, ctx.env_tls, d))
            .map(Probe::Cert),
        ["dns"] => r
            .take("dns")
            .and_then(|n| net::decode_dns_probe(n, d))
            .map(Probe::Dns),
        ["tcp"] => r
            .take("tcp")
            .and_then(|n| net::decode_tcp_probe(n, d))
            .map(Probe::Tcp),
        [kind] => {
            let pos = r.key_pos(kind).unwrap_or(node.pos);
            r.take(kind);
            d.error(
                pos,
                format!("`{kind}` probes are not available in this version of conform"),
                "expected an `http`, `tls` or `cert` probe",
            );
            None
        }
        [_, second, ..] => {
            let pos = r.key_pos(second).unwrap_or(node.pos);
            for k in &present {
                r.take(k);
            }
            d.error(
                pos,
                format!("the check has more than one probe: {}", present.join(", ")),
                "expected exactly one probe per check; split it into several checks",
            );
            None
        }
    };
    // The expectation is decoded for the probe kind written, even when the probe itself
    // had errors, so that its own errors are reported in the same run.
    let expect = match r.take("expect") {
        Some(n) => match present.as_slice() {
            ["http"] => http::decode_expect(n, d).map(Expect::Http),
            ["tls"] => tls::decode_tls_expect(n, d).map(Expect::Tls),
            ["cert"] => tls::decode_cert_probe_expect(n, d).map(Expect::Cert),
            ["dns"] => net::decode_dns_expect(n, d).map(Expect::Dns),
            ["tcp"] => net::decode_tcp_expect(n, d).map(Expect::Tcp),
            _ => None,
        },
        None => {
            d.error(
                node.pos,
                "the check has no `expect`",
                "add what must be true, e.g. expect: { status: 200 }",
            );
            None
        }
    };
    r.finish(CHECK_KEYS, d);
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
    Some(Check {
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
        probe: probe?,
        expect: expect?,
        unresolved: missing.list,
    })
}

fn decode_pending(node: &Node, d: &mut Diagnostics) -> Option<Pending> {
    if let NodeValue::Str(reason) = &node.value {
        return Some(Pending {
            reason: reason.clone(),
            until: None,
        });
    }
    let mut r = MapReader::new(node, "pending", d)?;
    let reason = r
        .require("reason", d)
        .and_then(|n| string(n, "`reason`", d));
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

/// `Root redirects visitors to the app!` → `root-redirects-visitors-to-the-app`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
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
    use super::slug;

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
