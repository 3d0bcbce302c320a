//! Certificate expectations on a server's chain (expiry, names, issuer, EKU, key, verification),
//! an intermediate that expires first, and ALPN and version.

use super::rfc3339;
use crate::harness::*;
use crate::support::*;

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
    assert_eq!(d.len(), 5, "{out}");
    assert_eq!(d[0], format!("at {file}:12"));
    let not_after = utc_text(whole_second(short_end));
    assert_eq!(d[1], "cert expires_in");
    assert_eq!(d[2], "  expected: > 21d");
    assert_matches(
        &format!(r"^  actual:   2d 23h (49m \d+s|50m) \(not after {not_after}\)$"),
        &d[3],
        &out,
    );
    assert_eq!(d[4], openssl(short.port(), true));

    // Expired two days ago: negative time, and the chain does not verify, saying why.
    let d = out.details_of("certs/expired-lenient");
    let expired_at = whole_second(expired_end);
    let chain_reason = format!("expired (not valid after {})", rfc3339(expired_at));
    assert_eq!(d.len(), 8, "{out}");
    assert_eq!(d[0], format!("at {file}:16"));
    let left = format!(r"-2d 10m( \d+s)? \(expired {}\)", utc_text(expired_at));
    assert_eq!(d[1], "cert expires_in");
    assert_eq!(d[2], "  expected: > 21d");
    assert_matches(&format!(r"^  actual:   {left}$"), &d[3], &out);
    assert_eq!(
        d[4..],
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
    assert_eq!(d.len(), 5, "{out}");
    assert_eq!(d[1], "cert chain_expires_in");
    assert_eq!(d[2], "  expected: > 14d");
    assert_matches(
        &format!(
            r"^  actual:   9d 23h (49m \d+s|50m) \(CN=conform test intermediate, not after {}\)$",
            utc_text(whole_second(intermediate_end))
        ),
        &d[3],
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
