//! Connection reuse: shared by checks with the same settings, one per http2 host, own per http1 check.

use super::{TIMEOUT, chat_probe, echo_server, env_resolving};
use crate::support::*;
use conform::config::model::HttpProbe;
use conform::probe::http::HttpProber;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn checks_with_the_same_settings_share_a_connection() {
    let server = TestServer::start(echo_server()).await;
    let prober = HttpProber::new(&test_env());
    let probe = http_probe(&server.url("/"));
    for _ in 0..3 {
        assert_eq!(prober.probe(&probe, TIMEOUT).await.unwrap().status, 200);
    }

    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections(), 1);
}

/// Four checks of one HTTPS host that start together: the first opens a connection, the
/// others wait for it, and as it speaks HTTP/2 they all share it.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_checks_of_an_http2_host_share_one_connection() {
    // On a loaded machine a waiter can, rarely, miss the hand-over and open a second
    // connection; sharing must still be what happens, so one of three tries must show it.
    let mut connections = Vec::new();
    for _ in 0..3 {
        let (server, versions, elapsed) = four_at_once(&[b"h2", b"http/1.1"]).await;
        assert_eq!(versions, ["HTTP/2"; 4]);
        assert_eq!(server.requests().len(), 4);
        // Multiplexed, not one after another.
        assert!(elapsed < Duration::from_millis(350), "{elapsed:?}");
        connections.push(server.connections());
        if server.connections() == 1 {
            return;
        }
    }
    panic!("four HTTP/2 checks never shared one connection: {connections:?}");
}

/// The same over HTTP/1.1 only: the others wait for the first connection to open, then open
/// their own, and the four requests still run side by side.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_checks_of_an_http1_host_open_their_own_connections() {
    let (server, versions, elapsed) = four_at_once(&[b"http/1.1"]).await;
    assert_eq!(versions, ["HTTP/1.1"; 4]);
    assert_eq!(server.requests().len(), 4);
    assert_eq!(server.connections(), 4);
    assert!(elapsed < Duration::from_millis(350), "{elapsed:?}");
}

/// Four checks of `https://chat.test/` started at once with one prober, against a server
/// offering `alpn` that answers after 100 ms: the server, the HTTP versions seen and the time
/// all four took.
async fn four_at_once(alpn: &[&[u8]]) -> (TestServer, Vec<String>, Duration) {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TestServerConfig::https(&chain, &key, |_| {
        TestResponse::ok("ok").delay(Duration::from_millis(100))
    })
    .alpn(alpn);
    let server = TestServer::start(config).await;
    let prober = Arc::new(HttpProber::new(&env_resolving("chat.test")));
    let probe = Arc::new(chat_probe(server.port(), &pki));
    let started = Instant::now();
    let versions = concurrently(4, &prober, &probe).await;
    (server, versions, started.elapsed())
}

/// Runs `probe` `n` times at once with one prober; the HTTP versions seen, in order.
async fn concurrently(n: usize, prober: &Arc<HttpProber>, probe: &Arc<HttpProbe>) -> Vec<String> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (prober, probe) = (Arc::clone(prober), Arc::clone(probe));
            tokio::spawn(async move { prober.probe(&probe, TIMEOUT).await })
        })
        .collect();
    let mut versions = Vec::new();
    for task in tasks {
        let seen = task.await.expect("the probe task").expect("an answer");
        assert_eq!(seen.status, 200);
        versions.push(seen.version);
    }
    versions
}
