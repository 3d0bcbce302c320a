//! The walk through a matcher's node that checks every value written against its closed set,
//! at any depth of `not`, `any_of`, `all_of`, `one_of` and lists.

use super::Domain;
use super::sets::{STATUS_MAX, STATUS_MIN, is_status_text};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue, Pos};

/// Checks a decoded matcher's node against `domain`; errors go to `d` at the place of the
/// value. Call it only on a node that decoded as a matcher without errors.
pub fn check_matcher(node: &Node, domain: Domain, what: &str, d: &mut Diagnostics) {
    Walker { domain, what, d }.matcher(node, domain_is_list(domain));
}

fn domain_is_list(domain: Domain) -> bool {
    matches!(domain, Domain::List(_))
}

struct Walker<'a, 'd> {
    domain: Domain,
    what: &'a str,
    d: &'d mut Diagnostics,
}

impl Walker<'_, '_> {
    /// `node` is a matcher against a list of members (`list`) or against one member.
    fn matcher(&mut self, node: &Node, list: bool) {
        let NodeValue::Map(entries) = &node.value else {
            return self.equals(node, list);
        };
        for (key, value) in entries {
            let Some(key) = key.scalar_text() else {
                continue;
            };
            match key.as_str() {
                "equals" => self.equals(value, list),
                "one_of" => {
                    if let NodeValue::Seq(items) = &value.value {
                        for item in items {
                            self.equals(item, list);
                        }
                    }
                }
                "contains" if list => self.matcher(value, false),
                "contains" => self.fragment(value, "contains", |m, f| m.contains(f)),
                "starts_with" => self.fragment(value, "starts_with", |m, f| m.starts_with(f)),
                "ends_with" => self.fragment(value, "ends_with", |m, f| m.ends_with(f)),
                "matches" => self.regex(value),
                "each" if list => self.matcher(value, false),
                "not" => self.matcher(value, list),
                "any_of" | "all_of" => {
                    if let NodeValue::Seq(items) = &value.value {
                        for item in items {
                            self.matcher(item, list);
                        }
                    }
                }
                "count" | "each" if !list => self.not_here(
                    value.pos,
                    &key,
                    format!("{} is one value, not a list", self.what),
                ),
                "gt" | "gte" | "lt" | "lte" if matches!(self.domain, Domain::Status) => {
                    self.status_bound(value, &key)
                }
                "gt" | "gte" | "lt" | "lte" => self.not_here(
                    value.pos,
                    &key,
                    format!("{} is a name, not a number", self.what),
                ),
                "in_cidr" => self.not_here(
                    value.pos,
                    &key,
                    format!("{} is not an IP address", self.what),
                ),
                "jwt" => self.not_here(value.pos, &key, format!("{} is not a token", self.what)),
                _ => {}
            }
        }
    }

    /// What the members are, for messages: "DNS response code".
    fn members(&self) -> &'static str {
        match self.domain {
            Domain::One(set) | Domain::List(set) => set.what,
            Domain::Status => "HTTP status",
        }
    }

    fn not_here(&mut self, pos: Pos, key: &str, why: String) {
        self.d.error(
            pos,
            format!("`{key}` cannot hold for {}: {why}", self.what),
            self.hint(),
        );
    }

    fn hint(&self) -> String {
        match self.domain {
            Domain::One(set) => format!("expected {}, or a matcher over them", set.a()),
            Domain::List(set) => format!(
                "expected a list of {}s, or a matcher such as {{ contains: {} }}",
                set.what,
                set.values.first().copied().unwrap_or_default()
            ),
            Domain::Status => {
                "expected a status 100-599, a class 1xx-5xx, a list of them, or a matcher".into()
            }
        }
    }

    /// A value written as `equals` (or bare): one member, or for a list a list of members.
    fn equals(&mut self, node: &Node, list: bool) {
        match (&node.value, list, self.domain) {
            (NodeValue::Seq(items), true, _) => {
                for item in items {
                    self.member(item);
                }
            }
            (NodeValue::Seq(items), false, Domain::Status) if items.is_empty() => self.d.error(
                node.pos,
                "an empty list of statuses never matches (and under `not`, always)",
                "expected the statuses it may be, e.g. [301, 308]",
            ),
            (NodeValue::Seq(_), false, Domain::Status) => {
                // `status: [301, 308]` and lists nested in it mean one of.
                if let NodeValue::Seq(items) = &node.value {
                    for item in items {
                        self.member(item);
                    }
                }
            }
            (NodeValue::Seq(_), false, _) => self.d.error(
                node.pos,
                format!("a list never equals one {}", self.members()),
                "write one value, or one_of: [a, b] for any of several",
            ),
            (NodeValue::Null, ..) => self.d.error(
                node.pos,
                format!("{} is empty here", self.members()),
                self.hint(),
            ),
            (_, true, Domain::List(set)) => {
                self.member(node);
                let text = node.scalar_text().unwrap_or_default();
                if set.contains(&text) {
                    self.d.error(
                        node.pos,
                        format!("one {} never equals the list of them", set.what),
                        format!("expected {{ contains: {text} }} (one of them) or a list [{text}, ...] (all of them)"),
                    );
                }
            }
            _ => self.member(node),
        }
    }

    /// One value that must be a member of the set.
    fn member(&mut self, node: &Node) {
        match self.domain {
            Domain::Status => self.status(node),
            Domain::One(set) | Domain::List(set) => {
                let text = match &node.value {
                    NodeValue::Str(s) => Some(s.clone()),
                    // `version: 1.3` is the number 1.3; it compares as "1.3".
                    NodeValue::Float(f) => set.values.iter().find_map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|p| p == f)
                            .map(|_| v.to_string())
                    }),
                    NodeValue::Int(i) => set.values.iter().find_map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .filter(|p| *p == *i as f64)
                            .map(|_| v.to_string())
                    }),
                    _ => None,
                };
                match text {
                    Some(t) if set.contains(&t) => {}
                    _ => {
                        let shown = node.scalar_text().unwrap_or_else(|| node.kind().into());
                        self.d.error(
                            node.pos,
                            format!("`{shown}` is not {}", set.a()),
                            set.expected(&shown),
                        );
                    }
                }
            }
        }
    }

    fn status(&mut self, node: &Node) {
        let ok = match &node.value {
            NodeValue::Int(i) => (STATUS_MIN..=STATUS_MAX).contains(i),
            NodeValue::Float(f) => {
                f.fract() == 0.0 && (STATUS_MIN as f64..=STATUS_MAX as f64).contains(f)
            }
            NodeValue::Str(s) => is_status_text(s),
            _ => false,
        };
        if !ok {
            let shown = node.scalar_text().unwrap_or_else(|| node.kind().into());
            self.d.error(
                node.pos,
                format!("`{shown}` is not an HTTP status"),
                "expected a status from 100 to 599 (e.g. 302), or a class: 1xx, 2xx, 3xx, 4xx or 5xx",
            );
        }
    }

    /// A comparison of a status: with a number, and one that some status from 100 to 599
    /// passes and some fails (`lt: 1000` would pass anything, and under `not` nothing).
    fn status_bound(&mut self, node: &Node, key: &str) {
        let bound = match &node.value {
            NodeValue::Int(i) => Some(*i as f64),
            NodeValue::Float(f) => Some(*f),
            NodeValue::Str(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let Some(x) = bound.filter(|x| x.is_finite()) else {
            let shown = node.scalar_text().unwrap_or_else(|| node.kind().into());
            self.d.error(
                node.pos,
                format!("`{key}: {shown}` compares a status with something not a number"),
                "expected a number, e.g. status: { gte: 200, lt: 300 }",
            );
            return;
        };
        let (lo, hi) = (STATUS_MIN as f64, STATUS_MAX as f64);
        let (always, never) = match key {
            "gt" => (x < lo, x >= hi),
            "gte" => (x <= lo, x > hi),
            "lt" => (x > hi, x <= lo),
            _ => (x >= hi, x < lo),
        };
        if always || never {
            let shown = node.scalar_text().unwrap_or_default();
            self.d.error(
                node.pos,
                format!(
                    "`{key}: {shown}` holds for {} HTTP status (100 to 599)",
                    if always { "every" } else { "no" }
                ),
                "expected a bound that some statuses pass and some fail, e.g. { gte: 200, lt: 300 }",
            );
        }
    }

    /// `contains`, `starts_with`, `ends_with` on one value: the text must be part of some
    /// member, or the matcher could never hold.
    fn fragment(&mut self, node: &Node, key: &str, fits: fn(&str, &str) -> bool) {
        if matches!(node.value, NodeValue::Map(_)) {
            // `contains: { matches: .. }` on text: the inner matcher applies to the value.
            return self.matcher(node, false);
        }
        let Some(text) = node.scalar_text() else {
            return;
        };
        let fits_any = match self.domain {
            Domain::Status => (STATUS_MIN..=STATUS_MAX).any(|c| fits(&c.to_string(), &text)),
            Domain::One(set) | Domain::List(set) => {
                set.values.iter().any(|m| fits(m, &text)) || set.contains(&text)
            }
        };
        if !fits_any {
            let expected = match self.domain {
                Domain::Status => "expected part of a status from 100 to 599".to_string(),
                Domain::One(set) | Domain::List(set) => set.expected(&text),
            };
            self.d.error(
                node.pos,
                format!(
                    "`{key}: {text}` for {} matches no {}",
                    self.what,
                    self.members()
                ),
                expected,
            );
        }
    }

    /// `matches`: the regex must match some member.
    fn regex(&mut self, node: &Node) {
        let Some(text) = node.scalar_text() else {
            return;
        };
        let Ok(re) = regex::RegexBuilder::new(&text).size_limit(1 << 20).build() else {
            return;
        };
        let fits_any = match self.domain {
            Domain::Status => (STATUS_MIN..=STATUS_MAX).any(|c| re.is_match(&c.to_string())),
            Domain::One(set) | Domain::List(set) => {
                set.values.iter().any(|m| re.is_match(m))
                    || (set.pattern.is_some() && re.is_match(set.pattern_example))
            }
        };
        if !fits_any {
            self.d.error(
                node.pos,
                format!(
                    "`matches: {text}` for {} matches no {}",
                    self.what,
                    self.members()
                ),
                match self.domain {
                    Domain::Status => {
                        "expected a regex that matches some status from 100 to 599".to_string()
                    }
                    Domain::One(set) | Domain::List(set) => set.expected(""),
                },
            );
        }
    }
}
