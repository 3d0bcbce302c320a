//! What a proxy cannot do, and bad proxy values: errors that say why, never a request
//! that lands elsewhere.

use super::proxy_for;
use crate::harness::*;
use crate::support::*;

/// What a proxy cannot do is an error of kind proxy that says why, never a request that
/// goes elsewhere: choosing the address (`addresses: all`, `ip:`, `connect_to`, a `resolve:`
/// answer), a tunnel the proxy refuses (403) or asks credentials for (407), a proxy variable
/// that is not an http(s) proxy. The proxy saw only the tunnels it answered.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_proxy_cannot_do_is_an_error_that_says_why() {
    let pki = Pki::new();
    let server = TestServer::start(https_config(&pki, &["tls.proxied.test"], |_| {
        TestResponse::ok("tls")
    }))
    .await;
    let names = ["tls.proxied.test", "denied.proxied.test"];
    let config = ProxyConfig {
        refused: vec!["denied.proxied.test".into()],
        ..ProxyConfig::default()
    };
    let proxy = proxy_for(&server, &names, config).await;
    let locked = proxy_for(
        &server,
        &names,
        ProxyConfig {
            credentials: Some("me:pw".into()),
            ..ProxyConfig::default()
        },
    )
    .await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{}\", locked: \"{}\" }}\n",
            server.port(),
            locked.url()
        ),
        Some(&pki),
        "resolve: { pinned.proxied.test: 127.0.0.1 }\n",
    );
    p.write(
        "checks/edge.yaml",
        r#"checks:
  - name: every address
    http: { url: "https://tls.proxied.test:${port}/", addresses: all }
    expect: { status: 200 }
  - name: over v6
    http: { url: "https://tls.proxied.test:${port}/", ip: v6 }
    expect: { status: 200 }
  - name: connect to
    http: { url: "https://tls.proxied.test:${port}/", connect_to: 127.0.0.1 }
    expect: { status: 200 }
  - name: pinned
    http: { url: "https://pinned.proxied.test:${port}/" }
    expect: { status: 200 }
  - name: denied
    http: { url: "https://denied.proxied.test:${port}/" }
    expect: { status: 200 }
  - name: locked
    http: { url: "https://tls.proxied.test:${port}/", proxy: "${locked}" }
    expect: { status: 200 }
  - name: passes
    http: { url: "https://tls.proxied.test:${port}/" }
    expect: { status: 200, body: tls }
"#,
    );
    let out = p.run_with_env(&[], &[("https_proxy", &proxy.url())]).await;
    out.assert_code(3);
    out.assert_summary("1 passed, 0 failed, 6 errors, 0 pending");
    let port = server.port();
    let named = format!("the proxy {} (https_proxy)", proxy.url());
    let cannot = |what: &str, host: &str| {
        format!(
            "error (proxy): GET https://{host}:{port}/: {what} cannot be honoured through \
             {named}: a proxy connects to the name itself; add {host} to NO_PROXY, or set \
             `proxy: none` on the check"
        )
    };
    for (id, message) in [
        (
            "edge/every-address",
            cannot("`addresses: all`", "tls.proxied.test"),
        ),
        ("edge/over-v6", cannot("`ip: v6`", "tls.proxied.test")),
        (
            "edge/connect-to",
            cannot("`connect_to`", "tls.proxied.test"),
        ),
        (
            "edge/pinned",
            cannot(
                "the environment's `resolve:` answer for pinned.proxied.test",
                "pinned.proxied.test",
            ),
        ),
        (
            "edge/denied",
            format!(
                "error (proxy): GET https://denied.proxied.test:{port}/: {named} refused to \
                 open a tunnel to denied.proxied.test:{port} (CONNECT was not answered 200)"
            ),
        ),
        (
            "edge/locked",
            format!(
                "error (proxy): GET https://tls.proxied.test:{port}/: the proxy {} (the \
                 check's proxy:) asked for credentials (407 Proxy Authentication Required) \
                 for tls.proxied.test:{port}; give them in the proxy URL, e.g. \
                 http://user:${{secret:PROXY_PASSWORD}}@host:port",
                locked.url()
            ),
        ),
    ] {
        assert_eq!(out.details_of(id)[1], message, "{out}");
    }
    let mut lines = proxy.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("CONNECT denied.proxied.test:{port}"),
            format!("CONNECT tls.proxied.test:{port}"),
        ]
    );
    assert_eq!(locked.lines(), [format!("CONNECT tls.proxied.test:{port}")]);
    assert_eq!(paths(&server), ["/"]);

    let out = p
        .run_with_env(
            &["--only", "edge/passes"],
            &[("ALL_PROXY", "socks5://127.0.0.1:1080")],
        )
        .await;
    out.assert_code(3);
    assert_eq!(
        out.details_of("edge/passes")[1],
        format!(
            "error (proxy): GET https://tls.proxied.test:{port}/: ALL_PROXY is a socks5:// \
             proxy; only http:// and https:// proxies are supported"
        ),
        "{out}"
    );
}

/// `proxy:` is checked when the files load: a value that is not an http(s) proxy URL or
/// `none` is an error at its place, and nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_proxy_value_is_a_located_load_error() {
    let p = Project::new();
    p.write(
        "environments/prod.yaml",
        "proxy: \"socks5://127.0.0.1:1080\"\n",
    );
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: bad
    http: { url: "http://127.0.0.1:1/", proxy: "http://:3128" }
    expect: { status: 200 }
  - name: a list
    http: { url: "http://127.0.0.1:1/", proxy: [a, b] }
    expect: { status: 200 }
  - name: None
    http: { url: "http://127.0.0.1:1/", proxy: None }
    expect: { status: 200 }
  - name: off
    http: { url: "http://127.0.0.1:1/", proxy: "off" }
    expect: { status: 200 }
"#,
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let env = p.shown("environments/prod.yaml");
    let f = p.shown("checks/web.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {f}:3:48: `proxy` is not a proxy URL (empty host); expected an http:// or \
             https:// proxy URL such as http://proxy.example:3128, or none\n\
             error: {f}:6:48: `proxy` is a list; expected a text value\n\
             error: {f}:9:48: `proxy` is `None`, which would be read as a proxy named None; did \
             you mean `none`? expected an http:// or https:// proxy URL such as \
             http://proxy.example:3128, or none\n\
             error: {f}:12:48: `proxy` is `off`, which would be read as a proxy named off; did \
             you mean `none`? expected an http:// or https:// proxy URL such as \
             http://proxy.example:3128, or none\n\
             error: {env}:1:8: `proxy` is a socks5:// proxy; only http:// and https:// proxies \
             are supported; expected an http:// or https:// proxy URL such as \
             http://proxy.example:3128, or none\n\
             5 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}

/// Inside a CONNECT tunnel the answer is the server's: a 407 from an https origin (an app
/// that misuses it, or a proxy behind the origin) is judged as its status, not taken for the
/// proxy asking for credentials.
#[tokio::test(flavor = "multi_thread")]
async fn a_407_from_the_server_through_a_tunnel_is_the_servers_answer() {
    let pki = Pki::new();
    let server = TestServer::start(https_config(&pki, &["origin.proxied.test"], |_| {
        TestResponse::status(407)
    }))
    .await;
    let proxy = super::proxy_for(&server, &["origin.proxied.test"], ProxyConfig::default()).await;
    let p = super::port_project(&server, Some(&pki));
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: asks
    http: { url: "https://origin.proxied.test:${port}/" }
    expect: { status: 200 }
  - name: says 407
    http: { url: "https://origin.proxied.test:${port}/" }
    expect: { status: 407 }
"#,
    );
    let out = p.run_with_env(&[], &[("HTTPS_PROXY", &proxy.url())]).await;
    out.assert_code(1);
    out.assert_line("FAIL", "web/asks", "asks");
    assert_eq!(
        out.details_of("web/asks")[1..4],
        ["status", "  expected: 200", "  actual:   407"],
        "{out}"
    );
    out.assert_line("PASS", "web/says-407", "says 407");
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    assert_eq!(server.requests().len(), 2);
}
