//! An authenticated proxy: its password reaches the proxy and no output.

use super::proxy_for;
use crate::harness::*;
use crate::support::*;

const PASSWORD: &str = "pr0xy-s3cret-pw";

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

/// A password written as it is in a `proxy:` URL (no `${secret:..}`) is a secret too: no
/// output shows it, not even the reproduce command.
#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_password_written_in_the_file_is_a_secret_too() {
    let server = http(|_| TestResponse::ok("ok")).await;
    let written = "wr1tten-pr0xy-pw";
    let config = ProxyConfig {
        credentials: Some(format!("me:{written}")),
        ..ProxyConfig::default()
    };
    let proxy = proxy_for(&server, &["lit.proxied.test"], config).await;
    let p = crate::proxy::port_project(&server, None);
    p.write(
        "checks/web.yaml",
        &format!(
            "checks:\n  - name: t\n    http: {{ url: \"http://lit.proxied.test:${{port}}/\", \
             proxy: \"http://me:{written}@{}\" }}\n    expect: {{ status: 201 }}\n",
            proxy.addr()
        ),
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code(1);
    assert_eq!(proxy.entries().len(), 1);
    for (what, text) in [
        ("stdout", out.stdout.clone()),
        ("junit", p.junit()),
        ("json", p.read("reports/report.json")),
    ] {
        assert_no_secret(&text, written, what);
    }
}
