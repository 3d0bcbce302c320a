//! Failing closed on the http and tls probes: a server certificate that does not verify is a
//! `fail` (an answer that contradicts the check), not an `error`; redirects carry nothing to
//! another origin and never downgrade https to http unless asked; files read at load time are
//! regular files under a size cap.

use crate::harness::*;
use crate::support::*;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;

// ---- A server certificate that does not verify is a fail -----------------------------------

/// Three https servers for `chat.test` whose certificates do not verify under `verify: true`:
/// unknown issuer, expired, another name. Each check is a `fail` (exit 1) whose message says
/// why, and JUnit shows a `<failure>`, not an `<error>`.
#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_that_does_not_verify_is_a_fail_with_the_reason() {
    let pki = Pki::new();
    let (untrusted_chain, untrusted_key) = self_signed(&["chat.test"]);
    let untrusted = TestServer::start(TestServerConfig::https(
        &untrusted_chain,
        &untrusted_key,
        |_| TestResponse::ok("untrusted"),
    ))
    .await;
    let expired_end = whole_second(days_from_now(-1));
    let (expired_chain, expired_key) =
        pki.server_cert(&["chat.test"], days_from_now(-30), expired_end);
    let expired = TestServer::start(TestServerConfig::https(
        &expired_chain,
        &expired_key,
        |_| TestResponse::ok("expired"),
    ))
    .await;
    let other = TestServer::start(https_config(&pki, &["other.test"], |_| {
        TestResponse::ok("other")
    }))
    .await;
    let p = Project::new();
    p.prod_env_vars(
        &[
            ("a", untrusted.port()),
            ("b", expired.port()),
            ("c", other.port()),
        ],
        Some(&pki),
        "",
    );
    p.write(
        "checks/certs.yaml",
        r#"checks:
  - name: unknown issuer
    http: { url: "https://chat.test:${a}/" }
    expect: { status: 200 }
  - name: expired
    http: { url: "https://chat.test:${b}/" }
    expect: { status: 200 }
  - name: wrong name
    http: { url: "https://chat.test:${c}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 3 failed, 0 errors, 0 pending");
    out.assert_outcomes(&[
        ("FAIL", "certs/expired"),
        ("FAIL", "certs/unknown-issuer"),
        ("FAIL", "certs/wrong-name"),
    ]);

    let url = |port: u16| format!("GET https://chat.test:{port}/");
    let date = expired_end.format(&Rfc3339).unwrap();
    let cases = [
        (
            "unknown issuer",
            "certs/unknown-issuer",
            2,
            untrusted.port(),
            "unknown issuer (not signed by a trusted CA; add it with ca_file)".to_string(),
        ),
        (
            "expired",
            "certs/expired",
            5,
            expired.port(),
            format!("expired (not valid after {date})"),
        ),
        (
            "wrong name",
            "certs/wrong-name",
            8,
            other.port(),
            "the certificate is not valid for name chat.test (it names: other.test)".to_string(),
        ),
    ];
    let report: serde_json::Value = serde_json::from_str(&p.read("reports/report.json")).unwrap();
    for (i, (name, id, line, port, reason)) in cases.iter().enumerate() {
        let message = format!(
            "{}: the server certificate of 127.0.0.1:{port} does not verify: {reason}",
            url(*port)
        );
        let d = out.details_of(id);
        assert_eq!(d[0], p.at("checks/certs.yaml", *line), "{out}");
        assert_eq!(d[1], format!("fail (certificate): {message}"), "{out}");
        p.verdict(name, "failure").assert_is("fail", &message);
        assert!(!p.junit_case_has(name, "error"), "{}", p.junit());
        let check = &report["checks"][i];
        assert_eq!(check["outcome"], "fail", "{check}");
        assert_eq!(check["message"], message.as_str(), "{check}");
        assert_eq!(check["attempts"][0]["outcome"], "fail", "{check}");
        assert_eq!(check["attempts"][0]["error"]["kind"], "certificate");
    }
    assert_eq!(p.junit_counts("certs"), ["3", "3", "0", "0"]);
    // Nothing reached any of the servers: the client gave up in the handshake.
    assert!(untrusted.requests().is_empty());
    assert!(expired.requests().is_empty());
    assert!(other.requests().is_empty());
}

/// The tls probe under `verify: true` against an untrusted certificate: `fail`, with the
/// reason in the handshake mismatch.
#[tokio::test(flavor = "multi_thread")]
async fn a_tls_check_against_an_untrusted_certificate_is_a_fail() {
    let (chain, key) = self_signed(&["chat.test"]);
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: untrusted
    tls: { host: chat.test, port: "${port}" }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    let message = "handshake: expected accepted, got refused by this client: certificate verify \
                   failed: unknown issuer (not signed by a trusted CA; add it with ca_file)";
    p.verdict("untrusted", "failure").assert_is("fail", message);
}

// ---- Files read at load time are regular files under a cap --------------------------------

/// Makes a FIFO at `path` (its folder created): opening it for reading blocks until a writer
/// comes, which none does.
fn mkfifo(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path and a mode; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

/// `checks/chat.yaml` with one https check whose `tls:` is `tls` (a flow mapping).
fn check_with_tls(p: &Project, tls: &str) {
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/chat.yaml",
        &format!(
            "checks:\n  - name: chat\n    http: {{ url: \"https://chat.test/\", tls: {tls} }}\n    \
             expect: {{ status: 200 }}\n"
        ),
    );
}

/// The load error of a PEM file named by `key` at line `line` of `file` (column: where
/// `written` starts on that line): `what` it is.
fn pem_refused(
    p: &Project,
    file: &str,
    line: usize,
    key: &str,
    written: &str,
    what: &str,
) -> String {
    let text = p.read(file);
    let column = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find(written))
        .expect("column")
        + 1;
    let shown = if written.starts_with('/') {
        written.to_string()
    } else {
        p.shown(&format!(
            "{}/{written}",
            file.rsplit_once('/').map_or("", |(dir, _)| dir)
        ))
    };
    format!(
        "error: {}:{line}:{column}: `{key}` `{shown}` {what}; expected a readable PEM file; \
         relative paths start at the folder of this YAML file\n",
        p.shown(file)
    )
}

const ONE_ERROR: &str = "1 error found; nothing was probed\n";

/// `conform validate` of the project: refused (exit 2), at once.
async fn validate_refused(p: &Project) -> Output {
    let out = p.validate(&[]).await;
    out.assert_code(2);
    out.assert_within(Duration::from_secs(5));
    out
}

/// A FIFO named as `ca_file`: `validate` says what it is at once (before, it blocked forever
/// opening it); the harness kills a binary that hangs, so a regression fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_as_ca_file_is_a_load_error_at_once() {
    let p = Project::new();
    check_with_tls(&p, "{ ca_file: ../pki/ca.pem }");
    mkfifo(&p.path().join("pki/ca.pem"));
    let out = validate_refused(&p).await;
    let error = pem_refused(
        &p,
        "checks/chat.yaml",
        3,
        "ca_file",
        "../pki/ca.pem",
        "is a FIFO, not a regular file",
    );
    assert_eq!(
        out.stderr,
        format!("env prod:\n{error}{ONE_ERROR}"),
        "{out}"
    );
}

/// `/dev/zero` as the environment's `ca_file` ends at once instead of filling the memory; a
/// 2 MiB `client_cert` is past the 1 MiB cap.
#[tokio::test(flavor = "multi_thread")]
async fn a_device_and_an_oversized_pem_are_load_errors() {
    let p = Project::new();
    check_with_tls(
        &p,
        "{ client_cert: ../pki/big.pem, client_key: ../pki/client.key }",
    );
    let (chain, key) = Pki::new().valid_client_cert("conform");
    let mut big = chain.clone();
    while big.len() < 2 << 20 {
        big.push_str(&chain);
    }
    p.write("pki/big.pem", &big);
    p.write("pki/client.key", &key);
    p.write("environments/prod.yaml", "tls: { ca_file: /dev/zero }\n");
    let out = validate_refused(&p).await;
    let device = pem_refused(
        &p,
        "environments/prod.yaml",
        1,
        "ca_file",
        "/dev/zero",
        "is a character device, not a regular file",
    );
    let big = pem_refused(
        &p,
        "checks/chat.yaml",
        3,
        "client_cert",
        "../pki/big.pem",
        "is larger than 1 MiB",
    );
    assert_eq!(
        out.stderr,
        format!("env prod:\n{big}{device}2 errors found; nothing was probed\n"),
        "{out}"
    );
}

/// A FIFO among the check files, and a folder where the environment file should be: each is
/// refused by name, at once, and nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_check_file_and_a_folder_environment_file_are_load_errors() {
    let server = http(|_| TestResponse::ok("up")).await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.http_check("up", "up", "http://chat.test:${port}/", "{ status: 200 }");
    mkfifo(&p.path().join("checks/fifo.yaml"));
    let out = p.run(&[]).await;
    out.assert_code(2);
    out.assert_within(Duration::from_secs(5));
    let fifo = p.shown("checks/fifo.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "error: {fifo}:1:1: the file is a FIFO, not a regular file; expected a readable YAML \
             file\n{ONE_ERROR}"
        ),
        "{out}"
    );
    assert!(server.requests().is_empty());

    let q = Project::new();
    std::fs::create_dir_all(q.path().join("environments/prod.yaml")).expect("mkdir");
    q.http_check("up", "up", "http://chat.test/", "{ status: 200 }");
    let out = validate_refused(&q).await;
    let env = q.shown("environments/prod.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\nerror: {env}:1:1: the file is a directory, not a regular file; expected a readable \
             YAML file\n{ONE_ERROR}"
        ),
        "{out}"
    );
}

/// A folder named like a check file under checks/ is a folder like any other: the check files
/// in it load.
#[tokio::test(flavor = "multi_thread")]
async fn a_folder_named_like_a_check_file_is_walked() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.http_check(
        "x.yaml/inner",
        "inner",
        "http://chat.test/",
        "{ status: 200 }",
    );
    let out = p.list(&[]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout, "inner/inner  []  http GET http://chat.test/\n1 checks for env prod\n",
        "{out}"
    );
}

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
        d[1..6],
        [
            "status: expected 200, got 301".to_string(),
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
