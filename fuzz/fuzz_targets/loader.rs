//! Any text, decoded as a check file: never a panic (`fuzz/bodies/loader.rs`).
//! The body is shared with `tests/fuzz_bodies.rs`, which runs it on the seed corpus.
#![no_main]

#[path = "../bodies/loader.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
