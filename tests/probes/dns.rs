//! The dns probe and the resolver against loopback DNS servers: the authoritative test zone
//! and responders that misbehave.

use crate::support::dns_server::{self, Misbehaviour};
use conform::config::model::{DnsProbe, DnsProtocol};
use conform::probe::dns::{DnsObservation, DnsProber};
use conform::probe::resolve::Resolver;
use conform::probe::{ProbeError, ProbeErrorKind};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(2);

fn question(name: &str, record_type: RecordType, server: SocketAddr) -> DnsProbe {
    DnsProbe {
        name: name.into(),
        record_type,
        server: Some(server),
        protocol: DnsProtocol::Udp,
    }
}

/// `a.conform.test. A` at `server`, over UDP.
fn a_query(server: SocketAddr) -> DnsProbe {
    question("a.conform.test.", RecordType::A, server)
}

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

async fn observe(probe: &DnsProbe) -> DnsObservation {
    DnsProber::new(&crate::support::test_env())
        .probe(probe, TIMEOUT)
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_records_are_addresses() {
    let server = dns_server::start().await;
    let seen = observe(&a_query(server.addr())).await;
    assert_eq!(seen.rcode, "NOERROR");
    assert_eq!(seen.answers, ["192.0.2.1"]);
    assert_eq!(seen.ttls, [300]);
    assert!(seen.cnames.is_empty());
    assert_eq!(seen.answer_section, ["a.conform.test. 300 IN A 192.0.2.1"]);
    assert_eq!(seen.server, server.addr());
    assert_eq!(seen.protocol, DnsProtocol::Udp);
    assert!(!seen.retried_over_tcp);
    assert!(!seen.is_nodata());
    assert!(seen.elapsed < TIMEOUT);
}

/// Every record type of the test zone, as dig prints its data, with its TTL.
#[tokio::test]
async fn every_type_as_dig_prints_it() {
    let soa = "ns1.conform.test. hostmaster.conform.test. 2024010101 3600 600 86400 60";
    let cases: &[(&str, RecordType, &[&str], &[u32])] = &[
        (
            "v6.conform.test.",
            RecordType::AAAA,
            &["2001:db8::1"],
            &[120],
        ),
        // Asked for the CNAME itself: its target is the answer, not a step of a chain.
        (
            "www.conform.test.",
            RecordType::CNAME,
            &["a.conform.test."],
            &[60],
        ),
        // Two strings of one record, joined without quotes.
        (
            "txt.conform.test.",
            RecordType::TXT,
            &["v=spf1 -all"],
            &[30],
        ),
        (
            "conform.test.",
            RecordType::CAA,
            &[r#"0 issue "letsencrypt.org""#],
            &[3600],
        ),
        (
            "conform.test.",
            RecordType::MX,
            &["10 mx.conform.test.", "20 mx2.conform.test."],
            &[300, 300],
        ),
        (
            "conform.test.",
            RecordType::NS,
            &["ns1.conform.test."],
            &[3600],
        ),
        ("conform.test.", RecordType::SOA, &[soa], &[3600]),
        (
            "_https._tcp.conform.test.",
            RecordType::SRV,
            &["10 5 443 a.conform.test."],
            &[600],
        ),
        (
            "1.2.0.192.in-addr.arpa.",
            RecordType::PTR,
            &["a.conform.test."],
            &[900],
        ),
        // hickory's presentation, trailing comma included.
        (
            "svc.conform.test.",
            RecordType::HTTPS,
            &["1 . alpn=h2,h3,"],
            &[300],
        ),
        // No trailing dot, mixed case: absolute all the same, as dig asks it.
        ("A.Conform.Test", RecordType::A, &["192.0.2.1"], &[300]),
    ];
    let server = dns_server::start().await;
    for &(name, record_type, answers, ttls) in cases {
        let seen = observe(&question(name, record_type, server.addr())).await;
        let case = format!("{name} {record_type}");
        assert_eq!(seen.rcode, "NOERROR", "{case}");
        assert_eq!(seen.answers, answers, "{case}");
        assert_eq!(seen.ttls, ttls, "{case}");
        assert!(seen.cnames.is_empty(), "{case}: {:?}", seen.cnames);
        assert_eq!(seen.protocol, DnsProtocol::Udp, "{case}");
        assert!(!seen.retried_over_tcp, "{case}");
    }
}

#[tokio::test]
async fn a_cname_is_followed_to_the_address() {
    let server = dns_server::start().await;
    let seen = observe(&question("www.conform.test.", RecordType::A, server.addr())).await;
    assert_eq!(seen.answers, ["192.0.2.1"]);
    assert_eq!(seen.ttls, [300]);
    assert_eq!(seen.cnames, ["a.conform.test."]);
    assert_eq!(
        seen.answer_section,
        [
            "www.conform.test. 60 IN CNAME a.conform.test.",
            "a.conform.test. 300 IN A 192.0.2.1",
        ]
    );
}

#[tokio::test]
async fn a_cname_chain_is_listed_in_order() {
    let server = dns_server::start().await;
    let seen = observe(&question("c1.conform.test.", RecordType::A, server.addr())).await;
    assert_eq!(seen.cnames, ["c2.conform.test.", "c3.conform.test."]);
    assert_eq!(seen.answers, ["192.0.2.3"]);
    assert_eq!(seen.ttls, [80]);
    assert_eq!(seen.answer_section.len(), 3);
}

#[tokio::test]
async fn nxdomain_is_not_nodata() {
    let server = dns_server::start().await;
    let seen = observe(&question(
        "nope.conform.test.",
        RecordType::A,
        server.addr(),
    ))
    .await;
    assert_eq!(seen.rcode, "NXDOMAIN");
    assert!(seen.answers.is_empty());
    assert!(seen.answer_section.is_empty());
    assert!(!seen.is_nodata());
}

#[tokio::test]
async fn a_name_without_the_asked_type_is_nodata() {
    let server = dns_server::start().await;
    let seen = observe(&question("a.conform.test.", RecordType::MX, server.addr())).await;
    assert_eq!(seen.rcode, "NOERROR");
    assert!(seen.answers.is_empty());
    assert!(seen.ttls.is_empty());
    assert!(seen.is_nodata());
}

#[tokio::test]
async fn servfail_and_refused_are_observed_not_errors() {
    for (code, text) in [
        (ResponseCode::ServFail, "SERVFAIL"),
        (ResponseCode::Refused, "REFUSED"),
        (ResponseCode::NotImp, "NOTIMP"),
    ] {
        let server = dns_server::hostile(Misbehaviour::Rcode(code)).await;
        let seen = observe(&a_query(server.addr())).await;
        assert_eq!(seen.rcode, text);
        assert!(seen.answers.is_empty());
        assert!(!seen.is_nodata());
    }
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

#[tokio::test]
async fn a_cname_loop_ends() {
    let server = dns_server::hostile(Misbehaviour::CnameLoop).await;
    let seen = observe(&question(
        "loop-a.conform.test.",
        RecordType::A,
        server.addr(),
    ))
    .await;
    assert_eq!(seen.rcode, "NOERROR");
    assert_eq!(
        seen.cnames,
        [dns_server::LOOP_TARGET, "loop-a.conform.test."]
    );
    assert!(seen.answers.is_empty());
    assert_eq!(
        seen.answer_section,
        [
            "loop-a.conform.test. 60 IN CNAME loop-b.conform.test.",
            "loop-b.conform.test. 60 IN CNAME loop-a.conform.test.",
        ]
    );
}

#[tokio::test]
async fn the_resolver_asks_the_environments_servers() {
    let server = dns_server::start().await;
    let resolver = Resolver::new(&[server.addr()]);
    let found = |addrs: Vec<SocketAddr>| addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found(resolver.lookup("a.conform.test", 443).await.unwrap()),
        ["192.0.2.1:443"]
    );
    assert_eq!(
        found(resolver.lookup("c1.conform.test.", 80).await.unwrap()),
        ["192.0.2.3:80"]
    );
    assert_eq!(
        found(resolver.lookup("v6.conform.test", 8443).await.unwrap()),
        ["[2001:db8::1]:8443"]
    );
    assert_eq!(
        found(resolver.lookup("127.0.0.1", 22).await.unwrap()),
        ["127.0.0.1:22"]
    );
}

#[tokio::test]
async fn the_resolver_says_nxdomain_and_no_address() {
    let server = dns_server::start().await;
    let resolver = Resolver::new(&[server.addr()]);
    assert_eq!(
        resolver.lookup("nope.conform.test", 443).await,
        Err(format!(
            "nope.conform.test does not exist (NXDOMAIN from {})",
            server.addr()
        ))
    );
    assert_eq!(
        resolver.lookup("txt.conform.test", 443).await,
        Err("txt.conform.test has no A or AAAA record".to_string())
    );
}

#[tokio::test]
async fn the_resolver_asks_the_next_server_when_one_does_not_answer() {
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let server = dns_server::start().await;
    let resolver = Resolver::new(&[silent.addr(), server.addr()])
        .with_attempt_timeout(Duration::from_millis(300));
    let addrs = resolver.lookup("a.conform.test", 443).await.unwrap();
    assert_eq!(addrs, [SocketAddr::from(([192, 0, 2, 1], 443))]);
}

#[tokio::test]
async fn the_resolver_says_why_every_server_failed() {
    let refused = dns_server::closed_udp_port();
    let servfail = dns_server::hostile(Misbehaviour::Rcode(ResponseCode::ServFail)).await;
    let resolver = Resolver::new(&[refused, servfail.addr()]);
    let err = resolver.lookup("a.conform.test", 443).await.unwrap_err();
    assert_eq!(
        err,
        format!(
            "a.conform.test did not resolve: {refused} refused the query over UDP (port \
             unreachable); {} answered SERVFAIL for a.conform.test A",
            servfail.addr()
        )
    );
}
