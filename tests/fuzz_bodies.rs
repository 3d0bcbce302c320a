//! The fuzz targets' bodies (`fuzz/bodies/`), built with the crate and run on every seed of
//! their corpus (`fuzz/corpus/<target>/`): a change to the library that breaks a fuzz target
//! fails here, and no seed may make a body panic. The fuzzing itself needs cargo-fuzz
//! (`fuzz/README.md`).

#[path = "../fuzz/bodies/answer.rs"]
mod answer;
#[path = "../fuzz/bodies/loader.rs"]
mod loader;
#[path = "../fuzz/bodies/matcher.rs"]
mod matcher;

use std::path::Path;

/// Runs `body` on every seed of `fuzz/corpus/<target>/`, and says how many there were.
fn every_seed(target: &str, body: fn(&[u8])) -> usize {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    seeds.sort();
    for seed in &seeds {
        let data = std::fs::read(seed).expect("read a seed");
        body(&data);
    }
    seeds.len()
}

#[test]
fn the_answer_body_runs_on_every_seed() {
    assert!(every_seed("answer", answer::run) >= 16);
    // And on inputs cut short at every length of the first seed's head.
    let seed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/answer/seed-00"))
            .expect("read a seed");
    for len in 0..seed.len().min(64) {
        answer::run(&seed[..len]);
    }
}

#[test]
fn the_loader_body_runs_on_every_seed() {
    assert!(every_seed("loader", loader::run) >= 6);
}

#[test]
fn the_matcher_body_runs_on_every_seed() {
    assert!(every_seed("matcher", matcher::run) >= 6);
}
