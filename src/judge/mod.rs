//! The judge: pure functions from (expectation, observation) to the list of mismatches, one
//! per probe kind (`judge_http`, `judge_tls`, `judge_cert_file`, `judge_dns`, `judge_tcp`);
//! an empty list means pass. No I/O, so every rule is unit-tested with hand-built
//! observations.

mod capture;
pub mod cert;
mod http;
mod net;
mod tls;

pub use capture::take_captures;
pub use http::judge_http;
pub use net::{judge_dns, judge_tcp};
pub use tls::{judge_cert_file, judge_tls};

use crate::matcher::Mismatch;

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
