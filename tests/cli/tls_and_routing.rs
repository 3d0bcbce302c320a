//! Where a probe connects and what it says there: `connect_to`, `resolve` rules with ports,
//! `tls.sni`, and client certificates (mTLS).

use crate::harness::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn connect_to_keeps_the_urls_host_for_sni_and_host() {
    let pki = Pki::new();
    let server = https(&pki, |_| TestResponse::ok("via alb")).await;
    let port = server.port();
    let p = Project::new();
    // No resolve rule: chat.test is reachable only through connect_to.
    let vars = format!("vars: {{ port: \"{port}\", alb: 127.0.0.1 }}\n");
    p.env(&vars, Some(&pki), "");
    p.write(
        "checks/alb.yaml",
        r#"checks:
  - name: through the alb
    http:
      url: "https://chat.test:${port}/path?q=1"
      connect_to: "${alb}"
    expect:
      status: 200
      body: via alb
      cert: { san: { contains: chat.test } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].sni.as_deref(), Some("chat.test"));
    assert_eq!(
        requests[0].host.as_deref(),
        Some(format!("chat.test:{port}").as_str())
    );
    assert_eq!(requests[0].path, "/path?q=1");

    let list = p.list(&[]).await;
    list.assert_code(0);
    assert_eq!(
        list.stdout,
        format!(
            "alb/through-the-alb  []  http GET https://chat.test:{port}/path?q=1 via 127.0.0.1\n\
             1 check for env prod\n"
        )
    );
}

/// `connect_to` with a port for a URL on the default port, `connect_to` a name the environment
/// resolves, and `tls.sni`: each reaches the server with the SNI and Host it should.
#[tokio::test(flavor = "multi_thread")]
async fn connect_to_with_a_port_and_tls_sni_route_as_asked() {
    let pki = Pki::new();
    let config = https_config(&pki, &["chat.test", "other.test"], |_| {
        TestResponse::ok("x")
    });
    let server = TestServer::start(config).await;
    let port = server.port();
    let p = Project::new();
    let vars = format!("vars: {{ port: \"{port}\" }}\n");
    p.env(&vars, Some(&pki), "resolve: { other.test: 127.0.0.1 }\n");
    p.write(
        "checks/route.yaml",
        r#"checks:
  - name: default port
    http: { url: "https://chat.test/a", connect_to: "127.0.0.1:${port}" }
    expect: { status: 200 }
  - name: sni
    http: { url: "https://other.test:${port}/b", tls: { sni: chat.test } }
    expect: { status: 200 }
  - name: by name
    http: { url: "https://chat.test:${port}/c", connect_to: other.test }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
    let mut seen: Vec<(String, Option<String>, Option<String>)> = server
        .requests()
        .into_iter()
        .map(|r| (r.path, r.sni, r.host))
        .collect();
    seen.sort();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        seen,
        [
            ("/a".to_string(), some("chat.test"), some("chat.test")),
            (
                "/b".to_string(),
                some("chat.test"),
                Some(format!("other.test:{port}"))
            ),
            (
                "/c".to_string(),
                some("chat.test"),
                Some(format!("chat.test:{port}"))
            ),
        ]
    );
}

/// `resolve: { "host:443": ip:port }` routes a URL without an explicit port; the Host header
/// and SNI stay the URL's.
#[tokio::test(flavor = "multi_thread")]
async fn a_resolve_rule_with_a_port_routes_a_url_without_one() {
    let pki = Pki::new();
    let server = https(&pki, |_| TestResponse::ok("routed")).await;
    let port = server.port();
    let p = Project::new();
    let resolve = format!("resolve: {{ \"chat.test:443\": \"127.0.0.1:{port}\" }}\n");
    p.env(&resolve, Some(&pki), "");
    p.http_check(
        "r",
        "routed",
        "https://chat.test/x",
        "{ body: routed, status: 201 }",
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    let r = &server.requests()[0];
    assert_eq!(r.host.as_deref(), Some("chat.test"));
    assert_eq!(r.sni.as_deref(), Some("chat.test"));
    let details = out.details_of("r/routed");
    assert_eq!(
        details[1..4],
        ["status", "  expected: 201", "  actual:   200"],
        "{out}"
    );
    let ca = p.shown("environments/ca.pem");
    assert_eq!(
        details.last().unwrap(),
        &format!(
            "reproduce: curl -sS -i --connect-to chat.test:443:127.0.0.1:{port} --cacert {ca} \
             --max-time 10 https://chat.test/x"
        ),
        "{out}"
    );
}

/// An HTTPS server for `chat.test` that requires a client certificate from `pki`'s client CA
/// and says whether it saw one.
async fn mtls_server(pki: &Pki) -> TestServer {
    let config = https_config(pki, &["chat.test"], |r| {
        TestResponse::ok(format!("client cert: {}", r.client_cert_presented()))
    });
    TestServer::start(config.require_client_cert(&pki.client_ca_pem())).await
}

#[tokio::test(flavor = "multi_thread")]
async fn mtls_passes_with_the_client_certificate_and_is_an_error_without() {
    let pki = Pki::new();
    let server = mtls_server(&pki).await;
    let port = server.port();
    let (client_chain, client_key) = pki.valid_client_cert("probe.client");
    let p = Project::with_prod_env(port, Some(&pki), "");
    p.client_identity(&client_chain, &client_key);
    p.write(
        "checks/mtls.yaml",
        r#"checks:
  - name: with identity
    tags: [id]
    http:
      url: "https://chat.test:${port}/"
      tls: { client_cert: ../pki/client.pem, client_key: ../pki/client.key }
    expect: { status: 200, body: "client cert: true" }
  - name: without identity
    tags: [anon]
    timeout: 5s
    http: { url: "https://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&["--tag", "id"]).await;
    out.assert_code(0);
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(
        server.requests()[0].client_cert,
        Some(cert_der(&client_chain))
    );

    let out = p.run(&["--tag", "anon"]).await;
    out.assert_code(3);
    out.assert_line("ERROR", "mtls/without-identity", "without identity");
    // Which words the error has is not deterministic (see the ignored test below); it is an
    // error about this URL, and the server saw a handshake without a certificate.
    let details = out.details_of("mtls/without-identity");
    assert_eq!(
        details[1],
        format!(
            "error (tls): GET https://chat.test:{port}/: TLS with 127.0.0.1:{port} failed: the server sent alert certificate_required"
        ),
        "{out}"
    );
    out.assert_summary("0 passed, 0 failed, 1 error, 0 pending");
    // The request's handshake, and perhaps a second look that reads the alert itself.
    let failures = server.tls_failures();
    assert!(!failures.is_empty() && failures.len() <= 2, "{failures:?}");
    assert!(
        failures.iter().all(|f| f == "peer sent no certificates"),
        "{failures:?}"
    );
    p.verdict("without identity", "error")
        .assert_message_starts_with(&format!("GET https://chat.test:{port}/: "));
    assert_eq!(
        server.requests().len(),
        1,
        "the second run was refused in TLS"
    );

    // Both at once.
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_summary("1 passed, 0 failed, 1 error, 0 pending");
}

/// A server that requires a client certificate refuses a client without one with the TLS 1.3
/// alert `certificate_required`. The check must say so every time.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_client_certificate_is_always_reported_as_the_tls_alert() {
    let pki = Pki::new();
    let server = mtls_server(&pki).await;
    let port = server.port();
    let p = Project::with_prod_env(port, Some(&pki), "");
    p.http_check(
        "mtls",
        "anon",
        "https://chat.test:${port}/",
        "{ status: 200 }",
    );
    let expected = format!(
        "error (tls): GET https://chat.test:{port}/: TLS with 127.0.0.1:{port} failed: the \
         server sent alert certificate_required"
    );
    for _ in 0..10 {
        let out = p.run(&[]).await;
        out.assert_code(3);
        assert_eq!(out.details_of("mtls/anon")[1], expected, "{out}");
    }
}

/// A CA that only the system's trust store holds (here through `SSL_CERT_FILE`) is trusted as
/// any bundled root is: the store is read when the bundled and `ca_file` roots do not accept
/// the chain. Without it the same check fails on the unknown issuer.
#[tokio::test(flavor = "multi_thread")]
async fn a_ca_only_in_the_system_store_is_trusted() {
    let pki = Pki::new();
    let server = https(&pki, |_| TestResponse::ok("system")).await;
    // No `ca_file`: the test CA is known only to the system store given below.
    let p = Project::with_prod_env(server.port(), None, "");
    p.write("system/ca.pem", &pki.ca_pem());
    p.write("system/none.pem", "");
    p.write("system/dir/.keep", "");
    p.http_check(
        "system",
        "system root",
        "https://chat.test:${port}/",
        "{ status: 200, body: system }",
    );
    // With the CA in the store it passes; without, the same check cannot verify the chain.
    let cert_dir = p.shown("system/dir");
    for (cert_file, code, summary) in [
        (
            "system/ca.pem",
            0,
            "1 passed, 0 failed, 0 errors, 0 pending",
        ),
        (
            "system/none.pem",
            1,
            "0 passed, 1 failed, 0 errors, 0 pending",
        ),
    ] {
        let cert_file = p.shown(cert_file);
        let store = [
            ("SSL_CERT_FILE", cert_file.as_str()),
            ("SSL_CERT_DIR", &cert_dir),
        ];
        let out = p.run_with_env(&[], &store).await;
        out.assert_code(code);
        out.assert_summary(summary);
    }
    let report: serde_json::Value = serde_json::from_str(&p.read("reports/report.json")).unwrap();
    let port = server.port();
    assert_eq!(
        report["checks"][0]["message"],
        format!(
            "GET https://chat.test:{port}/: the server certificate of 127.0.0.1:{port} does not \
             verify: unknown issuer (not signed by a trusted CA; add it with ca_file)"
        )
    );
}
