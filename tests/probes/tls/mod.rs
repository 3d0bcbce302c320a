//! The tls probe against in-process rustls servers and raw TCP servers: client certificates
//! refused and accepted under TLS 1.2 and 1.3, the server's certificate verified or only
//! recorded, ALPN and versions, the ways a handshake breaks off, and routing. Also the cert
//! probe's chain verification, on files made by the same PKI.

use crate::support::*;
use conform::config::model::{Environment, TlsOptions, TlsProbe};
use conform::probe::ProbeError;
use conform::probe::tls::{HandshakeOutcome, Rejection, TlsObservation, TlsProber};
use std::time::Duration;

mod broken_handshakes;
mod cert_probe;
mod certificates;
mod negotiation;

const TIMEOUT: Duration = Duration::from_secs(5);
const NAME: &str = "chat.test";

/// A server CA and a client CA, with the server's certificate for [`NAME`].
struct Fixture {
    server_ca: Authority,
    client_ca: Authority,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            server_ca: Authority::root("conform test CA"),
            client_ca: Authority::root("conform test client CA"),
        }
    }

    /// A valid server certificate for [`NAME`]: (chain PEM, key PEM).
    fn server_cert(&self) -> (String, String) {
        self.server_ca.issue_valid(&[NAME], SERVER_AUTH)
    }

    /// A probe of `port` on 127.0.0.1 with SNI [`NAME`], trusting the server CA.
    fn probe(&self, port: u16) -> TlsProbe {
        TlsProbe {
            host: "127.0.0.1".into(),
            port,
            sni: NAME.into(),
            alpn: Vec::new(),
            starttls: None,
            tls: std::sync::Arc::new(TlsOptions {
                extra_roots: vec![self.server_ca.der()],
                ..TlsOptions::default()
            }),
            ip: conform::config::model::IpFamily::Any,
            addresses: conform::config::model::AddressMode::One,
        }
    }
}

async fn run(
    env: &Environment,
    probe: &TlsProbe,
    timeout: Duration,
) -> Result<TlsObservation, ProbeError> {
    TlsProber::new(env).probe(probe, timeout).await
}

async fn observe(probe: &TlsProbe) -> TlsObservation {
    match run(&test_env(), probe, TIMEOUT).await {
        Ok(seen) => seen,
        Err(e) => panic!("the probe got no observation: {e:?}"),
    }
}

async fn fail(probe: &TlsProbe, timeout: Duration) -> ProbeError {
    match run(&test_env(), probe, timeout).await {
        Ok(seen) => panic!("the probe should have failed, saw {seen:?}"),
        Err(e) => e,
    }
}

fn alert(name: &str) -> HandshakeOutcome {
    HandshakeOutcome::Rejected {
        alert: Some(name.into()),
        how: Rejection::Alert,
    }
}
