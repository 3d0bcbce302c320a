//! A server certificate that does not verify is a `fail` (an answer that contradicts the check),
//! with the reason, for http and tls checks alike.

use crate::harness::*;
use crate::support::*;
use time::format_description::well_known::Rfc3339;

// ---- A server certificate that does not verify is a fail -----------------------------------

/// Three https servers for `chat.test` whose certificates do not verify under `verify: true`:
/// unknown issuer, expired, another name. Each check is a `fail` (exit 1) whose message says
/// why, and JUnit shows a `<failure>`, not an `<error>`.
#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_that_does_not_verify_is_a_fail_with_the_reason() {
    let pki = Pki::new();
    let (untrusted_chain, untrusted_key) = self_signed(&["chat.test"]);
    let untrusted = TestServer::start(TestServerConfig::https(
        &untrusted_chain,
        &untrusted_key,
        |_| TestResponse::ok("untrusted"),
    ))
    .await;
    let expired_end = whole_second(days_from_now(-1));
    let (expired_chain, expired_key) =
        pki.server_cert(&["chat.test"], days_from_now(-30), expired_end);
    let expired = TestServer::start(TestServerConfig::https(
        &expired_chain,
        &expired_key,
        |_| TestResponse::ok("expired"),
    ))
    .await;
    let other = TestServer::start(https_config(&pki, &["other.test"], |_| {
        TestResponse::ok("other")
    }))
    .await;
    let p = Project::new();
    p.prod_env_vars(
        &[
            ("a", untrusted.port()),
            ("b", expired.port()),
            ("c", other.port()),
        ],
        Some(&pki),
        "",
    );
    p.write(
        "checks/certs.yaml",
        r#"checks:
  - name: unknown issuer
    http: { url: "https://chat.test:${a}/" }
    expect: { status: 200 }
  - name: expired
    http: { url: "https://chat.test:${b}/" }
    expect: { status: 200 }
  - name: wrong name
    http: { url: "https://chat.test:${c}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 3 failed, 0 errors, 0 pending");
    out.assert_outcomes(&[
        ("FAIL", "certs/expired"),
        ("FAIL", "certs/unknown-issuer"),
        ("FAIL", "certs/wrong-name"),
    ]);

    let url = |port: u16| format!("GET https://chat.test:{port}/");
    let date = expired_end.format(&Rfc3339).unwrap();
    let cases = [
        (
            "unknown issuer",
            "certs/unknown-issuer",
            2,
            untrusted.port(),
            "unknown issuer (not signed by a trusted CA; add it with ca_file)".to_string(),
        ),
        (
            "expired",
            "certs/expired",
            5,
            expired.port(),
            format!("expired (not valid after {date})"),
        ),
        (
            "wrong name",
            "certs/wrong-name",
            8,
            other.port(),
            "the certificate is not valid for name chat.test (it names: other.test)".to_string(),
        ),
    ];
    let report: serde_json::Value = serde_json::from_str(&p.read("reports/report.json")).unwrap();
    for (i, (name, id, line, port, reason)) in cases.iter().enumerate() {
        let message = format!(
            "{}: the server certificate of 127.0.0.1:{port} does not verify: {reason}",
            url(*port)
        );
        let d = out.details_of(id);
        assert_eq!(d[0], p.at("checks/certs.yaml", *line), "{out}");
        assert_eq!(d[1], format!("fail (certificate): {message}"), "{out}");
        p.verdict(name, "failure").assert_is("fail", &message);
        assert!(!p.junit_case_has(name, "error"), "{}", p.junit());
        let check = &report["checks"][i];
        assert_eq!(check["outcome"], "fail", "{check}");
        assert_eq!(check["message"], message.as_str(), "{check}");
        assert_eq!(check["attempts"][0]["outcome"], "fail", "{check}");
        assert_eq!(check["attempts"][0]["error"]["kind"], "certificate");
    }
    assert_eq!(p.junit_counts("certs"), ["3", "3", "0", "0"]);
    // Nothing reached any of the servers: the client gave up in the handshake.
    assert!(untrusted.requests().is_empty());
    assert!(expired.requests().is_empty());
    assert!(other.requests().is_empty());
}

/// The tls probe under `verify: true` against an untrusted certificate: `fail`, with the
/// reason in the handshake mismatch.
#[tokio::test(flavor = "multi_thread")]
async fn a_tls_check_against_an_untrusted_certificate_is_a_fail() {
    let (chain, key) = self_signed(&["chat.test"]);
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: untrusted
    tls: { host: chat.test, port: "${port}" }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    let message = "handshake: expected accepted, got refused by this client: certificate verify \
                   failed: unknown issuer (not signed by a trusted CA; add it with ca_file)";
    p.verdict("untrusted", "failure").assert_is("fail", message);
}
