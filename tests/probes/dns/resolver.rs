//! The resolver of http, tls and tcp hosts: the environment's servers in turn, and why each failed.

use crate::support::dns_server::{self, Misbehaviour};
use conform::probe::resolve::Resolver;
use hickory_proto::op::ResponseCode;
use std::net::SocketAddr;
use std::time::Duration;

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
