//! Fail closed, the run's part: no check vanishes (a panic inside a check is its `error`),
//! waits are bounded (24h), signals end a run at once with its reports written, and the
//! bodies of passing checks are not kept.

use crate::harness::*;
use serde_json::Value;

mod bodies;
mod panics;
pub(crate) mod signals;
mod waits;

fn report_json(p: &Project) -> Value {
    serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report")
}
