//! The judge: pure functions from (expectation, observation) to the list of mismatches.
//! No I/O, so every rule is unit-tested with hand-built observations.

pub mod cert;
mod http;
mod net;
mod tls;

use crate::config::model::Expect;
use crate::probe::Observation;
use std::fmt;

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// What was looked at: `status`, `header location`, `body json $.errors`, `cert expires_in`.
    pub field: String,
    pub expected: String,
    pub actual: String,
    /// Why, when the expected and actual values alone do not say it.
    pub note: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.field, self.expected, self.actual
        )?;
        if !self.note.is_empty() {
            write!(f, " ({})", self.note)?;
        }
        Ok(())
    }
}

/// Tests `actual` with `m`, and records a mismatch for `field` when it fails.
fn check(
    out: &mut Vec<Mismatch>,
    field: &str,
    m: &crate::matcher::Matcher,
    actual: &crate::matcher::Actual,
) {
    if let Err(note) = m.test(actual) {
        out.push(Mismatch {
            field: field.to_string(),
            expected: m.to_string(),
            actual: actual.to_string(),
            note,
        });
    }
}

/// Every mismatch between what was expected and what was observed; empty means pass.
pub fn judge(
    expect: &Expect,
    observation: &Observation,
    now: time::OffsetDateTime,
) -> Vec<Mismatch> {
    match (expect, observation) {
        (Expect::Http(e), Observation::Http(o)) => http::judge_http(e, o, now),
        (Expect::Tls(e), Observation::Tls(o)) => tls::judge_tls(e, o, now),
        (Expect::Cert(e), Observation::Cert(o)) => tls::judge_cert_file(e, o, now),
        (Expect::Dns(e), Observation::Dns(o)) => net::judge_dns(e, o),
        (Expect::Tcp(e), Observation::Tcp(o)) => net::judge_tcp(e, o),
        // The loader pairs each probe with its own kind of expectation.
        (e, o) => vec![Mismatch {
            field: "expect".into(),
            expected: format!("{e:?}").chars().take(40).collect(),
            actual: format!("{o:?}").chars().take(40).collect(),
            note: "an expectation of another probe kind; this is a bug in conform".into(),
        }],
    }
}
