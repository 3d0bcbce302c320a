//! The environment's limits: `concurrency`, `host_concurrency`, `host_rate`.

use crate::syntax::decode::{string, unsigned};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

pub(super) fn positive(n: &Node, what: &str, d: &mut Diagnostics) -> Option<usize> {
    let v = unsigned(n, what, 10_000, d)?;
    if v == 0 {
        d.error(n.pos, format!("{what} is 0"), "expected at least 1");
        return None;
    }
    Some(v as usize)
}

/// `10/s`, `15/10s`, `100/1m`: requests per period.
pub(super) fn rate(node: &Node, d: &mut Diagnostics) -> Option<crate::config::model::Rate> {
    let text = string(node, "`host_rate`", d)?;
    let parsed = text.split_once('/').and_then(|(count, per)| {
        let count: u32 = count.trim().parse().ok().filter(|c| *c > 0)?;
        let per = per.trim();
        let per = if per.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            crate::syntax::quantity::parse_duration(per).ok()?
        } else {
            crate::syntax::quantity::parse_duration(&format!("1{per}")).ok()?
        };
        (!per.is_zero()).then_some(crate::config::model::Rate { count, per })
    });
    match parsed {
        None => d.error(
            node.pos,
            format!("`host_rate` `{text}` is not a rate"),
            "expected requests per period, e.g. 10/s, 15/10s or 100/1m",
        ),
        // Waits are bounded: a period past a day would hold checks back for days.
        Some(rate) if rate.per > crate::syntax::quantity::MAX_WAIT => {
            d.error(
                node.pos,
                format!("`host_rate` `{text}` has a period longer than 24h"),
                "expected a period of at most 24h, e.g. 10/s, 15/10s or 100/1h",
            );
            return None;
        }
        Some(_) => {}
    }
    parsed
}
