//! Exact outcomes the probe tests expect: an error of one kind with one message, and the
//! http probe's messages for a GET of `http://<addr>/` that gets no usable answer.

use conform::probe::{ProbeError, ProbeErrorKind};
use std::net::SocketAddr;

/// Asserts that `err` is exactly of `kind`, with exactly `message`.
#[track_caller]
pub fn assert_error(err: &ProbeError, kind: ProbeErrorKind, message: &str) {
    assert_eq!(err.kind, kind, "{}", err.message);
    assert_eq!(err.message, message);
}

/// A GET of `http://<addr>/` that timed out after `within` with no response headers.
pub fn headers_timeout(addr: SocketAddr, within: &str) -> String {
    format!(
        "GET http://{addr}/: no complete answer within {within} (timeout) while waiting for the \
         response headers from {addr}"
    )
}

/// A GET of `http://<addr>/` answered with something that is not HTTP, for `cause`.
pub fn no_valid_http_answer(addr: SocketAddr, cause: &str) -> String {
    format!("GET http://{addr}/: no valid HTTP answer from {addr}: {cause}")
}

/// A GET of `http://<addr>/` whose body broke off after `bytes` bytes, for `cause`.
pub fn body_broke_off(addr: SocketAddr, bytes: usize, cause: &str) -> String {
    format!("GET http://{addr}/: the body from {addr} broke off after {bytes} bytes: {cause}")
}
