//! The tcp probe against loopback listeners: accepted, refused, and a connect that hangs.

use conform::config::model::{Environment, TcpProbe};
use conform::probe::resolve::Resolver;
use conform::probe::tcp::{ConnectOutcome, TcpObservation, probe};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// A listener on 127.0.0.1 that accepts (the kernel completes connects) and its port.
async fn open_port() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

/// Probes `host:port` in `env` (no system resolvers) with `timeout`.
async fn connect(env: &Environment, host: &str, port: u16, timeout: Duration) -> TcpObservation {
    let tcp = TcpProbe {
        host: host.into(),
        port,
        dialogue: None,
        ip: conform::config::model::IpFamily::Any,
        addresses: conform::config::model::AddressMode::One,
    };
    probe(&tcp, env, &Resolver::new(&[]), timeout)
        .await
        .expect("observed")
}

#[tokio::test]
async fn an_open_port_is_accepted() {
    let (_listener, port) = open_port().await;
    let env = Environment::named("test");
    let seen = connect(&env, "127.0.0.1", port, Duration::from_secs(2)).await;
    assert_eq!(seen.outcome, ConnectOutcome::Accepted);
    assert_eq!(seen.target, format!("127.0.0.1:{port}"));
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let port = crate::support::closed_port();
    let env = Environment::named("test");
    let seen = connect(&env, "127.0.0.1", port, Duration::from_secs(2)).await;
    assert_eq!(seen.outcome, ConnectOutcome::Refused);
}

#[tokio::test]
async fn resolve_rules_route_names() {
    let (_listener, port) = open_port().await;
    let mut env = Environment::named("test");
    env.resolve.push(crate::support::resolve_rule(
        "alb.test",
        None,
        "127.0.0.1",
        None,
    ));
    let seen = connect(&env, "alb.test", port, Duration::from_secs(2)).await;
    assert_eq!(seen.outcome, ConnectOutcome::Accepted);
    assert_eq!(seen.target, format!("127.0.0.1:{port}"));
}

#[tokio::test]
async fn a_connect_that_hangs_is_a_timeout_within_the_check_timeout() {
    let (_listener, addr, _fillers) = crate::support::full_backlog_listener();
    let env = Environment::named("test");
    let started = Instant::now();
    let seen = connect(&env, "127.0.0.1", addr.port(), Duration::from_secs(1)).await;
    assert_eq!(seen.outcome, ConnectOutcome::Timeout);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
}

/// With no time left to connect (a timeout within the probe's margin), the answer is not
/// `timeout` (which a check may expect of a filtered port) but an error: nothing was tried.
#[tokio::test]
async fn no_time_to_connect_is_an_error_not_a_timeout_answer() {
    let (_listener, port) = open_port().await;
    let tcp = TcpProbe {
        host: "127.0.0.1".into(),
        port,
        dialogue: None,
        ip: conform::config::model::IpFamily::Any,
        addresses: conform::config::model::AddressMode::One,
    };
    let err = probe(
        &tcp,
        &Environment::named("test"),
        &Resolver::new(&[]),
        Duration::from_millis(20),
    )
    .await
    .expect_err("no connect was tried");
    assert_eq!(err.kind, conform::probe::ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "no time was left to connect to 127.0.0.1:{port} (127.0.0.1:{port}) within 20ms (timeout)"
        )
    );
}

/// A short timeout still connects: only a connect that runs out of a sliver of time is an
/// error, not one that succeeds within it.
#[tokio::test]
async fn a_short_timeout_still_accepts_an_open_port() {
    let (_listener, port) = open_port().await;
    let seen = connect(
        &Environment::named("test"),
        "127.0.0.1",
        port,
        Duration::from_millis(60),
    )
    .await;
    assert_eq!(seen.outcome, ConnectOutcome::Accepted);
}
