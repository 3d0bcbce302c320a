//! Fail closed at load time: a typo in a closed value, an empty expectation, an `envs:` or a
//! filter that names nothing is exit 2 with "did you mean", before anything is probed, never
//! a check that passes (or vanishes) by mistake.

mod closed_values;
mod expectations;
mod secret_urls;
mod selection;
