//! The tcp probe against loopback listeners: accepted, refused, and a connect that hangs.

mod support;

use conform::probe::resolve::Resolver;
use conform::probe::tcp::{ConnectOutcome, probe};
use conform::spec::model::{Environment, TcpProbe};
use std::time::{Duration, Instant};

fn tcp(host: &str, port: u16) -> TcpProbe {
    TcpProbe {
        host: host.into(),
        port,
    }
}

#[tokio::test]
async fn an_open_port_is_accepted() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let env = Environment::named("test");
    let seen = probe(
        &tcp("127.0.0.1", port),
        &env,
        &Resolver::new(&[]),
        Duration::from_secs(2),
    )
    .await
    .expect("observed");
    assert_eq!(seen.outcome, ConnectOutcome::Accepted);
    assert_eq!(seen.target, format!("127.0.0.1:{port}"));
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let port = support::closed_port();
    let env = Environment::named("test");
    let seen = probe(
        &tcp("127.0.0.1", port),
        &env,
        &Resolver::new(&[]),
        Duration::from_secs(2),
    )
    .await
    .expect("observed");
    assert_eq!(seen.outcome, ConnectOutcome::Refused);
}

#[tokio::test]
async fn resolve_rules_route_names() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut env = Environment::named("test");
    env.resolve
        .push(support::resolve_rule("alb.test", None, "127.0.0.1", None));
    let seen = probe(
        &tcp("alb.test", port),
        &env,
        &Resolver::new(&[]),
        Duration::from_secs(2),
    )
    .await
    .expect("observed");
    assert_eq!(seen.outcome, ConnectOutcome::Accepted);
    assert_eq!(seen.target, format!("127.0.0.1:{port}"));
}

#[tokio::test]
async fn a_connect_that_hangs_is_a_timeout_within_the_check_timeout() {
    let (_listener, addr, _fillers) = support::full_backlog_listener();
    let env = Environment::named("test");
    let started = Instant::now();
    let seen = probe(
        &tcp("127.0.0.1", addr.port()),
        &env,
        &Resolver::new(&[]),
        Duration::from_secs(1),
    )
    .await
    .expect("observed");
    assert_eq!(seen.outcome, ConnectOutcome::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}
