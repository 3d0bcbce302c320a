//! Trying a matcher on every value of a small closed set, so that one that can never fail
//! (or never pass) is a load error.

use super::sets::{RCODES, STATUS_MAX, STATUS_MIN};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

/// Every value a field can have, when the set is small enough to try a matcher on each.
pub struct Members {
    /// What one value is, for messages: "HTTP status".
    name: &'static str,
    pub(super) values: std::sync::LazyLock<Vec<crate::matcher::Actual>>,
    /// An expectation that decides something, for messages.
    example: &'static str,
}

/// Every status a server can send; the common ones first, so that most expectations are
/// decided within a few tries.
pub static STATUSES: Members = Members {
    name: "HTTP status",
    values: std::sync::LazyLock::new(|| {
        let common = [200, 404, 301, 302, 500, 401, 403, 503];
        common
            .into_iter()
            .chain((STATUS_MIN..=STATUS_MAX).filter(|n| !common.contains(n)))
            .map(|n| crate::matcher::Actual::Number(n as f64))
            .collect()
    }),
    example: "200 or { not: 5xx }",
};

/// Every rcode the dns probe can report (the unassigned ones by two of them).
pub static EVERY_RCODE: Members = Members {
    name: "DNS response code",
    values: std::sync::LazyLock::new(|| {
        RCODES
            .values
            .iter()
            .copied()
            .chain(["RCODE12", "RCODE4095"])
            .map(crate::matcher::Actual::text)
            .collect()
    }),
    example: "NOERROR or { not: SERVFAIL }",
};

/// A matcher of a field that always has a value from a small closed set (a status, an rcode)
/// is tried on the values of the set: one that holds for all of them can never fail (a gate
/// that always passes), one that holds for none can never pass. Both are load errors; the
/// matcher is returned when it decides something. The trial stops at the first value that
/// holds after one that does not (or the reverse).
pub fn decided(
    m: crate::matcher::Matcher,
    node: &Node,
    what: &str,
    members: &Members,
    d: &mut Diagnostics,
) -> Option<crate::matcher::Matcher> {
    let (mut holds, mut misses) = (false, false);
    for v in members.values.iter() {
        if m.test(v).is_ok() {
            holds = true;
        } else {
            misses = true;
        }
        if holds && misses {
            return Some(m);
        }
    }
    let (name, example) = (members.name, members.example);
    let (verdict, never, some) = if holds {
        ("every", "fail", "fail")
    } else {
        ("no", "pass", "pass")
    };
    d.error(
        node.pos,
        format!("{what} holds for {verdict} {name}: it can never {never}"),
        format!("expected an expectation that some {name} would {some}, e.g. {example}"),
    );
    None
}
