//! A key set (`jwt: { signed_by }`) fetched through a check's own `proxy:`, and a key set on
//! this machine's loopback fetched straight, never through a proxy.

use crate::harness::*;
use crate::jwt::{issuer, member};
use crate::support::*;
use std::collections::HashMap;

/// A check's own `proxy:` carries the fetch of its https key set too, as it carries the
/// check: the token's server and the key set's are known only to the proxy, whose log shows
/// the request and the tunnel. A key set at `http://127.0.0.1` (plain http is allowed only
/// there) is fetched straight from the loopback: the proxy never sees it.
#[tokio::test(flavor = "multi_thread")]
async fn the_key_set_is_fetched_through_the_checks_own_proxy() {
    let (issuer, _) = issuer().await;
    issuer.serve_token("rs256", &issuer.sign_with("rs256", &member(&issuer)));
    let pki = Pki::new();
    let jwks = issuer.jwks();
    let keys = TestServer::start(https_config(&pki, &["keys.proxied.test"], move |_| {
        TestResponse::ok(jwks.clone())
    }))
    .await;
    let names: HashMap<String, std::net::SocketAddr> = [
        ("issuer.proxied.test".to_string(), issuer.server.addr()),
        ("keys.proxied.test".to_string(), keys.addr()),
    ]
    .into();
    let proxy = ForwardProxy::start(ProxyConfig {
        names,
        ..ProxyConfig::default()
    })
    .await;
    let (port, keys_port) = (issuer.server.port(), keys.port());
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{port}\", keys: \"{keys_port}\", proxy: \"{}\" }}\n",
            proxy.url()
        ),
        Some(&pki),
        "",
    );
    p.write(
        "checks/auth.yaml",
        r#"checks:
  - name: through the proxy
    http: { url: "http://issuer.proxied.test:${port}/token/rs256", proxy: "${proxy}" }
    expect:
      status: 200
      body:
        json:
          "$.AuthenticationResult.IdToken":
            jwt: { signed_by: "https://keys.proxied.test:${keys}/jwks.json", header: { kid: rs256 } }
  - name: from the loopback
    http: { url: "http://issuer.proxied.test:${port}/token/rs256", proxy: "${proxy}" }
    expect:
      status: 200
      body:
        json:
          "$.AuthenticationResult.IdToken":
            jwt: { signed_by: "http://127.0.0.1:${port}/jwks.json", header: { kid: rs256 } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
    let mut lines = proxy.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("CONNECT keys.proxied.test:{keys_port}"),
            format!("GET http://issuer.proxied.test:{port}/token/rs256"),
            format!("GET http://issuer.proxied.test:{port}/token/rs256"),
        ]
    );
    assert_eq!(keys.requests().len(), 1, "{out}");
    assert_eq!(issuer.jwks_requests(), 1, "{out}");
}
