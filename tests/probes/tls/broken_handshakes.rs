//! The ways a handshake breaks off (silence, close, reset, stall, not TLS, refused), and routing.

use super::{Fixture, NAME, TIMEOUT, fail, observe, run};
use crate::support::*;
use conform::probe::ProbeErrorKind;
use conform::probe::tls::{HandshakeOutcome, Rejection};
use rustls::version::{TLS12, TLS13};
use std::time::{Duration, Instant};

// ---- after the handshake -------------------------------------------------------------

/// A server that asks for a client certificate may refuse it (or its absence) after a TLS 1.3
/// handshake: the completed handshake is watched for a while before it counts as accepted.
#[tokio::test]
async fn a_silent_server_that_asked_for_a_certificate_accepts_after_a_short_wait() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server =
        TlsServer::start(TlsServerConfig::new(&chain, &key).ask_client_cert(&f.client_ca.pem()))
            .await;
    let clock = Instant::now();
    let seen = observe(&f.probe(server.port())).await;
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert!(seen.certificate_requested);
    // The handshake itself is quick; the wait for a refusal is not counted in `elapsed`.
    assert!(
        clock.elapsed() >= Duration::from_millis(300),
        "{:?}",
        clock.elapsed()
    );
    assert!(
        seen.elapsed < Duration::from_millis(300),
        "{:?}",
        seen.elapsed
    );
    assert_eq!(server.handshakes()[0].result, Ok(Some(NAME.to_string())));
}

#[tokio::test]
async fn the_wait_for_a_refusal_never_outlasts_the_timeout() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server =
        TlsServer::start(TlsServerConfig::new(&chain, &key).ask_client_cert(&f.client_ca.pem()))
            .await;
    let clock = Instant::now();
    let seen = run(
        &test_env(),
        &f.probe(server.port()),
        Duration::from_millis(100),
    )
    .await
    .expect("an observation");
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert!(seen.certificate_requested);
    assert!(
        clock.elapsed() < Duration::from_millis(250),
        "{:?}",
        clock.elapsed()
    );
}

/// A server that asked for a certificate and closes once the client has finished its side
/// of the handshake has refused this client, under both versions.
#[tokio::test]
async fn a_server_that_asked_and_closes_right_after_the_handshake_rejects() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    for version in [&TLS13, &TLS12] {
        let server = TlsServer::start(
            TlsServerConfig::new(&chain, &key)
                .ask_client_cert(&f.client_ca.pem())
                .versions(&[version])
                .after(AfterHandshake::Close),
        )
        .await;
        let seen = observe(&f.probe(server.port())).await;
        let closed = HandshakeOutcome::Rejected {
            alert: None,
            how: Rejection::Closed,
        };
        assert_eq!(seen.outcome, closed, "{version:?}");
        assert!(seen.certificate_requested, "{version:?}");
    }
}

/// A server that never asked for a client certificate cannot refuse one: its handshake is
/// accepted the moment it completes, without watching the connection afterwards. The proof
/// that nothing was read after the handshake: a server that closes right after it still
/// counts as accepted (a close is seen only by reading), under both versions.
#[tokio::test]
async fn a_server_that_never_asked_for_a_certificate_is_accepted_without_a_wait() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    for version in [&TLS13, &TLS12] {
        for after in [AfterHandshake::Hold, AfterHandshake::Close] {
            let server = TlsServer::start(
                TlsServerConfig::new(&chain, &key)
                    .versions(&[version])
                    .after(after),
            )
            .await;
            let seen = observe(&f.probe(server.port())).await;
            let case = format!("{version:?} {after:?}");
            assert_eq!(seen.outcome, HandshakeOutcome::Accepted, "{case}");
            assert!(!seen.certificate_requested, "{case}");
            assert_eq!(seen.verified, Ok(()), "{case}");
            let handshakes = server.handshakes_when(1).await;
            assert_eq!(handshakes[0].result, Ok(Some(NAME.to_string())), "{case}");
        }
    }
}

// ---- handshakes broken off -----------------------------------------------------------

#[tokio::test]
async fn a_reset_during_the_handshake_rejects() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Reset).await;
    let seen = observe(&f.probe(server.port())).await;
    let reset = HandshakeOutcome::Rejected {
        alert: None,
        how: Rejection::Reset,
    };
    assert_eq!(seen.outcome, reset);
    assert_eq!(seen.outcome.to_string(), "rejected (connection reset)");
    assert_eq!(seen.version, None);
}

#[tokio::test]
async fn a_close_during_the_handshake_rejects() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Close).await;
    let seen = observe(&f.probe(server.port())).await;
    let closed = HandshakeOutcome::Rejected {
        alert: None,
        how: Rejection::Closed,
    };
    assert_eq!(seen.outcome, closed);
}

#[tokio::test]
async fn a_stalled_handshake_times_out() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Stall).await;
    let clock = Instant::now();
    let err = fail(&f.probe(server.port()), Duration::from_secs(1)).await;
    let elapsed = clock.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "TLS with 127.0.0.1:{}: no handshake within 1s (timeout); the server took the \
             connection but did not answer the ClientHello",
            server.port()
        )
    );
}

#[tokio::test]
async fn an_answer_that_is_not_tls_is_an_error() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Answer(
        b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
    ))
    .await;
    let err = fail(&f.probe(server.port()), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Tls);
    assert_eq!(
        err.message,
        format!(
            "TLS with 127.0.0.1:{} failed: the server's answer is not TLS (it begins \
             \"HTTP/1.1 400 Bad Request\"): received corrupt message of type \
             InvalidContentType",
            server.port()
        )
    );
}

// ---- where the probe connects --------------------------------------------------------

#[tokio::test]
async fn connection_refused() {
    let f = Fixture::new();
    let port = closed_port();
    let err = fail(&f.probe(port), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Refused);
    assert_eq!(
        err.message,
        format!("connection refused (127.0.0.1:{port})")
    );
}

#[tokio::test]
async fn a_name_the_environment_resolves_is_used_for_sni_and_verification() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let mut env = test_env();
    env.resolve
        .push(resolve_rule(NAME, None, "127.0.0.1", None));
    let mut probe = f.probe(server.port());
    probe.host = NAME.into();
    let seen = run(&env, &probe, TIMEOUT).await.expect("an observation");
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert_eq!(seen.target, format!("127.0.0.1:{}", server.port()));
    assert_eq!(seen.sni, NAME);
    assert_eq!(seen.verified, Ok(()));
    let handshakes = server.handshakes_when(1).await;
    assert_eq!(handshakes[0].result, Ok(Some(NAME.to_string())));
}

#[tokio::test]
async fn a_name_that_does_not_resolve() {
    let f = Fixture::new();
    let mut probe = f.probe(443);
    probe.host = "no-such-host.invalid".into();
    let err = fail(&probe, TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Dns);
    assert!(
        err.message
            .starts_with("no-such-host.invalid did not resolve ("),
        "{}",
        err.message
    );
}
