//! UDP and TCP: truncation, the default server, silence, closed ports, replies with another id
//! and garbage.

use super::{TIMEOUT, a_query, observe, question};
use crate::support::dns_server::{self, Misbehaviour};
use conform::config::model::{DnsProbe, DnsProtocol};
use conform::probe::dns::DnsProber;
use conform::probe::{ProbeError, ProbeErrorKind};
use hickory_proto::rr::RecordType;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn over_tcp(probe: DnsProbe) -> DnsProbe {
    DnsProbe {
        protocol: DnsProtocol::Tcp,
        ..probe
    }
}

/// The probe's error, which it must give.
async fn failure(probe: &DnsProbe, timeout: Duration) -> ProbeError {
    DnsProber::new(&crate::support::test_env())
        .probe(probe, timeout)
        .await
        .expect_err("an error, not an observation")
}

#[tokio::test]
async fn a_truncated_udp_answer_is_asked_again_over_tcp() {
    let server = dns_server::start().await;
    let seen = observe(&question(
        "many.conform.test.",
        RecordType::A,
        server.addr(),
    ))
    .await;
    assert!(seen.retried_over_tcp);
    assert_eq!(seen.protocol, DnsProtocol::Tcp);
    assert_eq!(seen.rcode, "NOERROR");
    let mut answers = seen.answers.clone();
    answers.sort();
    let mut expected: Vec<String> = (0..dns_server::MANY)
        .map(|i| format!("10.0.0.{i}"))
        .collect();
    expected.sort();
    assert_eq!(answers, expected);
    assert_eq!(seen.ttls, vec![300; dns_server::MANY]);
}

#[tokio::test]
async fn a_truncated_answer_that_tcp_does_not_complete_is_an_error() {
    let server = dns_server::hostile(Misbehaviour::TruncatedThenSilent).await;
    let err = failure(&a_query(server.addr()), Duration::from_millis(400)).await;
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "{0} truncated its UDP answer, and asking again over TCP failed: no answer from \
             {0} over TCP within 400ms (timeout)",
            server.addr()
        )
    );
}

/// An answer still marked truncated over TCP holds a part of the records: an error, over
/// TCP asked first or after a truncated UDP answer, never records judged as all of them.
#[tokio::test]
async fn an_answer_truncated_over_tcp_too_is_an_error() {
    let server = dns_server::hostile(Misbehaviour::TruncatedAlways).await;
    let whole = format!(
        "{} marked its TCP answer truncated (TC): its records are a part of them",
        server.addr()
    );
    for (probe, message) in [
        (over_tcp(a_query(server.addr())), whole.clone()),
        (
            a_query(server.addr()),
            format!(
                "{} truncated its UDP answer, and asking again over TCP failed: {whole}",
                server.addr()
            ),
        ),
    ] {
        let err = failure(&probe, TIMEOUT).await;
        assert_eq!(err.kind, ProbeErrorKind::Protocol);
        assert_eq!(err.message, message);
    }
}

#[tokio::test]
async fn protocol_tcp_asks_over_tcp() {
    let server = dns_server::start().await;
    let probe = over_tcp(a_query(server.addr()));
    let seen = observe(&probe).await;
    assert_eq!(seen.protocol, DnsProtocol::Tcp);
    assert!(!seen.retried_over_tcp);
    assert_eq!(seen.answers, ["192.0.2.1"]);
}

#[tokio::test]
async fn without_a_server_the_environments_first_resolver_is_asked() {
    let server = dns_server::start().await;
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let mut env = crate::support::test_env();
    env.resolvers = vec![server.addr(), silent.addr()];
    let mut probe = a_query(server.addr());
    probe.server = None;
    let seen = DnsProber::new(&env)
        .probe(&probe, TIMEOUT)
        .await
        .expect("an answer");
    assert_eq!(seen.server, server.addr());
    assert_eq!(seen.answers, ["192.0.2.1"]);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = dns_server::hostile(Misbehaviour::Silent).await;
    let timeout = Duration::from_millis(500);
    let started = Instant::now();
    let err = failure(&a_query(server.addr()), timeout).await;
    let elapsed = started.elapsed();
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "no answer from {} over UDP within 500ms (timeout)",
            server.addr()
        )
    );
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(elapsed < timeout + Duration::from_secs(1), "{elapsed:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_over_tcp_times_out() {
    let server = dns_server::hostile(Misbehaviour::Silent).await;
    let probe = over_tcp(a_query(server.addr()));
    let started = Instant::now();
    let err = failure(&probe, Duration::from_millis(300)).await;
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "no answer from {} over TCP within 300ms (timeout)",
            server.addr()
        )
    );
    assert!(started.elapsed() < Duration::from_millis(1300));
}

#[tokio::test]
async fn a_closed_udp_port_is_refused() {
    let addr = dns_server::closed_udp_port();
    let started = Instant::now();
    let err = failure(&a_query(addr), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Refused);
    assert_eq!(
        err.message,
        format!("{addr} refused the query over UDP (port unreachable)")
    );
    assert!(
        started.elapsed() < TIMEOUT,
        "refused at once, not timed out"
    );
}

#[tokio::test]
async fn a_closed_tcp_port_is_refused() {
    let addr: SocketAddr = ([127, 0, 0, 1], crate::support::closed_port()).into();
    let probe = over_tcp(a_query(addr));
    let err = failure(&probe, TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Refused);
    assert_eq!(err.message, format!("{addr} refused the TCP connection"));
}

#[tokio::test]
async fn a_reply_with_another_id_is_ignored_for_the_right_one() {
    let server = dns_server::hostile(Misbehaviour::WrongIdThenRight).await;
    let seen = observe(&a_query(server.addr())).await;
    assert_eq!(seen.answers, [dns_server::WRONG_ID_THEN_RIGHT_ADDRESS]);
}

#[tokio::test]
async fn only_replies_with_another_id_time_out() {
    let server = dns_server::hostile(Misbehaviour::WrongId).await;
    let err = failure(&a_query(server.addr()), Duration::from_millis(400)).await;
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "no answer from {} over UDP within 400ms (timeout); ignored 1 datagram(s) that \
             were not an answer to the question",
            server.addr()
        )
    );
}

#[tokio::test]
async fn garbage_over_udp_is_ignored_until_the_timeout() {
    let server = dns_server::hostile(Misbehaviour::Garbage).await;
    let started = Instant::now();
    let err = failure(&a_query(server.addr()), Duration::from_millis(400)).await;
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert!(
        err.message
            .ends_with("ignored 1 datagram(s) that were not an answer to the question"),
        "{}",
        err.message
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn garbage_over_tcp_is_a_protocol_error() {
    let server = dns_server::hostile(Misbehaviour::Garbage).await;
    let probe = over_tcp(a_query(server.addr()));
    let err = failure(&probe, TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Protocol);
    assert!(
        err.message.starts_with(&format!(
            "{} answered over TCP with 8 bytes that are not a DNS message: ",
            server.addr()
        )),
        "{}",
        err.message
    );
}
