//! The `http:` probe, decoded from resolved nodes; its `expect:` keys are in `http/expect.rs`.

use super::model::{ConnectTo, DEFAULT_BODY_LIMIT, HttpProbe, RequestBody, TlsOptions};
use crate::syntax::decode::{MapReader, boolean, string, unsigned};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};
use std::path::Path;
use std::sync::Arc;

mod expect;

pub use expect::{EXPECT_KEYS, decode_expect, is_singular};

pub const HTTP_KEYS: &[&str] = &[
    "url",
    "method",
    "headers",
    "body",
    "json",
    "follow_redirects",
    "connect_to",
    "proxy",
    "tls",
    "body_limit",
    "ip",
    "addresses",
];

/// `follow_redirects: true` follows up to this many hops.
pub const DEFAULT_REDIRECT_HOPS: u32 = 10;

/// Decodes `http:`; `base` is the check file's folder, for relative paths; `env_tls` the
/// environment's trust roots, merged under the probe's own.
pub fn decode_probe(
    node: &Node,
    base: &Path,
    env_tls: &Arc<TlsOptions>,
    d: &mut Diagnostics,
) -> Option<HttpProbe> {
    let mut r = MapReader::new(node, "http probe", d)?;
    let before = d.len();
    let url = r.require("url", d).and_then(|n| url(n, d));
    let method = match r.take("method") {
        Some(n) => string(n, "`method`", d).and_then(|m| {
            let upper = m.to_ascii_uppercase();
            match reqwest::Method::from_bytes(upper.as_bytes()) {
                Ok(m) => Some(m),
                Err(_) => {
                    d.error(
                        n.pos,
                        format!("`{m}` is not an HTTP method"),
                        "expected GET, POST, PUT, DELETE, HEAD, OPTIONS, PATCH or another token",
                    );
                    None
                }
            }
        }),
        None => Some(reqwest::Method::GET),
    };
    let headers = r
        .take("headers")
        .map(|n| request_headers(n, d))
        .unwrap_or_default();
    let body = match (r.take("body"), r.take("json")) {
        (Some(_), Some(j)) => {
            d.error(
                j.pos,
                "the http probe has both `body` and `json`",
                "expected one of them: `body` for raw text, `json` for a JSON document",
            );
            None
        }
        (Some(b), None) => string(b, "`body`", d).map(RequestBody::Text),
        (None, Some(j)) => Some(RequestBody::Json(to_json(j))),
        (None, None) => None,
    };
    let (follow_redirects, allow_downgrade) = match r.take("follow_redirects") {
        None => (0, false),
        Some(n) => redirects(n, d),
    };
    let connect_to = r.take("connect_to").and_then(|n| connect_to(n, d));
    let proxy = r
        .take("proxy")
        .and_then(|n| super::proxy::decode_proxy(n, d))
        .map(Box::new);
    // The environment's, shared, unless the check has `tls:` settings of its own.
    let tls = match r.take("tls") {
        Some(n) => super::tls::decode_tls_settings(n, base, env_tls, d)
            .map_or_else(|| Arc::clone(env_tls), Arc::new),
        None => Arc::clone(env_tls),
    };
    let body_limit = match r.take("body_limit") {
        Some(n) => string(n, "`body_limit`", d)
            .and_then(|t| match crate::syntax::quantity::parse_size(&t) {
                Ok(b) if b > 0 => Some(b),
                _ => {
                    d.error(
                        n.pos,
                        format!("`body_limit` `{t}` is not a size"),
                        "expected a size such as 1MiB or 64KiB",
                    );
                    None
                }
            })
            .unwrap_or(DEFAULT_BODY_LIMIT),
        None => DEFAULT_BODY_LIMIT,
    };
    let ip = super::net::decode_ip(&mut r, d);
    let addresses = super::net::decode_addresses(&mut r, d);
    r.finish(HTTP_KEYS, d);
    if d.len() > before {
        return None;
    }
    Some(HttpProbe {
        url: url?,
        method: method?,
        headers,
        body,
        follow_redirects,
        allow_downgrade,
        connect_to,
        proxy,
        tls,
        body_limit,
        // Until the expectation says otherwise (see the check's decoding).
        body_judged: true,
        ip: ip?,
        addresses: addresses?,
    })
}

pub const REDIRECT_KEYS: &[&str] = &["max", "allow_downgrade"];

/// `follow_redirects`: `true`/`false`, a number of hops, or `{ max, allow_downgrade }` (`max`
/// defaults to 10 there): (hops, whether an https → http hop is followed).
fn redirects(node: &Node, d: &mut Diagnostics) -> (u32, bool) {
    let hops = |n: &Node, d: &mut Diagnostics| match &n.value {
        NodeValue::Bool(true) => DEFAULT_REDIRECT_HOPS,
        NodeValue::Bool(false) => 0,
        _ => unsigned(n, "`follow_redirects`", 100, d).unwrap_or(0) as u32,
    };
    if !matches!(node.value, NodeValue::Map(_)) {
        return (hops(node, d), false);
    }
    let Some(mut r) = MapReader::new(node, "`follow_redirects` map", d) else {
        return (0, false);
    };
    let max = r.take("max").map_or(DEFAULT_REDIRECT_HOPS, |n| {
        unsigned(n, "`follow_redirects.max`", 100, d).unwrap_or(0) as u32
    });
    let allow_downgrade = r
        .take("allow_downgrade")
        .and_then(|n| boolean(n, "`follow_redirects.allow_downgrade`", d))
        .unwrap_or(false);
    r.finish(REDIRECT_KEYS, d);
    (max, allow_downgrade)
}

fn url(node: &Node, d: &mut Diagnostics) -> Option<url::Url> {
    let text = string(node, "`url`", d)?;
    match url::Url::parse(text.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
        Ok(u) => {
            d.error(
                node.pos,
                format!("`{text}` is not an http(s) URL (scheme `{}`)", u.scheme()),
                "expected a URL such as https://host/path",
            );
            None
        }
        Err(e) => {
            d.error(
                node.pos,
                format!("`{text}` is not a valid URL: {e}"),
                "expected a URL such as https://host:port/path?query",
            );
            None
        }
    }
}

fn request_headers(node: &Node, d: &mut Diagnostics) -> Vec<(String, String)> {
    let Some(entries) = node.as_map() else {
        d.error(
            node.pos,
            format!("`headers` is {}", node.kind()),
            "expected a map of header names to values",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let (Some(name), Some(value)) = (
            string(k, "a header name", d),
            string(v, "a header value", d),
        ) else {
            continue;
        };
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            d.error(
                k.pos,
                format!("`{name}` is not a valid header name"),
                "expected letters, digits and - only",
            );
            continue;
        }
        if reqwest::header::HeaderValue::from_str(&value).is_err() {
            d.error(
                v.pos,
                format!("the value of header `{name}` has characters a header cannot carry"),
                "expected visible ASCII text without line breaks",
            );
            continue;
        }
        out.push((name, value));
    }
    out
}

fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        NodeValue::Str(s) => Value::String(s.clone()),
        NodeValue::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeValue::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default(), to_json(v)))
                .collect(),
        ),
    }
}

/// `host`, `host:port`, `[v6]:port`.
pub fn connect_to(node: &Node, d: &mut Diagnostics) -> Option<ConnectTo> {
    let text = string(node, "`connect_to`", d)?;
    let t = text.trim();
    let parsed = url::Url::parse(&format!("tcp://{t}")).ok().and_then(|u| {
        let host = u
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        (u.path().is_empty() || u.path() == "/").then_some(ConnectTo {
            host,
            port: u.port(),
        })
    });
    if parsed.is_none() || t.is_empty() {
        d.error(
            node.pos,
            format!("`connect_to` `{t}` is not a host or host:port"),
            "expected e.g. alb.example.com, 127.0.0.1:8443 or [::1]:443",
        );
    }
    parsed
}
