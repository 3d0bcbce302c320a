//! The tls and cert probes through the binary: client certificates required under TLS 1.3
//! and 1.2, certificate expectations on a server's chain (expiry, names, issuer, EKU, key,
//! verification), an intermediate that expires first, ALPN, the handshake's errors, the
//! verbose handshake view, the cert probe on local files, and `list`.

use crate::harness::*;
use crate::support::*;
use rustls::SupportedProtocolVersion;
use rustls::version::{TLS12, TLS13};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `2026-12-07T10:00:00Z`, as a verification failure names a certificate's notAfter.
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

// ---- client certificates -------------------------------------------------------------

/// When the certificate of every [`mtls_server`] ends.
fn mtls_server_cert_end() -> OffsetDateTime {
    whole_second(days_from_now(90))
}

/// A server for `chat.test` that requires a client certificate from `pki`'s client CA,
/// speaking `version` only, writing a greeting once a handshake is done; its certificate
/// ends at `not_after`.
async fn mtls_server(
    pki: &Pki,
    version: &'static SupportedProtocolVersion,
    not_after: OffsetDateTime,
) -> TlsServer {
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-1), not_after);
    TlsServer::start(
        TlsServerConfig::new(&chain, &key)
            .require_client_cert(&pki.client_ca_pem())
            .versions(&[version])
            .after(AfterHandshake::Greet),
    )
    .await
}

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
        out.details_of("mtls/stranger")[2..],
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

// ---- the server's certificate ----------------------------------------------------------

/// Every certificate expectation against a good server; a certificate with three days left
/// fails `expires_in`; an expired one shows negative time and why the chain is not valid
/// (verify off), or is refused by the probe itself (verify on).
#[tokio::test(flavor = "multi_thread")]
async fn certificate_expectations_on_a_server() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let good = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let short_end = days_from_now(3) - time::Duration::minutes(10);
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-87), short_end);
    let short = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let expired_end = days_from_now(-2) - time::Duration::minutes(10);
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-30), expired_end);
    let expired = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let p = Project::new();
    p.prod_env_vars(
        &[
            ("good", good.port()),
            ("short", short.port()),
            ("expired", expired.port()),
        ],
        Some(&pki),
        "",
    );
    p.write(
        "checks/certs.yaml",
        r#"checks:
  - name: good
    tls: { host: chat.test, port: "${good}" }
    expect:
      cert:
        expires_in: { gt: 21d }
        san: { contains: chat.test }
        issuer: { contains: conform test CA }
        eku: { contains: serverAuth }
        key: "ECDSA P-256"
        chain_valid: true
  - name: short
    tls: { host: chat.test, port: "${short}" }
    expect:
      cert: { expires_in: { gt: 21d }, chain_valid: true }
  - name: expired lenient
    tls: { host: chat.test, port: "${expired}", verify: false }
    expect:
      cert: { expires_in: { gt: 21d }, chain_valid: true }
  - name: expired strict
    tls: { host: chat.test, port: "${expired}" }
    expect: { handshake: accepted }
  - name: expired strict expects rejected
    tls: { host: chat.test, port: "${expired}" }
    expect: { handshake: rejected }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    out.assert_line("PASS", "certs/good", "good");
    out.assert_line("FAIL", "certs/short", "short");
    out.assert_line("FAIL", "certs/expired-lenient", "expired lenient");
    out.assert_line("FAIL", "certs/expired-strict", "expired strict");
    out.assert_line(
        "FAIL",
        "certs/expired-strict-expects-rejected",
        "expired strict expects rejected",
    );
    out.assert_summary("1 passed, 4 failed, 0 errors, 0 pending");
    let file = p.shown("checks/certs.yaml");
    let ca = p.shown("environments/ca.pem");
    let openssl = |port: u16, verify: bool| {
        let check = if verify {
            " -verify_return_error -verify_hostname chat.test"
        } else {
            ""
        };
        format!(
            "reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
             -CAfile {ca}{check} </dev/null"
        )
    };

    // Three days less ten minutes left: the time, and the day it ends.
    let d = out.details_of("certs/short");
    assert_eq!(d.len(), 6, "{out}");
    assert_eq!(d[0], format!("at {file}:12"));
    let not_after = utc_text(whole_second(short_end));
    assert_matches(
        &format!(
            r"^cert expires_in: expected > 21d, got 2d 23h (49m \d+s|50m) \(not after {not_after}\)$"
        ),
        &d[1],
        &out,
    );
    assert_eq!(d[2], "cert expires_in");
    assert_eq!(d[3], "  expected: > 21d");
    assert_matches(
        r"^  actual:   2d 23h (49m \d+s|50m) \(not after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$",
        &d[4],
        &out,
    );
    assert_eq!(d[5], openssl(short.port(), true));

    // Expired two days ago: negative time, and the chain does not verify, saying why.
    let d = out.details_of("certs/expired-lenient");
    let expired_at = whole_second(expired_end);
    let chain_reason = format!("expired (not valid after {})", rfc3339(expired_at));
    assert_eq!(d.len(), 9, "{out}");
    assert_eq!(d[0], format!("at {file}:16"));
    let left = format!(r"-2d 10m( \d+s)? \(expired {}\)", utc_text(expired_at));
    assert_matches(
        &format!(r"^cert expires_in: expected > 21d, got {left} \(\+1 more\)$"),
        &d[1],
        &out,
    );
    assert_eq!(d[2], "cert expires_in");
    assert_eq!(d[3], "  expected: > 21d");
    assert_matches(&format!(r"^  actual:   {left}$"), &d[4], &out);
    assert_eq!(
        d[5..],
        [
            "cert chain_valid".to_string(),
            "  expected: true".to_string(),
            format!("  actual:   false ({chain_reason})"),
            openssl(expired.port(), false),
        ],
        "{out}"
    );

    // With verify on, this client refuses the handshake itself.
    let d = out.details_of("certs/expired-strict");
    let refused = format!("refused by this client: certificate verify failed: {chain_reason}");
    let strict = openssl(expired.port(), true);
    assert_eq!(
        d,
        [
            vec![format!("at {file}:20")],
            mismatch("handshake", "accepted", &refused, None),
            vec![strict.clone()]
        ]
        .concat(),
        "{out}"
    );

    // The server's refusal was expected, but this client gave up first: the note says so.
    let d = out.details_of("certs/expired-strict-expects-rejected");
    let note = "this client gave up before the server could decide; set `verify: false` to \
                test the server's side";
    let rejected = mismatch("handshake", "rejected", &refused, Some(note));
    // From the field on: the one-line message is not checked.
    assert_eq!(d[2..], [&rejected[1..], &[strict]].concat(), "{out}");

    assert_eq!(p.junit_counts("certs"), ["5", "4", "0", "0"]);
    let failure = p.verdict("expired strict", "failure");
    let message = format!("handshake: expected accepted, got {refused}");
    assert_eq!(failure.message, Some(message), "{}", failure.xml);
}

/// A chain whose intermediate expires before its leaf: `chain_expires_in` names the
/// intermediate, `expires_in` sees the leaf only.
#[tokio::test(flavor = "multi_thread")]
async fn an_intermediate_that_expires_first_fails_chain_expires_in() {
    let root = Authority::root("conform test root");
    let intermediate_end = days_from_now(10) - time::Duration::minutes(10);
    let intermediate = root.intermediate(
        "conform test intermediate",
        days_from_now(-1),
        intermediate_end,
    );
    let (leaf, key) = intermediate.issue_valid(&["chat.test"], SERVER_AUTH);
    let server = TlsServer::start(TlsServerConfig::new(
        &format!("{leaf}{}", intermediate.pem()),
        &key,
    ))
    .await;
    let port = server.port();
    let p = Project::new();
    p.write("environments/ca.pem", &root.pem());
    p.prod_env(port, None, "tls: { ca_file: ca.pem }\n");
    p.write(
        "checks/chain.yaml",
        r#"checks:
  - name: leaf
    tls: { host: chat.test, port: "${port}" }
    expect: { cert: { expires_in: { gt: 14d }, chain_valid: true } }
  - name: chain
    tls: { host: chat.test, port: "${port}" }
    expect: { cert: { chain_expires_in: { gt: 14d } } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_line("PASS", "chain/leaf", "leaf");
    out.assert_line("FAIL", "chain/chain", "chain");
    let d = out.details_of("chain/chain");
    assert_eq!(d.len(), 6, "{out}");
    assert_eq!(d[2], "cert chain_expires_in");
    assert_eq!(d[3], "  expected: > 14d");
    assert_matches(
        &format!(
            r"^  actual:   9d 23h (49m \d+s|50m) \(CN=conform test intermediate, not after {}\)$",
            utc_text(whole_second(intermediate_end))
        ),
        &d[4],
        &out,
    );
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
}

// ---- what was negotiated -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn alpn_and_version() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let server = TlsServer::start(
        TlsServerConfig::new(&chain, &key)
            .alpn(&["h2", "http/1.1"])
            .after(AfterHandshake::Greet),
    )
    .await;
    let port = server.port();
    let p = Project::new();
    p.prod_env(port, Some(&pki), "");
    p.write(
        "checks/alpn.yaml",
        r#"checks:
  - name: h2
    tls: { host: chat.test, port: "${port}", alpn: [h2, http/1.1] }
    expect: { alpn: h2, version: "1.3" }
  - name: http1 only
    tls: { host: chat.test, port: "${port}", alpn: [http/1.1], versions: ["1.2"] }
    expect: { alpn: h2, version: "1.3" }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_line("PASS", "alpn/h2", "h2");
    out.assert_line("FAIL", "alpn/http1-only", "http1 only");
    let ca = p.shown("environments/ca.pem");
    assert_eq!(
        out.details_of("alpn/http1-only")[1..],
        [
            "version: expected \"1.3\", got \"1.2\" (+1 more)".to_string(),
            "version".to_string(),
            "  expected: \"1.3\"".to_string(),
            "  actual:   \"1.2\"".to_string(),
            "alpn".to_string(),
            "  expected: \"h2\"".to_string(),
            "  actual:   \"http/1.1\"".to_string(),
            format!(
                "reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
                 -alpn http/1.1 -tls1_2 -CAfile {ca} -verify_return_error -verify_hostname \
                 chat.test </dev/null"
            ),
        ],
        "{out}"
    );
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
}

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
    out.assert_summary("0 passed, 0 failed, 1 errors, 0 pending");
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

// ---- the cert probe --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_cert_probe_judges_a_local_client_certificate() {
    let pki = Pki::new();
    let (long, _) = pki.client_cert("aop", days_from_now(-1), days_from_now(60));
    let short_end = days_from_now(10) - time::Duration::minutes(10);
    let (short, _) = pki.client_cert("aop", days_from_now(-1), short_end);
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write("pki/client.pem", &long);
    p.write("pki/short.pem", &short);
    p.write("pki/client-ca.pem", &pki.client_ca_pem());
    p.write(
        "checks/client.yaml",
        r#"checks:
  - name: client cert
    cert: { file: ../pki/client.pem, ca_file: ../pki/client-ca.pem }
    expect:
      cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d }, chain_valid: true }
  - name: short client cert
    cert: { file: ../pki/short.pem }
    expect:
      cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    out.assert_line("PASS", "client/client-cert", "client cert");
    out.assert_line("FAIL", "client/short-client-cert", "short client cert");
    let d = out.details_of("client/short-client-cert");
    let pem = p.shown("checks/../pki/short.pem");
    assert_eq!(d.len(), 6, "{out}");
    assert_eq!(d[0], p.at("checks/client.yaml", 6));
    assert_eq!(d[2], "cert expires_in");
    assert_eq!(d[3], "  expected: > 30d");
    assert_matches(
        &format!(
            r"^  actual:   9d 23h (49m \d+s|50m) \(not after {}\)$",
            utc_text(whole_second(short_end))
        ),
        &d[4],
        &out,
    );
    assert_eq!(
        d[5],
        format!(
            "reproduce: openssl x509 -noout -subject -issuer -dates -ext \
             subjectAltName,extendedKeyUsage -in {pem}"
        ),
        "{out}"
    );
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    p.verdict("short client cert", "failure")
        .assert_message_starts_with("cert expires_in: expected > 30d, got 9d 23h ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_certificate_file_is_a_load_error() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/client.yaml",
        r#"checks:
  - name: client cert
    cert: { file: ../pki/missing.pem }
    expect:
      cert: { expires_in: { gt: 30d } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    let file = p.shown("checks/client.yaml");
    let pem = p.shown("checks/../pki/missing.pem");
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:19: cannot read `file` `{pem}`: No such file or directory (os error \
             2); expected a readable PEM file; relative paths start at the folder of this YAML \
             file\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );
    assert_eq!(p.junit_counts("conform.load"), ["1", "0", "1", "0"]);
}

// ---- list ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_tls_and_cert_checks() {
    let pki = Pki::new();
    let (cert, _) = pki.valid_client_cert("aop");
    let p = Project::with_prod_env(8443, None, "");
    p.write("pki/client.pem", &cert);
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: handshake
    tags: [gate]
    tls: { host: 127.0.0.1, port: "${port}", sni: chat.test }
    expect: { handshake: accepted }
  - name: default port
    tls: { host: chat.test }
    expect: { handshake: accepted }
  - name: client cert
    cert: { file: ../pki/client.pem }
    expect: { cert: { expires_in: { gt: 30d } } }
"#,
    );
    let out = p.list(&[]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "tls/handshake  [gate]  tls 127.0.0.1:8443 sni chat.test\n\
             tls/default-port  []  tls chat.test:443 sni chat.test\n\
             tls/client-cert  []  cert {}\n\
             3 checks for env prod\n",
            p.shown("checks/../pki/client.pem")
        ),
        "{out}"
    );
}
