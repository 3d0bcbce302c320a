//! The http probe against the in-process test server: requests as sent, redirects,
//! connect_to / resolve / sni routing, TLS trust and client certificates, and the ways an
//! answer can fail to come (timeout, refused, garbage, oversize).

use crate::support::*;
use conform::config::model::{Environment, HttpProbe};
use conform::probe::ProbeError;
use conform::probe::http::{HttpObservation, HttpProber};
use std::time::Duration;

mod connections;
mod failures;
mod redirects;
mod requests;
mod routing;
mod tls;

const TIMEOUT: Duration = Duration::from_secs(5);

async fn run(env: &Environment, probe: &HttpProbe) -> Result<HttpObservation, ProbeError> {
    HttpProber::new(env).probe(probe, TIMEOUT).await
}

async fn observe(env: &Environment, probe: &HttpProbe) -> HttpObservation {
    match run(env, probe).await {
        Ok(seen) => seen,
        Err(e) => panic!("probe failed: {e:?}"),
    }
}

async fn fail(env: &Environment, probe: &HttpProbe) -> ProbeError {
    match run(env, probe).await {
        Ok(seen) => panic!("probe should have failed, saw status {}", seen.status),
        Err(e) => e,
    }
}

fn echo_server() -> TestServerConfig {
    TestServerConfig::http(|_| TestResponse::ok("hi").header("x-test", "yes"))
}

/// An HTTPS server for `names`, signed by `pki`'s CA, and a probe trusting that CA.
async fn https_server(pki: &Pki, names: &[&str]) -> (TestServer, Vec<u8>) {
    let (chain, key) = pki.valid_server_cert(names);
    let server = TestServer::start(TestServerConfig::https(&chain, &key, |_| {
        TestResponse::ok("secure")
    }))
    .await;
    (server, cert_der(&chain))
}

fn env_resolving(host: &str) -> Environment {
    let mut env = test_env();
    env.resolve
        .push(resolve_rule(host, None, "127.0.0.1", None));
    env
}

/// `GET https://chat.test:<port>/`, trusting `pki`'s CA.
fn chat_probe(port: u16, pki: &Pki) -> HttpProbe {
    let mut probe = http_probe(&format!("https://chat.test:{port}/"));
    std::sync::Arc::make_mut(&mut probe.tls).extra_roots = vec![pki.ca_der()];
    probe
}
