//! The one matcher type that serves every expectation: status codes, headers, bodies,
//! JSONPath results, certificate fields, DNS answers and timings.
//!
//! A matcher is tested against an [`Actual`], the observed value in a neutral form; the judge
//! turns probe observations into `Actual`s and matchers into mismatches.

mod actual;
pub mod decode;
pub mod jwt;
mod mismatch;
mod miss;

pub use actual::{Actual, Literal};
pub use decode::{decode_matcher, decode_quantity};
pub use jwt::{Context, Jwks, JwtMatcher, JwtMiss, KeySets};
pub use mismatch::Mismatch;
pub use miss::Miss;

use crate::syntax::quantity::{format_seconds, format_size};
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
    /// A text that is a JWT: its header, claims, expiry and signature.
    Jwt(Box<JwtMatcher>),
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

/// What a matcher makes of a value: it holds, it does not, or it cannot be asked of this
/// value at all (a duration compared with a number, `matches` on a list). The last is never
/// turned into a pass: `not` of a question that cannot be asked does not hold either.
#[derive(Debug)]
enum Verdict {
    Holds,
    /// Does not hold; why, when there is more to say than expected and actual.
    Misses(Option<String>),
    /// Cannot be asked of this value: why.
    Unanswerable(String),
}

use Verdict::{Holds, Misses, Unanswerable};

impl Matcher {
    /// Whether `actual` satisfies the matcher. A [`Miss`] carries why not when there is more
    /// to say than the expected and actual values themselves (always, for a question that
    /// cannot be asked of this value).
    ///
    /// The clock is the system's and no key set is at hand: a judge that has a clock or key
    /// sets uses [`Matcher::test_in`].
    pub fn test(&self, actual: &Actual) -> Result<(), Miss> {
        self.test_in(actual, &Context::at(time::OffsetDateTime::now_utc()))
    }

    /// [`Matcher::test`] with the judgement's clock and key sets.
    pub fn test_in(&self, actual: &Actual, ctx: &Context) -> Result<(), Miss> {
        match self.eval(actual, ctx) {
            Holds => Ok(()),
            Misses(why) => Err(Miss { why }),
            Unanswerable(why) => Err(Miss::because(why)),
        }
    }

    fn eval(&self, actual: &Actual, ctx: &Context) -> Verdict {
        let cannot = |why: &str| Unanswerable(why.to_string());
        match self {
            Matcher::Present => match actual {
                Actual::Absent => Misses(None),
                _ => Holds,
            },
            Matcher::Absent => match actual {
                Actual::Absent => Holds,
                _ => Misses(None),
            },
            // Combinations leave absence to the matchers they combine.
            Matcher::AnyOf(list) => any(list.iter().map(|m| m.eval(actual, ctx))),
            Matcher::AllOf(list) => {
                for m in list {
                    match m.eval(actual, ctx) {
                        Holds => {}
                        Misses(why) => return Misses(Some(not_because(m, why.as_deref()))),
                        Unanswerable(why) => {
                            return Unanswerable(not_because(m, Some(&why)));
                        }
                    }
                }
                Holds
            }
            _ if matches!(actual, Actual::Absent) => Misses(None),
            Matcher::Equals(lit) => verdict(actual.equals(lit)),
            Matcher::OneOf(lits) => verdict(lits.iter().any(|l| actual.equals(l))),
            Matcher::Contains(inner) => match actual {
                Actual::List { items, .. } => any(items.iter().map(|item| inner.eval(item, ctx))),
                _ => match actual.as_text() {
                    Some(text) => contains_text(&text, inner, ctx),
                    None => cannot("`contains` needs text or a list"),
                },
            },
            Matcher::Matches(re) => match actual.as_text() {
                Some(text) => verdict(re.is_match(&text)),
                None => cannot("`matches` needs text"),
            },
            Matcher::StartsWith(s) => match actual.as_text() {
                Some(text) => verdict(text.starts_with(s.as_str())),
                None => cannot("`starts_with` needs text"),
            },
            Matcher::EndsWith(s) => match actual.as_text() {
                Some(text) => verdict(text.ends_with(s.as_str())),
                None => cannot("`ends_with` needs text"),
            },
            Matcher::Compare(op, q) => compare(actual, *op, *q),
            Matcher::InCidr(nets) => in_cidr(actual, nets),
            Matcher::Not(inner) => match inner.eval(actual, ctx) {
                Holds => Misses(None),
                Misses(_) => Holds,
                Unanswerable(why) => Unanswerable(why),
            },
            Matcher::Each(inner) => match actual {
                // "Every item" of nothing would hold for a JSONPath that selects nothing, or a
                // DNS answer with no records: it does not hold.
                // Unanswerable, not a miss, so that `not: { each: .. }` does not pass either.
                Actual::List { items, .. } if items.is_empty() => {
                    Unanswerable("there are no items".into())
                }
                Actual::List { items, .. } => {
                    for (i, item) in items.iter().enumerate() {
                        // A token is a credential: an item a `jwt:` meets is shown by its start.
                        let shown = match (inner.has_jwt(), item.as_text()) {
                            (true, Some(text)) => jwt::shown(&text),
                            _ => item.to_string(),
                        };
                        let why = format!("item {} ({shown}) is not {inner}", i + 1);
                        match inner.eval(item, ctx) {
                            Holds => {}
                            Misses(_) => return Misses(Some(why)),
                            Unanswerable(cause) => return Unanswerable(format!("{why}: {cause}")),
                        }
                    }
                    Holds
                }
                _ => cannot("`each` needs a list"),
            },
            Matcher::Count(inner) => match actual {
                Actual::List { items, .. } => {
                    let n = Actual::Number(items.len() as f64);
                    match inner.eval(&n, ctx) {
                        Holds => Holds,
                        Misses(_) => Misses(Some(format!("it has {} items", items.len()))),
                        Unanswerable(why) => Unanswerable(why),
                    }
                }
                _ => cannot("`count` needs a list"),
            },
            Matcher::Empty(want) => {
                let empty = match actual {
                    Actual::List { items, .. } => items.is_empty(),
                    Actual::Text(t) => t.is_empty(),
                    Actual::Null => true,
                    Actual::Object(o) => o.is_empty(),
                    _ => return cannot("`empty` needs a list or text"),
                };
                verdict(empty == *want)
            }
            Matcher::StatusClass(class) => match actual.as_number() {
                Some(n) => verdict((n / 100.0).floor() as u16 == *class),
                None => cannot("a status class needs a number"),
            },
            Matcher::Jwt(jwt) => match actual {
                // A signature there is no key set for cannot be checked: unanswerable, not a
                // miss, so that `not:` does not pass either.
                Actual::Text(_) if jwt_unverifiable(jwt, ctx) => {
                    cannot("the JWKS was not fetched for this check: a signature cannot be checked")
                }
                Actual::Text(_) => {
                    let misses = jwt.misses(actual, ctx);
                    match misses.is_empty() {
                        true => Holds,
                        false => Misses(Some(join(&misses, "; "))),
                    }
                }
                _ => cannot("`jwt` needs text"),
            },
        }
    }

    /// Every URL of a JWKS some `jwt: { signed_by }` inside this matcher verifies with.
    pub fn jwks_urls(&self, out: &mut Vec<String>) {
        match self {
            Matcher::Jwt(jwt) => jwt.jwks_urls(out),
            Matcher::Contains(m) | Matcher::Not(m) | Matcher::Each(m) | Matcher::Count(m) => {
                m.jwks_urls(out)
            }
            Matcher::AnyOf(list) | Matcher::AllOf(list) => {
                list.iter().for_each(|m| m.jwks_urls(out))
            }
            _ => {}
        }
    }

    /// Whether a `jwt:` is inside: the value it meets is then a credential, shown only as
    /// [`jwt::shown`] does.
    pub fn has_jwt(&self) -> bool {
        match self {
            Matcher::Jwt(_) => true,
            Matcher::Contains(m) | Matcher::Not(m) | Matcher::Each(m) | Matcher::Count(m) => {
                m.has_jwt()
            }
            Matcher::AnyOf(list) | Matcher::AllOf(list) => list.iter().any(Matcher::has_jwt),
            _ => false,
        }
    }
}

/// `contains` on text: a text is a substring; `one_of`, `any_of` and `all_of` combine
/// substrings (`contains: { any_of: [a, b] }` holds when either is in the text); `matches`,
/// `starts_with` and `ends_with` apply to the whole text. `not` inside it is refused: on text
/// it would hold for nearly anything ("the text contains something that is not x").
/// Whether `jwt` names a key set (`signed_by`) that `ctx` does not hold.
fn jwt_unverifiable(jwt: &JwtMatcher, ctx: &Context) -> bool {
    let mut urls = Vec::new();
    jwt.jwks_urls(&mut urls);
    urls.iter().any(|url| ctx.keys.get(url).is_none())
}

fn contains_text(text: &str, inner: &Matcher, ctx: &Context) -> Verdict {
    let needle = |lit: &Literal| lit.as_text().map(|n| text.contains(n.as_str()));
    let empty = |lit: &Literal| lit.as_text().is_some_and(|n| n.is_empty());
    let in_any_text =
        || Unanswerable("an empty text is in any text: `contains` needs a text to look for".into());
    match inner {
        Matcher::Equals(lit) if empty(lit) => in_any_text(),
        Matcher::OneOf(lits) if lits.iter().any(empty) => in_any_text(),
        Matcher::Equals(lit) => match needle(lit) {
            Some(found) => verdict(found),
            None => Unanswerable("`contains` on text needs a text to look for".into()),
        },
        Matcher::OneOf(lits) => {
            let found: Option<Vec<bool>> = lits.iter().map(needle).collect();
            match found {
                Some(found) => verdict(found.into_iter().any(|f| f)),
                None => Unanswerable("`contains` on text needs texts to look for".into()),
            }
        }
        Matcher::AnyOf(list) => any(list.iter().map(|m| contains_text(text, m, ctx))),
        Matcher::AllOf(list) => {
            for m in list {
                match contains_text(text, m, ctx) {
                    Holds => {}
                    other => return other,
                }
            }
            Holds
        }
        Matcher::Not(_) => Unanswerable(
            "`not` inside `contains` holds for nearly any text; to say the text lacks x, \
             write not: { contains: x }"
                .into(),
        ),
        other => other.eval(&Actual::Text(text.to_string()), ctx),
    }
}

/// `not <m>`, then `: why` when there is something to add.
fn not_because(m: &Matcher, why: Option<&str>) -> String {
    match why {
        Some(why) => format!("not {m}: {why}"),
        None => format!("not {m}"),
    }
}

fn verdict(holds: bool) -> Verdict {
    if holds { Holds } else { Misses(None) }
}

/// Holds when one holds; otherwise a question that could not be asked of some item (or
/// alternative) is not a plain miss: `not` must not make it a pass.
fn any(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut unanswerable = None;
    for v in verdicts {
        match v {
            Holds => return Holds,
            Misses(_) => {}
            Unanswerable(why) => {
                unanswerable.get_or_insert(why);
            }
        }
    }
    match unanswerable {
        Some(why) => Unanswerable(why),
        None => Misses(None),
    }
}

fn compare(actual: &Actual, op: CmpOp, q: Quantity) -> Verdict {
    let lhs = match (actual, q) {
        (Actual::Seconds(s), Quantity::Seconds(_)) => Some(*s),
        (Actual::Seconds(_), _) => {
            return Unanswerable("compare a duration with a duration, such as 2s or 21d".into());
        }
        (_, Quantity::Seconds(_)) => {
            return Unanswerable("this value is not a duration".into());
        }
        _ => actual.as_number(),
    };
    let Some(lhs) = lhs else {
        return Unanswerable("a comparison needs a number".into());
    };
    let rhs = match q {
        Quantity::Number(n) | Quantity::Seconds(n) => n,
        Quantity::Bytes(b) => b as f64,
    };
    verdict(match op {
        CmpOp::Gt => lhs > rhs,
        CmpOp::Gte => lhs >= rhs,
        CmpOp::Lt => lhs < rhs,
        CmpOp::Lte => lhs <= rhs,
    })
}

fn in_cidr(actual: &Actual, nets: &[IpNet]) -> Verdict {
    let check_one = |item: &Actual| -> Verdict {
        let text = item.as_text().unwrap_or_default();
        match text.trim().parse::<IpAddr>() {
            // An IPv4 address written as IPv6 (`::ffff:10.1.2.3`) is in an IPv4 range too.
            Ok(ip)
                if nets
                    .iter()
                    .any(|n| n.contains(&ip) || n.contains(&ip.to_canonical())) =>
            {
                Holds
            }
            Ok(ip) => Misses(Some(format!("{ip} is outside every range"))),
            Err(_) => Unanswerable(format!("{item} is not an IP address")),
        }
    };
    match actual {
        // Unanswerable, so that `not: { in_cidr: .. }` does not pass on no addresses either.
        Actual::List { items, .. } if items.is_empty() => {
            Unanswerable("there are no addresses".into())
        }
        Actual::List { items, .. } => {
            for item in items {
                match check_one(item) {
                    Holds => {}
                    other => return other,
                }
            }
            Holds
        }
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
            Matcher::Jwt(jwt) => write!(f, "{jwt}"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
