//! The keys every check has, whatever its probe: name, id, tags, pending, timeout, retries;
//! the resolution of its variables; and what is kept of a check that `envs:` keeps out.

use super::FileScope;
use crate::config::interpolate::resolve_node;
use crate::config::model::{Environment, KeptOut, Pending, Secrets, slug};
use crate::config::vars::VarSource;
use crate::syntax::decode::{MapReader, duration, string, strings, unsigned};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue, Pos};
use std::path::Path;
use std::time::Duration;

/// A check's node with its variables resolved, the values the process environment does not
/// set, and the places where a variable was wrong.
pub(super) struct Resolved {
    pub(super) node: Node,
    pub(super) missing: Diagnostics,
    var_error_places: Vec<Pos>,
}

/// Resolves the variables of one check.
pub(super) fn resolve_check(
    raw: &Node,
    file: &Path,
    ctx: &super::FileContext,
    secrets: &mut Secrets,
    d: &mut Diagnostics,
) -> Resolved {
    let src = VarSource {
        vars: Some(&ctx.env.vars),
        getenv: ctx.getenv,
    };
    let mut missing = Diagnostics::new(file);
    let var_errors_from = d.len();
    let node = resolve_node(raw, &src, secrets, d, &mut missing);
    let var_error_places = d.list[var_errors_from..]
        .iter()
        .chain(&missing.list)
        .map(|e| e.pos)
        .collect();
    Resolved {
        node,
        missing,
        var_error_places,
    }
}

impl Resolved {
    /// The check had errors from `before` on: a value whose variable is wrong is reported
    /// once, for the variable, not again for what the unresolved text then fails to be.
    pub(super) fn report_once(self, before: usize, d: &mut Diagnostics) {
        let mut i = before;
        while i < d.list.len() {
            if self.var_error_places.contains(&d.list[i].pos) {
                d.list.remove(i);
            } else {
                i += 1;
            }
        }
        // Only a missing value broke the check (a port that is not set, say): the check
        // cannot exist without it, so the missing value is an error here, not a warning.
        if d.len() == before {
            d.list.extend(self.missing.list);
        }
    }
}

/// The keys of a check that are not its probe.
pub(super) struct Common {
    pub(super) name: Option<String>,
    pub(super) id: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) pending: Option<Pending>,
    pub(super) timeout: Duration,
    pub(super) retries: u32,
    pub(super) retry_delay: Duration,
}

/// Decodes the keys of a check that are not its probe, with the file's defaults and then the
/// environment's under them.
pub(super) fn decode_common(
    r: &mut MapReader,
    scope: &FileScope,
    env: &Environment,
    d: &mut Diagnostics,
) -> Common {
    let defaults = scope.defaults;
    let name = r.require("name", d).and_then(|n| string(n, "`name`", d));
    r.take("envs");
    r.take("claims");
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
        None => name
            .as_ref()
            .map(|n| format!("{}/{}", scope.suite, slug(n))),
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
        .unwrap_or(env.defaults.timeout);
    let retries = r
        .take("retries")
        .and_then(|n| unsigned(n, "`retries`", 100, d))
        .map(|v| v as u32)
        .or(defaults.retries)
        .unwrap_or(env.defaults.retries);
    let retry_delay = r
        .take("retry_delay")
        .and_then(|n| duration(n, "`retry_delay`", d))
        .or(defaults.retry_delay)
        .unwrap_or(env.defaults.retry_delay);
    if timeout.is_zero()
        && let Some(p) = r.key_pos("timeout")
    {
        d.error(
            p,
            "`timeout` is 0",
            "expected a positive duration such as 10s",
        );
    }
    Common {
        name,
        id,
        tags,
        pending,
        timeout,
        retries,
        retry_delay,
    }
}

/// What selection needs to know of a check that `envs:` keeps out: its id, name, suite and
/// tags as written (variables are not resolved for an environment it does not run in).
pub(super) fn kept_out(
    raw: &Node,
    scope: &FileScope,
    envs: &[String],
    claims: Vec<String>,
) -> KeptOut {
    let (suite, defaults) = (scope.suite, scope.defaults);
    let mut scratch = Diagnostics::new(scope.file);
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
        claims,
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
