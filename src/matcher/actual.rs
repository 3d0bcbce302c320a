//! Observed values ([`Actual`]) and written ones ([`Literal`]), and how they compare.

use crate::syntax::quantity::{format_seconds, parse_signed_seconds};
use std::borrow::Cow;
use std::fmt;

/// A value the probe observed, in the neutral form matchers test.
#[derive(Clone, Debug, PartialEq)]
pub enum Actual {
    /// Nothing there: a missing header, a JSONPath that selects nothing.
    Absent,
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// A duration in seconds (response time, time left on a certificate; may be negative).
    Seconds(f64),
    /// `ordered` lists compare in order with a YAML list (JSON); others compare as sets
    /// (DNS answers, SANs, EKUs).
    List {
        items: Vec<Actual>,
        ordered: bool,
    },
    Object(Vec<(String, Actual)>),
}

/// A value written in a check file.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Literal>),
    Map(Vec<(String, Literal)>),
}

impl Literal {
    pub fn as_text(&self) -> Option<String> {
        match self {
            Literal::Text(t) => Some(t.clone()),
            Literal::Number(_) | Literal::Bool(_) => Some(self.to_string()),
            _ => None,
        }
    }
}

impl Actual {
    pub fn text(s: impl Into<String>) -> Actual {
        Actual::Text(s.into())
    }

    pub fn list(items: Vec<Actual>, ordered: bool) -> Actual {
        Actual::List { items, ordered }
    }

    /// A JSON value as an actual; arrays are ordered.
    pub fn from_json(v: &serde_json::Value) -> Actual {
        use serde_json::Value;
        match v {
            Value::Null => Actual::Null,
            Value::Bool(b) => Actual::Bool(*b),
            Value::Number(n) => Actual::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Actual::Text(s.clone()),
            Value::Array(a) => Actual::List {
                items: a.iter().map(Actual::from_json).collect(),
                ordered: true,
            },
            Value::Object(o) => Actual::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Actual::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// The value as text, for text matchers; numbers and booleans read as written.
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Actual::Text(t) => Some(Cow::Borrowed(t)),
            Actual::Number(_) | Actual::Bool(_) | Actual::Seconds(_) => {
                Some(Cow::Owned(self.to_string()))
            }
            _ => None,
        }
    }

    /// The value as a number; text that holds a number (a header) counts.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Actual::Number(n) => Some(*n),
            // `NaN` and `inf` parse, but are no number a bound can be asked of.
            Actual::Text(t) => t.trim().parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }

    /// Equality with a written value. Text and numbers compare by value across the two
    /// (a header `content-length: "42"` equals `42`); lists compare in order or as sets.
    pub fn equals(&self, lit: &Literal) -> bool {
        match (self, lit) {
            (Actual::Null, Literal::Null) => true,
            (Actual::Bool(a), Literal::Bool(b)) => a == b,
            (Actual::Number(a), Literal::Number(b)) => a == b,
            (Actual::Text(a), Literal::Text(b)) => a == b,
            (Actual::Text(a), Literal::Number(b)) => a.trim().parse::<f64>() == Ok(*b),
            (Actual::Text(a), Literal::Bool(b)) => a == &b.to_string(),
            (Actual::Number(a), Literal::Text(b)) => b.trim().parse::<f64>() == Ok(*a),
            (Actual::Seconds(a), Literal::Text(b)) => {
                parse_signed_seconds(b).is_ok_and(|s| (s - a).abs() < 0.001)
            }
            (Actual::List { items, ordered }, Literal::List(lits)) => {
                items.len() == lits.len()
                    && if *ordered {
                        items.iter().zip(lits).all(|(a, l)| a.equals(l))
                    } else {
                        set_equal(items, lits)
                    }
            }
            (Actual::Object(fields), Literal::Map(lits)) => {
                fields.len() == lits.len()
                    && lits
                        .iter()
                        .all(|(k, l)| fields.iter().any(|(fk, fv)| fk == k && fv.equals(l)))
            }
            _ => false,
        }
    }
}

/// Multiset equality: every literal pairs with a distinct item.
fn set_equal(items: &[Actual], lits: &[Literal]) -> bool {
    let mut used = vec![false; items.len()];
    lits.iter().all(
        |l| match (0..items.len()).find(|&i| !used[i] && items[i].equals(l)) {
            Some(i) => {
                used[i] = true;
                true
            }
            None => false,
        },
    )
}

/// At most this many characters of a text are kept in a message. The reports cut it much
/// shorter, but only after redacting secrets: a cut here, before redaction, could leave the
/// first part of a secret that straddles it, so it is far beyond what a report shows.
const KEPT_TEXT: usize = 64 * 1024;

fn write_text(f: &mut fmt::Formatter<'_>, t: &str) -> fmt::Result {
    let count = t.chars().count();
    if count <= KEPT_TEXT {
        return write!(f, "{t:?}");
    }
    let head: String = t.chars().take(KEPT_TEXT).collect();
    write!(f, "{head:?}… ({count} characters)")
}

fn write_number(f: &mut fmt::Formatter<'_>, n: f64) -> fmt::Result {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        write!(f, "{}", n as i64)
    } else {
        write!(f, "{n}")
    }
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Absent => f.write_str("absent"),
            Actual::Null => f.write_str("null"),
            Actual::Bool(b) => write!(f, "{b}"),
            Actual::Number(n) => write_number(f, *n),
            Actual::Text(t) => write_text(f, t),
            Actual::Seconds(s) => f.write_str(&format_seconds(*s)),
            Actual::List { items, .. } => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if i == 20 {
                        return write!(f, "… {} more]", items.len() - 20);
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Actual::Object(fields) => {
                f.write_str("{")?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k:?}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => write_number(f, *n),
            Literal::Text(t) => write_text(f, t),
            Literal::List(items) => {
                let parts: Vec<String> = items.iter().map(|i| i.to_string()).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            Literal::Map(fields) => {
                let parts: Vec<String> =
                    fields.iter().map(|(k, v)| format!("{k:?}: {v}")).collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
        }
    }
}
