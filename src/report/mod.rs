//! Reports read a finished [`RunReport`](crate::run::RunReport) and write it out. Secrets are
//! redacted here, at the boundary, from the run's set of secret values.

pub mod coverage;
pub mod detail;
/// The escaping of network text lives with the syntax, so every layer can use it.
pub use crate::syntax::escape;
pub mod explain;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod metrics;
pub mod record;
pub mod tap;
pub mod terminal;
pub mod write;
