//! A YAML document as a tree of nodes that remember where they stand in the file.
//!
//! The typed model is decoded from this tree by hand (see `decode.rs`), not by serde derive,
//! so that one pass can report every error of a file with its line and column, suggest the
//! key that was meant, and resolve variables inside scalars before they are typed.

use std::fmt;

/// A 1-based position in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a text is not a YAML document conform reads: where, what, and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
    pub expected: String,
}

/// One YAML value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: NodeValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in file order; duplicate keys are rejected by the YAML parser.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What kind of YAML value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a map",
        }
    }

    /// The scalar as text (strings, numbers, booleans), as the user wrote it in spirit.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            NodeValue::Str(s) => Some(s.clone()),
            NodeValue::Int(i) => Some(i.to_string()),
            NodeValue::Float(f) => Some(f.to_string()),
            NodeValue::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key` in a map node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| matches!(&k.value, NodeValue::Str(s) if s == key))
            .map(|(_, v)| v)
    }

    /// The first key (in file order of the repeat) that a mapping of the tree gives twice.
    pub(super) fn first_duplicate_key(&self) -> Option<ParseError> {
        let mut found: Option<ParseError> = None;
        let mut keep = |e: ParseError| {
            if found.as_ref().is_none_or(|f| e.pos < f.pos) {
                found = Some(e);
            }
        };
        match &self.value {
            NodeValue::Map(entries) => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    if let Some(name) = key.scalar_text()
                        && let Some((first, _)) = entries[..i]
                            .iter()
                            .find(|(k, _)| k.scalar_text().as_deref() == Some(name.as_str()))
                    {
                        keep(ParseError {
                            pos: key.pos,
                            message: format!(
                                "duplicate key `{name}`: first at {}, again at {}",
                                first.pos, key.pos
                            ),
                            expected: format!(
                                "expected each key once in a mapping; keep one `{name}` (merge \
                                 what the two say)"
                            ),
                        });
                    }
                    for child in [key, value] {
                        if let Some(e) = child.first_duplicate_key() {
                            keep(e);
                        }
                    }
                }
            }
            NodeValue::Seq(items) => {
                for item in items {
                    if let Some(e) = item.first_duplicate_key() {
                        keep(e);
                    }
                }
            }
            _ => {}
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_true_and_false_are_booleans() {
        let node = Node::parse("{ a: no, b: off, c: yes, d: true, e: False, f: n }").unwrap();
        let values: Vec<&NodeValue> = node
            .as_map()
            .unwrap()
            .iter()
            .map(|(_, v)| &v.value)
            .collect();
        assert_eq!(
            values,
            [
                &NodeValue::Str("no".into()),
                &NodeValue::Str("off".into()),
                &NodeValue::Str("yes".into()),
                &NodeValue::Bool(true),
                &NodeValue::Bool(false),
                &NodeValue::Str("n".into()),
            ]
        );
    }

    #[test]
    fn positions_of_keys_and_values() {
        let n = Node::parse("checks:\n  - name: a\n    expect: { status: 302 }\n").unwrap();
        let checks = n.get("checks").unwrap();
        assert_eq!(checks.pos, Pos { line: 2, column: 3 });
        let NodeValue::Seq(items) = &checks.value else {
            panic!("not a seq")
        };
        let status = items[0].get("expect").unwrap().get("status").unwrap();
        assert_eq!(status.value, NodeValue::Int(302));
        assert_eq!(
            status.pos,
            Pos {
                line: 3,
                column: 23
            }
        );
    }

    #[test]
    fn duplicate_keys_are_rejected_with_position() {
        let e = Node::parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.pos, Pos { line: 3, column: 1 });
        assert_eq!(e.message, "duplicate key `a`: first at 1:1, again at 3:1");
        assert_eq!(
            e.expected,
            "expected each key once in a mapping; keep one `a` (merge what the two say)"
        );
        let e = Node::parse("checks:\n  - name: x\n    http: { url: u, url: v }\n").unwrap_err();
        assert_eq!(
            e.pos,
            Pos {
                line: 3,
                column: 21
            }
        );
        assert_eq!(
            e.message,
            "duplicate key `url`: first at 3:13, again at 3:21"
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let ParseError { pos, message, .. } = Node::parse("a: [1, 2\nb: 3\n").unwrap_err();
        let msg = message.strip_prefix("invalid YAML: ").unwrap_or(&message);
        // The flow sequence is never closed: the parser finds out at `b:` on the next line.
        assert_eq!(pos, Pos { line: 2, column: 2 }, "{msg}");
        assert_eq!(msg, "illegal placement of ':' indicator");
    }

    #[test]
    fn scalars_keep_their_types() {
        let n = Node::parse("a: '302'\nb: 1.5\nc: true\nd: ~\ne: 2026-12-31\n").unwrap();
        assert_eq!(n.get("a").unwrap().value, NodeValue::Str("302".into()));
        assert_eq!(n.get("b").unwrap().value, NodeValue::Float(1.5));
        assert_eq!(n.get("c").unwrap().value, NodeValue::Bool(true));
        assert_eq!(n.get("d").unwrap().value, NodeValue::Null);
        assert_eq!(
            n.get("e").unwrap().value,
            NodeValue::Str("2026-12-31".into())
        );
    }
}
