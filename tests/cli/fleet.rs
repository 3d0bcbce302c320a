//! The nodes of one name as a fleet has them: nodes that share their TLS session state (a
//! session from one resumed on another must not stand for the other's certificate), a
//! resolver whose IPv6 side fails, more nodes than the time and the host's limit allow at
//! once.

use crate::addresses::{pair_dns, tls_pair};
use crate::harness::*;
use crate::support::dns_server::{self, rr};
use crate::support::*;
use rustls::server::{ServerSessionMemoryCache, StoresServerSessions};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Two HTTPS nodes of one name that share their session store, as load balancers share
/// ticket keys: the second's certificate names another host. Each connection of a check
/// pinned to the second node after one pinned to the first, and of `addresses: all` (one
/// after the other: `concurrency: 1`, `host_concurrency: 1`), makes a full handshake, so the
/// second node's certificate is verified and judged, never the first's, taken over from a
/// resumed session.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_from_one_node_never_stands_for_anothers_certificate() {
    let dns = pair_dns().await;
    let pki = Pki::new();
    let sessions: Arc<dyn StoresServerSessions> = ServerSessionMemoryCache::new(64);
    let (one, two) = tls_pair(&pki, Some(&sessions)).await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ tls: \"{}\" }}\nconcurrency: 1\nhost_concurrency: 1\n",
            one.port()
        ),
        Some(&pki),
        &format!("resolvers: [\"{}\"]\n", dns.addr()),
    );
    p.write(
        "checks/fleet.yaml",
        r#"checks:
  - name: first node
    http: { url: "https://two.pair.test:${tls}/", connect_to: "127.0.0.1" }
    expect: { status: 200, cert: { san: { contains: two.pair.test } } }
  - name: second node
    http: { url: "https://two.pair.test:${tls}/", connect_to: "127.0.0.2" }
    expect: { status: 200, cert: { san: { contains: two.pair.test } } }
  - name: every node
    http: { url: "https://two.pair.test:${tls}/", addresses: all }
    expect: { status: 200, cert: { san: { contains: two.pair.test } } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    out.assert_line("PASS", "fleet/first-node", "first node");
    out.assert_line("FAIL", "fleet/second-node", "second node");
    let port = one.port();
    let refused = format!(
        "the server certificate of 127.0.0.2:{port} does not verify: the certificate is not \
         valid for name two.pair.test (it names: stale.pair.test)"
    );
    assert_eq!(
        out.details_of("fleet/second-node")[1],
        format!("fail (certificate): GET https://two.pair.test:{port}/: {refused}"),
        "{out}"
    );
    assert_eq!(
        out.details_of("fleet/every-node")[1],
        format!("fail (certificate): 127.0.0.2: GET https://two.pair.test:{port}/: {refused}"),
        "{out}"
    );
    out.assert_summary("1 passed, 2 failed, 0 errors, 0 pending");
    assert!(two.requests().is_empty(), "{:?}", two.requests());
}

/// A resolver that answers A but fails AAAA (a fleet whose IPv6 side is broken): a probe
/// that needs one address reaches the IPv4 node; one that needs every address, or an IPv6
/// one, is an error that says the IPv6 addresses are unknown, never a pass over half the
/// fleet or a "has no IPv6 address".
#[tokio::test(flavor = "multi_thread")]
async fn a_family_whose_lookup_failed_is_an_error_where_it_is_needed() {
    let dns = dns_server::hostile(dns_server::Misbehaviour::ServfailButA).await;
    let server = http(|_| TestResponse::ok("v4")).await;
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let tcp = tcp.local_addr().expect("addr").port();
    let p = Project::new();
    p.env(
        &format!("vars: {{ web: \"{}\", tcp: \"{tcp}\" }}\n", server.port()),
        None,
        &format!("resolvers: [\"{}\"]\n", dns.addr()),
    );
    p.write(
        "checks/half.yaml",
        r#"checks:
  - name: one address
    tcp: { host: half.test, port: "${tcp}" }
    expect: { connect: accepted }
  - name: every address
    tcp: { host: half.test, port: "${tcp}", addresses: all }
    expect: { connect: accepted }
  - name: over v6
    tcp: { host: half.test, port: "${tcp}", ip: v6 }
    expect: { connect: accepted }
  - name: http every address
    http: { url: "http://half.test:${web}/", addresses: all }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_line("PASS", "half/one-address", "one address");
    let failed = format!(
        "error (dns): half.test: the AAAA lookup failed ({} answered SERVFAIL for half.test \
         AAAA), so",
        dns.addr()
    );
    let every = format!("{failed} not every address is known (`addresses: all`)");
    for id in ["half/every-address", "half/http-every-address"] {
        assert_eq!(out.details_of(id)[1], every, "{id}: {out}");
    }
    assert_eq!(
        out.details_of("half/over-v6")[1],
        format!("{failed} its IPv6 addresses are unknown (`ip: v6`)"),
        "{out}"
    );
    out.assert_summary("1 passed, 0 failed, 3 errors, 0 pending");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

/// What the nodes of [`nodes`] saw: connections in flight now and at most.
#[derive(Default)]
struct Seen {
    now: AtomicUsize,
    most: AtomicUsize,
    total: AtomicUsize,
}

/// `count` TCP nodes on one port, 127.0.0.1 and up: each connection is held `hold`, then
/// sent `banner` and closed (`None`: held open, never a byte).
async fn nodes(count: u8, hold: Duration, banner: Option<&'static str>) -> (u16, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    'port: for _ in 0..20 {
        let first = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = first.local_addr().expect("addr").port();
        let mut listeners = vec![first];
        for n in 2..=count {
            match tokio::net::TcpListener::bind(format!("127.0.0.{n}:{port}")).await {
                Ok(listener) => listeners.push(listener),
                Err(_) => continue 'port,
            }
        }
        for listener in listeners {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let seen = Arc::clone(&seen);
                    tokio::spawn(async move {
                        let now = seen.now.fetch_add(1, Ordering::SeqCst) + 1;
                        seen.most.fetch_max(now, Ordering::SeqCst);
                        seen.total.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(hold).await;
                        seen.now.fetch_sub(1, Ordering::SeqCst);
                        match banner {
                            Some(text) => {
                                let _ = stream.write_all(text.as_bytes()).await;
                            }
                            None => std::future::pending::<()>().await,
                        }
                    });
                }
            });
        }
        return (port, seen);
    }
    panic!("no port free on 127.0.0.1 to 127.0.0.{count}");
}

/// Three nodes that never answer, probed one at a time (`host_concurrency: 1`): the check
/// ends within its one timeout, not one per address, the first node's timeout named and
/// the nodes after it not probed.
#[tokio::test(flavor = "multi_thread")]
async fn every_address_is_probed_within_the_checks_one_timeout() {
    let (port, seen) = nodes(3, Duration::from_secs(30), None).await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{port}\" }}\nhost_concurrency: 1\n\
             resolve: {{ three.fleet.test: [127.0.0.1, 127.0.0.2, 127.0.0.3] }}\n"
        ),
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: banner everywhere
    timeout: 1s
    tcp: { host: three.fleet.test, port: "${port}", addresses: all }
    expect: { received: { starts_with: "220" } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_within(Duration::from_millis(2500));
    assert_eq!(
        out.details_of("mail/banner-everywhere")[1],
        format!(
            "error (timeout): 127.0.0.1: 127.0.0.1:{port} did not send the end of a line within \
             1s (timeout); received so far: nothing"
        ),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report");
    let check = &report["checks"][0];
    assert!(check["duration_seconds"].as_f64() < Some(1.5), "{check}");
    let outcomes: Vec<&str> = check["attempts"][0]["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .filter_map(|a| a["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["error", "error", "error"], "{check}");
    assert!(seen.total.load(Ordering::SeqCst) <= 2, "{out}");
}

/// Two `addresses: all` checks of one host with four nodes each, `host_concurrency: 2`: the
/// nodes never see more than two connections at once, and every node is probed by both.
#[tokio::test(flavor = "multi_thread")]
async fn every_address_stays_within_the_hosts_limit() {
    let (port, seen) = nodes(4, Duration::from_millis(150), Some("220 ready\r\n")).await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{port}\" }}\nhost_concurrency: 2\nresolve: {{ four.fleet.test: \
             [127.0.0.1, 127.0.0.2, 127.0.0.3, 127.0.0.4] }}\n"
        ),
        None,
        "",
    );
    let check = |name: &str| {
        format!(
            "  - name: {name}\n    tcp: {{ host: four.fleet.test, port: \"${{port}}\", \
             addresses: all }}\n    expect: {{ received: {{ starts_with: \"220\" }} }}\n"
        )
    };
    p.write(
        "checks/mail.yaml",
        &format!("checks:\n{}{}", check("a"), check("b")),
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(seen.total.load(Ordering::SeqCst), 8, "{out}");
    assert_eq!(seen.most.load(Ordering::SeqCst), 2, "{out}");
}

/// Two servers on one port, on 127.0.0.1 and on ::1, made by `config` for "v4" and "v6".
async fn dual(config: impl Fn(&'static str) -> TestServerConfig) -> (TestServer, TestServer) {
    for _ in 0..20 {
        let four = TestServer::start_on(config("v4"), "127.0.0.1:0").await;
        let at = format!("[::1]:{}", four.port());
        if std::net::TcpListener::bind(&at).is_ok() {
            return (four, TestServer::start_on(config("v6"), &at).await);
        }
    }
    panic!("no port free on both 127.0.0.1 and ::1");
}

/// A TCP port served on 127.0.0.1 and on ::1, each sending its family's name and closing.
pub(crate) async fn dual_banners() -> u16 {
    'port: for _ in 0..20 {
        let four = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = four.local_addr().expect("addr").port();
        let Ok(six) = tokio::net::TcpListener::bind(format!("[::1]:{port}")).await else {
            continue 'port;
        };
        for (listener, banner) in [(four, "v4\r\n"), (six, "v6\r\n")] {
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let _ = stream.write_all(banner.as_bytes()).await;
                }
            });
        }
        return port;
    }
    panic!("no port free on both 127.0.0.1 and ::1");
}

/// One name, two families, servers that differ on each: `ip:` decides which one is asked,
/// whichever comes first in the answer (the resolvers give A first; the fixed answer of
/// `six-first` gives ::1 first), for every probe. Were `ip:` ignored, the first address
/// would answer, and say so.
#[tokio::test(flavor = "multi_thread")]
async fn ip_reaches_the_server_of_its_family_whichever_comes_first() {
    let dns = dns_server::start_with(
        "dual.test.",
        vec![
            rr("both.dual.test.", 300, "A", "127.0.0.1"),
            rr("both.dual.test.", 300, "AAAA", "::1"),
        ],
    )
    .await;
    let (web4, web6) =
        dual(|family| TestServerConfig::http(move |_| TestResponse::ok(family))).await;
    let pki = Pki::new();
    let (tls4, tls6) = dual(|family| {
        let names = [
            "both.dual.test",
            "six-first.dual.test",
            &format!("{family}.dual.test"),
        ];
        https_config(&pki, &names, |_| TestResponse::ok("tls"))
    })
    .await;
    let tcp = dual_banners().await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ web: \"{}\", tls: \"{}\", tcp: \"{tcp}\" }}\n",
            web4.port(),
            tls4.port()
        ),
        Some(&pki),
        &format!(
            "resolvers: [\"{}\"]\nresolve: {{ six-first.dual.test: [\"::1\", 127.0.0.1] }}\n",
            dns.addr()
        ),
    );
    let mut checks = String::from("checks:\n");
    for (family, host) in [("v6", "both.dual.test"), ("v4", "six-first.dual.test")] {
        checks.push_str(&format!(
            "  - name: http {family}\n    http: {{ url: \"http://{host}:${{web}}/\", ip: {family} }}\n    \
             expect: {{ status: 200, body: {family} }}\n  \
             - name: tls {family}\n    tls: {{ host: {host}, port: \"${{tls}}\", ip: {family} }}\n    \
             expect: {{ cert: {{ san: {{ contains: {family}.dual.test }} }} }}\n  \
             - name: tcp {family}\n    tcp: {{ host: {host}, port: \"${{tcp}}\", ip: {family} }}\n    \
             expect: {{ received: \"{family}\\r\\n\" }}\n"
        ));
    }
    p.write("checks/ip.yaml", &checks);
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("6 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!((web4.requests().len(), web6.requests().len()), (1, 1));
    assert_eq!((tls4.connections(), tls6.connections()), (1, 1));
}

/// `connect: timeout` (a filtered port) passes only after a fair try at every address: an
/// address whose `host_rate` turn comes too near the end of the check's timeout is an error,
/// not a pass on a connect given a few milliseconds.
#[tokio::test(flavor = "multi_thread")]
async fn an_address_left_too_little_time_is_not_taken_for_filtered() {
    let (_first, second, port) = (0..20)
        .find_map(|_| {
            let first = full_backlog_listener();
            let at = std::net::SocketAddr::from(([127, 0, 0, 2], first.1.port()));
            let second = full_backlog_listener_at(at).ok()?;
            let port = first.1.port();
            Some((first, second, port))
        })
        .expect("a port free on 127.0.0.1 and 127.0.0.2");
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{port}\" }}\nhost_rate: 1/1s\n\
             resolve: {{ two.fleet.test: [127.0.0.1, 127.0.0.2] }}\n"
        ),
        None,
        "",
    );
    p.write(
        "checks/edge.yaml",
        r#"checks:
  - name: filtered everywhere
    timeout: 1200ms
    tcp: { host: two.fleet.test, port: "${port}", addresses: all }
    expect: { connect: timeout }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    assert_eq!(
        out.details_of("edge/filtered-everywhere")[1],
        "error (timeout): 127.0.0.2: not probed: the check's timeout of 1.2s ran out before \
         this address's turn",
        "{out}"
    );
    drop(second);
}
