//! From YAML text to a [`Node`] tree, straight from the parser's events.
//!
//! The rules, which the README states for users under "A check file":
//! - one document per file; a file of only comments is null;
//! - YAML 1.2 core schema for plain scalars: `null`, `~` and nothing are null; only
//!   `true`/`false` (also `True`, `TRUE` …) are booleans; `302`, `-1`, `0x1f`, `0o17` are
//!   integers; `1.5`, `1e3`, `.inf`, `.nan` are numbers; everything else, and every quoted or
//!   block scalar, is a string;
//! - tags: `!!str` (or `!`) keeps a scalar as text, `!!int`, `!!float`, `!!bool` and `!!null`
//!   insist on their type; any other tag is an error rather than silently ignored;
//! - anchors and aliases (`&defaults`, `*defaults`) copy the anchored node, at most
//!   [`ALIAS_NODES`] nodes in all, so that a small file cannot expand into a huge tree;
//! - merge keys (`<<: *defaults`, or a list of them): the merged mappings' keys are added
//!   where the mapping does not give them itself, earlier merges first;
//! - nesting deeper than [`MAX_DEPTH`] is an error.

use super::node::{Node, NodeValue, ParseError, Pos};
use granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError};
use scalar::{collection_tag, error, scalar};
use std::collections::HashMap;

/// The most nodes that aliases may copy into one document.
pub const ALIAS_NODES: usize = 100_000;
/// The deepest nesting of sequences and mappings in one document.
pub const MAX_DEPTH: usize = 128;

/// The advice for a YAML syntax error.
const SYNTAX_ADVICE: &str = "expected valid YAML; check indentation, quotes and colons here";

impl Node {
    /// Parses one YAML document. The error carries the parser's position when it has one. A
    /// key given twice in one mapping is an error that names the key and both lines.
    pub fn parse(text: &str) -> Result<Node, ParseError> {
        if text.trim().is_empty() {
            return Ok(Node {
                pos: Pos { line: 1, column: 1 },
                value: NodeValue::Null,
            });
        }
        let node = parse_document(text)?;
        match node.first_duplicate_key() {
            Some(error) => Err(error),
            None => Ok(node),
        }
    }
}

/// Parses one YAML document into a tree (duplicate keys are looked for by [`Node::parse`]).
pub fn parse_document(text: &str) -> Result<Node, ParseError> {
    let mut builder = Builder::default();
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(syntax_error)?;
        builder.event(event, pos(&span.start))?;
    }
    Ok(builder.root.unwrap_or(Node {
        pos: Pos { line: 1, column: 1 },
        value: NodeValue::Null,
    }))
}

fn pos(marker: &Marker) -> Pos {
    Pos {
        line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
        column: u32::try_from(marker.col().saturating_add(1)).unwrap_or(u32::MAX),
    }
}

fn syntax_error(e: ScanError) -> ParseError {
    let info = e.info();
    // The parser's explanation is its first line; what follows repeats its own context.
    let first = info.lines().next().unwrap_or("syntax error");
    ParseError {
        pos: pos(e.marker()),
        message: format!("invalid YAML: {first}"),
        expected: SYNTAX_ADVICE.to_string(),
    }
}

/// A sequence or mapping whose end has not been read yet.
enum Open {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        /// The key read, waiting for its value; `true` when it is the merge key `<<`.
        key: Option<(Node, bool)>,
        /// What `<<` keys brought, in order.
        merged: Vec<Node>,
    },
}

#[derive(Default)]
struct Builder {
    open: Vec<Open>,
    root: Option<Node>,
    /// The anchored nodes of the document, with their sizes in nodes and their depths.
    anchors: HashMap<usize, (Node, Measure)>,
    /// Nodes copied by aliases so far.
    copied: usize,
    documents: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, at: Pos) -> Result<(), ParseError> {
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(error(
                        at,
                        "a second document in one file".into(),
                        "expected one YAML document per file; move what follows `---` to a \
                         file of its own",
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(text, style, tag.as_deref(), at)?;
                let merge_key = matches!(&value, NodeValue::Str(s) if s == "<<")
                    && style == ScalarStyle::Plain
                    && tag.is_none();
                self.finish(Node { pos: at, value }, anchor, merge_key);
            }
            Event::SequenceStart(_, anchor, tag) => {
                collection_tag(tag.as_deref(), "seq", at)?;
                self.start(
                    at,
                    Open::Seq {
                        pos: at,
                        anchor,
                        items: Vec::new(),
                    },
                )?;
            }
            Event::MappingStart(_, anchor, tag) => {
                collection_tag(tag.as_deref(), "map", at)?;
                self.start(
                    at,
                    Open::Map {
                        pos: at,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                        merged: Vec::new(),
                    },
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => match self.open.pop() {
                Some(Open::Seq { pos, anchor, items }) => {
                    let node = Node {
                        pos,
                        value: NodeValue::Seq(items),
                    };
                    self.finish(node, anchor, false);
                }
                Some(Open::Map {
                    pos,
                    anchor,
                    entries,
                    merged,
                    ..
                }) => {
                    let node = Node {
                        pos,
                        value: NodeValue::Map(merge(entries, merged)?),
                    };
                    self.finish(node, anchor, false);
                }
                None => {}
            },
            Event::Alias(id) => {
                let Some((node, measure)) = self.anchors.get(&id) else {
                    return Err(error(
                        at,
                        "an alias refers to a node that contains it".into(),
                        "expected an alias (*name) after the end of its anchored node (&name)",
                    ));
                };
                if self.open.len() + measure.depth > MAX_DEPTH {
                    return Err(too_deep(at));
                }
                self.copied = self.copied.saturating_add(measure.nodes);
                if self.copied > ALIAS_NODES {
                    return Err(error(
                        at,
                        format!("aliases copy more than {ALIAS_NODES} nodes"),
                        "expected aliases (*name) that repeat less; write the repeated part \
                         out, or split the file",
                    ));
                }
                let node = Node {
                    pos: at,
                    value: node.value.clone(),
                };
                self.finish(node, 0, false);
            }
            _ => {}
        }
        Ok(())
    }

    /// A sequence or mapping starts, within [`MAX_DEPTH`].
    fn start(&mut self, at: Pos, collection: Open) -> Result<(), ParseError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(too_deep(at));
        }
        self.open.push(collection);
        Ok(())
    }

    /// A complete node: remembered under its anchor, then given to its parent.
    fn finish(&mut self, node: Node, anchor: usize, merge_key: bool) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), measure(&node)));
        }
        match self.open.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map {
                entries,
                key,
                merged,
                ..
            }) => match key.take() {
                None => *key = Some((node, merge_key)),
                Some((_, true)) => merged.push(node),
                Some((k, false)) => entries.push((k, node)),
            },
        }
    }
}

fn too_deep(at: Pos) -> ParseError {
    error(
        at,
        format!("nested more than {MAX_DEPTH} levels deep"),
        "expected sequences and mappings nested less deeply",
    )
}

/// How many nodes a tree holds, itself included, and how many levels of collections.
#[derive(Clone, Copy, Default)]
struct Measure {
    nodes: usize,
    depth: usize,
}

fn measure(node: &Node) -> Measure {
    let children: Vec<&Node> = match &node.value {
        NodeValue::Seq(items) => items.iter().collect(),
        NodeValue::Map(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => return Measure { nodes: 1, depth: 0 },
    };
    children
        .into_iter()
        .map(measure)
        .fold(Measure { nodes: 1, depth: 1 }, |total, child| Measure {
            nodes: total.nodes.saturating_add(child.nodes),
            depth: total.depth.max(child.depth + 1),
        })
}

/// A mapping's own entries, then the merged ones it does not give itself.
fn merge(
    mut entries: Vec<(Node, Node)>,
    merged: Vec<Node>,
) -> Result<Vec<(Node, Node)>, ParseError> {
    let mut sources = Vec::new();
    for node in merged {
        match node.value {
            NodeValue::Map(m) => sources.push(m),
            NodeValue::Seq(items) => {
                for item in items {
                    match item.value {
                        NodeValue::Map(m) => sources.push(m),
                        _ => return Err(merge_error(item.pos)),
                    }
                }
            }
            _ => return Err(merge_error(node.pos)),
        }
    }
    for source in sources {
        for (key, value) in source {
            if !entries.iter().any(|(k, _)| k.value == key.value) {
                entries.push((key, value));
            }
        }
    }
    Ok(entries)
}

fn merge_error(at: Pos) -> ParseError {
    error(
        at,
        "the merge key `<<` is given something other than a mapping".into(),
        "expected `<<: *name` with an anchored mapping, or a list of them",
    )
}

mod scalar;
#[cfg(test)]
mod tests;
