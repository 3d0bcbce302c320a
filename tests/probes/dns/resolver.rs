//! The resolver of http, tls and tcp hosts: the environment's servers in turn, and why each failed.

use crate::support::dns_server::{self, Misbehaviour};
use conform::config::model::IpFamily;
use conform::probe::resolve::{Resolver, Wanted};
use hickory_proto::op::ResponseCode;
use std::net::SocketAddr;
use std::time::Duration;

#[tokio::test]
async fn the_resolver_asks_the_environments_servers() {
    let server = dns_server::start().await;
    let resolver = Resolver::new(&[server.addr()]);
    let found = |addrs: Vec<SocketAddr>| addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found(
            resolver
                .lookup("a.conform.test", 443, Wanted::ANY)
                .await
                .unwrap()
        ),
        ["192.0.2.1:443"]
    );
    assert_eq!(
        found(
            resolver
                .lookup("c1.conform.test.", 80, Wanted::ANY)
                .await
                .unwrap()
        ),
        ["192.0.2.3:80"]
    );
    assert_eq!(
        found(
            resolver
                .lookup("v6.conform.test", 8443, Wanted::ANY)
                .await
                .unwrap()
        ),
        ["[2001:db8::1]:8443"]
    );
    assert_eq!(
        found(resolver.lookup("127.0.0.1", 22, Wanted::ANY).await.unwrap()),
        ["127.0.0.1:22"]
    );
}

#[tokio::test]
async fn the_resolver_says_nxdomain_and_no_address() {
    let server = dns_server::start().await;
    let resolver = Resolver::new(&[server.addr()]);
    assert_eq!(
        resolver.lookup("nope.conform.test", 443, Wanted::ANY).await,
        Err(format!(
            "nope.conform.test does not exist (NXDOMAIN from {})",
            server.addr()
        ))
    );
    assert_eq!(
        resolver.lookup("txt.conform.test", 443, Wanted::ANY).await,
        Err("txt.conform.test has no A or AAAA record".to_string())
    );
}

#[tokio::test]
async fn the_resolver_asks_the_next_server_when_one_does_not_answer() {
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let server = dns_server::start().await;
    let resolver = Resolver::new(&[silent.addr(), server.addr()])
        .with_attempt_timeout(Duration::from_millis(300));
    let addrs = resolver
        .lookup("a.conform.test", 443, Wanted::ANY)
        .await
        .unwrap();
    assert_eq!(addrs, [SocketAddr::from(([192, 0, 2, 1], 443))]);
}

#[tokio::test]
async fn the_resolver_says_why_every_server_failed() {
    let refused = dns_server::closed_udp_port();
    let servfail = dns_server::hostile(Misbehaviour::Rcode(ResponseCode::ServFail)).await;
    let resolver = Resolver::new(&[refused, servfail.addr()]);
    let err = resolver
        .lookup("a.conform.test", 443, Wanted::ANY)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        format!(
            "a.conform.test did not resolve: {refused} refused the query over UDP (port \
             unreachable); {} answered SERVFAIL for a.conform.test A",
            servfail.addr()
        )
    );
}

/// A server that answers A but fails AAAA: its A answer does for a probe that needs one
/// address, never for one that needs every address or an IPv6 one (their addresses are
/// unknown, not absent); a later server that answers both is preferred.
#[tokio::test]
async fn a_family_whose_lookup_failed_is_unknown_not_absent() {
    let half = dns_server::hostile(Misbehaviour::ServfailButA).await;
    let resolver = Resolver::new(&[half.addr()]);
    let v4 = [SocketAddr::from(([127, 0, 0, 1], 80))];
    let every = Wanted {
        family: IpFamily::Any,
        every: true,
    };
    assert_eq!(
        resolver.lookup("half.test", 80, Wanted::ANY).await,
        Ok(v4.to_vec())
    );
    let v4_only = Wanted::one(IpFamily::V4);
    assert_eq!(
        resolver.lookup("half.test", 80, v4_only).await,
        Ok(v4.to_vec())
    );
    let every_v4 = Wanted {
        family: IpFamily::V4,
        every: true,
    };
    assert_eq!(
        resolver.lookup("half.test", 80, every_v4).await,
        Ok(v4.to_vec())
    );
    let failed = format!(
        "half.test: the AAAA lookup failed ({} answered SERVFAIL for half.test AAAA), so",
        half.addr()
    );
    assert_eq!(
        resolver
            .lookup("half.test", 80, Wanted::one(IpFamily::V6))
            .await,
        Err(format!(
            "{failed} its IPv6 addresses are unknown (`ip: v6`)"
        ))
    );
    assert_eq!(
        resolver.lookup("half.test", 80, every).await,
        Err(format!(
            "{failed} not every address is known (`addresses: all`)"
        ))
    );
    let whole = dns_server::start().await;
    let resolver = Resolver::new(&[half.addr(), whole.addr()]);
    assert_eq!(
        resolver.lookup("a.conform.test", 443, every).await,
        Ok(vec![SocketAddr::from(([192, 0, 2, 1], 443))])
    );
}

/// A lookup with one family failed is not kept for the run: the next probe of the name (a
/// retry) asks again, and a passing fault passes.
#[tokio::test]
async fn a_failed_family_is_asked_again() {
    let once = dns_server::hostile(Misbehaviour::ServfailAaaaOnce).await;
    let resolver = Resolver::new(&[once.addr()]);
    let every = Wanted {
        family: IpFamily::Any,
        every: true,
    };
    assert!(resolver.lookup("once.test", 80, every).await.is_err());
    assert_eq!(
        resolver.lookup("once.test", 80, every).await,
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], 80))])
    );
}
