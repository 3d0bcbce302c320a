//! TLS servers that send garbage, stall the handshake or send a very large chain.

use super::{ONE_SECOND, SLACK, TIMEOUT, fail, tls};
use crate::support::*;
use conform::config::model::{TlsOptions, TlsProbe};
use conform::probe::http::HttpProber;
use conform::probe::tls::HandshakeOutcome;
use conform::probe::{ProbeError, ProbeErrorKind};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---- tls ---------------------------------------------------------------------------------

const NAME: &str = "chat.test";

fn tls_probe(port: u16, roots: Vec<rustls::pki_types::CertificateDer<'static>>) -> TlsProbe {
    TlsProbe {
        host: "127.0.0.1".into(),
        port,
        sni: NAME.into(),
        alpn: Vec::new(),
        starttls: None,
        tls: std::sync::Arc::new(TlsOptions {
            extra_roots: roots,
            ..TlsOptions::default()
        }),
        ip: conform::config::model::IpFamily::Any,
        addresses: conform::config::model::AddressMode::One,
    }
}

/// Runs `probe` with `timeout`, expecting it to fail.
async fn tls_error(probe: &TlsProbe, timeout: Duration) -> ProbeError {
    match tls(probe, timeout).await {
        Ok(seen) => panic!("probe should have failed, saw {:?}", seen.outcome),
        Err(e) => e,
    }
}

/// How every TLS failure against 127.0.0.1:`port` begins.
fn tls_failed(port: u16) -> String {
    format!("TLS with 127.0.0.1:{port} failed: ")
}

/// 300 bytes that are not a TLS record; they begin 00 5b b6 11 6c c7 22 7d.
fn not_tls() -> BreakOff {
    BreakOff::Answer((0..300u32).map(|i| (i * 91 % 256) as u8).collect())
}

#[tokio::test]
async fn tls_garbage_instead_of_a_server_hello_is_a_tls_error() {
    let server = handshake_breaker(not_tls()).await;
    let port = server.port();
    let err = tls_error(&tls_probe(port, vec![]), TIMEOUT).await;
    assert_error(
        &err,
        ProbeErrorKind::Tls,
        &format!(
            "TLS with 127.0.0.1:{port} failed: the server's answer is not TLS (it begins with \
             bytes 00 5b b6 11 6c c7 22 7d): received corrupt message of type InvalidContentType"
        ),
    );
}

#[tokio::test]
async fn https_to_garbage_is_a_tls_error() {
    let server = handshake_breaker(not_tls()).await;
    let url = format!("https://127.0.0.1:{}/", server.port());
    let err = fail(&http_probe(&url), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Tls);
    let start = format!("GET {url}: {}", tls_failed(server.port()));
    assert!(err.message.starts_with(&start), "{}", err.message);
}

#[tokio::test]
async fn a_stalled_tls_handshake_times_out() {
    let server = handshake_breaker(BreakOff::Stall).await;
    let err = tls_error(&tls_probe(server.port(), vec![]), ONE_SECOND).await;
    assert_error(
        &err,
        ProbeErrorKind::Timeout,
        &format!(
            "TLS with 127.0.0.1:{}: no handshake within 1s (timeout); the server took the \
             connection but did not answer the ClientHello",
            server.port()
        ),
    );
}

/// Three checks of a host whose TLS handshake stalls, started together with one prober: the
/// first opens the connection and the others wait for it; each ends at its own timeout,
/// saying it was connecting.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_https_checks_of_a_stalled_handshake_each_time_out_connecting() {
    let server = handshake_breaker(BreakOff::Stall).await;
    let url = format!("https://127.0.0.1:{}/", server.port());
    let prober = Arc::new(HttpProber::new(&test_env()));
    let probe = Arc::new(http_probe(&url));
    let started = Instant::now();
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let (prober, probe) = (Arc::clone(&prober), Arc::clone(&probe));
            tokio::spawn(async move { prober.probe(&probe, ONE_SECOND).await })
        })
        .collect();
    for task in tasks {
        let err = task.await.expect("the probe task").unwrap_err();
        assert_error(
            &err,
            ProbeErrorKind::Timeout,
            &format!(
                "GET {url}: no complete answer within 1s (timeout) while connecting to \
                 127.0.0.1:{} (TCP and TLS handshake)",
                server.port()
            ),
        );
    }
    let elapsed = started.elapsed();
    assert!(elapsed < ONE_SECOND + SLACK, "{elapsed:?}");
}

/// A leaf for [`NAME`] and `extra` more names of 40 bytes each, signed by `ca`.
fn big_leaf(ca: &Authority, extra: usize) -> (String, String) {
    let names: Vec<String> = std::iter::once(NAME.to_string())
        .chain((0..extra).map(|i| format!("san-{i:05}.a-rather-long-name-to-pad.test")))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    ca.issue_valid(&names, SERVER_AUTH)
}

#[tokio::test]
async fn a_64kib_certificate_chain_is_observed() {
    let ca = Authority::root("conform hostile CA");
    let (chain, key) = big_leaf(&ca, 1500);
    let leaf = cert_der(&chain);
    // Just under rustls's limit for one handshake message (64 KiB - 1).
    assert!(
        leaf.len() > 61 * 1024 && leaf.len() < 63 * 1024,
        "{}",
        leaf.len()
    );
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let seen = tls(&tls_probe(server.port(), vec![ca.der()]), TIMEOUT)
        .await
        .expect("an observation");
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert_eq!(seen.chain, vec![leaf]);
    assert_eq!(seen.verified, Ok(()));
}

#[tokio::test]
async fn a_certificate_message_over_64kib_is_a_tls_error_that_says_so() {
    let ca = Authority::root("conform hostile CA");
    // Two certificates of about 42 KiB each: the chain cannot fit one handshake message.
    let (leaf, key) = big_leaf(&ca, 1000);
    let (padding, _) = big_leaf(&ca, 1000);
    let chain = format!("{leaf}{padding}");
    assert!(
        certs_from_pem(&chain)
            .iter()
            .map(|c| c.len())
            .sum::<usize>()
            > 80 * 1024
    );
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let err = tls_error(&tls_probe(server.port(), vec![ca.der()]), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Tls);
    assert!(
        err.message.starts_with(&tls_failed(server.port())),
        "{}",
        err.message
    );
    // The answer is TLS: the message must say that a handshake message (the certificate
    // chain) is over this client's 64 KiB limit, not that the server does not speak TLS.
    assert!(!err.message.contains("not TLS"), "{}", err.message);
    assert!(err.message.contains("64 KiB"), "{}", err.message);
}
