//! The tls probe watches a completed handshake for a refusal only when the server asked for a
//! client certificate: a server that never asked is accepted the moment its handshake ends
//! (even one that closes right after it, which only a read would see), while one that asked
//! and then closes has refused this client.

use crate::harness::*;
use crate::support::*;
use rustls::version::TLS13;

const CHECKS: &str = r#"checks:
  - name: never asked
    tls: { host: 127.0.0.1, port: "${plain}", sni: chat.test, verify: false }
    expect: { handshake: accepted, version: "1.3" }
  - name: asked
    tls: { host: 127.0.0.1, port: "${asking}", sni: chat.test, verify: false }
    expect: { handshake: accepted, version: "1.3" }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn only_a_server_that_asked_for_a_certificate_is_watched_after_the_handshake() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let closing = || {
        TlsServerConfig::new(&chain, &key)
            .versions(&[&TLS13])
            .after(AfterHandshake::Close)
    };
    let plain = TlsServer::start(closing()).await;
    let asking = TlsServer::start(closing().ask_client_cert(&pki.client_ca_pem())).await;
    let p = Project::new();
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ plain: \"{}\", asking: \"{}\" }}\n",
            plain.port(),
            asking.port()
        ),
    );
    p.write("checks/linger.yaml", CHECKS);

    let out = p.run(&[]).await;
    out.assert_code(1);
    assert_eq!(out.stderr, "", "{out}");
    out.assert_line("PASS", "linger/never-asked", "never asked");
    out.assert_line("FAIL", "linger/asked", "asked");
    let rejected = "rejected (connection closed)";
    let openssl = format!(
        "reproduce: openssl s_client -connect 127.0.0.1:{} -servername chat.test </dev/null",
        asking.port()
    );
    assert_eq!(
        out.details_of("linger/asked"),
        [
            vec![p.at("checks/linger.yaml", 5)],
            mismatch("handshake", "accepted", rejected, None),
            vec![openssl]
        ]
        .concat(),
        "{out}"
    );
    assert!(out.details_of("linger/never-asked").is_empty(), "{out}");
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
}
