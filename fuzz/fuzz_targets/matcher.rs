//! Any text, decoded as a matcher and tested: never a panic (`fuzz/bodies/matcher.rs`).
//! The body is shared with `tests/fuzz_bodies.rs`, which runs it on the seed corpus.
#![no_main]

#[path = "../bodies/matcher.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
