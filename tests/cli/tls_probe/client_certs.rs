//! Client certificates required under TLS 1.3 and 1.2, and the openssl reproduce command.

use super::{mtls_server, mtls_server_cert_end};
use crate::harness::*;
use crate::support::*;
use rustls::version::{TLS12, TLS13};

const MTLS_CHECKS: &str = r#"checks:
  - name: anonymous is refused
    tls: { host: 127.0.0.1, port: "${port}", sni: chat.test, verify: false }
    expect: { handshake: rejected, alert: certificate_required, version: "${version}" }
  - name: anonymous is accepted
    tls: { host: chat.test, port: "${port}", verify: false }
    expect: { handshake: accepted }
  - name: with the client identity
    tls:
      host: 127.0.0.1
      port: "${port}"
      sni: chat.test
      verify: false
      client_cert: ../pki/client.pem
      client_key: ../pki/client.key
    expect: { handshake: accepted, version: "${version}" }
"#;

/// A server that requires a client certificate refuses an anonymous client with the alert
/// `certificate_required`, under TLS 1.3 (where the alert comes after the client's side of the
/// handshake is done) and TLS 1.2 (where it ends the handshake); with the identity it accepts.
#[tokio::test(flavor = "multi_thread")]
async fn a_required_client_certificate_under_tls13_and_tls12() {
    for (version, name) in [(&TLS13, "1.3"), (&TLS12, "1.2")] {
        let pki = Pki::new();
        let server = mtls_server(&pki, version, mtls_server_cert_end()).await;
        let port = server.port();
        let (client_chain, client_key) = pki.valid_client_cert("probe.client");
        let p = Project::new();
        p.write(
            "environments/prod.yaml",
            &format!(
                "vars: {{ port: \"{port}\", version: \"{name}\" }}\n\
                 resolve: {{ chat.test: 127.0.0.1 }}\n"
            ),
        );
        p.client_identity(&client_chain, &client_key);
        p.write("checks/mtls.yaml", MTLS_CHECKS);

        let out = p.run(&[]).await;
        out.assert_code(1);
        assert_eq!(out.stderr, "", "TLS {name}: {out}");
        out.assert_line("PASS", "mtls/anonymous-is-refused", "anonymous is refused");
        out.assert_line(
            "PASS",
            "mtls/with-the-client-identity",
            "with the client identity",
        );
        out.assert_line(
            "FAIL",
            "mtls/anonymous-is-accepted",
            "anonymous is accepted",
        );
        let rejected = "rejected (alert certificate_required)";
        let message = format!("handshake: expected accepted, got {rejected}");
        let openssl = format!(
            "reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
             </dev/null"
        );
        assert_eq!(
            out.details_of("mtls/anonymous-is-accepted"),
            [
                vec![p.at("checks/mtls.yaml", 5)],
                mismatch("handshake", "accepted", rejected, None),
                vec![openssl.clone()]
            ]
            .concat(),
            "TLS {name}: {out}"
        );
        assert!(
            out.details_of("mtls/anonymous-is-refused").is_empty(),
            "{out}"
        );
        out.assert_summary("2 passed, 1 failed, 0 errors, 0 pending");

        // Two anonymous handshakes refused, one with the identity accepted.
        let mut seen: Vec<String> = server
            .handshakes()
            .into_iter()
            .map(|h| match h.result {
                Ok(sni) => format!("accepted {sni:?}"),
                Err(e) => e,
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                "accepted Some(\"chat.test\")",
                "peer sent no certificates",
                "peer sent no certificates",
            ],
            "TLS {name}"
        );

        assert_eq!(p.junit_counts("mtls"), ["3", "1", "0", "0"]);
        let failure = p.verdict("anonymous is accepted", "failure");
        failure.assert_is("fail", &message);
        let xml = failure.xml;
        let actual = format!("  actual:   {rejected}\n");
        assert!(failure.text.contains(&actual), "{xml}");
        assert!(failure.text.contains(&openssl), "{xml}");
        for passed in ["anonymous is refused", "with the client identity"] {
            assert!(!p.junit_case_has(passed, "failure"), "{xml}");
        }
    }
}

/// The reproduce command of a tls check repeats its identity, versions and SNI.
#[tokio::test(flavor = "multi_thread")]
async fn the_openssl_command_carries_the_identity_and_the_version() {
    let pki = Pki::new();
    let server = mtls_server(&pki, &TLS13, mtls_server_cert_end()).await;
    let port = server.port();
    // A client certificate from a CA the server does not trust: refused with unknown_ca.
    let stranger = Authority::root("someone else's CA");
    let (client_chain, client_key) = stranger.issue_valid(&["probe.client"], CLIENT_AUTH);
    let p = Project::with_prod_env(port, None, "");
    p.client_identity(&client_chain, &client_key);
    p.write(
        "checks/mtls.yaml",
        r#"checks:
  - name: stranger
    tls:
      host: chat.test
      port: "${port}"
      verify: false
      versions: ["1.3"]
      client_cert: ../pki/client.pem
      client_key: ../pki/client.key
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    let (cert, key) = (
        p.shown("checks/../pki/client.pem"),
        p.shown("checks/../pki/client.key"),
    );
    assert_eq!(
        out.details_of("mtls/stranger")[1..],
        [
            "handshake".to_string(),
            "  expected: accepted".to_string(),
            "  actual:   rejected (alert unknown_ca)".to_string(),
            format!(
                "reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
                 -tls1_3 -cert {cert} -key {key} </dev/null"
            ),
        ],
        "{out}"
    );
}
