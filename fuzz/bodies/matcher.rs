//! Any text, decoded as a matcher and tested against a few observed values: never a panic.

use conform::matcher::{Actual, decode_matcher};
use conform::syntax::diag::Diagnostics;
use conform::syntax::node::Node;
use std::path::Path;

/// Decodes `data` as a matcher and tests it against a few observed values.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(node) = Node::parse(text) else {
        return;
    };
    let mut d = Diagnostics::new(Path::new("fuzz.yaml"));
    let Some(matcher) = decode_matcher(&node, "value", &mut d) else {
        return;
    };
    let actuals = [
        Actual::text("abc"),
        Actual::text("10.1.2.3"),
        Actual::text(""),
        Actual::Number(302.0),
        Actual::Number(-0.5),
        Actual::Number(f64::NAN),
        Actual::Seconds(21.0 * 86400.0),
        Actual::list(vec![Actual::text("a"), Actual::text("b")], true),
        Actual::list(vec![Actual::Number(1.0), Actual::Null], false),
        Actual::Absent,
        Actual::Null,
        Actual::Bool(true),
        Actual::Object(vec![("k".into(), Actual::text("v"))]),
    ];
    for actual in &actuals {
        let _ = matcher.test(actual);
        let _ = matcher.to_string();
    }
}
