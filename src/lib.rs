pub mod matcher;
pub mod spec;
