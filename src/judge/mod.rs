//! The judge: pure functions from (expectation, observation) to the list of mismatches, one
//! per probe kind (`judge_http`, `judge_tls`, `judge_cert_file`, `judge_dns`, `judge_tcp`);
//! an empty list means pass. No I/O, so every rule is unit-tested with hand-built
//! observations.

pub mod cert;
mod http;
mod net;
mod tls;

pub use http::judge_http;
pub use net::{judge_dns, judge_tcp};
pub use tls::{judge_cert_file, judge_tls};

use std::fmt;

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// What was looked at: `status`, `header location`, `body json $.errors`, `cert expires_in`.
    pub field: String,
    pub expected: String,
    pub actual: String,
    /// Why, when the expected and actual values alone do not say it.
    pub note: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.field, self.expected, self.actual
        )?;
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
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
    if let Err(miss) = m.test(actual) {
        out.push(Mismatch {
            field: field.to_string(),
            expected: m.to_string(),
            actual: actual.to_string(),
            note: miss.why,
        });
    }
}
