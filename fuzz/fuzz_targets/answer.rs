//! Any bytes as a server's answer, judged and reported: never a panic (`fuzz/bodies/answer.rs`).
//! The body is shared with `tests/fuzz_bodies.rs`, which runs it on the seed corpus.
#![no_main]

#[path = "../bodies/answer.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
