//! An environment's `resolve:` map: host (or host:port) to one address or a list of them,
//! like curl --resolve.

use super::super::model::ResolveRule;
use crate::syntax::decode::string;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};
use std::net::{IpAddr, SocketAddr};

/// One rule per address, in the order written; a host with a list has several rules.
pub(super) fn resolve_rules(node: &Node, d: &mut Diagnostics) -> Vec<ResolveRule> {
    let Some(entries) = node.as_map() else {
        d.error(
            node.pos,
            format!("`resolve` is {}", node.kind()),
            "expected a map of host (or host:port) to an address or a list of addresses, e.g. \
             chat.example.com: 127.0.0.1",
        );
        return Vec::new();
    };
    let mut rules = Vec::new();
    for (k, v) in entries {
        let Some(key) = string(k, "a host", d) else {
            continue;
        };
        let (host, port) = match key.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => match p.parse::<u16>() {
                Ok(p) => (h.to_string(), Some(p)),
                Err(_) => {
                    d.error(
                        k.pos,
                        format!("`{key}` has a port that is not a number"),
                        "expected host or host:port",
                    );
                    continue;
                }
            },
            _ => (key.clone(), None),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let items: Vec<&Node> = match &v.value {
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        if items.is_empty() {
            d.error(
                v.pos,
                format!("`{key}` has an empty list of addresses"),
                "expected one address or a list of them, e.g. [127.0.0.2, 127.0.0.3]",
            );
        }
        for item in items {
            let Some(value) = string(item, "an address", d) else {
                continue;
            };
            match address(&value) {
                Some((to, to_port)) => rules.push(ResolveRule {
                    host: host.clone(),
                    port,
                    to,
                    to_port,
                }),
                None => d.error(
                    item.pos,
                    format!("`{value}` for `{key}` is not an IP address"),
                    "expected an IP address with an optional port, e.g. 127.0.0.1 or \
                     127.0.0.1:8443, or a list of them",
                ),
            }
        }
    }
    rules
}

/// `127.0.0.1`, `127.0.0.1:8443`, `::1`, `[::1]`, `[::1]:8443`.
fn address(text: &str) -> Option<(IpAddr, Option<u16>)> {
    let text = text.trim();
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Some((a.ip(), Some(a.port())));
    }
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
        .map(|ip| (ip, None))
}
