//! Typed reading of [`Node`]s: every helper records what is wrong in [`Diagnostics`] and
//! returns `None`, so decoding goes on and one run lists all the errors of a file.

use super::diag::{Diagnostics, suggest};
use super::node::{Node, NodeValue, Pos};
use super::quantity;
use std::time::Duration;

/// Reads a map's keys one by one; what is left at [`MapReader::finish`] is an unknown key.
pub struct MapReader<'a> {
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
    taken: Vec<bool>,
    pub pos: Pos,
    what: &'static str,
}

impl<'a> MapReader<'a> {
    /// `what` names the map in messages, e.g. "check" or "http probe".
    pub fn new(node: &'a Node, what: &'static str, d: &mut Diagnostics) -> Option<Self> {
        let NodeValue::Map(map) = &node.value else {
            d.error(
                node.pos,
                format!("{what} is {}", node.kind()),
                format!("expected a map of keys for the {what}"),
            );
            return None;
        };
        let mut entries = Vec::with_capacity(map.len());
        for (k, v) in map {
            match &k.value {
                NodeValue::Str(s) => entries.push((s.as_str(), k, v)),
                _ => d.error(
                    k.pos,
                    format!("a key of the {what} is {}", k.kind()),
                    "expected a text key",
                ),
            }
        }
        let taken = vec![false; entries.len()];
        Some(MapReader {
            entries,
            taken,
            pos: node.pos,
            what,
        })
    }

    /// The value of `key`, if present, marking it as known.
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let i = self.entries.iter().position(|(k, _, _)| *k == key)?;
        self.taken[i] = true;
        Some(self.entries[i].2)
    }

    /// The key's own position (for errors about the key rather than the value).
    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, n, _)| n.pos)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _, _)| *k == key)
    }

    /// Keys not taken yet, with their key node and value node.
    pub fn rest(&mut self) -> Vec<(&'a str, &'a Node, &'a Node)> {
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if !self.taken[i] {
                self.taken[i] = true;
                out.push(*e);
            }
        }
        out
    }

    /// A required key; its absence is an error at the map's position.
    pub fn require(&mut self, key: &str, d: &mut Diagnostics) -> Option<&'a Node> {
        let node = self.take(key);
        if node.is_none() {
            d.error(
                self.pos,
                format!("the {} has no `{key}`", self.what),
                format!("add `{key}:`"),
            );
        }
        node
    }

    /// Reports every key that was not taken, suggesting the closest known key.
    pub fn finish(self, known: &[&str], d: &mut Diagnostics) {
        for (i, (k, key_node, _)) in self.entries.iter().enumerate() {
            if self.taken[i] {
                continue;
            }
            let expected = match suggest(k, known) {
                Some(s) => format!("did you mean `{s}`? expected one of: {}", known.join(", ")),
                None => format!("expected one of: {}", known.join(", ")),
            };
            d.error(
                key_node.pos,
                format!("unknown key `{k}` in the {}", self.what),
                expected,
            );
        }
    }
}

pub fn string(node: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    match &node.value {
        NodeValue::Str(s) => Some(s.clone()),
        NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => node.scalar_text(),
        _ => {
            d.error(
                node.pos,
                format!("{what} is {}", node.kind()),
                "expected a text value",
            );
            None
        }
    }
}

pub fn boolean(node: &Node, what: &str, d: &mut Diagnostics) -> Option<bool> {
    match &node.value {
        NodeValue::Bool(b) => Some(*b),
        NodeValue::Str(s) if s == "true" => Some(true),
        NodeValue::Str(s) if s == "false" => Some(false),
        _ => {
            d.error(
                node.pos,
                format!("{what} is {}", node.kind()),
                "expected true or false",
            );
            None
        }
    }
}

pub fn unsigned(node: &Node, what: &str, max: u64, d: &mut Diagnostics) -> Option<u64> {
    let parsed = match &node.value {
        NodeValue::Int(i) => u64::try_from(*i).ok(),
        NodeValue::Str(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match parsed {
        Some(n) if n <= max => Some(n),
        _ => {
            d.error(
                node.pos,
                format!(
                    "{what} is {}",
                    node.scalar_text()
                        .map_or(node.kind().to_string(), |t| format!("`{t}`"))
                ),
                format!("expected a whole number from 0 to {max}"),
            );
            None
        }
    }
}

/// A wait (`timeout`, `retry_delay`): a duration of at most [`quantity::MAX_WAIT`] (24h).
pub fn duration(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Duration> {
    let text = string(node, what, d)?;
    match quantity::parse_duration(&text) {
        Ok(dur) if dur > quantity::MAX_WAIT => {
            d.error(
                node.pos,
                format!("{what} `{text}` is longer than 24h"),
                "expected a duration of at most 24h, such as 10s, 5m or 1h",
            );
            None
        }
        Ok(dur) => Some(dur),
        Err(e) => {
            d.error(
                node.pos,
                format!("{what} `{text}` is not a duration: {e}"),
                "expected a duration such as 500ms, 10s, 2m, 21d",
            );
            None
        }
    }
}

/// A list of strings; a single string is taken as a list of one.
pub fn strings(node: &Node, what: &str, d: &mut Diagnostics) -> Option<Vec<String>> {
    match &node.value {
        NodeValue::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(string(item, what, d)?);
            }
            Some(out)
        }
        NodeValue::Str(_) => Some(vec![string(node, what, d)?]),
        _ => {
            d.error(
                node.pos,
                format!("{what} is {}", node.kind()),
                "expected a list of text values, e.g. [a, b]",
            );
            None
        }
    }
}

/// A TCP/UDP port, 1 to 65535.
pub fn port(node: &Node, what: &str, d: &mut Diagnostics) -> Option<u16> {
    let parsed = match &node.value {
        NodeValue::Int(i) => u16::try_from(*i).ok(),
        NodeValue::Str(s) => s.trim().parse::<u16>().ok(),
        _ => None,
    };
    match parsed {
        Some(p) if p > 0 => Some(p),
        _ => {
            let shown = node
                .scalar_text()
                .map_or(node.kind().to_string(), |t| format!("`{t}`"));
            d.error(
                node.pos,
                format!("{what} is {shown}"),
                "expected a port from 1 to 65535",
            );
            None
        }
    }
}
