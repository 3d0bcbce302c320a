//! `baseline.changed`: the checks whose observed facts changed while their outcome did not
//! (the certificate swapped, the redirect moved, a DNS answer added), fact by fact.

use super::super::observed::facts::compared;
use super::super::{JsonCheck, JsonObserved, JsonReport, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The first schema whose attempts carry `observed` for every kind.
pub const OBSERVED_SINCE: u32 = SCHEMA_VERSION;

/// One check whose facts changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangedCheck {
    pub id: String,
    /// By dotted name (`leaf.fingerprint_sha256`), in name order.
    pub facts: BTreeMap<String, FactChange>,
}

/// A fact's value in the baseline and now; `null` when that try did not see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactChange {
    pub before: Value,
    pub after: Value,
}

/// The checks of `new` whose outcome is the one they had in `old` and whose last try saw
/// other facts; `None` when `old` is of a schema without observed facts.
pub fn changed(old: &JsonReport, new: &JsonReport) -> Option<Vec<ChangedCheck>> {
    if old.schema_version < OBSERVED_SINCE {
        return None;
    }
    let before: HashMap<&str, &JsonCheck> = old.checks.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut list = Vec::new();
    for check in &new.checks {
        let Some(was) = before.get(check.id.as_str()) else {
            continue;
        };
        if was.outcome != check.outcome {
            continue;
        }
        let (Some(a), Some(b)) = (last_observed(was), last_observed(check)) else {
            continue;
        };
        let facts = differences(a, b);
        if !facts.is_empty() {
            list.push(ChangedCheck {
                id: check.id.clone(),
                facts,
            });
        }
    }
    Some(list)
}

/// What the try that decided the outcome saw.
fn last_observed(check: &JsonCheck) -> Option<&JsonObserved> {
    check.attempts.last()?.observed.as_ref()
}

fn differences(a: &JsonObserved, b: &JsonObserved) -> BTreeMap<String, FactChange> {
    let (before, after) = (compared(a), compared(b));
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (x, y) = (before.get(name), after.get(name));
            (x != y).then(|| {
                let value = |v: Option<&Value>| v.cloned().unwrap_or(Value::Null);
                (
                    name.clone(),
                    FactChange {
                        before: value(x),
                        after: value(y),
                    },
                )
            })
        })
        .collect()
}

/// How long a value the terminal shows may be before it is cut.
const SHOWN: usize = 60;

impl FactChange {
    /// `3f9a… → 81bc…`: each value short, for people (a long hex value cut to the first
    /// characters that tell the two apart, at least 4).
    pub fn short(&self) -> String {
        let (a, b) = (text(&self.before), text(&self.after));
        if is_hex(&a) && is_hex(&b) {
            let same = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
            let keep = (same + 1).max(4);
            return format!("{} → {}", cut(&a, keep), cut(&b, keep));
        }
        format!("{} → {}", cut(&a, SHOWN), cut(&b, SHOWN))
    }

    /// `before → after` in full.
    pub fn full(&self) -> String {
        format!("{} → {}", text(&self.before), text(&self.after))
    }
}

/// A value as text: strings bare, lists comma-separated in brackets, nothing as `(none)`.
pub fn text(value: &Value) -> String {
    match value {
        Value::Null => "(none)".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(text).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

fn is_hex(s: &str) -> bool {
    s.len() > 8 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn cut(s: &str, keep: usize) -> String {
    if s.chars().count() <= keep {
        return s.to_string();
    }
    let head: String = s.chars().take(keep).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_values_tell_the_two_apart() {
        let change = FactChange {
            before: json!("3f9a00112233445566"),
            after: json!("81bc00112233445566"),
        };
        assert_eq!(change.short(), "3f9a… → 81bc…");
        let close = FactChange {
            before: json!("3f9a0aa1"),
            after: json!("3f9a0bb2"),
        };
        assert_eq!(
            close.short(),
            "3f9a0aa1 → 3f9a0bb2",
            "8 characters are not cut"
        );
        let close = FactChange {
            before: json!("3f9a0a112233"),
            after: json!("3f9a0b112233"),
        };
        assert_eq!(close.short(), "3f9a0a… → 3f9a0b…");
        let list = FactChange {
            before: json!(["127.0.0.1"]),
            after: json!(["127.0.0.1", "127.0.0.2"]),
        };
        assert_eq!(list.short(), "[127.0.0.1] → [127.0.0.1, 127.0.0.2]");
        let gone = FactChange {
            before: json!("https://a.test/"),
            after: Value::Null,
        };
        assert_eq!(gone.short(), "https://a.test/ → (none)");
        let long = FactChange {
            before: json!("x".repeat(70)),
            after: json!(302),
        };
        assert_eq!(long.short(), format!("{}… → 302", "x".repeat(60)));
    }
}
