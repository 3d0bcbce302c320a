//! Hand-built plan values, for tests that call probes through the library.

use super::pki::{certs_from_pem, key_from_pem};
use conform::config::model::{ClientIdentity, Environment, HttpProbe, ResolveRule};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// An environment named `test` with no resolve rules, trust roots or resolvers.
pub fn test_env() -> Environment {
    Environment::named("test")
}

/// `resolve: { host[:port]: to[:to_port] }`.
pub fn resolve_rule(host: &str, port: Option<u16>, to: &str, to_port: Option<u16>) -> ResolveRule {
    ResolveRule {
        host: host.to_ascii_lowercase(),
        port,
        to: to.parse::<IpAddr>().expect("an IP address"),
        to_port,
    }
}

/// A GET of `url`: no headers or body, redirects not followed, default TLS, 1 MiB body cap.
pub fn http_probe(url: &str) -> HttpProbe {
    HttpProbe::get(url.parse().expect("a URL"))
}

/// [`http_probe`] that follows up to `hops` redirects.
pub fn http_probe_following(url: &str, hops: u32) -> HttpProbe {
    let mut probe = http_probe(url);
    probe.follow_redirects = hops;
    probe
}

/// A client identity from PEM text (the file names are only for messages).
pub fn client_identity(chain_pem: &str, key_pem: &str) -> ClientIdentity {
    ClientIdentity {
        cert_file: PathBuf::from("client.pem"),
        key_file: PathBuf::from("client.key"),
        chain: certs_from_pem(chain_pem),
        key: Arc::new(key_from_pem(key_pem)),
    }
}
