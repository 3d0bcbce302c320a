//! The bottom layer of the configuration and of the matcher language: the YAML node with
//! source positions, diagnostics for people, decoding helpers, quantities (durations, sizes, the evaluation clock)
//! and capped reading of source files. It imports nothing else from this crate.

pub mod decode;
pub mod diag;
pub mod file;
pub mod node;
pub mod quantity;
pub mod when;
