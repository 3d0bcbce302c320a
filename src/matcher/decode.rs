//! Matchers from YAML: a scalar or a list means `equals`; a map holds matcher keys, all of
//! which must hold. Regexes, durations, sizes and CIDRs are checked here, at load time.

mod jwt;

pub use jwt::JWT_KEYS;

use super::{CmpOp, Literal, Matcher, Quantity};
use crate::syntax::decode::{MapReader, boolean, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};
use crate::syntax::quantity::{looks_like_size, parse_signed_seconds, parse_size};
use ipnet::IpNet;
use std::net::IpAddr;

pub const MATCHER_KEYS: &[&str] = &[
    "equals",
    "contains",
    "matches",
    "starts_with",
    "ends_with",
    "one_of",
    "present",
    "absent",
    "gt",
    "gte",
    "lt",
    "lte",
    "in_cidr",
    "not",
    "any_of",
    "all_of",
    "each",
    "count",
    "empty",
    "jwt",
];

/// Decodes a matcher; `what` names the field in messages (e.g. "header `location`").
pub fn decode_matcher(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Matcher> {
    if !matches!(node.value, NodeValue::Map(_)) {
        return literal(node, what, d).map(Matcher::Equals);
    }
    let mut r = MapReader::new(node, "matcher", d)?;
    let mut parts = Vec::new();
    let before = d.len();
    for (key, key_node, value) in r.rest() {
        let part = match key {
            "equals" => literal(value, what, d).map(Matcher::Equals),
            "contains" => decode_matcher(value, what, d).map(|m| Matcher::Contains(Box::new(m))),
            "matches" => regex(value, what, d).map(Matcher::Matches),
            "starts_with" => not_empty_text(value, key, what, d).map(Matcher::StartsWith),
            "ends_with" => not_empty_text(value, key, what, d).map(Matcher::EndsWith),
            "one_of" => {
                match literal(value, what, d) {
                    Some(Literal::List(items)) if items.is_empty() => {
                        d.error(
                        value.pos,
                        format!("`one_of` of {what} is empty: it never holds (and under `not`, always)"),
                        "expected the values it may equal, e.g. one_of: [301, 308]",
                    );
                        None
                    }
                    Some(Literal::List(items)) => Some(Matcher::OneOf(items)),
                    Some(_) => {
                        d.error(
                            value.pos,
                            format!("`one_of` of {what} is not a list"),
                            "expected a list, e.g. one_of: [301, 308]",
                        );
                        None
                    }
                    None => None,
                }
            }
            "present" => {
                flag(value, key, d).map(|b| if b { Matcher::Present } else { Matcher::Absent })
            }
            "absent" => {
                flag(value, key, d).map(|b| if b { Matcher::Absent } else { Matcher::Present })
            }
            "gt" | "gte" | "lt" | "lte" => {
                let op = match key {
                    "gt" => CmpOp::Gt,
                    "gte" => CmpOp::Gte,
                    "lt" => CmpOp::Lt,
                    _ => CmpOp::Lte,
                };
                decode_quantity(value, what, d).map(|q| Matcher::Compare(op, q))
            }
            "in_cidr" => cidrs(value, what, d).map(Matcher::InCidr),
            "not" => decode_matcher(value, what, d).map(|m| Matcher::Not(Box::new(m))),
            "any_of" | "all_of" => {
                let NodeValue::Seq(items) = &value.value else {
                    d.error(value.pos, format!("`{key}` of {what} is {}", value.kind()), format!("expected a list of matchers, e.g. {key}: [{{contains: a}}, {{contains: b}}]"));
                    continue;
                };
                if items.is_empty() {
                    let holds = if key == "any_of" {
                        "it never holds (and under `not`, always)"
                    } else {
                        "it always holds"
                    };
                    d.error(
                        value.pos,
                        format!("`{key}` of {what} is empty: {holds}"),
                        format!("expected one matcher or more, e.g. {key}: [{{contains: a}}, {{contains: b}}]"),
                    );
                    continue;
                }
                let list: Vec<Matcher> = items
                    .iter()
                    .filter_map(|i| decode_matcher(i, what, d))
                    .collect();
                if list.len() != items.len() {
                    continue;
                }
                Some(if key == "any_of" {
                    Matcher::AnyOf(list)
                } else {
                    Matcher::AllOf(list)
                })
            }
            "each" => decode_matcher(value, what, d).map(|m| Matcher::Each(Box::new(m))),
            "count" => decode_matcher(value, what, d).map(|m| Matcher::Count(Box::new(m))),
            "empty" => boolean(value, "`empty`", d).map(Matcher::Empty),
            "jwt" => jwt::decode_jwt(value, what, d).map(|j| Matcher::Jwt(Box::new(j))),
            _ => {
                let expected = match crate::syntax::diag::suggest(key, MATCHER_KEYS) {
                    Some(s) => format!(
                        "did you mean `{s}`? expected one of: {}",
                        MATCHER_KEYS.join(", ")
                    ),
                    None => format!("expected one of: {}", MATCHER_KEYS.join(", ")),
                };
                d.error(
                    key_node.pos,
                    format!("unknown matcher `{key}` for {what}"),
                    expected,
                );
                None
            }
        };
        if let Some(p) = part {
            parts.push(p);
        }
    }
    r.finish(MATCHER_KEYS, d);
    if d.len() > before {
        return None;
    }
    match parts.len() {
        0 => {
            d.error(
                node.pos,
                format!("the matcher for {what} is empty"),
                format!("expected a value or one of: {}", MATCHER_KEYS.join(", ")),
            );
            None
        }
        1 => parts.pop(),
        _ => Some(Matcher::AllOf(parts)),
    }
}

/// A text for `starts_with`/`ends_with`: an empty one would hold for any text.
fn not_empty_text(value: &Node, key: &str, what: &str, d: &mut Diagnostics) -> Option<String> {
    let text = string(value, what, d)?;
    if text.is_empty() {
        d.error(
            value.pos,
            format!("`{key}: \"\"` of {what} holds for any text"),
            "expected the text it must start or end with",
        );
        return None;
    }
    Some(text)
}

fn flag(value: &Node, key: &str, d: &mut Diagnostics) -> Option<bool> {
    boolean(value, &format!("`{key}`"), d)
}

/// A written value: scalars, lists of them and maps of them.
pub fn literal(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Literal> {
    Some(match &node.value {
        NodeValue::Null => Literal::Null,
        NodeValue::Bool(b) => Literal::Bool(*b),
        NodeValue::Int(i) => Literal::Number(*i as f64),
        NodeValue::Float(f) => Literal::Number(*f),
        NodeValue::Str(s) => Literal::Text(s.clone()),
        NodeValue::Seq(items) => {
            let list: Vec<Literal> = items.iter().filter_map(|i| literal(i, what, d)).collect();
            if list.len() != items.len() {
                return None;
            }
            Literal::List(list)
        }
        NodeValue::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = string(k, &format!("a key in {what}"), d)?;
                out.push((key, literal(v, what, d)?));
            }
            Literal::Map(out)
        }
    })
}

/// A search regex that can match the empty text matches at the start of every text, unless
/// an assertion that looks at the text (`$`, `\\b`, `\\B`, `\\z`) can stop it: `.*`, `x|` and
/// `^` match every text; `^[^*]*$` and `^$` do not.
///
/// One that can match the empty text at the end of a text matches every text too (`[0-9]*$`):
/// whether it can depends only on the text's last character (a word character or not, a line
/// end or not) and on whether there is one, so texts ending in each kind of character, after
/// each kind, stand for every text.
fn matches_every_text(re: &regex::Regex) -> bool {
    let pattern = re.as_str();
    let anywhere = re.is_match("")
        && !pattern.contains('$')
        && !["\\b", "\\B", "\\z"].iter().any(|a| pattern.contains(a));
    anywhere || {
        const KINDS: [char; 6] = ['a', 'é', '-', ' ', '\n', '\r'];
        let mut texts = vec![String::new()];
        for a in KINDS {
            texts.push(a.to_string());
            texts.extend(KINDS.iter().map(|b| format!("{b}{a}")));
        }
        texts
            .iter()
            .all(|text| re.find_at(text, text.len()).is_some())
    }
}

fn regex(node: &Node, what: &str, d: &mut Diagnostics) -> Option<regex::Regex> {
    let text = string(node, what, d)?;
    match regex::RegexBuilder::new(&text).size_limit(1 << 20).build() {
        // One that matches the empty text and an arbitrary one matches every text (`.*`,
        // `x|`, `^`): it can never fail, and under `not` never pass.
        Ok(re) if matches_every_text(&re) => {
            d.error(
                node.pos,
                format!("the regex /{text}/ for {what} matches every text"),
                "expected a regex that some texts do not match",
            );
            None
        }
        Ok(re) => Some(re),
        Err(e) => {
            let detail = e.to_string();
            let last = detail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&detail);
            d.error(
                node.pos,
                format!("the regex /{text}/ for {what} is invalid: {}", last.trim().trim_start_matches("error: ")),
                "expected a valid regular expression (Rust regex syntax); escape special characters with \\",
            );
            None
        }
    }
}

/// A number, a duration (`21d`, `-1d`, `2s`) or a size (`1MiB`).
pub fn decode_quantity(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Quantity> {
    match &node.value {
        NodeValue::Int(i) => return Some(Quantity::Number(*i as f64)),
        NodeValue::Float(f) if f.is_finite() => return Some(Quantity::Number(*f)),
        NodeValue::Float(f) => {
            d.error(
                node.pos,
                format!("`{f}` for {what} is not a finite number"),
                "expected a number (200), a duration (2s, 21d) or a size (1MiB)",
            );
            return None;
        }
        _ => {}
    }
    let text = string(node, what, d)?;
    if let Ok(n) = text.trim().parse::<f64>() {
        if !n.is_finite() {
            // `nan` compares false with everything (so `not: { gt: nan }` always held).
            d.error(
                node.pos,
                format!("`{}` for {what} is not a finite number", text.trim()),
                "expected a number (200), a duration (2s, 21d) or a size (1MiB)",
            );
            return None;
        }
        return Some(Quantity::Number(n));
    }
    if looks_like_size(&text) {
        return parse_size(&text).ok().map(Quantity::Bytes);
    }
    match parse_signed_seconds(&text) {
        Ok(s) => Some(Quantity::Seconds(s)),
        Err(e) => {
            d.error(
                node.pos,
                format!("`{text}` for {what} is not a number, duration or size ({e})"),
                "expected a number (200), a duration (2s, 21d) or a size (1MiB)",
            );
            None
        }
    }
}

fn cidrs(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Vec<IpNet>> {
    let items: Vec<&Node> = match &node.value {
        NodeValue::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    if items.is_empty() {
        d.error(
            node.pos,
            format!(
                "`in_cidr` of {what} is empty: no address is in it (and under `not`, every one)"
            ),
            "expected one range or more, e.g. in_cidr: [104.16.0.0/13]",
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let before = d.len();
    for item in items {
        let Some(text) = string(item, what, d) else {
            continue;
        };
        let t = text.trim();
        let parsed = t
            .parse::<IpNet>()
            .ok()
            .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from));
        match parsed {
            Some(net) => out.push(net),
            None => d.error(
                item.pos,
                format!("`{t}` in `in_cidr` of {what} is not a CIDR range"),
                "expected a range such as 104.16.0.0/13 or 2606:4700::/32",
            ),
        }
    }
    (d.len() == before).then_some(out)
}
