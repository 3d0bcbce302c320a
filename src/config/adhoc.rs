//! An ad-hoc check: `conform probe TARGET [--expect YAML]...` as a one-check [`Plan`]. The
//! target and the http options become the probe's keys, each `--expect` is parsed on its own
//! and merged into one `expect:`, and the whole is decoded by the check files' own decoders,
//! so a probe accepts and refuses exactly what a check file does. Errors name the argument
//! they come from: `--expect:1:9: ...` (`--expect #2` when there are several), `TARGET`.

use super::checkfile::{FileContext, KnownEnvs, decode_file};
use super::claims::KnownClaims;
use super::environment::load_environment;
use super::model::{CheckKind, Environment, Plan, Secrets, TlsOptions};
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::node::{Node, NodeValue, Pos};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod target;

pub use target::{Target, parse_target};

/// What `conform probe` was asked.
#[derive(Clone, Debug, Default)]
pub struct AdhocRequest {
    /// As given: `https://host/path`, `tls://host:443`, `tcp://host:22`, `dns://name`,
    /// `cert:path`.
    pub target: String,
    /// Each `--expect`, in order.
    pub expects: Vec<String>,
    /// `--method`.
    pub method: Option<String>,
    /// Each `--header 'name: value'`.
    pub headers: Vec<String>,
    /// `--data`: the request body.
    pub data: Option<String>,
    /// `--json`: a JSON request body (sets content-type).
    pub json: Option<String>,
    /// `--follow`: follow redirects.
    pub follow: bool,
    /// Each `--var NAME=VALUE`: overrides of `--env`'s variables.
    pub vars: Vec<super::overrides::VarOverride>,
    /// `--ip v4|v6|any` (http, tls, tcp): the probe's `ip:`.
    pub ip: Option<String>,
    /// `--addresses one|all` (http, tls, tcp): the probe's `addresses:`.
    pub addresses: Option<String>,
    /// A tcp probe reads what the server sends first (its banner), as `expect: { received }`
    /// would make it: how `--record` learns the banner it pins. Not a key of the probe.
    pub banner: bool,
}

/// The file name the ad-hoc check is decoded as: no folder, so relative paths (a `cert:`
/// target) are the current folder's.
const FILE: &str = "probe";
/// Each `--expect` gets lines of its own: the k-th (from 1) starts at line k × this, so that
/// an error's line says which argument it is in.
const LINES: u32 = 1_000_000;

/// The probe's kind (`http`, `tls` ...) and its keys as a check file would hold them, or why
/// the target and options do not make one.
pub fn probe_keys(req: &AdhocRequest) -> Result<(&'static str, Map<String, Value>), String> {
    let target = parse_target(&req.target)?;
    let http_only = req.method.is_some()
        || !req.headers.is_empty()
        || req.data.is_some()
        || req.json.is_some()
        || req.follow;
    if http_only && !matches!(target, Target::Http { .. }) {
        return Err(
            "--method, --header, --data, --json and --follow are for http:// and https:// \
             targets"
                .into(),
        );
    }
    let mut keys = target.keys();
    if let Target::Http { .. } = target {
        http_options(req, &mut keys)?;
    }
    reach_options(req, &target, &mut keys)?;
    Ok((target.kind(), keys))
}

/// `--ip` and `--addresses`: the probe's `ip:` and `addresses:`, for the kinds that connect
/// to a host's addresses (http, tls, tcp).
fn reach_options(
    req: &AdhocRequest,
    target: &Target,
    keys: &mut Map<String, Value>,
) -> Result<(), String> {
    let given = [("ip", &req.ip), ("addresses", &req.addresses)];
    for (key, value) in given {
        let Some(value) = value else { continue };
        let why = match target {
            Target::Http { .. } | Target::Tls { .. } | Target::Tcp { .. } => {
                keys.insert(key.into(), json!(value));
                continue;
            }
            Target::Dns { .. } => "a dns probe asks one server for the type it names (?type=AAAA)",
            Target::Cert { .. } => "a cert probe reads a file",
        };
        return Err(format!(
            "--{key} is for http://, https://, tls:// and tcp:// targets: {why}"
        ));
    }
    Ok(())
}

fn http_options(req: &AdhocRequest, keys: &mut Map<String, Value>) -> Result<(), String> {
    if let Some(m) = &req.method {
        keys.insert("method".into(), json!(m));
    }
    if !req.headers.is_empty() {
        let mut headers = Map::new();
        for h in &req.headers {
            let Some((name, value)) = h.split_once(':') else {
                return Err(format!(
                    "--header `{h}` has no `:`; expected 'name: value', such as \
                     'accept: application/json'"
                ));
            };
            headers.insert(name.trim().to_string(), json!(value.trim()));
        }
        keys.insert("headers".into(), Value::Object(headers));
    }
    match (&req.data, &req.json) {
        (Some(_), Some(_)) => {
            return Err("--data and --json both set the body; give one of them".into());
        }
        (Some(data), None) => {
            keys.insert("body".into(), json!(data));
        }
        (None, Some(text)) => {
            let value: Value = serde_json::from_str(text).map_err(|e| {
                format!("--json is not JSON ({e}); expected a JSON value such as '{{\"a\": 1}}'")
            })?;
            keys.insert("json".into(), value);
        }
        (None, None) => {}
    }
    if req.follow {
        keys.insert("follow_redirects".into(), json!(true));
    }
    Ok(())
}

/// The environment a probe borrows: `--env NAME` from `dir`'s environments/, else one with
/// nothing set (the system's resolver and trust roots).
fn environment(
    dir: &Path,
    env: Option<&str>,
    req: &AdhocRequest,
    getenv: &(dyn Fn(&str) -> Option<String> + Sync),
    secrets: &mut Secrets,
) -> Result<Environment, Vec<Diagnostic>> {
    let var_error = |message: String| Diagnostic {
        file: PathBuf::from("--var"),
        pos: Pos { line: 1, column: 1 },
        message,
        expected: "give --var a variable of the environment's `vars:` (--env NAME)".into(),
    };
    let Some(name) = env else {
        let none =
            super::environment::with_proxy_variables(Environment::named("none"), getenv, secrets);
        let unknown = super::overrides::unknown_overrides(&none, &req.vars);
        if unknown.is_empty() {
            return Ok(none);
        }
        return Err(unknown.into_iter().map(var_error).collect());
    };
    if !dir.join("environments").is_dir() {
        return Err(vec![Diagnostic {
            file: dir.join("environments"),
            pos: Pos { line: 1, column: 1 },
            message: format!("--env {name}: there is no environments/ folder"),
            expected: "pass --dir with the folder that holds environments/, or leave --env out"
                .into(),
        }]);
    }
    let mut errors = Vec::new();
    match load_environment(dir, name, getenv, secrets, &mut errors) {
        Some(mut env) if errors.is_empty() => {
            let unknown = super::overrides::unknown_overrides(&env, &req.vars);
            if !unknown.is_empty() {
                return Err(unknown.into_iter().map(var_error).collect());
            }
            super::overrides::apply_overrides(&mut env, &req.vars, secrets);
            Ok(env)
        }
        _ => Err(errors),
    }
}

/// The one-check plan of `req`, in `--env`'s environment (or none), or every error.
pub fn adhoc_plan(
    dir: &Path,
    env: Option<&str>,
    req: &AdhocRequest,
    getenv: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Plan, Vec<Diagnostic>> {
    let mut secrets = Secrets::default();
    let target_error = |message: String| {
        vec![Diagnostic {
            file: PathBuf::from("TARGET"),
            pos: Pos { line: 1, column: 1 },
            message,
            expected: String::new(),
        }]
    };
    let (kind, keys) = probe_keys(req).map_err(target_error)?;
    let env = environment(dir, env, req, getenv, &mut secrets)?;
    let expect = if req.expects.is_empty() {
        // Nothing to judge: an expectation any answer meets, so that the check decodes.
        Node::parse(anything(kind)).ok()
    } else {
        merged_expect(&req.expects)?
    };
    let doc = json!({ "checks": [ { "name": req.target, "id": "probe", kind: keys } ] });
    let mut root = Node::parse(&doc.to_string()).map_err(|e| target_error(e.message))?;
    if let Some(expect) = expect {
        insert_expect(&mut root, expect);
    }
    let env_tls = std::sync::Arc::new(TlsOptions {
        extra_roots: env.ca.clone(),
        ca_files: env.ca_files.clone(),
        ..TlsOptions::default()
    });
    let ctx = FileContext {
        env: &env,
        env_tls: &env_tls,
        getenv,
        known_envs: &KnownEnvs::default(),
        claims: &KnownClaims::nowhere(),
    };
    let file = Path::new(FILE);
    let mut d = Diagnostics::new(file);
    let found = decode_file(&root, file, &ctx, &mut secrets, &mut d);
    let many = req.expects.len() > 1;
    if !d.list.is_empty() {
        return Err(d
            .list
            .into_iter()
            .map(|e| {
                let e = locate(e, many);
                Diagnostic {
                    message: secrets.redact(&e.message),
                    expected: secrets.redact(&e.expected),
                    ..e
                }
            })
            .collect());
    }
    let checks = found.checks.into_iter().map(|mut c| {
        if let CheckKind::Tcp { probe, .. } = &mut c.kind
            && req.banner
            && probe.dialogue.is_none()
        {
            probe.dialogue = Some(Default::default());
        }
        // Where a failing check's detail says it stands: its expectations.
        c.file = PathBuf::from("--expect");
        c.line = 1;
        // `probe` has no --strict to point at.
        c.warnings = c
            .warnings
            .drain(..)
            .map(|w| Diagnostic {
                expected: w
                    .expected
                    .trim_end_matches("; --strict makes this an error")
                    .to_string(),
                ..locate(w, many)
            })
            .collect();
        c.unresolved = c.unresolved.drain(..).map(|w| locate(w, many)).collect();
        Arc::new(c)
    });
    Ok(Plan {
        env,
        checks: checks.collect(),
        kept_out: Vec::new(),
        secrets,
    })
}

/// An expectation of `kind` that any answer meets: what a probe without `--expect` is decoded
/// with (it reports what it saw and judges nothing).
fn anything(kind: &str) -> &'static str {
    match kind {
        "tls" => "handshake: accepted",
        "cert" => "cert: { expires_in: { gt: -36500d } }",
        _ => "time: { gte: 0s }",
    }
}

/// Where an error of the decoded check stands for the user: in which `--expect` and where
/// in it, or in the target.
fn locate(mut e: Diagnostic, many: bool) -> Diagnostic {
    let k = e.pos.line / LINES;
    if k == 0 {
        e.file = PathBuf::from("TARGET");
        e.pos = Pos { line: 1, column: 1 };
        // The target's paths (cert:PATH) are the current folder's: there is no YAML file.
        e.expected = e
            .expected
            .replace("the folder of this YAML file", "the current folder");
    } else {
        e.file = PathBuf::from(expect_label(k as usize, many));
        e.pos.line %= LINES;
    }
    e
}

fn expect_label(k: usize, many: bool) -> String {
    if many {
        format!("--expect #{k}")
    } else {
        "--expect".to_string()
    }
}

/// Every `--expect` parsed and merged (later keys win; maps merge key by key), or each
/// one's parse error at its place.
fn merged_expect(expects: &[String]) -> Result<Option<Node>, Vec<Diagnostic>> {
    let many = expects.len() > 1;
    let mut merged: Option<Node> = None;
    let mut errors = Vec::new();
    for (i, text) in expects.iter().enumerate() {
        let k = i + 1;
        let label = PathBuf::from(expect_label(k, many));
        let node = match Node::parse(text) {
            Ok(node) => node,
            Err(e) => {
                errors.push(Diagnostic {
                    file: label,
                    pos: e.pos,
                    message: e.message,
                    expected: "expected a YAML mapping such as 'status: 404'".into(),
                });
                continue;
            }
        };
        if node.as_map().is_none() {
            errors.push(Diagnostic {
                file: label,
                pos: node.pos,
                message: format!("`--expect` is {}", node.kind()),
                expected: "expected a YAML mapping in the check's `expect:` language, such as \
                           'status: 404' or '{ handshake: accepted, version: \"1.3\" }'"
                    .into(),
            });
            continue;
        }
        let node = shift(node, k as u32 * LINES);
        merged = Some(match merged {
            Some(into) => merge(into, node),
            None => node,
        });
    }
    if errors.is_empty() {
        Ok(merged)
    } else {
        Err(errors)
    }
}

fn shift(node: Node, lines: u32) -> Node {
    let pos = Pos {
        line: node.pos.line.saturating_add(lines),
        column: node.pos.column,
    };
    let value = match node.value {
        NodeValue::Seq(items) => {
            NodeValue::Seq(items.into_iter().map(|n| shift(n, lines)).collect())
        }
        NodeValue::Map(entries) => NodeValue::Map(
            entries
                .into_iter()
                .map(|(k, v)| (shift(k, lines), shift(v, lines)))
                .collect(),
        ),
        other => other,
    };
    Node { pos, value }
}

/// `from` over `into`: maps merge key by key, anything else is replaced.
fn merge(into: Node, from: Node) -> Node {
    match (into.value, from.value) {
        (NodeValue::Map(mut entries), NodeValue::Map(more)) => {
            for (key, value) in more {
                let same = entries
                    .iter()
                    .position(|(k, _)| k.scalar_text() == key.scalar_text());
                match same {
                    Some(i) => {
                        let (_, old) = entries.remove(i);
                        entries.insert(i, (key, merge(old, value)));
                    }
                    None => entries.push((key, value)),
                }
            }
            Node {
                pos: into.pos,
                value: NodeValue::Map(entries),
            }
        }
        (_, value) => Node {
            pos: from.pos,
            value,
        },
    }
}

/// Puts `expect` into the one check of `root` (`{ checks: [ { ... } ] }`).
fn insert_expect(root: &mut Node, expect: Node) {
    let NodeValue::Map(entries) = &mut root.value else {
        return;
    };
    for (_, checks) in entries.iter_mut() {
        if let NodeValue::Seq(items) = &mut checks.value
            && let Some(Node {
                value: NodeValue::Map(check),
                pos,
            }) = items.first_mut()
        {
            let key = Node {
                pos: *pos,
                value: NodeValue::Str("expect".into()),
            };
            check.push((key, expect.clone()));
        }
    }
}

#[cfg(test)]
mod tests;
