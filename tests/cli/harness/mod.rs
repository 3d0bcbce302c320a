//! The harness every end-to-end test shares: a project folder and the files tests write in it,
//! the binary run with a hang limit, its output taken apart into check lines and detail blocks
//! (and asserted), JUnit helpers, certificate times, and the loopback servers most tests start.

mod junit;
mod project;
mod run;
mod servers;

pub(crate) use junit::*;
pub(crate) use project::*;
pub(crate) use run::*;
pub(crate) use servers::*;
