//! The handshake's errors (refused, stalled) and the verbose view of a handshake and its chain.

use super::{mtls_server, mtls_server_cert_end, rfc3339};
use crate::harness::*;
use crate::support::*;
use rustls::version::TLS13;
use std::time::Duration;

// ---- no answer -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_an_error_exit_3() {
    let port = closed_port();
    let p = Project::with_prod_env(port, None, "");
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: up
    tls: { host: 127.0.0.1, port: "${port}", sni: chat.test }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_line("ERROR", "tls/up", "up");
    let message = format!("connection refused (127.0.0.1:{port})");
    assert_eq!(
        out.details_of("tls/up"),
        [
            p.at("checks/tls.yaml", 2),
            format!("error (connection refused): {message}"),
            format!(
                "reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
                 -verify_return_error -verify_hostname chat.test </dev/null"
            ),
        ],
        "{out}"
    );
    out.assert_summary("0 passed, 0 failed, 1 error, 0 pending");
    assert_eq!(p.junit_counts("tls"), ["1", "0", "1", "0"]);
    p.verdict("up", "error")
        .assert_is("connection refused", &message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_handshake_is_a_timeout_error_within_the_timeout() {
    let server = handshake_breaker(BreakOff::Stall).await;
    let port = server.port();
    let p = Project::with_prod_env(port, None, "");
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: stalled
    timeout: 1s
    tls: { host: chat.test, port: "${port}", verify: false }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_within(Duration::from_millis(2500));
    out.assert_line("ERROR", "tls/stalled", "stalled");
    let message = format!(
        "TLS with chat.test:{port} at 127.0.0.1:{port}: no handshake within 1s (timeout); the \
         server took the connection but did not answer the ClientHello"
    );
    assert_eq!(
        out.details_of("tls/stalled")[1..],
        [
            format!("error (timeout): {message}"),
            format!(
                "reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
                 </dev/null"
            ),
        ],
        "{out}"
    );
    p.verdict("stalled", "error").assert_is("timeout", &message);
}

// ---- -v: the handshake as seen ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn verbose_shows_the_handshake_and_the_chain() {
    let pki = Pki::new();
    let server_cert_end = mtls_server_cert_end();
    let mtls = mtls_server(&pki, &TLS13, server_cert_end).await;
    let expired_end = days_from_now(-2);
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-30), expired_end);
    let expired = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let p = Project::new();
    p.prod_env_vars(
        &[("mtls", mtls.port()), ("expired", expired.port())],
        Some(&pki),
        "",
    );
    p.write(
        "checks/v.yaml",
        r#"checks:
  - name: refused
    tls: { host: 127.0.0.1, port: "${mtls}", sni: chat.test, verify: false }
    expect: { handshake: accepted }
  - name: expired
    tls: { host: chat.test, port: "${expired}", verify: false, versions: ["1.2"] }
    expect: { cert: { chain_valid: true } }
"#,
    );
    let out = p.run(&["-v"]).await;
    out.assert_code(1);
    let server_cert_day = server_cert_end.date();
    let ca_pem = p.shown("environments/ca.pem");
    // The reproduce line of a check, and what -v shows after it.
    let exchange = |id: &str| {
        let d = out.details_of(id);
        let at = d
            .iter()
            .position(|l| l.starts_with("reproduce: "))
            .expect("a reproduce line");
        (d[at].clone(), d[at + 1..].to_vec())
    };

    let (reproduce, seen) = exchange("v/refused");
    assert_eq!(
        seen,
        [
            format!(
                "> TLS handshake with 127.0.0.1:{} (sni chat.test)",
                mtls.port()
            ),
            "< rejected (alert certificate_required)".to_string(),
            "< TLS 1.3, TLS13_AES_256_GCM_SHA384".to_string(),
            format!(
                "< cert 1. CN=chat.test (issuer CN=conform test CA; not after {server_cert_day})"
            ),
            "< chain verified".to_string(),
        ],
        "{out}"
    );
    assert_eq!(
        reproduce,
        format!(
            "reproduce: openssl s_client -connect 127.0.0.1:{} -servername chat.test -CAfile \
             {ca_pem} </dev/null",
            mtls.port()
        ),
        "{out}"
    );

    let (_, seen) = exchange("v/expired");
    assert_eq!(
        seen,
        [
            format!(
                "> TLS handshake with 127.0.0.1:{} (sni chat.test)",
                expired.port()
            ),
            "< accepted".to_string(),
            "< TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".to_string(),
            format!(
                "< cert 1. CN=chat.test (issuer CN=conform test CA; not after {})",
                expired_end.date()
            ),
            format!(
                "< chain not verified: expired (not valid after {})",
                rfc3339(whole_second(expired_end))
            ),
        ],
        "{out}"
    );

    // Without -v, none of it.
    let out = p.run(&[]).await;
    out.assert_code(1);
    assert!(!out.stdout.contains("> TLS handshake"), "{out}");
    assert!(!out.stdout.contains("< cert 1."), "{out}");
}
