//! conform: checks that live infrastructure matches its declared state.
//!
//! The modules are layers, each importing only from the ones before it: `syntax` (the YAML
//! node with positions, diagnostics, decoding helpers, quantities, capped file reading) →
//! `matcher` (one matcher type for statuses, headers, bodies, answers and certificate fields)
//! → `config` (check and environment files: plain data in `config::model` at the bottom, the
//! decoders and the loader that build a [`config::model::Plan`] above it) → `probe` (talks to
//! the network and returns what it saw) → `judge` (compares observations with expectations,
//! no I/O) → `run` (schedules the checks, retries them, collects their results) → `report`
//! (terminal, JUnit, JSON and the other outputs) → `cli` (the command line).
//! `cargo test --test layers` (`tests/layers/`) fails on an import against this order and on
//! any import cycle inside a folder; `docs/architecture.md` says what each layer owns.

pub mod cli;
pub mod config;
pub mod judge;
pub mod matcher;
pub mod probe;
pub mod report;
pub mod run;
pub mod syntax;
