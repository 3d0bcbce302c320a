//! The bottom layer of the configuration and of the matcher language: the YAML node with
//! source positions, diagnostics for people, decoding helpers, quantities (durations, sizes, the
//! evaluation clock), capped reading of source files, and the one escaping path for text that
//! may have come from the network. It imports nothing else from this crate.

pub mod decode;
pub mod diag;
pub mod escape;
pub mod file;
pub mod node;
pub mod quantity;
pub mod when;
pub mod yaml;
