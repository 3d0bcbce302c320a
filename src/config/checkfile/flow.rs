//! A check's `needs:` and `capture:`, and its `${capture:ID.NAME}` uses; what one check alone
//! can tell of them (the graph across checks is [`super::super::flow_graph`]'s).

use crate::config::http::is_singular;
use crate::config::model::{
    AddressMode, Capture, CaptureFrom, CaptureUse, CheckKind, Flow, Need, http_uses,
};
use crate::config::vars::parse_capture;
use crate::syntax::decode::{MapReader, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};

/// The keys of one `capture:` entry.
const CAPTURE_KEYS: &[&str] = &["json", "header", "regex"];

/// Decodes `needs:` and `capture:` (already taken from the check) and finds the uses in the
/// check as written (`raw`).
pub(super) fn decode_flow(
    needs: Option<&Node>,
    capture: Option<&Node>,
    raw: &Node,
    d: &mut Diagnostics,
) -> Flow {
    let mut flow = Flow {
        needs: needs.map(|n| decode_needs(n, d)).unwrap_or_default(),
        captures: capture.map(|n| decode_captures(n, d)).unwrap_or_default(),
        uses: Vec::new(),
    };
    find_uses(raw, &mut flow.uses);
    misplaced_uses(raw, &mut flow.uses, d);
    flow
}

/// A use that stands anywhere but an http probe's `url`, a header value or the request body
/// (`body`, `json`) is an error at its place, and is dropped: only those parts are filled in
/// when the check runs, so a placeholder elsewhere (`expect:`, `connect_to`, `tls`, `proxy`)
/// would be judged as its literal text, and under `not:` pass whatever the server said.
fn misplaced_uses(raw: &Node, uses: &mut Vec<CaptureUse>, d: &mut Diagnostics) {
    let mut allowed = Vec::new();
    if let Some(entries) = raw.as_map() {
        for (k, v) in entries {
            if k.scalar_text().as_deref() != Some("http") {
                continue;
            }
            for (part, value) in v.as_map().unwrap_or_default() {
                if matches!(
                    part.scalar_text().as_deref(),
                    Some("url" | "headers" | "body" | "json")
                ) {
                    find_uses(value, &mut allowed);
                }
            }
        }
    }
    uses.retain(|u| {
        let found = allowed
            .iter()
            .position(|a| a.pos == u.pos && a.id == u.id && a.name == u.name);
        match found {
            Some(i) => {
                allowed.swap_remove(i);
                true
            }
            None => {
                d.error(
                    u.pos,
                    format!(
                        "`${{capture:{}.{}}}` stands where a capture cannot be used",
                        u.id, u.name
                    ),
                    "expected it in an http check's url, a header value or the request body",
                );
                false
            }
        }
    });
}

fn decode_needs(node: &Node, d: &mut Diagnostics) -> Vec<Need> {
    let items: Vec<&Node> = match &node.value {
        NodeValue::Seq(items) => items.iter().collect(),
        NodeValue::Str(_) => vec![node],
        _ => {
            d.error(
                node.pos,
                format!("`needs` is {}", node.kind()),
                "expected a list of check ids, e.g. needs: [auth/sign-in]",
            );
            return Vec::new();
        }
    };
    let mut out: Vec<Need> = Vec::new();
    for item in items {
        let Some(id) = string(item, "an id in `needs`", d) else {
            continue;
        };
        if out.iter().any(|n| n.id == id) {
            d.error(
                item.pos,
                format!("`needs` names `{id}` twice"),
                "expected each needed check once",
            );
            continue;
        }
        out.push(Need { id, pos: item.pos });
    }
    out
}

fn decode_captures(node: &Node, d: &mut Diagnostics) -> Vec<Capture> {
    let Some(mut r) = MapReader::new(node, "capture", d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, key, value) in r.rest() {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            d.error(
                key.pos,
                format!("capture name `{name}` is not a name"),
                "expected letters, digits and _, e.g. id_token",
            );
            continue;
        }
        if let Some(from) = decode_capture(value, d) {
            out.push(Capture {
                name: name.to_string(),
                from,
                pos: key.pos,
            });
        }
    }
    out
}

fn decode_capture(node: &Node, d: &mut Diagnostics) -> Option<CaptureFrom> {
    let mut r = MapReader::new(node, "capture entry", d)?;
    let given: Vec<&str> = CAPTURE_KEYS.iter().copied().filter(|k| r.has(k)).collect();
    if given.len() != 1 {
        d.error(
            node.pos,
            match given.len() {
                0 => "the capture says nowhere to take its value from".to_string(),
                _ => format!("the capture has {}: one only", given.join(" and ")),
            },
            "expected one of json: JSONPATH, header: NAME, regex: PATTERN",
        );
        r.rest();
        return None;
    }
    let from = if let Some(n) = r.take("json") {
        let text = string(n, "`json`", d)?;
        match serde_json_path::JsonPath::parse(&text) {
            Ok(path) if is_singular(&text) => Some(CaptureFrom::Json { path, text }),
            Ok(_) => {
                d.error(
                    n.pos,
                    format!("`{text}` can select several values"),
                    "expected a singular JSONPath (names and indexes only), e.g. $.AuthenticationResult.IdToken",
                );
                None
            }
            Err(err) => {
                d.error(
                    n.pos,
                    format!(
                        "`{text}` is not a valid JSONPath: {} at character {}",
                        err.message(),
                        err.position() + 1
                    ),
                    "expected a singular JSONPath such as $.AuthenticationResult.IdToken",
                );
                None
            }
        }
    } else if let Some(n) = r.take("header") {
        string(n, "`header`", d).map(|h| CaptureFrom::Header(h.to_ascii_lowercase()))
    } else {
        let n = r.take("regex")?;
        let text = string(n, "`regex`", d)?;
        match regex::Regex::new(&text) {
            Ok(re) => Some(CaptureFrom::Regex(re)),
            Err(e) => {
                d.error(
                    n.pos,
                    format!("`{text}` is not a valid regex: {e}"),
                    "expected a regex whose first group is the value, e.g. \"token=(\\\\w+)\"",
                );
                None
            }
        }
    };
    r.finish(CAPTURE_KEYS, d);
    from
}

/// Every `${capture:ID.NAME}` in the string values of `node` (`$${` is a literal `${`).
fn find_uses(node: &Node, out: &mut Vec<CaptureUse>) {
    match &node.value {
        NodeValue::Str(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find('$') {
                let after = &rest[i..];
                if let Some(tail) = after.strip_prefix("$${") {
                    rest = tail;
                    continue;
                }
                rest = &after[1..];
                let Some(spec) = after.strip_prefix("${capture:") else {
                    continue;
                };
                let Some(end) = spec.find('}') else { continue };
                if let Some((id, name)) = parse_capture(&spec[..end]) {
                    out.push(CaptureUse {
                        id: id.to_string(),
                        name: name.to_string(),
                        pos: node.pos,
                    });
                }
            }
        }
        NodeValue::Seq(items) => items.iter().for_each(|i| find_uses(i, out)),
        NodeValue::Map(entries) => entries.iter().for_each(|(_, v)| find_uses(v, out)),
        _ => {}
    }
}

/// What the check alone tells: captures and uses only where they work (http), each use
/// naming a check in `needs`; an http check that captures from the body keeps it.
pub(super) fn check_flow(flow: &Flow, kind: &mut CheckKind, d: &mut Diagnostics) {
    let http = match kind {
        CheckKind::Http { probe, .. } => Some(probe),
        _ => None,
    };
    if let (Some(first), None) = (flow.captures.first(), &http) {
        d.error(
            first.pos,
            "`capture` works on http checks only",
            "expected an http check to capture from (json:, header:, regex: on its answer)",
        );
    }
    // A capture takes a value from one answer; `addresses: all` has one answer per address.
    if let (Some(first), Some(probe)) = (flow.captures.first(), &http)
        && probe.addresses == AddressMode::All
    {
        d.error(
            first.pos,
            "`capture` takes a value from one answer, and `addresses: all` has one per address",
            "expected a capture on a check of one address: split the check in two, one with \
             addresses: all to check every node, one (addresses: one) to capture from",
        );
    }
    for u in &flow.uses {
        let written = format!("${{capture:{}.{}}}", u.id, u.name);
        if !flow.needs.iter().any(|n| n.id == u.id) {
            d.error(
                u.pos,
                format!(
                    "`{written}` names check `{}`, which is not in `needs`",
                    u.id
                ),
                format!("add it: needs: [{}]", u.id),
            );
            continue;
        }
        match &http {
            Some(probe) if http_uses(probe, u) => {}
            _ => d.error(
                u.pos,
                format!("`{written}` stands where a capture cannot be used"),
                "expected it in an http check's url, a header value or the request body",
            ),
        }
    }
    if let Some(probe) = http
        && flow.captures.iter().any(|c| c.from.reads_body())
    {
        probe.body_judged = true;
    }
}
