//! Redirects carry nothing to another origin and never downgrade https to http unless asked.

use super::validate_refused;
use crate::harness::*;
use crate::support::*;

// ---- Redirects carry nothing across origins ---------------------------------------------

const KEY: &str = "k3y-only-for-the-first-origin";

/// A POST with the check's own headers (a secret `x-api-key`, `authorization`, a plain custom
/// header) and a JSON body, redirected by 307 (which keeps method and body) to `path`, on
/// server `a` (the port variable).
fn posting_check(name: &str, path: &str, tls: &str) -> String {
    format!(
        r#"  - name: {name}
    http:
      url: "{scheme}://chat.test:${{a}}{path}"
      method: POST
      headers: {{ x-api-key: "${{secret:API_KEY}}", authorization: "Bearer ${{secret:API_KEY}}", x-trace: t-1 }}
      json: {{ token: "${{secret:API_KEY}}" }}
      follow_redirects: true{tls}
    expect: {{ status: 200, body: landed }}
"#,
        scheme = if tls.is_empty() { "http" } else { "https" },
    )
}

/// What a request carried of the check's: its three headers, its content type and body.
fn carried(r: &RecordedRequest) -> Vec<String> {
    let mut v: Vec<String> = ["x-api-key", "authorization", "x-trace", "content-type"]
        .iter()
        .filter_map(|h| r.header(h).map(|v| format!("{h}: {v}")))
        .collect();
    if !r.body.is_empty() {
        v.push(format!("body: {}", String::from_utf8_lossy(&r.body)));
    }
    v
}

fn everything() -> Vec<String> {
    vec![
        format!("x-api-key: {KEY}"),
        format!("authorization: Bearer {KEY}"),
        "x-trace: t-1".to_string(),
        "content-type: application/json".to_string(),
        format!("body: {{\"token\":\"{KEY}\"}}"),
    ]
}

/// The first server's answer: `/cross` redirects (307) to the second server (another port:
/// another origin), `/same` to its own `/landed`.
fn first_origin(second: String) -> impl Fn(&RecordedRequest) -> TestResponse {
    move |r| match r.path.as_str() {
        "/cross" => TestResponse::redirect(307, &second),
        "/same" => TestResponse::redirect(307, "/landed"),
        _ => TestResponse::ok("landed"),
    }
}

/// A 307 to another port sends none of the check's headers (custom ones included) and not its
/// body; a 307 within the origin sends them all.
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_origin_carries_no_header_and_no_body() {
    let second = http(|_| TestResponse::ok("landed")).await;
    let landing = format!("http://chat.test:{}/landed", second.port());
    let first = http(first_origin(landing)).await;
    let p = Project::new();
    p.prod_env_vars(&[("a", first.port())], None, "");
    let checks = format!(
        "checks:\n{}{}",
        posting_check("cross", "/cross", ""),
        posting_check("same", "/same", "")
    );
    p.write("checks/hops.yaml", &checks);
    let out = p.run_with_env(&[], &[("API_KEY", KEY)]).await;
    out.assert_code(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");

    let landed = second.requests();
    assert_eq!(landed.len(), 1);
    assert_eq!(
        (landed[0].method.as_str(), landed[0].path.as_str()),
        ("POST", "/landed")
    );
    assert_eq!(carried(&landed[0]), Vec::<String>::new());
    assert!(landed[0].headers.iter().all(|(_, v)| !v.contains(KEY)));

    let mut own = first.requests();
    own.sort_by(|a, b| a.path.cmp(&b.path));
    let paths: Vec<&str> = own.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/cross", "/landed", "/same"]);
    for r in &own {
        assert_eq!(carried(r), everything(), "{}", r.path);
    }
}

/// The client certificate is offered to the check's origin only: the second origin, which asks
/// for one, gets none; a hop within the origin still has it.
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_origin_offers_no_client_certificate() {
    let pki = Pki::new();
    let config = |handler: Box<dyn Fn(&RecordedRequest) -> TestResponse + Send + Sync>| {
        https_config(&pki, &["chat.test"], handler).optional_client_cert(&pki.client_ca_pem())
    };
    let second = TestServer::start(config(Box::new(|_| TestResponse::ok("landed")))).await;
    let landing = format!("https://chat.test:{}/landed", second.port());
    let first = TestServer::start(config(Box::new(first_origin(landing)))).await;
    let (chain, key) = pki.valid_client_cert("conform");
    let p = Project::new();
    p.prod_env_vars(&[("a", first.port())], Some(&pki), "");
    p.client_identity(&chain, &key);
    let tls = "\n      tls: { client_cert: ../pki/client.pem, client_key: ../pki/client.key }";
    let checks = format!(
        "checks:\n{}{}",
        posting_check("cross", "/cross", tls),
        posting_check("same", "/same", tls)
    );
    p.write("checks/hops.yaml", &checks);
    let out = p.run_with_env(&[], &[("API_KEY", KEY)]).await;
    out.assert_code(0);
    out.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");

    let landed = second.requests();
    assert_eq!(landed.len(), 1);
    assert!(!landed[0].client_cert_presented());
    assert_eq!(carried(&landed[0]), Vec::<String>::new());
    let own = first.requests();
    assert_eq!(own.len(), 3);
    for r in &own {
        assert!(r.client_cert_presented(), "{}", r.path);
        assert_eq!(carried(r), everything(), "{}", r.path);
    }
}

/// An https → http hop is not followed: the redirect is the answer judged, and the mismatch
/// says why; `allow_downgrade: true` follows it (carrying nothing: another origin).
#[tokio::test(flavor = "multi_thread")]
async fn an_https_to_http_redirect_is_followed_only_when_allowed() {
    let pki = Pki::new();
    let plain = http(|_| TestResponse::ok("plain")).await;
    let target = format!("http://chat.test:{}/plain", plain.port());
    let secure = https(&pki, move |_| TestResponse::redirect(301, &target)).await;
    let p = Project::new();
    p.prod_env_vars(&[("a", secure.port())], Some(&pki), "");
    p.write(
        "checks/down.yaml",
        r#"checks:
  - name: downgrade
    http: { url: "https://chat.test:${a}/", follow_redirects: true, headers: { x-api-key: k } }
    expect: { status: 200 }
  - name: downgrade seen
    http: { url: "https://chat.test:${a}/", follow_redirects: 3 }
    expect: { status: 301 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    assert!(plain.requests().is_empty());
    let port = plain.port();
    let why = format!(
        "not followed: https → http downgrade to http://chat.test:{port}/plain; set \
         `follow_redirects: {{ max: 10, allow_downgrade: true }}` to follow"
    );
    let failure = p.verdict("downgrade", "failure");
    failure.assert_is("fail", "status: expected 200, got 301");
    assert!(
        failure.text.contains(&format!("note:     {why}")),
        "{}",
        failure.xml
    );
    let d = out.details_of("down/downgrade");
    assert_eq!(
        d[1..5],
        [
            "status".to_string(),
            "  expected: 200".to_string(),
            "  actual:   301".to_string(),
            format!("  note:     {why}"),
        ],
        "{out}"
    );

    p.write(
        "checks/down.yaml",
        r#"checks:
  - name: downgrade allowed
    http:
      url: "https://chat.test:${a}/"
      headers: { x-api-key: k }
      follow_redirects: { max: 3, allow_downgrade: true }
    expect: { status: 200, body: plain }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    let landed = plain.requests();
    assert_eq!(landed.len(), 1);
    assert_eq!(landed[0].header("x-api-key"), None);
}

/// `follow_redirects` as a map: unknown keys and values out of range are load errors.
#[tokio::test(flavor = "multi_thread")]
async fn follow_redirects_map_mistakes_are_load_errors() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/r.yaml",
        r#"checks:
  - name: r
    http: { url: "https://chat.test/", follow_redirects: { max: 300, allow_downgrades: true } }
    expect: { status: 200 }
"#,
    );
    let out = validate_refused(&p).await;
    let file = p.shown("checks/r.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {file}:3:65: `follow_redirects.max` is `300`; expected a whole number from 0 \
             to 100\n\
             error: {file}:3:70: unknown key `allow_downgrades` in the `follow_redirects` map; \
             did you mean `allow_downgrade`? expected one of: max, allow_downgrade\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}
