//! Environment files: where the checks run. `extends` merges a parent under the child.

use super::interpolate::resolve_node;
use super::model::VarValue;
use super::model::{Environment, ResolveRule, Secrets};
use super::pem;
use super::vars::VarSource;
use crate::syntax::decode::{MapReader, duration, string, unsigned};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue, Pos};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

mod limits;
mod proxy;
mod resolve;

pub use proxy::with_variables as with_proxy_variables;

use limits::{positive, rate};

pub const ENV_KEYS: &[&str] = &[
    "name",
    "abstract",
    "extends",
    "vars",
    "resolvers",
    "resolve",
    "tls",
    "defaults",
    "concurrency",
    "host_concurrency",
    "host_rate",
    "proxy",
];
const DEFAULTS_KEYS: &[&str] = &["timeout", "retries", "retry_delay"];
const MAX_EXTENDS: usize = 16;

/// One environment file as written; `None` means not set here.
#[derive(Default)]
struct EnvLayer {
    /// `abstract: true`: a base to extend, never run on its own.
    is_abstract: bool,
    /// Where `abstract:` is written.
    abstract_pos: Option<Pos>,
    vars: Vec<(String, VarValue)>,
    resolvers: Option<Vec<SocketAddr>>,
    resolve: Vec<ResolveRule>,
    ca_files: Vec<PathBuf>,
    ca: Vec<rustls::pki_types::CertificateDer<'static>>,
    timeout: Option<std::time::Duration>,
    retries: Option<u32>,
    retry_delay: Option<std::time::Duration>,
    concurrency: Option<usize>,
    host_concurrency: Option<usize>,
    host_rate: Option<super::model::Rate>,
    proxy: Option<super::model::ProxySetting>,
}

/// The file of environment `name` under `dir/environments`, if there is one.
pub fn env_file(dir: &Path, name: &str) -> Option<PathBuf> {
    ["yaml", "yml"]
        .iter()
        .map(|ext| dir.join("environments").join(format!("{name}.{ext}")))
        // Anything by that name: a FIFO or a folder there is refused when read, not ignored.
        .find(|p| std::fs::metadata(p).is_ok())
}

/// Every environment name under `dir/environments`, sorted.
pub fn env_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("environments"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(String::from))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The environments that can be run: all but those marked `abstract: true`.
pub fn runnable_env_names(dir: &Path) -> Vec<String> {
    runnable_among(dir, env_names(dir))
}

/// Those of `names` (environments of `dir`) not marked `abstract: true`.
pub fn runnable_among(dir: &Path, names: Vec<String>) -> Vec<String> {
    names
        .into_iter()
        .filter(|name| {
            let Some(file) = env_file(dir, name) else {
                return false;
            };
            let bytes = crate::syntax::file::read_capped(&file, crate::syntax::file::YAML_CAP);
            let text = String::from_utf8(bytes.unwrap_or_default()).unwrap_or_default();
            let node = Node::parse(&text).ok();
            let marked = node
                .as_ref()
                .and_then(|n| n.get("abstract"))
                .map(|n| n.value == NodeValue::Bool(true));
            !marked.unwrap_or(false)
        })
        .collect()
}

/// Loads environment `name` with its `extends` chain. With no `environments/` folder at all,
/// an empty environment of that name is used, so a folder of checks runs on its own.
pub fn load_environment(
    dir: &Path,
    name: &str,
    getenv: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Secrets,
    errors: &mut Vec<crate::syntax::diag::Diagnostic>,
) -> Option<Environment> {
    if !dir.join("environments").is_dir() {
        let env = finish(name.to_string(), None, Vec::new());
        return Some(proxy::with_variables(env, getenv, secrets));
    }
    let mut layers = Vec::new();
    let mut current = name.to_string();
    let mut seen: Vec<String> = Vec::new();
    let mut display_name = None;
    let mut first_file = None;
    let mut from: Option<(PathBuf, Pos)> = None;
    loop {
        let Some(file) = env_file(dir, &current) else {
            // `extends:` may name an abstract base; `--env` only one that runs.
            let known = if from.is_some() {
                env_names(dir)
            } else {
                runnable_env_names(dir)
            };
            let message = format!(
                "environment `{current}` not found: there is no environments/{current}.yaml"
            );
            let expected = if known.is_empty() {
                "create it, or pass --env with an existing environment".to_string()
            } else {
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                let hint = crate::syntax::diag::suggest(&current, &names)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                format!("{hint}expected one of: {}", known.join(", "))
            };
            let (file, pos) = from
                .clone()
                .unwrap_or((dir.join("environments"), Pos::default()));
            errors.push(crate::syntax::diag::Diagnostic {
                file,
                pos,
                message,
                expected,
            });
            return None;
        };
        if seen.contains(&current) || seen.len() > MAX_EXTENDS {
            let (f, pos) = from.unwrap_or((file.clone(), Pos::default()));
            errors.push(crate::syntax::diag::Diagnostic {
                file: f,
                pos,
                message: format!(
                    "`extends` makes a cycle: {} -> {current}",
                    seen.join(" -> ")
                ),
                expected: "expected a chain of environments that ends".into(),
            });
            return None;
        }
        seen.push(current.clone());
        first_file.get_or_insert(file.clone());
        let mut d = Diagnostics::new(&file);
        let layer = read_layer(&file, getenv, secrets, &mut d);
        errors.extend(d.list);
        let (layer, own_name, extends) = layer?;
        if layers.is_empty() && layer.is_abstract {
            let runnable = runnable_env_names(dir).join(", ");
            errors.push(crate::syntax::diag::Diagnostic {
                file,
                pos: layer.abstract_pos.unwrap_or_default(),
                message: format!("environment `{current}` is abstract: it exists to be extended"),
                expected: format!("expected an environment to run: {runnable}"),
            });
            return None;
        }
        if display_name.is_none() {
            display_name = Some(own_name.unwrap_or_else(|| current.clone()));
        }
        layers.push(layer);
        match extends {
            Some((parent, pos)) => {
                from = Some((file, pos));
                current = parent;
            }
            None => break,
        }
    }
    layers.reverse();
    let env = finish(
        display_name.unwrap_or_else(|| name.to_string()),
        first_file,
        layers,
    );
    Some(proxy::with_variables(env, getenv, secrets))
}

fn finish(name: String, file: Option<PathBuf>, layers: Vec<EnvLayer>) -> Environment {
    let mut env = Environment::named(&name);
    env.file = file;
    for layer in layers {
        env.vars.extend(layer.vars);
        if let Some(r) = layer.resolvers {
            env.resolvers = r;
        }
        // A child's answers for a host (or host:port) replace the parent's, all of them.
        env.resolve.retain(|r| {
            !layer
                .resolve
                .iter()
                .any(|rule| r.host == rule.host && r.port == rule.port)
        });
        env.resolve.extend(layer.resolve);
        env.ca.extend(layer.ca);
        env.ca_files.extend(layer.ca_files);
        env.defaults.timeout = layer.timeout.unwrap_or(env.defaults.timeout);
        env.defaults.retries = layer.retries.unwrap_or(env.defaults.retries);
        env.defaults.retry_delay = layer.retry_delay.unwrap_or(env.defaults.retry_delay);
        env.concurrency = layer.concurrency.unwrap_or(env.concurrency);
        env.host_concurrency = layer.host_concurrency.unwrap_or(env.host_concurrency);
        env.host_rate = layer.host_rate.or(env.host_rate);
        env.proxy.setting = layer.proxy.or(env.proxy.setting);
    }
    env
}

type LayerParts = (EnvLayer, Option<String>, Option<(String, Pos)>);

fn read_layer(
    file: &Path,
    getenv: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Secrets,
    d: &mut Diagnostics,
) -> Option<LayerParts> {
    let root = crate::syntax::file::parse_file(file, d)?;
    let base = file.parent().unwrap_or(Path::new("."));
    if matches!(root.value, NodeValue::Null) {
        return Some((EnvLayer::default(), None, None));
    }
    let mut r = MapReader::new(&root, "environment", d)?;
    let abstract_node = r.take("abstract");
    let is_abstract = abstract_node
        .and_then(|n| crate::syntax::decode::boolean(n, "`abstract`", d))
        .unwrap_or(false);
    let mut layer = EnvLayer {
        is_abstract,
        abstract_pos: abstract_node.map(|n| n.pos),
        ..EnvLayer::default()
    };
    let name = r.take("name").and_then(|n| string(n, "`name`", d));
    let extends = r
        .take("extends")
        .and_then(|n| string(n, "`extends`", d).map(|s| (s, n.pos)));
    if let Some(vars) = r.take("vars") {
        match vars.as_map() {
            Some(entries) => {
                let src = VarSource { vars: None, getenv };
                for (k, v) in entries {
                    let Some(key) = string(k, "a variable name", d) else {
                        continue;
                    };
                    let mut missing = Diagnostics::new(file);
                    let resolved = resolve_node(v, &src, secrets, d, &mut missing);
                    let value = match missing.list.first() {
                        Some(m) => VarValue::Missing(format!(
                            "{} (in `vars.{key}` of {})",
                            m.message,
                            file.display()
                        )),
                        None => match resolved.scalar_text() {
                            Some(t) => VarValue::Value(t),
                            None => {
                                d.error(
                                    v.pos,
                                    format!("variable `{key}` is {}", v.kind()),
                                    "expected a text or number value",
                                );
                                continue;
                            }
                        },
                    };
                    layer.vars.push((key, value));
                }
            }
            None => d.error(
                vars.pos,
                format!("`vars` is {}", vars.kind()),
                "expected a map of names to values",
            ),
        }
    }
    if let Some(n) = r.take("resolvers") {
        let items: Vec<&Node> = match &n.value {
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![n],
        };
        let mut addrs = Vec::new();
        for item in items {
            let Some(text) = string(item, "a resolver", d) else {
                continue;
            };
            match parse_addr(&text, 53) {
                Some(a) => addrs.push(a),
                None => d.error(
                    item.pos,
                    format!("resolver `{text}` is not an IP address with an optional port"),
                    "expected e.g. 1.1.1.1:53, 10.0.0.2 or [2606:4700::1111]:53",
                ),
            }
        }
        layer.resolvers = Some(addrs);
    }
    if let Some(n) = r.take("resolve") {
        layer.resolve = resolve::resolve_rules(n, d);
    }
    if let Some(n) = r.take("tls")
        && let Some(mut t) = MapReader::new(n, "environment tls", d)
    {
        if let Some(ca) = t.take("ca_file")
            && let Some((path, certs)) = pem::read_certs(ca, base, "`ca_file`", d)
        {
            layer.ca.extend(certs);
            layer.ca_files.push(path);
        }
        t.finish(&["ca_file"], d);
    }
    if let Some(n) = r.take("defaults")
        && let Some(mut dr) = MapReader::new(n, "environment defaults", d)
    {
        layer.timeout = dr.take("timeout").and_then(|n| duration(n, "`timeout`", d));
        layer.retries = dr
            .take("retries")
            .and_then(|n| unsigned(n, "`retries`", 100, d))
            .map(|v| v as u32);
        layer.retry_delay = dr
            .take("retry_delay")
            .and_then(|n| duration(n, "`retry_delay`", d));
        dr.finish(DEFAULTS_KEYS, d);
    }
    layer.concurrency = r
        .take("concurrency")
        .and_then(|n| positive(n, "`concurrency`", d));
    layer.host_concurrency = r
        .take("host_concurrency")
        .and_then(|n| positive(n, "`host_concurrency`", d));
    layer.host_rate = r.take("host_rate").and_then(|n| rate(n, d));
    layer.proxy = r
        .take("proxy")
        .and_then(|n| proxy::decode(n, file, getenv, secrets, d));
    r.finish(ENV_KEYS, d);
    Some((layer, name, extends))
}

/// `ip`, `ip:port`, `[v6]:port`.
pub fn parse_addr(text: &str, default_port: u16) -> Option<SocketAddr> {
    let t = text.trim();
    if let Ok(a) = t.parse::<SocketAddr>() {
        return Some(a);
    }
    let ip = t.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, default_port))
}
