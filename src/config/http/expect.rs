//! The `expect:` keys of an http check: status, headers, body (text and JSONPath), the
//! server's certificate and the time taken.

use crate::config::closed::{Domain, STATUSES, decided, decode_closed, status_class};
use crate::config::model::{HttpExpect, JsonExpect};
use crate::config::tls::CertScope;
use crate::matcher::{Literal, Matcher, decode_matcher};
use crate::syntax::decode::{MapReader, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};

pub const EXPECT_KEYS: &[&str] = &["status", "headers", "body", "cert", "time"];

pub fn decode_expect(node: &Node, d: &mut Diagnostics) -> Option<HttpExpect> {
    let mut r = MapReader::new(node, "expect", d)?;
    let before = d.len();
    let mut e = HttpExpect::default();
    if let Some(n) = r.take("status") {
        e.status = status(n, d);
    }
    if let Some(n) = r.take("headers") {
        match n.as_map() {
            Some([]) => d.error(
                n.pos,
                "`headers` holds no expectation",
                "expected header names with matchers, e.g. headers: { location: https://example.com/ }",
            ),
            Some(entries) => {
                for (k, v) in entries {
                    if let Some(name) = string(k, "a header name", d) {
                        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                            // Never present in an answer: `absent: true` on it always holds.
                            d.error(
                                k.pos,
                                format!("`{name}` is not a header name, so no answer has it"),
                                "expected letters, digits and !#$%&'*+-.^_`|~ only, e.g. x-powered-by",
                            );
                            continue;
                        }
                        let what = format!("header `{name}`");
                        if let Some(m) = decode_matcher(v, &what, d) {
                            e.headers.push((name.to_ascii_lowercase(), m));
                        }
                    }
                }
            }
            None => d.error(
                n.pos,
                format!("`headers` is {}", n.kind()),
                "expected a map of header names to matchers",
            ),
        }
    }
    if let Some(n) = r.take("body") {
        body(n, &mut e, d);
    }
    if let Some(n) = r.take("cert") {
        e.cert = crate::config::tls::decode_cert_expect(n, CertScope::Leaf, d).map(Box::new);
    }
    if let Some(n) = r.take("time") {
        e.time = decode_matcher(n, "`time`", d);
    }
    r.finish(EXPECT_KEYS, d);
    (d.len() == before).then_some(e)
}

/// `302`, `[301, 308]` (one of), `"3xx"`, or any matcher; every status written, at any depth,
/// is 100-599 or a class 1xx-5xx.
fn status(node: &Node, d: &mut Diagnostics) -> Option<Matcher> {
    let m = decode_closed(node, "`status`", Domain::Status, d).map(status_classes)?;
    decided(m, node, "`status`", &STATUSES, d)
}

/// Status classes and lists wherever they are written: `"3xx"` is the class, a list is one
/// of its items (`any_of: ["2xx", 404]`, `not: [500, "5xx"]`).
fn status_classes(m: Matcher) -> Matcher {
    let lift = |items: Vec<Matcher>| items.into_iter().map(status_classes).collect();
    match m {
        Matcher::Equals(Literal::Text(t)) => match status_class(t.trim()) {
            Some(class) => Matcher::StatusClass(class),
            None => Matcher::Equals(Literal::Text(t)),
        },
        Matcher::Equals(Literal::List(items)) | Matcher::OneOf(items) => {
            let plain = |l: &Literal| match l {
                Literal::Text(t) => status_class(t.trim()).is_none(),
                Literal::List(_) => false,
                _ => true,
            };
            if items.iter().all(plain) {
                Matcher::OneOf(items)
            } else {
                Matcher::AnyOf(lift(items.into_iter().map(Matcher::Equals).collect()))
            }
        }
        Matcher::Not(inner) => Matcher::Not(Box::new(status_classes(*inner))),
        Matcher::AnyOf(items) => Matcher::AnyOf(lift(items)),
        Matcher::AllOf(items) => Matcher::AllOf(lift(items)),
        other => other,
    }
}

fn body(node: &Node, e: &mut HttpExpect, d: &mut Diagnostics) {
    let Some(entries) = node.as_map() else {
        e.body = decode_matcher(node, "`body`", d);
        return;
    };
    if entries.is_empty() {
        d.error(
            node.pos,
            "`body` holds no expectation",
            "expected a matcher, e.g. body: { contains: ok }, or json: with JSONPaths",
        );
    }
    let mut rest = Vec::new();
    for (k, v) in entries {
        if matches!(&k.value, NodeValue::Str(s) if s == "json") {
            json_paths(v, e, d);
        } else {
            rest.push((k.clone(), v.clone()));
        }
    }
    if !rest.is_empty() {
        let n = Node {
            pos: node.pos,
            value: NodeValue::Map(rest),
        };
        e.body = decode_matcher(&n, "`body`", d);
    }
}

fn json_paths(node: &Node, e: &mut HttpExpect, d: &mut Diagnostics) {
    let Some(entries) = node.as_map() else {
        d.error(node.pos, format!("`json` is {}", node.kind()), "expected a map of JSONPath expressions to matchers, e.g. \"$.errors\": { absent: true }");
        return;
    };
    if entries.is_empty() {
        d.error(
            node.pos,
            "`json` holds no expectation",
            "expected JSONPaths with matchers, e.g. json: { \"$.errors\": { absent: true } }",
        );
    }
    for (k, v) in entries {
        let Some(path_text) = string(k, "a JSONPath", d) else {
            continue;
        };
        let path = match serde_json_path::JsonPath::parse(&path_text) {
            Ok(p) => p,
            Err(err) => {
                d.error(
                    k.pos,
                    format!(
                        "`{path_text}` is not a valid JSONPath: {} at character {}",
                        err.message(),
                        err.position() + 1
                    ),
                    "expected an RFC 9535 JSONPath such as $.data.items[0].name or $..id",
                );
                continue;
            }
        };
        let what = format!("JSONPath `{path_text}`");
        if let Some(matcher) = decode_matcher(v, &what, d) {
            let prefix = singular_prefix(&path_text);
            // The singular start (the root itself for `$[*]`).
            let parent =
                prefix.and_then(|end| serde_json_path::JsonPath::parse(&path_text[..end]).ok());
            e.json.push(JsonExpect {
                singular: prefix.is_none(),
                parent,
                path_text,
                path,
                matcher,
            });
        }
    }
}

/// Whether `path` is singular: names and indexes only (RFC 9535 §2.3.5.1).
pub fn is_singular(path: &str) -> bool {
    singular_prefix(path).is_none()
}

/// Where the singular start of a path that is not singular ends: before its first segment
/// that selects several nodes (`$.data.users` of `$.data.users[*].role`); None when the whole
/// path is singular. Quotes (with their backslash escapes) are read as names.
pub fn singular_prefix(path: &str) -> Option<usize> {
    let mut in_quote: Option<char> = None;
    let mut escaped = false;
    let mut in_bracket = false;
    let mut segment = 0;
    let mut prev = ' ';
    for (at, c) in path.char_indices() {
        if let Some(q) = in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                in_quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => in_quote = Some(c),
            '[' => {
                in_bracket = true;
                segment = at;
            }
            ']' => in_bracket = false,
            '.' if prev == '.' => return Some(segment),
            '.' if !in_bracket => segment = at,
            '*' | '?' => return Some(segment),
            ':' | ',' if in_bracket => return Some(segment),
            _ => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{is_singular, singular_prefix};

    #[test]
    fn the_singular_start_of_a_path() {
        assert_eq!(singular_prefix("$.data.users[*].role"), Some(12));
        assert_eq!(singular_prefix("$.data.users.*"), Some(12));
        assert_eq!(singular_prefix("$..id"), Some(1));
        assert_eq!(singular_prefix("$['a\\\\'][*]"), Some(8));
        assert_eq!(singular_prefix("$.a[?@.b == 1]"), Some(3));
        assert_eq!(singular_prefix("$.a[0]"), None);
    }

    #[test]
    fn singular_paths() {
        assert!(is_singular("$.data.__schema.queryType"));
        assert!(is_singular("$['a.b'][0]"));
        assert!(is_singular("$.a['*']"));
        assert!(!is_singular("$.data.__schema.queryType.fields[*].name"));
        assert!(!is_singular("$..id"));
        assert!(!is_singular("$.a[0:2]"));
        assert!(!is_singular("$.a[0,1]"));
        assert!(!is_singular("$.a[?@.b == 1]"));
        // An escaped backslash ends no quote early: the wildcard after it is seen.
        assert!(!is_singular("$['a\\\\'][*]"));
    }
}
