//! Answers from the authoritative test zone: every record type as dig prints it, CNAME chains
//! and loops, NXDOMAIN, NODATA, SERVFAIL and REFUSED.

use super::{TIMEOUT, a_query, observe, question};
use crate::support::dns_server::{self, Misbehaviour};
use conform::config::model::DnsProtocol;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

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
