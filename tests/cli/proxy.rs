//! Proxies: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, `proxy:` in an environment or a
//! check, against an in-process forward proxy whose log is the witness. The servers' names are
//! known only to the proxy (it resolves them), so a request that did not go through it could
//! not have reached them.

use crate::harness::*;
use crate::support::*;
use std::collections::HashMap;

const PASSWORD: &str = "pr0xy-s3cret-pw";

/// A proxy that knows `names` as the address of `server`.
async fn proxy_for(server: &TestServer, names: &[&str], config: ProxyConfig) -> ForwardProxy {
    let names: HashMap<String, std::net::SocketAddr> = names
        .iter()
        .map(|n| (n.to_string(), server.addr()))
        .collect();
    ForwardProxy::start(ProxyConfig { names, ..config }).await
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
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        Some(&pki),
        "",
    );
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
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        None,
        "",
    );
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

/// An authenticated proxy from the environment's `proxy:` with `${secret:..}` in it: the
/// proxy got the credentials, and the password is in no output (terminal `-vv`, GitHub
/// format, JUnit, JSON), in no encoding; the reproduce command refers to its variable. A
/// wrong password is an error that says the proxy asked for credentials; an unset one an
/// error that names the variable, with nothing sent.
#[tokio::test(flavor = "multi_thread")]
async fn an_authenticated_proxy_gets_its_password_and_no_output_shows_it() {
    let server = http(|r| TestResponse::ok(format!("saw {}", r.path))).await;
    let config = ProxyConfig {
        credentials: Some(format!("me:{PASSWORD}")),
        ..ProxyConfig::default()
    };
    let proxy = proxy_for(&server, &["auth.proxied.test"], config).await;
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        None,
        &format!(
            "proxy: \"http://me:${{secret:PROXY_PW}}@{}\"\n",
            proxy.addr()
        ),
    );
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: passes
    http: { url: "http://auth.proxied.test:${port}/ok" }
    expect: { status: 200 }
  - name: fails
    http: { url: "http://auth.proxied.test:${port}/no" }
    expect: { status: 201 }
"#,
    );
    let port = server.port();
    let json = p.path().join("reports/report.json");
    for format in ["human", "github", "json"] {
        let out = p
            .run_with_env(&["-vv", "--format", format], &[("PROXY_PW", PASSWORD)])
            .await;
        out.assert_code_quiet(1);
        // `::add-mask::` is how the GitHub format tells the runner to hide the password.
        let masks = format!("::add-mask::{PASSWORD}\n");
        assert_eq!(out.stdout.contains(&masks), format == "github", "{out}");
        for (what, text) in [
            ("stdout", out.stdout.replace(&masks, "")),
            ("stderr", out.stderr.clone()),
            ("junit", p.junit()),
            (
                "json",
                std::fs::read_to_string(&json).expect("the JSON report"),
            ),
        ] {
            assert_no_secret(&text, PASSWORD, &format!("{what} ({format})"));
            let basic = base64_of(&format!("me:{PASSWORD}"));
            assert!(!text.contains(&basic[4..]), "{what} shows the credentials");
        }
        if format == "human" {
            let proxied = format!("http://me:***@{}", proxy.addr());
            assert_eq!(
                out.details_of("web/fails")[1..8],
                [
                    "status".to_string(),
                    "  expected: 201".to_string(),
                    "  actual:   200".to_string(),
                    format!(
                        "reproduce: curl -sS -i -x http://me:\"${{PROXY_PW}}\"@{} \
                         --max-time 10 http://auth.proxied.test:{port}/no",
                        proxy.addr()
                    ),
                    format!("> GET http://auth.proxied.test:{port}/no"),
                    format!("> through the proxy {proxied} (the environment's proxy:)"),
                    "< HTTP/1.1 200".to_string(),
                ],
                "{out}"
            );
        }
    }
    let entries = proxy.entries();
    assert_eq!(entries.len(), 6, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|e| e.credentials.as_deref() == Some(&format!("me:{PASSWORD}")[..])),
        "{entries:?}"
    );

    let out = p
        .run_with_env(&["--only", "web/passes"], &[("PROXY_PW", "wrong")])
        .await;
    out.assert_code(3);
    assert_eq!(
        out.details_of("web/passes")[1],
        format!(
            "error (proxy): GET http://auth.proxied.test:{port}/ok: the proxy \
             http://me:***@{} (the environment's proxy:) refused the credentials given (407 \
             Proxy Authentication Required) for auth.proxied.test:{port}; give them in the \
             proxy URL, e.g. http://user:${{secret:PROXY_PASSWORD}}@host:port",
            proxy.addr()
        ),
        "{out}"
    );

    let before = proxy.entries().len();
    let out = p.run_with_env(&["--only", "web/passes"], &[]).await;
    out.assert_code(3);
    assert_eq!(
        out.details_of("web/passes")[1],
        format!(
            "error (unset value): GET http://auth.proxied.test:{port}/ok: secret `PROXY_PW` is \
             not set (needed by `${{secret:PROXY_PW}}`) (in `proxy` of {})",
            p.shown("environments/prod.yaml")
        ),
        "{out}"
    );
    assert_eq!(proxy.entries().len(), before, "nothing went to the proxy");
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

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
             error: {env}:1:8: `proxy` is a socks5:// proxy; only http:// and https:// proxies \
             are supported; expected an http:// or https:// proxy URL such as \
             http://proxy.example:3128, or none\n\
             3 errors found; nothing was probed\n"
        ),
        "{out}"
    );
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
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{}\" }}\n", server.port()),
        Some(&pki),
        "",
    );
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
