//! `capture:`: the values an http answer gives its dependents (when it passes) and the
//! run's secrets (always), or, for each capture that finds nothing, a mismatch (the answer is
//! not what the suite needs).

use crate::config::model::{Capture, CaptureFrom};
use crate::matcher::Mismatch;
use crate::probe::HttpObservation;

/// What the captures found in one answer.
#[derive(Debug, Default)]
pub struct Taken {
    /// Each capture that found a value: its name and the value.
    pub values: Vec<(String, String)>,
    /// Each capture that found nothing (or an empty value): `capture NAME: expected a value
    /// at …, got nothing`.
    pub misses: Vec<Mismatch>,
}

/// Each capture's value, taken from `o`, or its miss.
pub fn take_captures(captures: &[Capture], o: &HttpObservation) -> Taken {
    let mut values = Vec::new();
    let mut misses = Vec::new();
    let doc: Option<serde_json::Value> = captures
        .iter()
        .any(|c| matches!(c.from, CaptureFrom::Json { .. }))
        .then(|| serde_json::from_slice(&o.body).ok())
        .flatten();
    for c in captures {
        let (found, nothing) = match &c.from {
            CaptureFrom::Json { path, text } => {
                let found = doc.as_ref().and_then(|doc| {
                    // `null` is no value: an error answer's `"token": null` captures nothing.
                    path.query(doc).all().first().and_then(|v| match v {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Null => None,
                        other => Some(other.to_string()),
                    })
                });
                let nothing = match &doc {
                    Some(_) => "nothing".to_string(),
                    None => "a body that is not JSON".to_string(),
                };
                (found, (format!("a value at {text}"), nothing))
            }
            CaptureFrom::Header(name) => (
                o.header_values(name).first().map(|v| v.to_string()),
                (format!("a header {name}"), "none".to_string()),
            ),
            CaptureFrom::Regex(re) => {
                let body = String::from_utf8_lossy(&o.body);
                let found = re.captures(&body).and_then(|m| {
                    m.get(1)
                        .or_else(|| m.get(0))
                        .map(|g| g.as_str().to_string())
                });
                (
                    found,
                    (
                        format!("a match of {} in the body", re.as_str()),
                        "none".to_string(),
                    ),
                )
            }
        };
        match found.filter(|v| !v.is_empty()) {
            Some(v) => values.push((c.name.clone(), v)),
            None => misses.push(Mismatch {
                field: format!("capture {}", c.name),
                expected: nothing.0,
                actual: nothing.1,
                note: None,
            }),
        }
    }
    Taken { values, misses }
}
