//! The judge: pure functions from (expectation, observation) to the list of mismatches, one
//! per probe kind (`judge_http`, `judge_tls`, `judge_cert_file`, `judge_dns`, `judge_tcp`);
//! an empty list means pass. No I/O, so every rule is unit-tested with hand-built
//! observations.

mod capture;
pub mod cert;
mod http;
mod net;
mod tls;

pub use capture::{Taken, take_captures};
pub use http::{judge_http, jwks_urls};
pub use net::{judge_dns, judge_tcp};
pub use tls::{judge_cert_file, judge_tls};

use crate::matcher::{Actual, Context, Matcher, Mismatch, jwt};

/// Tests `actual` with `m` as of the judgement's clock and with its key sets (`ctx`), and
/// records a mismatch for `field` when it fails. A `jwt:` matcher records one mismatch
/// per part of the token that does not hold (`body json $.token jwt claims.aud`); and a value
/// a `jwt:` meets is a credential: a mismatch shows only its start and length.
fn check(out: &mut Vec<Mismatch>, field: &str, m: &Matcher, actual: &Actual, ctx: &Context) {
    if let Matcher::Jwt(token) = m {
        out.extend(token.misses(actual, ctx).into_iter().map(|miss| Mismatch {
            field: match miss.part.as_str() {
                "" => format!("{field} jwt"),
                part => format!("{field} jwt {part}"),
            },
            expected: miss.expected,
            actual: miss.actual,
            note: miss.note,
        }));
        return;
    }
    if let Err(miss) = m.test_in(actual, ctx) {
        out.push(Mismatch {
            field: field.to_string(),
            expected: m.to_string(),
            actual: match m.has_jwt() {
                true => shown(actual),
                false => actual.to_string(),
            },
            note: miss.why,
        });
    }
}

/// A value that may hold tokens, each shown only by its start and length.
fn shown(actual: &Actual) -> String {
    match actual {
        Actual::Text(t) => jwt::shown(t),
        Actual::List { items, .. } => {
            let items: Vec<String> = items.iter().map(shown).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}
