//! The in-process harness every end-to-end test shares: a test PKI made at test time, an
//! HTTP/HTTPS server that records what it was sent, raw TCP servers for hostile cases, and
//! constructors for hand-built probes and environments. Everything listens on 127.0.0.1 only.
//!
//! The two test binaries that use it, `tests/cli` and `tests/probes`, include it with
//! `#[path = "../support/mod.rs"] mod support;`. Not every test uses every helper.
#![allow(dead_code, unused_imports)]

mod authority;
pub mod dns_server;
mod expected;
pub mod issuer;
mod line;
mod model;
mod pki;
mod proxy;
mod raw;
mod server;
mod starttls;
mod tls_server;

pub use authority::{Authority, CLIENT_AUTH, Eku, SERVER_AUTH};
pub use expected::{assert_error, body_broke_off, headers_timeout, no_valid_http_answer};
pub use issuer::{Alg, Issuer, Responder, SigningKey, Verifier};
pub use line::{endless_server, line_server};
pub use model::{client_identity, http_probe, http_probe_following, resolve_rule, test_env};
pub use pki::{Pki, cert_der, certs_from_pem, days_from_now, key_from_pem, self_signed, write_pem};
pub use proxy::{ForwardProxy, ProxyConfig, ProxyEntry};
pub use raw::{
    RawServer, closed_port, full_backlog_listener, full_backlog_listener_at, raw_server,
    silent_server,
};
pub use server::{
    ClientAuth, Handler, RecordedRequest, ServerTls, TestResponse, TestServer, TestServerConfig,
};
pub use starttls::{BannerServer, StarttlsServer, Upgrade};
pub use tls_server::{
    AfterHandshake, BreakOff, Breaker, GREETING, ServerHandshake, TlsServer, TlsServerConfig,
    handshake_breaker,
};
