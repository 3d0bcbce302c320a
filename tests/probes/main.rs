//! The probes against in-process loopback servers, without the binary: each module drives one
//! probe kind (or, for `hostile`, servers that misbehave) and asserts what it observed.
//!
//! One test binary; `support` (shared with `tests/cli`) holds the servers and the test PKI.

#[path = "../support/mod.rs"]
mod support;

mod dns;
mod hostile;
mod http;
mod tcp;
mod tls;
