//! Variables resolved in every string scalar of a node tree, errors at the scalar's place.

use super::model::Secrets;
use super::vars::{VarError, VarSource, interpolate};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};

/// A copy of `node` with variables resolved in every string value (keys are left alone).
/// Invalid variables go to `errors`; values the process environment lacks go to `missing`.
pub fn resolve_node(
    node: &Node,
    src: &VarSource,
    secrets: &mut Secrets,
    errors: &mut Diagnostics,
    missing: &mut Diagnostics,
) -> Node {
    let value = match &node.value {
        NodeValue::Str(s) => match interpolate(s, src, secrets) {
            Ok(v) => NodeValue::Str(v),
            Err(VarError::Invalid { message, expected }) => {
                errors.error(node.pos, message, expected);
                NodeValue::Str(s.clone())
            }
            Err(VarError::Missing {
                message,
                expected,
                text,
            }) => {
                missing.error(node.pos, message, expected);
                NodeValue::Str(text)
            }
        },
        NodeValue::Seq(items) => NodeValue::Seq(
            items
                .iter()
                .map(|i| resolve_node(i, src, secrets, errors, missing))
                .collect(),
        ),
        NodeValue::Map(entries) => NodeValue::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), resolve_node(v, src, secrets, errors, missing)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node {
        pos: node.pos,
        value,
    }
}
