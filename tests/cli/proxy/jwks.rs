//! A key set (`jwt: { signed_by }`) fetched through a check's own `proxy:`.

use crate::jwt::{issuer, member};
use crate::support::*;

/// A check's own `proxy:` carries the fetch of its key set too, as it carries the check: the
/// token's server is known only to the proxy, and the proxy's log shows the key set fetched
/// through it as well (from `localhost`, which a fetch past the proxy would reach directly).
#[tokio::test(flavor = "multi_thread")]
async fn the_key_set_is_fetched_through_the_checks_own_proxy() {
    let (issuer, p) = issuer().await;
    issuer.serve_token("rs256", &issuer.sign_with("rs256", &member(&issuer)));
    let names = ["issuer.proxied.test", "localhost"];
    let proxy = super::proxy_for(&issuer.server, &names, ProxyConfig::default()).await;
    p.write(
        "checks/auth.yaml",
        &format!(
            r#"checks:
  - name: through the proxy
    http: {{ url: "http://issuer.proxied.test:${{port}}/token/rs256", proxy: "{proxy}" }}
    expect:
      status: 200
      body:
        json:
          "$.AuthenticationResult.IdToken":
            jwt: {{ signed_by: "http://localhost:${{port}}/jwks.json", header: {{ kid: rs256 }} }}
"#,
            proxy = proxy.url()
        ),
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    let port = issuer.server.port();
    let mut lines = proxy.lines();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("GET http://issuer.proxied.test:{port}/token/rs256"),
            format!("GET http://localhost:{port}/jwks.json"),
        ]
    );
    assert_eq!(issuer.jwks_requests(), 1, "{out}");
}
