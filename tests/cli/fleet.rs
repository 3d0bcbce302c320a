//! The nodes of one name as a fleet has them: nodes that share their TLS session state (a
//! session from one resumed on another must not stand for the other's certificate).

use crate::addresses::tls_pair;
use crate::harness::*;
use crate::support::dns_server::{self, rr};
use crate::support::*;
use rustls::server::{ServerSessionMemoryCache, StoresServerSessions};
use std::sync::Arc;

/// Two HTTPS nodes of one name that share their session store, as load balancers share
/// ticket keys: the second's certificate names another host. Each connection of
/// a check pinned to the second node after one pinned to the first, and of `addresses: all`
/// (one after the other: `concurrency: 1`, `host_concurrency: 1`), makes a full handshake, so the second node's certificate is
/// verified and judged, never the first's, taken over from a resumed session.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_from_one_node_never_stands_for_anothers_certificate() {
    let dns = dns_server::start_with(
        "pair.test.",
        vec![
            rr("two.pair.test.", 300, "A", "127.0.0.1"),
            rr("two.pair.test.", 300, "A", "127.0.0.2"),
        ],
    )
    .await;
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
