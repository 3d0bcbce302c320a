//! A secret whose value would break its URL apart is a load error that shows no secret.

use crate::harness::*;
use crate::support::*;

/// A secret whose characters end the URL part it is written in (`@`, `/`, `#`) would send a
/// piece of it to DNS as a host name and show it in every error: a load error, nothing
/// probed, nothing of the secret shown. Percent-encoded, it loads.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_that_breaks_its_url_apart_is_a_load_error() {
    let (server, p) = http_project(TestResponse::ok("x")).await;
    p.http_check(
        "web",
        "with a password",
        "http://bob:${secret:S}@chat.test:${port}/",
        "{ status: 200 }",
    );
    // Cut at `#`, the port would be `pass`: not a URL at all, with the secret redacted.
    let out = p.run_with_env(&[], &[("S", "pass#word")]).await;
    out.assert_code(2);
    out.assert_stderr_contains("`http://bob:[redacted:S]@chat.test:");
    assert!(!out.stderr.contains("word"), "{out}");
    for value in ["p@ssword123/xyz", "x@ssword123/"] {
        let out = p.run_with_env(&[], &[("S", value)]).await;
        out.assert_code(2);
        assert_eq!(
            out.stderr,
            format!(
                "error: {}:3:18: the value of `${{secret:S}}` breaks this URL apart: it holds a \
                 character (such as @, /, ?, # or :) that ends the part it is written in, so \
                 part of the secret would become the host or the path; percent-encode those \
                 characters in the secret (@ as %40, / as %2F, : as %3A), or send it in a header\n\
                 1 error found; nothing was probed\n",
                p.shown("checks/web.yaml")
            ),
            "{out}"
        );
        assert!(!out.stdout.contains("ssword") && !out.stderr.contains("ssword"));
    }
    assert_eq!(server.connections(), 0);
    let out = p.run_with_env(&[], &[("S", "p%40ssword123%2Fxyz")]).await;
    out.assert_code(0);

    // A secret that is the URL's own structure (a whole URL, host:port, a host part in any
    // case), or that only happens to look like a piece of it, is fine.
    let port = server.port();
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: whole
    http: { url: "${secret:WHOLE}" }
    expect: { status: 200 }
  - name: origin
    http: { url: "http://${secret:ORIGIN}/ok" }
    expect: { status: 200 }
  - name: tenant
    http: { url: "http://${secret:TENANT}.chat.test:${port}/" }
    expect: { status: 200 }
  - name: pin
    http:
      url: "http://chat.test:${port}/"
      headers: { x-pin: "${secret:PIN}" }
    expect: { status: 200 }
"#,
    );
    p.write(
        "environments/prod.yaml",
        &format!(
            "vars: {{ port: \"{port}\" }}\nresolve: {{ chat.test: 127.0.0.1, acmecorp.chat.test: 127.0.0.1 }}\n"
        ),
    );
    let whole = format!("http://chat.test:{port}/ok?token=abc123");
    let origin = format!("127.0.0.1:{port}");
    let pin = port.to_string();
    let out = p
        .run_with_env(
            &[],
            &[
                ("WHOLE", whole.as_str()),
                ("ORIGIN", origin.as_str()),
                ("TENANT", "AcmeCorp"),
                ("PIN", pin.as_str()),
            ],
        )
        .await;
    out.assert_code(0);

    // A port that carries `@` would send the probe to another host: refused. A password with
    // `&` (harmless there) and a host:port on the default port are fine.
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: port
    http: { url: "http://chat.test:${secret:PORT}/" }
    expect: { status: 200 }
"#,
    );
    let hijack = format!("1@chat.test:{port}");
    let before = server.connections();
    let out = p.run_with_env(&[], &[("PORT", hijack.as_str())]).await;
    out.assert_code(2);
    out.assert_stderr_contains("the value of `${secret:PORT}` breaks this URL apart");
    assert_eq!(server.connections(), before, "nothing may be probed");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: amp
    http: { url: "http://u:${secret:PW}@chat.test:${port}/" }
    expect: { status: 200 }
  - name: default port
    http: { url: "http://${secret:HP}/x" }
    expect: { status: 200 }
"#,
    );
    let out = p
        .command(
            "validate",
            &[],
            &[("PW", "p&ssw0rd"), ("HP", "chat.test:80")],
        )
        .await;
    out.assert_code(0);
}
