//! The ways an answer can fail to come: timeouts, refused, not http, cut short, over the size limit.

use super::{fail, observe};
use crate::support::*;
use conform::config::model::HttpProbe;
use conform::probe::http::HttpProber;
use conform::probe::{ProbeError, ProbeErrorKind};
use std::time::{Duration, Instant};

/// Probes with `timeout`, asserting that the probe fails and gives up within 2 s.
async fn fail_within_2s(probe: &HttpProbe, timeout: Duration) -> ProbeError {
    let started = Instant::now();
    let err = HttpProber::new(&test_env())
        .probe(probe, timeout)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    err
}

#[tokio::test]
async fn a_silent_server_times_out_while_waiting_for_headers() {
    let server = silent_server().await;
    let err = fail_within_2s(&http_probe(&server.url("/")), Duration::from_secs(1)).await;

    let addr = server.addr();
    assert_error(&err, ProbeErrorKind::Timeout, &headers_timeout(addr, "1s"));
}

#[tokio::test]
async fn a_silent_tls_server_times_out_while_connecting() {
    let server = silent_server().await;
    let probe = http_probe(&format!("https://{}/", server.addr()));
    let err = fail_within_2s(&probe, Duration::from_millis(500)).await;

    let addr = server.addr();
    assert_error(
        &err,
        ProbeErrorKind::Timeout,
        &format!(
            "GET https://{addr}/: no complete answer within 500ms (timeout) while connecting to \
             {addr} (TCP and TLS handshake)"
        ),
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_cut_and_flagged() {
    let big: Vec<u8> = (0..2 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let expected = big[..1024 * 1024].to_vec();
    let server = TestServer::start(TestServerConfig::http(move |_| {
        TestResponse::ok(big.clone())
    }))
    .await;
    let seen = observe(&test_env(), &http_probe(&server.url("/big"))).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body.len(), 1024 * 1024);
    assert_eq!(seen.body, expected);
    // How far past the cap reading went depends on how the bytes were chunked in transit.
    let exceeded = seen.body_exceeded.expect("body_exceeded set");
    assert!(
        exceeded > 1024 * 1024 && exceeded <= 2 * 1024 * 1024,
        "{exceeded}"
    );
}

#[tokio::test]
async fn a_body_at_the_limit_is_not_flagged() {
    let server = TestServer::start(TestServerConfig::http(|_| {
        TestResponse::ok(vec![7u8; 1000])
    }))
    .await;
    let mut probe = http_probe(&server.url("/"));
    probe.body_limit = 1000;
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.body, vec![7u8; 1000]);
    assert_eq!(seen.body_exceeded, None);
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let port = closed_port();
    let err = fail(
        &test_env(),
        &http_probe(&format!("http://127.0.0.1:{port}/")),
    )
    .await;

    assert_error(
        &err,
        ProbeErrorKind::Refused,
        &format!("GET http://127.0.0.1:{port}/: connection refused (127.0.0.1:{port})"),
    );
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_protocol_error() {
    let server = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()).await;
    let err = fail(&test_env(), &http_probe(&server.url("/"))).await;

    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &no_valid_http_answer(server.addr(), "invalid HTTP version parsed"),
    );
    let received = String::from_utf8(server.received()[0].clone()).unwrap();
    assert!(received.starts_with("GET / HTTP/1.1\r\n"), "{received}");
}

#[tokio::test]
async fn a_body_cut_short_is_a_protocol_error() {
    let server = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc".to_vec()).await;
    let err = fail(&test_env(), &http_probe(&server.url("/"))).await;

    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &body_broke_off(
            server.addr(),
            3,
            "end of file before message length reached",
        ),
    );
}

#[tokio::test]
async fn http_1_0_and_invalid_utf8_headers_are_observed() {
    let server = raw_server(b"HTTP/1.0 404 Not Found\r\nX-Bin: a\xffb\r\n\r\ngone".to_vec()).await;
    let seen = observe(&test_env(), &http_probe(&server.url("/"))).await;

    assert_eq!(seen.status, 404);
    assert_eq!(seen.version, "HTTP/1.0");
    assert_eq!(seen.header_values("x-bin"), vec!["a\u{fffd}b"]);
    assert_eq!(seen.body, b"gone");
}
