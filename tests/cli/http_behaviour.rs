//! How the http probe meets the server: redirects, the body cap, hostile bytes kept off the
//! terminal and out of the XML, and timeouts by phase and by precedence.

use crate::harness::*;
use crate::support::*;
use regex::Regex;
use std::time::Duration;

async fn redirect_server() -> TestServer {
    http(|r| match r.path.as_str() {
        "/" => TestResponse::redirect(302, "/app"),
        "/app" => TestResponse::ok("the app"),
        _ => TestResponse::status(404),
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_are_seen_or_followed_as_asked() {
    let server = redirect_server().await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: root redirects
    http: { url: "http://chat.test:${port}/", follow_redirects: false }
    expect: { status: 302, headers: { location: /app } }
  - name: root lands on the app
    http: { url: "http://chat.test:${port}/", follow_redirects: true }
    expect: { status: 200, body: { contains: the app } }
  - name: default does not follow
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 3xx }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
    let mut seen = paths(&server);
    seen.dedup();
    assert_eq!(seen, ["/", "/app"]);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_that_was_not_expected_fails_with_the_hop_in_verbose_output() {
    let server = redirect_server().await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: lands
    http: { url: "http://chat.test:${port}/", follow_redirects: 1 }
    expect: { body: nothing }
"#,
    );
    let out = p.run(&["-v"]).await;
    out.assert_code(1);
    let port = server.port();
    let details = out.details_of("web/lands");
    assert!(
        details.contains(&format!("< redirect: 302 http://chat.test:{port}/ -> /app")),
        "{out}"
    );
    assert!(
        details.contains(&format!("< HTTP/1.1 200 (http://chat.test:{port}/app)")),
        "{out}"
    );
    assert!(
        details
            .iter()
            .any(|l| l.starts_with("reproduce: curl -sS -i -L --max-redirs 1 ")),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_cap_fails_and_says_so() {
    let (_server, p) = http_project(TestResponse::ok(vec![b'a'; 2 * 1024 * 1024])).await;
    p.write(
        "checks/big.yaml",
        r#"checks:
  - name: big body
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
  - name: big body allowed
    http: { url: "http://chat.test:${port}/", body_limit: 4MiB }
    expect: { status: 200, body: { matches: "^a+$" } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    assert!(out.line_of("big/big-body-allowed").starts_with("PASS "));
    let details = out.details_of("big/big-body");
    assert_eq!(details[1], "body", "{out}");
    assert_eq!(
        details[2], "  expected: at most 1 MiB (the body limit)",
        "{out}"
    );
    let actual =
        Regex::new(r"^  actual:   more than 1 MiB \([\d.]+ MiB read before stopping\)$").unwrap();
    assert!(actual.is_match(&details[3]), "{out}");
    assert_eq!(
        details[4],
        "  note:     raise `body_limit` on the http probe if this body is expected"
    );
    p.verdict("big body", "failure").assert_message_starts_with(
        "body: expected at most 1 MiB (the body limit), got more than 1 MiB",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_body_bytes_keep_the_terminal_and_the_xml_safe() {
    let hostile: &[u8] = b"\x00\x1b[31mred\x1b]0;title\x07 ]]></failure><x a='\x0c'> \xff\xfe bidi:\xe2\x80\xae end\r\n";
    // A header value may carry obs-text: U+009B (C1 CSI) in UTF-8 drives some terminals.
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\nx-note: \u{9b}2J\r\n\r\n",
        hostile.len()
    )
    .into_bytes();
    response.extend_from_slice(hostile);
    let server = raw_server(response).await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.http_check(
        "evil",
        r#"evil <&> "quoted""#,
        "http://chat.test:${port}/",
        "{ body: { contains: ok }, headers: { x-note: calm } }",
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code(1);
    assert!(
        !out.stdout.contains('\u{1b}'),
        "raw ESC on the terminal: {out}"
    );
    assert!(
        !out.stdout.contains('\u{0}'),
        "raw NUL on the terminal: {out}"
    );
    assert!(
        !out.stdout.contains('\u{7}'),
        "raw BEL on the terminal: {out}"
    );
    assert!(!out.stdout.contains('\u{202e}'), "raw bidi override: {out}");
    assert!(!out.stdout.contains('\u{9b}'), "raw C1 CSI: {out}");
    assert!(out.stdout.contains("< x-note: \\u{9b}2J"), "{out}");
    assert!(out.stdout.contains("\\x1b[31mred"), "{out}");
    let failure = p.verdict("evil <&> \"quoted\"", "failure");
    let body = &failure.text;
    assert!(
        body.contains(
            "  actual:   \"\\0\\u{1b}[31mred\\u{1b}]0;title\\u{7} ]]></failure><x a='\\u{c}'>"
        ),
        "{body}"
    );
    assert_eq!(
        failure.message.as_deref(),
        Some("header x-note: expected \"calm\", got \"\\u{9b}2J\" (+1 more)")
    );
    let xml = &failure.xml;
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'), "{xml}");
}

/// A server that takes the TCP connection but never answers the TLS handshake: the timeout
/// says it was still connecting. `--timeout` overrides the file's 10 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_stuck_tls_handshake_times_out_while_connecting_and_cli_timeout_wins() {
    let server = silent_server().await;
    let port = server.port();
    let p = Project::with_prod_env(port, None, "defaults: { timeout: 10s }\n");
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: stuck
    timeout: 10s
    http: { url: "https://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&["--timeout", "500ms"]).await;
    out.assert_code(3);
    out.assert_within(Duration::from_millis(2000));
    let details = out.details_of("tls/stuck");
    assert_eq!(
        details[1],
        format!(
            "error (timeout): GET https://chat.test:{port}/: no complete answer within 500ms \
             (timeout) while connecting to 127.0.0.1:{port} (TCP and TLS handshake)"
        ),
        "{out}"
    );
    assert!(details[2].contains(" --max-time 0.5 "), "{out}");
}

/// The environment's `defaults` apply under the file's and the check's own.
#[tokio::test(flavor = "multi_thread")]
async fn timeouts_follow_the_precedence_of_environment_file_and_check() {
    let server = silent_server().await;
    let p = Project::with_prod_env(server.port(), None, "defaults: { timeout: 300ms }\n");
    p.http_check(
        "a",
        "env default",
        "http://chat.test:${port}/",
        "{ status: 200 }",
    );
    p.write(
        "checks/b.yaml",
        r#"defaults: { timeout: 600ms }
checks:
  - name: file default
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
  - name: own
    timeout: 900ms
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_summary("0 passed, 0 failed, 3 errors, 0 pending");
    for (id, shown) in [
        ("a/env-default", "300ms"),
        ("b/file-default", "600ms"),
        ("b/own", "900ms"),
    ] {
        assert!(
            out.details_of(id)[1].contains(&format!("no complete answer within {shown} (timeout)")),
            "{id}: {out}"
        );
    }
    // They ran at once, so the run took about the longest timeout.
    out.assert_within(Duration::from_millis(2000));
}
