//! Closed sets: the fields whose values come from a fixed list (DNS response codes, TLS
//! alerts and versions, HTTP statuses, key types, extended key usages, DNS record types).
//!
//! A value outside its set could never be observed, so a matcher that names one would fail
//! for ever, or, under `not`, pass for ever: `rcode: { not: NXDOMAN }` passed against an
//! NXDOMAIN answer. Every value written where a closed set applies is checked here when the
//! files load, at any depth of `not`, `any_of`, `all_of`, `one_of` and lists, with "did you
//! mean". The JSON Schema (`conform schema`) is built from the same lists, and
//! `tests/schema/` holds the two to the same answers.

mod sets;
mod trial;
mod walker;

pub use sets::{
    ALERTS, ClosedSet, EKUS, KEYS, RCODES, RECORD_TYPES, STATUS_MAX, STATUS_MIN, TLS_VERSIONS,
    is_status_text, status_class,
};
pub use trial::{EVERY_RCODE, Members, STATUSES, decided};
pub use walker::check_matcher;

use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

/// Which closed set a field takes, and the shape of the value the probe observes.
#[derive(Clone, Copy, Debug)]
pub enum Domain {
    /// One name from the set.
    One(&'static ClosedSet),
    /// A list of names from the set (a certificate's EKUs).
    List(&'static ClosedSet),
    /// An HTTP status: 100-599, or a class `1xx`-`5xx`.
    Status,
}

/// Decodes a matcher for a field that takes values of `domain`: a value outside the set is a
/// load error where it is written.
pub fn decode_closed(
    node: &Node,
    what: &str,
    domain: Domain,
    d: &mut Diagnostics,
) -> Option<crate::matcher::Matcher> {
    let matcher = crate::matcher::decode_matcher(node, what, d)?;
    let before = d.len();
    check_matcher(node, domain, what, d);
    (d.len() == before).then_some(matcher)
}

#[cfg(test)]
mod tests;
