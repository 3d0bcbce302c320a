//! Proxies: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, `proxy:` in an environment or a
//! check, against an in-process forward proxy whose log is the witness. The servers' names are
//! known only to the proxy (it resolves them), so a request that did not go through it could
//! not have reached them.

use crate::harness::*;
use crate::support::*;
use std::collections::HashMap;

mod auth;
mod jwks;
mod refusals;

/// A proxy that knows `names` as the address of `server`.
pub(super) async fn proxy_for(
    server: &TestServer,
    names: &[&str],
    config: ProxyConfig,
) -> ForwardProxy {
    let names: HashMap<String, std::net::SocketAddr> = names
        .iter()
        .map(|n| (n.to_string(), server.addr()))
        .collect();
    ForwardProxy::start(ProxyConfig { names, ..config }).await
}

/// A project whose environment has the server's port as `${port}` (and `pki`'s CA).
pub(super) fn port_project(server: &TestServer, pki: Option<&Pki>) -> Project {
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        pki,
        "",
    );
    p
}

/// The https check goes through CONNECT: the server saw the URL's name as SNI and the
/// client certificate, the certificate was verified against the name (a name the
/// certificate does not cover fails), and the proxy logged each tunnel.
#[tokio::test(flavor = "multi_thread")]
async fn https_goes_through_connect_with_verification_sni_and_client_certificate() {
    let pki = Pki::new();
    let config = https_config(&pki, &["app.proxied.test"], |r| {
        TestResponse::ok(format!("client cert: {}", r.client_cert_presented()))
    });
    let server = TestServer::start(config.require_client_cert(&pki.client_ca_pem())).await;
    let names = ["app.proxied.test", "other.proxied.test"];
    let proxy = proxy_for(&server, &names, ProxyConfig::default()).await;
    let (client_chain, client_key) = pki.valid_client_cert("probe.client");
    let p = port_project(&server, Some(&pki));
    p.client_identity(&client_chain, &client_key);
    p.write(
        "checks/edge.yaml",
        r#"checks:
  - name: through
    http:
      url: "https://app.proxied.test:${port}/secure"
      tls: { client_cert: ../pki/client.pem, client_key: ../pki/client.key }
    expect: { status: 200, body: "client cert: true" }
  - name: other name
    http:
      url: "https://other.proxied.test:${port}/"
      tls: { client_cert: ../pki/client.pem, client_key: ../pki/client.key }
    expect: { status: 200 }
"#,
    );
    let out = p
        .run_with_env(&["-vv"], &[("HTTPS_PROXY", &proxy.url())])
        .await;
    out.assert_code(1);
    out.assert_line("PASS", "edge/through", "through");
    out.assert_line("FAIL", "edge/other-name", "other name");
    let port = server.port();
    let mut lines = proxy.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("CONNECT app.proxied.test:{port}"),
            format!("CONNECT other.proxied.test:{port}"),
        ]
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, "/secure");
    assert_eq!(requests[0].sni.as_deref(), Some("app.proxied.test"));
    assert!(requests[0].client_cert_presented());
    let details = out.details_of("edge/through");
    assert_eq!(
        details[2..5],
        [
            format!("> GET https://app.proxied.test:{port}/secure"),
            format!("> through the proxy {} (HTTPS_PROXY)", proxy.url()),
            "< HTTP/2 200".to_string(),
        ],
        "{out}"
    );
    assert!(
        details[1].ends_with(&format!(
            "-x {} --max-time 10 https://app.proxied.test:{port}/secure",
            proxy.url()
        )),
        "{out}"
    );
    let details = out.details_of("edge/other-name");
    assert_eq!(
        details[1],
        format!(
            "fail (certificate): GET https://other.proxied.test:{port}/: the server \
             certificate of other.proxied.test:{port} does not verify: the certificate is not \
             valid for name other.proxied.test (it names: app.proxied.test)"
        ),
        "{out}"
    );
}

/// http:// goes to the proxy as an absolute-form request; `NO_PROXY` (curl's rules) sends a
/// listed host straight to the server, which the proxy never sees.
#[tokio::test(flavor = "multi_thread")]
async fn http_goes_to_the_proxy_and_no_proxy_bypasses_it() {
    let server = http(|r| TestResponse::ok(format!("saw {}", r.path))).await;
    let proxy = proxy_for(&server, &["plain.proxied.test"], ProxyConfig::default()).await;
    let p = port_project(&server, None);
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: via proxy
    http: { url: "http://plain.proxied.test:${port}/via" }
    expect: { status: 200, body: "saw /via" }
  - name: listed in no_proxy
    http: { url: "http://127.0.0.1:${port}/direct" }
    expect: { status: 200, body: "saw /direct" }
  - name: a name under a listed domain
    http: { url: "http://localhost:${port}/local" }
    expect: { status: 200, body: "saw /local" }
"#,
    );
    let vars = [
        ("http_proxy", proxy.url()),
        ("no_proxy", "example.com, 127.0.0.0/8,localhost".to_string()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = p.run_with_env(&[], &vars).await;
    out.assert_code_quiet(0);
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
    let port = server.port();
    assert_eq!(
        proxy.lines(),
        [format!("GET http://plain.proxied.test:{port}/via")]
    );
    let mut paths = paths(&server);
    paths.sort();
    assert_eq!(paths, ["/direct", "/local", "/via"]);
    let via = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/via")
        .expect("the proxied request");
    assert_eq!(
        via.host.as_deref(),
        Some(format!("plain.proxied.test:{port}").as_str())
    );
}

/// Each hop of a redirect goes its own way: the first through the proxy, the next (a host
/// in NO_PROXY) straight to the server; `-v` says so where the way changes.
#[tokio::test(flavor = "multi_thread")]
async fn each_redirect_hop_goes_and_shows_its_own_way() {
    let landing = http(|_| TestResponse::ok("landed")).await;
    let to = format!("http://127.0.0.1:{}/landing", landing.port());
    let first = http(move |_| TestResponse::redirect(302, &to)).await;
    let proxy = proxy_for(&first, &["hop.proxied.test"], ProxyConfig::default()).await;
    let p = port_project(&first, None);
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: hops
    http: { url: "http://hop.proxied.test:${port}/", follow_redirects: true }
    expect: { status: 200, body: "not landed" }
"#,
    );
    let vars = [
        ("http_proxy", proxy.url()),
        ("no_proxy", "127.0.0.1".into()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = p.run_with_env(&["-v"], &vars).await;
    out.assert_code(1);
    let (port, to) = (first.port(), landing.port());
    let details = out.details_of("web/hops");
    let from = details
        .iter()
        .position(|l| l.starts_with("> GET"))
        .expect("the exchange");
    assert_eq!(
        details[from..from + 5],
        [
            format!("> GET http://hop.proxied.test:{port}/"),
            format!("> through the proxy {} (http_proxy)", proxy.url()),
            format!(
                "< redirect: 302 http://hop.proxied.test:{port}/ -> http://127.0.0.1:{to}/landing"
            ),
            format!("> http://127.0.0.1:{to}/landing straight to the server"),
            format!("< HTTP/1.1 200 (http://127.0.0.1:{to}/landing)"),
        ],
        "{out}"
    );
    assert_eq!(
        proxy.lines(),
        [format!("GET http://hop.proxied.test:{port}/")]
    );
    assert_eq!(landing.requests().len(), 1);
}

/// `proxy: none` on a check turns the variables off for it, `proxy: URL` on a check sends it
/// there whatever NO_PROXY says; an unreachable proxy is an error that names the proxy and
/// the variable it came from, never a silent direct request.
#[tokio::test(flavor = "multi_thread")]
async fn a_checks_own_proxy_wins_and_a_dead_proxy_is_an_error() {
    let server = http(|r| TestResponse::ok(format!("saw {}", r.path))).await;
    let proxy = proxy_for(&server, &["named.proxied.test"], ProxyConfig::default()).await;
    let dead = closed_port();
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{}\", proxy: \"{}\" }}\n",
            server.port(),
            proxy.url()
        ),
        None,
        "",
    );
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: off
    http: { url: "http://127.0.0.1:${port}/off", proxy: none }
    expect: { status: 200 }
  - name: own proxy
    http: { url: "http://named.proxied.test:${port}/own", proxy: "${proxy}" }
    expect: { status: 200 }
  - name: from the variable
    http: { url: "http://127.0.0.1:${port}/var" }
    expect: { status: 200 }
"#,
    );
    let dead_url = format!("http://127.0.0.1:{dead}");
    let env = [
        ("HTTP_PROXY", dead_url.as_str()),
        ("NO_PROXY", "named.proxied.test"),
    ];
    let out = p.run_with_env(&[], &env).await;
    out.assert_code(3);
    out.assert_outcomes(&[
        ("ERROR", "web/from-the-variable"),
        ("PASS", "web/off"),
        ("PASS", "web/own-proxy"),
    ]);
    let port = server.port();
    assert_eq!(
        out.details_of("web/from-the-variable")[1..],
        [
            format!(
                "error (proxy): GET http://127.0.0.1:{port}/var: the proxy {dead_url} \
                 (HTTP_PROXY) refused the connection (for 127.0.0.1:{port})"
            ),
            format!(
                "reproduce: curl -sS -i -x {dead_url} --max-time 10 \
                 http://127.0.0.1:{port}/var"
            ),
        ],
        "{out}"
    );
    assert_eq!(
        proxy.lines(),
        [format!("GET http://named.proxied.test:{port}/own")]
    );
    let mut paths = paths(&server);
    paths.sort();
    assert_eq!(paths, ["/off", "/own"]);
}

/// The reproduce command of a check that went through a proxy goes through it too: run by a
/// shell, curl sends CONNECT to the same proxy (its log shows a second tunnel) and gets the
/// answer the probe got. `-v` shows the proxy in the failing check's exchange.
#[tokio::test(flavor = "multi_thread")]
async fn the_reproduce_command_goes_through_the_same_proxy() {
    let pki = Pki::new();
    let server = TestServer::start(https_config(&pki, &["shell.proxied.test"], |_| {
        TestResponse::status(204)
    }))
    .await;
    let proxy = proxy_for(&server, &["shell.proxied.test"], ProxyConfig::default()).await;
    let p = port_project(&server, Some(&pki));
    p.http_check(
        "web",
        "t",
        "https://shell.proxied.test:${port}/",
        "{ status: 200 }",
    );
    let out = p
        .run_with_env(&["-v"], &[("HTTPS_PROXY", &proxy.url())])
        .await;
    out.assert_code(1);
    let details = out.details_of("web/t");
    assert!(
        details.contains(&format!(
            "> through the proxy {} (HTTPS_PROXY)",
            proxy.url()
        )),
        "{out}"
    );
    let command = out
        .reproduce("web/t")
        .strip_prefix("reproduce: ")
        .expect("a reproduce line")
        .to_string();
    let dir = p.path().to_path_buf();
    let shell = tokio::task::spawn_blocking(move || {
        let mut sh = std::process::Command::new("sh");
        for name in PROXY_VARIABLES {
            sh.env_remove(name);
        }
        sh.arg("-c").arg(&command).current_dir(dir).output()
    })
    .await
    .expect("join")
    .expect("sh runs (curl must be installed)");
    let stdout = String::from_utf8_lossy(&shell.stdout).into_owned();
    assert!(shell.status.success(), "{stdout}{:?}", shell.stderr);
    assert_eq!(
        stdout.lines().find(|l| l.starts_with("HTTP/2")),
        Some("HTTP/2 204 ")
    );
    let port = server.port();
    assert_eq!(
        proxy.lines(),
        [
            format!("CONNECT shell.proxied.test:{port}"),
            format!("CONNECT shell.proxied.test:{port}"),
        ]
    );
}

/// `conform probe` honours the proxy variables too, with or without `--env`.
#[tokio::test(flavor = "multi_thread")]
async fn conform_probe_goes_through_the_proxy_variables() {
    let server = http(|r| TestResponse::ok(format!("saw {}", r.path))).await;
    let proxy = proxy_for(&server, &["probe.proxied.test"], ProxyConfig::default()).await;
    let url = format!("http://probe.proxied.test:{}/probe", server.port());
    let out = conform(
        &["probe", &url, "--expect", "body: saw /probe"],
        &[("HTTP_PROXY", &proxy.url())],
        None,
    )
    .await;
    out.assert_code(0);
    assert_eq!(proxy.lines(), [format!("GET {url}")]);
}

/// An https:// proxy: conform speaks TLS to the proxy (verified against the environment's
/// trust roots, HTTP/1.1 for CONNECT), then TLS to the server inside the tunnel.
#[tokio::test(flavor = "multi_thread")]
async fn an_https_proxy_is_spoken_to_over_tls() {
    let pki = Pki::new();
    let server = TestServer::start(https_config(&pki, &["deep.proxied.test"], |_| {
        TestResponse::ok("inside")
    }))
    .await;
    let (chain, key) = pki.valid_server_cert(&["127.0.0.1"]);
    let tls = TestServerConfig::https(&chain, &key, |_| TestResponse::status(500))
        .tls
        .expect("TLS settings");
    let config = ProxyConfig {
        tls: Some(tls),
        ..ProxyConfig::default()
    };
    let proxy = proxy_for(&server, &["deep.proxied.test"], config).await;
    let p = port_project(&server, Some(&pki));
    p.http_check(
        "web",
        "t",
        "https://deep.proxied.test:${port}/",
        "{ status: 200, body: inside }",
    );
    let https_proxy = proxy.tls_url("127.0.0.1");
    let out = p
        .run_with_env(&["-vv"], &[("HTTPS_PROXY", &https_proxy)])
        .await;
    out.assert_code(0);
    assert!(
        out.details_of("web/t")
            .contains(&format!("> through the proxy {https_proxy} (HTTPS_PROXY)")),
        "{out}"
    );
    // No ALPN to the proxy: CONNECT is HTTP/1.1.
    assert_eq!(
        proxy.lines(),
        [format!("CONNECT deep.proxied.test:{}", server.port())]
    );

    // A proxy whose certificate is not trusted is the proxy's failure, not the server's.
    let (chain, key) = self_signed(&["127.0.0.1"]);
    let tls = TestServerConfig::https(&chain, &key, |_| TestResponse::status(500)).tls;
    let untrusted = ForwardProxy::start(ProxyConfig {
        tls,
        ..ProxyConfig::default()
    })
    .await;
    let https_proxy = untrusted.tls_url("127.0.0.1");
    let out = p.run_with_env(&[], &[("HTTPS_PROXY", &https_proxy)]).await;
    out.assert_code(3);
    let port = server.port();
    let ca = p.shown("environments/ca.pem");
    assert_eq!(
        out.details_of("web/t")[1..],
        [
            format!(
                "error (proxy): GET https://deep.proxied.test:{port}/: the certificate of the \
                 proxy {https_proxy} (HTTPS_PROXY) does not verify: unknown issuer (not signed \
                 by a trusted CA; add it with ca_file)"
            ),
            format!(
                "reproduce: curl -sS -i --cacert {ca} -x {https_proxy} --proxy-cacert {ca} \
                 --max-time 10 https://deep.proxied.test:{port}/"
            ),
        ],
        "{out}"
    );
    assert_eq!(untrusted.lines(), Vec::<String>::new());
}
