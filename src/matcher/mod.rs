//! The one matcher type that serves every expectation: status codes, headers, bodies,
//! JSONPath results, certificate fields, DNS answers and timings.
//!
//! A matcher is tested against an [`Actual`], the observed value in a neutral form; the judge
//! turns probe observations into `Actual`s and matchers into mismatches.

mod actual;
pub mod decode;

pub use actual::{Actual, Literal};
pub use decode::{decode_matcher, decode_quantity};

use crate::spec::quantity::{format_seconds, format_size};
use ipnet::IpNet;
use regex::Regex;
use std::fmt;
use std::net::IpAddr;

#[derive(Clone, Debug)]
pub enum Matcher {
    Equals(Literal),
    /// On text: the literal is a substring. On a list: some item matches.
    Contains(Box<Matcher>),
    Matches(Regex),
    StartsWith(String),
    EndsWith(String),
    OneOf(Vec<Literal>),
    Present,
    Absent,
    Compare(CmpOp, Quantity),
    InCidr(Vec<IpNet>),
    Not(Box<Matcher>),
    AnyOf(Vec<Matcher>),
    AllOf(Vec<Matcher>),
    Each(Box<Matcher>),
    Count(Box<Matcher>),
    /// `empty: true` (or `empty: false`, meaning not empty).
    Empty(bool),
    /// An HTTP status class written as `"3xx"`.
    StatusClass(u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// The right-hand side of a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quantity {
    Number(f64),
    /// A duration in seconds; negative for `expires_in: { gt: -1d }`.
    Seconds(f64),
    Bytes(u64),
}

impl Matcher {
    /// Whether `actual` satisfies the matcher; the error says why not when there is more to
    /// say than the expected and actual values themselves.
    pub fn test(&self, actual: &Actual) -> Result<(), String> {
        let fail = |why: &str| Err(why.to_string());
        match self {
            Matcher::Present => match actual {
                Actual::Absent => fail(""),
                _ => Ok(()),
            },
            Matcher::Absent => match actual {
                Actual::Absent => Ok(()),
                _ => fail(""),
            },
            // Combinations leave absence to the matchers they combine.
            Matcher::AnyOf(list) => bool_result(list.iter().any(|m| m.test(actual).is_ok())),
            Matcher::AllOf(list) => {
                for m in list {
                    if let Err(why) = m.test(actual) {
                        let why = if why.is_empty() {
                            String::new()
                        } else {
                            format!(": {why}")
                        };
                        return Err(format!("not {m}{why}"));
                    }
                }
                Ok(())
            }
            _ if matches!(actual, Actual::Absent) => fail(""),
            Matcher::Equals(lit) => bool_result(actual.equals(lit)),
            Matcher::OneOf(lits) => bool_result(lits.iter().any(|l| actual.equals(l))),
            Matcher::Contains(inner) => match actual {
                Actual::List { items, .. } => {
                    bool_result(items.iter().any(|item| inner.test(item).is_ok()))
                }
                _ => match (actual.as_text(), inner.as_ref()) {
                    (Some(text), Matcher::Equals(lit)) => match lit.as_text() {
                        Some(needle) => bool_result(text.contains(needle.as_str())),
                        None => fail("`contains` on text needs a text to look for"),
                    },
                    (Some(text), other) => bool_result(
                        // `contains: { matches: .. }` on text: the matcher applies to the text.
                        other.test(&Actual::Text(text.into_owned())).is_ok(),
                    ),
                    (None, _) => fail("`contains` needs text or a list"),
                },
            },
            Matcher::Matches(re) => match actual.as_text() {
                Some(text) => bool_result(re.is_match(&text)),
                None => fail("`matches` needs text"),
            },
            Matcher::StartsWith(s) => match actual.as_text() {
                Some(text) => bool_result(text.starts_with(s.as_str())),
                None => fail("`starts_with` needs text"),
            },
            Matcher::EndsWith(s) => match actual.as_text() {
                Some(text) => bool_result(text.ends_with(s.as_str())),
                None => fail("`ends_with` needs text"),
            },
            Matcher::Compare(op, q) => compare(actual, *op, *q),
            Matcher::InCidr(nets) => in_cidr(actual, nets),
            Matcher::Not(inner) => match inner.test(actual) {
                Ok(()) => fail(""),
                Err(_) => Ok(()),
            },
            Matcher::Each(inner) => match actual {
                Actual::List { items, .. } => {
                    for (i, item) in items.iter().enumerate() {
                        if inner.test(item).is_err() {
                            return Err(format!("item {} ({item}) is not {inner}", i + 1));
                        }
                    }
                    Ok(())
                }
                _ => fail("`each` needs a list"),
            },
            Matcher::Count(inner) => match actual {
                Actual::List { items, .. } => {
                    let n = Actual::Number(items.len() as f64);
                    inner
                        .test(&n)
                        .map_err(|_| format!("it has {} items", items.len()))
                }
                _ => fail("`count` needs a list"),
            },
            Matcher::Empty(want) => {
                let empty = match actual {
                    Actual::List { items, .. } => items.is_empty(),
                    Actual::Text(t) => t.is_empty(),
                    Actual::Null => true,
                    Actual::Object(o) => o.is_empty(),
                    _ => return fail("`empty` needs a list or text"),
                };
                bool_result(empty == *want)
            }
            Matcher::StatusClass(class) => match actual.as_number() {
                Some(n) => bool_result((n / 100.0).floor() as u16 == *class),
                None => fail("a status class needs a number"),
            },
        }
    }
}

fn bool_result(ok: bool) -> Result<(), String> {
    if ok { Ok(()) } else { Err(String::new()) }
}

fn compare(actual: &Actual, op: CmpOp, q: Quantity) -> Result<(), String> {
    let lhs = match (actual, q) {
        (Actual::Seconds(s), Quantity::Seconds(_)) => Some(*s),
        (Actual::Seconds(_), _) => {
            return Err("compare a duration with a duration, such as 2s or 21d".into());
        }
        (_, Quantity::Seconds(_)) => {
            return Err("this value is not a duration".into());
        }
        _ => actual.as_number(),
    };
    let Some(lhs) = lhs else {
        return Err("a comparison needs a number".into());
    };
    let rhs = match q {
        Quantity::Number(n) | Quantity::Seconds(n) => n,
        Quantity::Bytes(b) => b as f64,
    };
    bool_result(match op {
        CmpOp::Gt => lhs > rhs,
        CmpOp::Gte => lhs >= rhs,
        CmpOp::Lt => lhs < rhs,
        CmpOp::Lte => lhs <= rhs,
    })
}

fn in_cidr(actual: &Actual, nets: &[IpNet]) -> Result<(), String> {
    let check_one = |item: &Actual| -> Result<(), String> {
        let text = item.as_text().unwrap_or_default();
        match text.trim().parse::<IpAddr>() {
            Ok(ip) if nets.iter().any(|n| n.contains(&ip)) => Ok(()),
            Ok(ip) => Err(format!("{ip} is outside every range")),
            Err(_) => Err(format!("{item} is not an IP address")),
        }
    };
    match actual {
        Actual::List { items, .. } if items.is_empty() => Err("there are no addresses".into()),
        Actual::List { items, .. } => items.iter().try_for_each(check_one),
        other => check_one(other),
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
        })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Number(n) => write!(f, "{}", Literal::Number(*n)),
            Quantity::Seconds(s) => f.write_str(&format_seconds(*s)),
            Quantity::Bytes(b) => f.write_str(&format_size(*b)),
        }
    }
}

fn join<T: fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Equals(l) => write!(f, "{l}"),
            Matcher::Contains(m) => write!(f, "contains {m}"),
            Matcher::Matches(r) => write!(f, "matches /{}/", r.as_str()),
            Matcher::StartsWith(s) => write!(f, "starts with {}", Literal::Text(s.clone())),
            Matcher::EndsWith(s) => write!(f, "ends with {}", Literal::Text(s.clone())),
            Matcher::OneOf(l) => write!(f, "one of [{}]", join(l, ", ")),
            Matcher::Present => f.write_str("present"),
            Matcher::Absent => f.write_str("absent"),
            Matcher::Compare(op, q) => write!(f, "{op} {q}"),
            Matcher::InCidr(n) => write!(f, "in {}", join(n, ", ")),
            Matcher::Not(m) => write!(f, "not ({m})"),
            Matcher::AnyOf(l) => write!(f, "any of ({})", join(l, " | ")),
            Matcher::AllOf(l) => write!(f, "{}", join(l, " and ")),
            Matcher::Each(m) => write!(f, "each item {m}"),
            Matcher::Count(m) => write!(f, "count {m}"),
            Matcher::Empty(true) => f.write_str("empty"),
            Matcher::Empty(false) => f.write_str("not empty"),
            Matcher::StatusClass(c) => write!(f, "{c}xx"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
