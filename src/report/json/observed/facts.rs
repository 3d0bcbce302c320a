//! The facts `--baseline` compares: an attempt's `observed`, flattened to dotted names
//! (`status`, `leaf.fingerprint_sha256`), without the facts that change by nature.

use super::JsonObserved;
use serde_json::Value;
use std::collections::BTreeMap;

/// Facts left out of the comparison: a caching resolver's `ttl` counts down between two runs,
/// and a banner's `received` often carries the server's clock (an SMTP greeting's date).
pub const NOT_COMPARED: [&str; 2] = ["ttl", "received"];

/// The compared facts of `observed` by dotted name; a fact the try did not see is absent.
pub fn compared(observed: &JsonObserved) -> BTreeMap<String, Value> {
    let mut facts = BTreeMap::new();
    if let Ok(Value::Object(top)) = serde_json::to_value(observed) {
        flatten("", top, &mut facts);
    }
    facts.retain(|name, _| !NOT_COMPARED.contains(&name.as_str()));
    facts
}

fn flatten(
    prefix: &str,
    object: serde_json::Map<String, Value>,
    into: &mut BTreeMap<String, Value>,
) {
    for (name, value) in object {
        let name = format!("{prefix}{name}");
        match value {
            Value::Object(inner) => flatten(&format!("{name}."), inner, into),
            Value::Null => {}
            other => {
                into.insert(name, other);
            }
        }
    }
}
