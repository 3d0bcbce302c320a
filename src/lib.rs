//! conform: checks that live infrastructure matches its declared state.
//!
//! The pipeline: `spec` loads check files into a [`spec::model::Plan`]; `run` schedules the
//! checks and `probe` talks to the network; `judge` compares observations with expectations;
//! `report` writes the results.

pub mod cli;
pub mod config;
pub mod judge;
pub mod matcher;
pub mod probe;
pub mod report;
pub mod run;
pub mod syntax;
