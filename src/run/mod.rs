//! The scheduler: runs the plan's checks with global and per-host limits, timeouts and
//! retries, and applies `pending`. It knows nothing about HTTP or DNS.

pub mod result;

pub use result::{Attempt, CheckResult, Counts, Outcome, RunReport};
