//! `jwt:`, a matcher on a text that is a compact JWS: its header and claims are decoded
//! without trusting them and tested with matchers; `expires_in` is its `exp` minus the
//! judging clock; `signed_by` verifies its signature with a key of a JWKS the run fetched.
//!
//! A token is a bearer credential: no message quotes it, only [`shown`]'s start and length.

mod keys;
mod token;

pub use keys::{ALGORITHMS, Jwk, Jwks, Key, KeySets, verify};
pub use token::{Token, hide_tokens, shown};

use super::{Actual, CmpOp, Matcher, Quantity};
use serde_json::Value;
use std::fmt;
use time::OffsetDateTime;

/// What judging may need beyond the value: the clock of the judgement and the key sets of
/// the check's `signed_by` URLs.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub now: OffsetDateTime,
    pub keys: &'a KeySets,
}

static NO_KEYS: std::sync::LazyLock<KeySets> = std::sync::LazyLock::new(KeySets::default);

impl Context<'static> {
    /// The clock at `now` and no key set: a `signed_by` then fails, saying no key set was
    /// fetched.
    pub fn at(now: OffsetDateTime) -> Context<'static> {
        Context {
            now,
            keys: &NO_KEYS,
        }
    }
}

/// `jwt:` as written.
#[derive(Clone, Debug, Default)]
pub struct JwtMatcher {
    /// The JWKS URL whose key must have signed the token.
    pub signed_by: Option<String>,
    /// Header fields (`alg`, `kid`, `typ`) and their matchers, in file order.
    pub header: Vec<(String, Matcher)>,
    /// Claims and their matchers, in file order.
    pub claims: Vec<(String, Matcher)>,
    /// On `exp` minus now; when not written, a token whose `exp` has passed fails.
    pub expires_in: Option<Matcher>,
}

/// One part of a token that did not hold: `part` is what was looked at (`claims.aud`,
/// `signature`; empty for the token as a whole).
#[derive(Clone, Debug, PartialEq)]
pub struct JwtMiss {
    pub part: String,
    pub expected: String,
    pub actual: String,
    pub note: Option<String>,
}

impl JwtMiss {
    fn new(part: &str, expected: impl Into<String>, actual: impl Into<String>) -> JwtMiss {
        JwtMiss {
            part: part.to_string(),
            expected: expected.into(),
            actual: actual.into(),
            note: None,
        }
    }

    fn because(mut self, note: impl Into<String>) -> JwtMiss {
        self.note = Some(note.into());
        self
    }
}

impl fmt::Display for JwtMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.part.as_str() {
            "" => write!(f, "jwt: ")?,
            part => write!(f, "jwt {part}: ")?,
        }
        write!(f, "expected {}, got {}", self.expected, self.actual)?;
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}

impl JwtMatcher {
    /// Every URL of a JWKS this matcher verifies with.
    pub fn jwks_urls(&self, out: &mut Vec<String>) {
        if let Some(url) = &self.signed_by
            && !out.contains(url)
        {
            out.push(url.clone());
        }
        for (_, m) in self.header.iter().chain(&self.claims) {
            m.jwks_urls(out);
        }
    }

    /// What does not hold of `actual` as a token; empty when all holds.
    pub fn misses(&self, actual: &Actual, ctx: &Context) -> Vec<JwtMiss> {
        let text = match actual {
            Actual::Text(t) => t,
            Actual::Absent => return vec![JwtMiss::new("", "a JWT", "absent")],
            other => {
                // A list or an object may hold tokens: said by its shape only.
                let seen = match other {
                    Actual::List { items, .. } => format!("a list of {} items", items.len()),
                    Actual::Object(_) => "an object".to_string(),
                    scalar => scalar.to_string(),
                };
                return vec![JwtMiss::new("", "a JWT", seen).because("`jwt` needs text")];
            }
        };
        let token = match Token::parse(text) {
            Ok(token) => token,
            Err(why) => {
                return vec![
                    JwtMiss::new("", "a JWT (header.payload.signature)", shown(text))
                        .because(format!("not a JWT: {why}")),
                ];
            }
        };
        let mut out = Vec::new();
        let alg = token.header.get("alg");
        if alg
            .and_then(Value::as_str)
            .is_some_and(|a| a.eq_ignore_ascii_case("none"))
        {
            out.push(
                JwtMiss::new("header.alg", "a signing algorithm", "\"none\"")
                    .because("an unsigned token is always refused"),
            );
        } else if let Some(url) = &self.signed_by {
            match token.alg() {
                Some(a) if ALGORITHMS.contains(&a) => out.extend(self.signature(&token, url, ctx)),
                _ => out.push(
                    JwtMiss::new(
                        "header.alg",
                        format!("one of {}", ALGORITHMS.join(", ")),
                        alg.map_or("(missing)".to_string(), Value::to_string),
                    )
                    .because(format!(
                        "a token signed by {url} must use a public-key algorithm"
                    )),
                ),
            }
        }
        fields(&mut out, "header", &self.header, &token.header, ctx);
        fields(&mut out, "claims", &self.claims, &token.claims, ctx);
        out.extend(self.expiry(&token, ctx));
        out.extend(not_before(&token, ctx));
        out
    }

    fn signature(&self, token: &Token, url: &str, ctx: &Context) -> Option<JwtMiss> {
        let Some(set) = ctx.keys.get(url) else {
            return Some(
                JwtMiss::new(
                    "signature",
                    format!("a signature by a key of {url}"),
                    "no key set",
                )
                .because("the JWKS was not fetched for this check"),
            );
        };
        let (expected, actual, note) = verify(token, set, url).err()?;
        let mut miss = JwtMiss::new("signature", expected, actual);
        miss.note = note;
        Some(miss)
    }

    fn expiry(&self, token: &Token, ctx: &Context) -> Option<JwtMiss> {
        let written = self.expires_in.as_ref();
        let exp = match token.claims.get("exp") {
            None if written.is_some() => {
                let m = written?;
                return Some(
                    JwtMiss::new("expires_in", m.to_string(), "(missing)")
                        .because("the token has no exp claim"),
                );
            }
            None => return None,
            Some(v) => v,
        };
        let Some(exp) = exp.as_f64() else {
            let expected = written.map_or("a token not expired".to_string(), |m| m.to_string());
            return Some(
                JwtMiss::new("expires_in", expected, format!("exp {exp}"))
                    .because("exp is not a number of seconds"),
            );
        };
        let left = exp - ctx.now.unix_timestamp() as f64;
        let actual = Actual::Seconds(left);
        // When it has expired, when: a clock running behind shows here.
        let expired = (left <= 0.0).then(|| format!("it expired at {}", date(exp)));
        let (expected, miss) = match written {
            Some(m) => (m.to_string(), m.test_in(&actual, ctx).err()?),
            None => {
                let alive = Matcher::Compare(CmpOp::Gt, Quantity::Seconds(0.0));
                let miss = alive.test_in(&actual, ctx).err()?;
                ("a token not expired".to_string(), miss)
            }
        };
        let mut out = JwtMiss::new("expires_in", expected, actual.to_string());
        out.note = match (miss.why, expired) {
            (Some(why), Some(when)) => Some(format!("{why}; {when}")),
            (why, when) => why.or(when),
        };
        Some(out)
    }
}

/// A token whose `nbf` (not before) is still ahead of the judgement's moment is not valid
/// yet, whatever the check asks of it.
fn not_before(token: &Token, ctx: &Context) -> Option<JwtMiss> {
    let nbf = token.claims.get("nbf")?;
    let Some(at) = nbf.as_f64() else {
        return Some(
            JwtMiss::new("not_before", "a token valid now", format!("nbf {nbf}"))
                .because("nbf is not a number of seconds"),
        );
    };
    let ahead = at - ctx.now.unix_timestamp() as f64;
    (ahead > 0.0).then(|| {
        let actual = format!("valid in {}", Actual::Seconds(ahead));
        JwtMiss::new("not_before", "a token valid now", actual).because(format!("nbf {}", date(at)))
    })
}

/// `exp` as an RFC 3339 date, or as written when it is out of range.
fn date(exp: f64) -> String {
    let format = time::format_description::well_known::Rfc3339;
    OffsetDateTime::from_unix_timestamp(exp as i64)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("exp {exp}"))
}

/// Tests each written field of `section` (`header`, `claims`) against the token's.
fn fields(
    out: &mut Vec<JwtMiss>,
    section: &str,
    written: &[(String, Matcher)],
    seen: &serde_json::Map<String, Value>,
    ctx: &Context,
) {
    for (name, m) in written {
        let actual = seen.get(name).map_or(Actual::Absent, Actual::from_json);
        if let Err(miss) = m.test_in(&actual, ctx) {
            let shown = match actual {
                Actual::Absent => "(missing)".to_string(),
                other => other.to_string(),
            };
            let mut line = JwtMiss::new(&format!("{section}.{name}"), m.to_string(), shown);
            line.note = miss.why;
            out.push(line);
        }
    }
}

impl fmt::Display for JwtMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(url) = &self.signed_by {
            parts.push(format!("signed by {url}"));
        }
        for (section, list) in [("header", &self.header), ("claims", &self.claims)] {
            if !list.is_empty() {
                let each: Vec<String> = list.iter().map(|(k, m)| format!("{k} {m}")).collect();
                parts.push(format!("{section} {}", each.join(", ")));
            }
        }
        if let Some(m) = &self.expires_in {
            parts.push(format!("expires_in {m}"));
        }
        match parts.is_empty() {
            true => f.write_str("a JWT"),
            false => write!(f, "a JWT ({})", parts.join("; ")),
        }
    }
}

#[cfg(test)]
mod tests;
