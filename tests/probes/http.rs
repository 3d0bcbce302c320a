//! The http probe against the in-process test server: requests as sent, redirects,
//! connect_to / resolve / sni routing, TLS trust and client certificates, and the ways an
//! answer can fail to come (timeout, refused, garbage, oversize).

use crate::support::*;
use conform::config::model::{ConnectTo, Environment, HttpProbe, RequestBody};
use conform::probe::http::{HttpObservation, HttpProber, RedirectHop};
use conform::probe::{ProbeError, ProbeErrorKind};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn run(env: &Environment, probe: &HttpProbe) -> Result<HttpObservation, ProbeError> {
    HttpProber::new(env).probe(probe, TIMEOUT).await
}

async fn observe(env: &Environment, probe: &HttpProbe) -> HttpObservation {
    match run(env, probe).await {
        Ok(seen) => seen,
        Err(e) => panic!("probe failed: {e:?}"),
    }
}

async fn fail(env: &Environment, probe: &HttpProbe) -> ProbeError {
    match run(env, probe).await {
        Ok(seen) => panic!("probe should have failed, saw status {}", seen.status),
        Err(e) => e,
    }
}

/// Probes with `timeout`, asserting that the probe fails and gives up within 2 s.
async fn fail_within_2s(probe: &HttpProbe, timeout: Duration) -> ProbeError {
    let started = Instant::now();
    let err = HttpProber::new(&test_env())
        .probe(probe, timeout)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    err
}

fn echo_server() -> TestServerConfig {
    TestServerConfig::http(|_| TestResponse::ok("hi").header("x-test", "yes"))
}

/// An HTTPS server for `names`, signed by `pki`'s CA, and a probe trusting that CA.
async fn https_server(pki: &Pki, names: &[&str]) -> (TestServer, Vec<u8>) {
    let (chain, key) = pki.valid_server_cert(names);
    let server = TestServer::start(TestServerConfig::https(&chain, &key, |_| {
        TestResponse::ok("secure")
    }))
    .await;
    (server, cert_der(&chain))
}

/// An HTTPS server presenting `chain` and answering "ok".
async fn https_ok(chain: &str, key: &str) -> TestServer {
    TestServer::start(TestServerConfig::https(chain, key, |_| {
        TestResponse::ok("ok")
    }))
    .await
}

fn env_resolving(host: &str) -> Environment {
    let mut env = test_env();
    env.resolve
        .push(resolve_rule(host, None, "127.0.0.1", None));
    env
}

/// `GET https://chat.test:<port>/`, trusting `pki`'s CA.
fn chat_probe(port: u16, pki: &Pki) -> HttpProbe {
    let mut probe = http_probe(&format!("https://chat.test:{port}/"));
    probe.tls.extra_roots = vec![pki.ca_der()];
    probe
}

/// Runs `probe` with chat.test resolving to 127.0.0.1, expecting it to fail.
async fn fail_for_chat(probe: &HttpProbe) -> ProbeError {
    fail(&env_resolving("chat.test"), probe).await
}

/// Asserts a TLS error for `GET https://chat.test:<port>/` connected to 127.0.0.1, for `cause`.
#[track_caller]
fn assert_tls_failed(err: &ProbeError, port: u16, cause: &str) {
    let message =
        format!("GET https://chat.test:{port}/: TLS with 127.0.0.1:{port} failed: {cause}");
    assert_error(err, ProbeErrorKind::Tls, &message);
}

/// Asserts that the server certificate of `https://chat.test:<port>/` (at 127.0.0.1) did not
/// verify, for `reason`: the answer contradicts the check (a `fail`, not an `error`).
#[track_caller]
fn assert_unverified(err: &ProbeError, port: u16, reason: &str) {
    let message = format!(
        "GET https://chat.test:{port}/: the server certificate of 127.0.0.1:{port} does not \
         verify: {reason}"
    );
    assert_error(err, ProbeErrorKind::Certificate, &message);
    assert!(err.kind.is_answer());
}

#[tokio::test]
async fn get_sends_headers_in_order_and_observes_the_answer() {
    let server = TestServer::start(echo_server()).await;
    let mut probe = http_probe(&server.url("/hello?x=1"));
    probe.headers = vec![
        ("x-one".into(), "1".into()),
        ("X-Two".into(), "two words".into()),
    ];
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.method, "GET");
    assert_eq!(seen.url, server.url("/hello?x=1"));
    assert_eq!(seen.final_url, server.url("/hello?x=1"));
    assert_eq!(seen.redirects, vec![]);
    assert_eq!(seen.status, 200);
    assert_eq!(seen.version, "HTTP/1.1");
    assert_eq!(seen.body, b"hi");
    assert_eq!(seen.body_exceeded, None);
    assert_eq!(seen.header_values("X-Test"), vec!["yes"]);
    assert_eq!(seen.header_values("content-length"), vec!["2"]);
    assert_eq!(seen.remote_addr, Some(server.addr()));
    assert_eq!(seen.peer_certificate, None);
    assert_eq!(
        seen.request_headers,
        vec![
            ("x-one".to_string(), "1".to_string()),
            ("X-Two".to_string(), "two words".to_string())
        ]
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/hello?x=1");
    assert_eq!(r.version, "HTTP/1.1");
    assert_eq!(
        r.host.as_deref(),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
    assert_eq!(r.header("x-one"), Some("1"));
    assert_eq!(r.header("x-two"), Some("two words"));
    assert_eq!(r.header("user-agent"), Some("conform/0.1.0"));
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.body, b"");
    assert_eq!(r.sni, None);
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    let one = names.iter().position(|n| *n == "x-one").unwrap();
    let two = names.iter().position(|n| *n == "x-two").unwrap();
    assert!(one < two, "headers out of order: {names:?}");
}

#[tokio::test]
async fn post_json_sets_the_content_type() {
    let server = TestServer::start(echo_server()).await;
    let mut probe = http_probe(&server.url("/graphql"));
    probe.method = reqwest::Method::POST;
    probe.body = Some(RequestBody::Json(
        serde_json::json!({"query": "{ __typename }"}),
    ));
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(
        seen.request_headers,
        vec![("content-type".to_string(), "application/json".to_string())]
    );
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, br#"{"query":"{ __typename }"}"#);
}

#[tokio::test]
async fn json_body_keeps_the_users_content_type_and_text_body_is_raw() {
    let server = TestServer::start(echo_server()).await;
    let mut probe = http_probe(&server.url("/"));
    probe.method = reqwest::Method::PUT;
    probe.headers = vec![("Content-Type".into(), "application/graphql+json".into())];
    probe.body = Some(RequestBody::Json(serde_json::json!([1, 2])));
    observe(&test_env(), &probe).await;
    probe.headers = vec![];
    probe.body = Some(RequestBody::Text("raw text".into()));
    observe(&test_env(), &probe).await;

    let requests = server.requests();
    let content_types: Vec<&str> = requests[0]
        .headers
        .iter()
        .filter(|(n, _)| n == "content-type")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(content_types, vec!["application/graphql+json"]);
    assert_eq!(requests[0].body, b"[1,2]");
    assert_eq!(requests[1].method, "PUT");
    assert_eq!(requests[1].header("content-type"), None);
    assert_eq!(requests[1].body, b"raw text");
}

fn redirecting() -> TestServerConfig {
    TestServerConfig::http(|r| match r.path.as_str() {
        "/a" => TestResponse::redirect(301, "b?from=a"),
        "/b?from=a" => {
            TestResponse::redirect(302, &format!("http://{}/c", r.host.as_deref().unwrap()))
        }
        "/loop" => TestResponse::redirect(302, "/loop"),
        "/see-other" => TestResponse::redirect(303, "/c"),
        "/temporary" => TestResponse::redirect(307, "/c"),
        "/found" => TestResponse::redirect(302, "/c"),
        "/no-location" => TestResponse::status(302),
        _ => TestResponse::ok("final"),
    })
}

#[tokio::test]
async fn redirects_are_not_followed_by_default() {
    let server = TestServer::start(redirecting()).await;
    let seen = observe(&test_env(), &http_probe(&server.url("/a"))).await;

    assert_eq!(seen.status, 301);
    assert_eq!(seen.header_values("location"), vec!["b?from=a"]);
    assert_eq!(seen.redirects, vec![]);
    assert_eq!(seen.final_url, server.url("/a"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn redirects_are_followed_and_every_hop_recorded() {
    let server = TestServer::start(redirecting()).await;
    let seen = observe(&test_env(), &http_probe_following(&server.url("/a"), 10)).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body, b"final");
    assert_eq!(seen.url, server.url("/a"));
    assert_eq!(seen.final_url, server.url("/c"));
    assert_eq!(
        seen.redirects,
        vec![
            RedirectHop {
                url: server.url("/a"),
                status: 301,
                location: "b?from=a".into()
            },
            RedirectHop {
                url: server.url("/b?from=a"),
                status: 302,
                location: server.url("/c")
            },
        ]
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/a", "/b?from=a", "/c"]);
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_hop_limit() {
    let server = TestServer::start(redirecting()).await;
    let seen = observe(&test_env(), &http_probe_following(&server.url("/loop"), 3)).await;

    assert_eq!(seen.status, 302);
    assert_eq!(seen.redirects.len(), 3);
    assert_eq!(seen.final_url, server.url("/loop"));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_redirect_without_location_is_the_final_answer() {
    let server = TestServer::start(redirecting()).await;
    let seen = observe(
        &test_env(),
        &http_probe_following(&server.url("/no-location"), 3),
    )
    .await;

    assert_eq!(seen.status, 302);
    assert_eq!(seen.redirects, vec![]);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn redirect_methods_follow_the_status() {
    let server = TestServer::start(redirecting()).await;
    let env = test_env();
    for path in ["/see-other", "/found", "/temporary"] {
        let mut probe = http_probe_following(&server.url(path), 1);
        probe.method = reqwest::Method::POST;
        probe.body = Some(RequestBody::Json(serde_json::json!({"a": 1})));
        assert_eq!(observe(&env, &probe).await.status, 200);
    }
    let seen: Vec<(String, String, Vec<u8>, Option<String>)> = server
        .requests()
        .into_iter()
        .map(|r| {
            let ct = r.header("content-type").map(str::to_string);
            (r.path, r.method, r.body, ct)
        })
        .collect();
    let json = Some("application/json".to_string());
    assert_eq!(
        seen,
        vec![
            (
                "/see-other".into(),
                "POST".into(),
                br#"{"a":1}"#.to_vec(),
                json.clone()
            ),
            ("/c".into(), "GET".into(), vec![], None),
            (
                "/found".into(),
                "POST".into(),
                br#"{"a":1}"#.to_vec(),
                json.clone()
            ),
            ("/c".into(), "GET".into(), vec![], None),
            (
                "/temporary".into(),
                "POST".into(),
                br#"{"a":1}"#.to_vec(),
                json.clone()
            ),
            ("/c".into(), "POST".into(), br#"{"a":1}"#.to_vec(), json),
        ]
    );
}

#[tokio::test]
async fn no_header_of_the_check_follows_a_redirect_to_another_host() {
    let other = TestServer::start(echo_server()).await;
    let target = format!("http://other.test:{}/landing", other.port());
    let first = TestServer::start(TestServerConfig::http(move |r| match r.path.as_str() {
        "/away" => TestResponse::redirect(302, &target),
        "/here" => TestResponse::redirect(302, "/landing"),
        _ => TestResponse::ok("same host"),
    }))
    .await;
    let env = env_resolving("other.test");
    let headers = vec![
        ("Authorization".to_string(), "Bearer s3cret".to_string()),
        ("cookie".to_string(), "session=1".to_string()),
        ("x-keep".to_string(), "kept".to_string()),
    ];

    let mut probe = http_probe_following(&first.url("/away"), 2);
    probe.headers = headers.clone();
    let seen = observe(&env, &probe).await;
    assert_eq!(seen.status, 200);
    assert_eq!(
        seen.final_url,
        format!("http://other.test:{}/landing", other.port())
    );
    let r = &other.requests()[0];
    assert_eq!(
        r.host.as_deref(),
        Some(format!("other.test:{}", other.port()).as_str())
    );
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("cookie"), None);
    assert_eq!(r.header("x-keep"), None);

    let mut probe = http_probe_following(&first.url("/here"), 2);
    probe.headers = headers;
    assert_eq!(observe(&env, &probe).await.body, b"same host");
    let landing = first
        .requests()
        .into_iter()
        .find(|r| r.path == "/landing")
        .unwrap();
    assert_eq!(landing.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(landing.header("cookie"), Some("session=1"));
    assert_eq!(landing.header("x-keep"), Some("kept"));
}

#[tokio::test]
async fn connect_to_keeps_the_urls_host_for_sni_host_and_verification() {
    let pki = Pki::new();
    let (server, leaf) = https_server(&pki, &["chat.test"]).await;
    let mut probe = http_probe(&format!("https://chat.test:{}/", server.port()));
    probe.connect_to = Some(ConnectTo {
        host: "127.0.0.1".into(),
        port: None,
    });
    probe.tls.extra_roots = vec![pki.ca_der()];
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body, b"secure");
    assert_eq!(seen.version, "HTTP/2");
    assert_eq!(seen.remote_addr, Some(server.addr()));
    assert_eq!(seen.peer_certificate, Some(leaf));
    let r = &server.requests()[0];
    assert_eq!(r.sni.as_deref(), Some("chat.test"));
    assert_eq!(r.alpn.as_deref(), Some("h2"));
    assert_eq!(
        r.host.as_deref(),
        Some(format!("chat.test:{}", server.port()).as_str())
    );
}

#[tokio::test]
async fn connect_to_another_port_keeps_the_urls_authority_in_host() {
    let pki = Pki::new();
    let (server, _) = https_server(&pki, &["chat.test"]).await;
    let mut probe = http_probe("https://chat.test:8443/x");
    probe.connect_to = Some(ConnectTo {
        host: "127.0.0.1".into(),
        port: Some(server.port()),
    });
    probe.tls.extra_roots = vec![pki.ca_der()];
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.final_url, "https://chat.test:8443/x");
    assert_eq!(seen.version, "HTTP/1.1");
    let r = &server.requests()[0];
    assert_eq!(r.sni.as_deref(), Some("chat.test"));
    assert_eq!(r.host.as_deref(), Some("chat.test:8443"));
    assert_eq!(r.path, "/x");
}

#[tokio::test]
async fn tls_sni_sends_another_name() {
    let pki = Pki::new();
    let (server, _) = https_server(&pki, &["sni.test"]).await;
    let mut probe = http_probe(&server.url("/"));
    probe.tls.sni = Some("sni.test".into());
    probe.tls.extra_roots = vec![pki.ca_der()];
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.final_url, server.url("/"));
    assert_eq!(seen.remote_addr, Some(server.addr()));
    let r = &server.requests()[0];
    assert_eq!(r.sni.as_deref(), Some("sni.test"));
    assert_eq!(
        r.host.as_deref(),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
}

#[tokio::test]
async fn environment_resolve_answers_are_used() {
    let server = TestServer::start(echo_server()).await;
    let probe = http_probe(&format!("http://chat.test:{}/", server.port()));
    let seen = observe(&env_resolving("chat.test"), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.remote_addr, Some(server.addr()));
    let r = &server.requests()[0];
    assert_eq!(
        r.host.as_deref(),
        Some(format!("chat.test:{}", server.port()).as_str())
    );
}

#[tokio::test]
async fn verify_false_accepts_a_self_signed_certificate() {
    let (chain, key) = self_signed(&["chat.test"]);
    let server = https_ok(&chain, &key).await;
    let mut probe = http_probe(&server.url("/"));
    probe.tls.verify = false;
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.peer_certificate, Some(cert_der(&chain)));
}

#[tokio::test]
async fn an_unknown_ca_is_an_unverified_certificate_that_says_so() {
    let (chain, key) = self_signed(&["chat.test"]);
    let server = https_ok(&chain, &key).await;
    let probe = http_probe(&format!("https://chat.test:{}/", server.port()));
    let err = fail_for_chat(&probe).await;

    assert_unverified(
        &err,
        server.port(),
        "unknown issuer (not signed by a trusted CA; add it with ca_file)",
    );
    assert_eq!(server.requests(), vec![]);
}

#[tokio::test]
async fn an_expired_certificate_is_unverified_with_the_date() {
    let pki = Pki::new();
    let not_after = days_from_now(-1).replace_nanosecond(0).unwrap();
    let (chain, key) = pki.server_cert(&["chat.test"], days_from_now(-30), not_after);
    let server = https_ok(&chain, &key).await;
    let err = fail_for_chat(&chat_probe(server.port(), &pki)).await;

    let date = not_after
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_unverified(
        &err,
        server.port(),
        &format!("expired (not valid after {date})"),
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_unverified_naming_both() {
    let pki = Pki::new();
    let (server, _) = https_server(&pki, &["other.test"]).await;
    let err = fail_for_chat(&chat_probe(server.port(), &pki)).await;

    assert_unverified(
        &err,
        server.port(),
        "the certificate is not valid for name chat.test (it names: other.test)",
    );
}

async fn mtls_server(pki: &Pki) -> TestServer {
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TestServerConfig::https(&chain, &key, |r| {
        TestResponse::ok(format!("client cert: {}", r.client_cert_presented()))
    })
    .require_client_cert(&pki.client_ca_pem());
    TestServer::start(config).await
}

#[tokio::test]
async fn a_required_client_certificate_missing_is_a_tls_error() {
    let pki = Pki::new();
    let server = mtls_server(&pki).await;
    let err = fail_for_chat(&chat_probe(server.port(), &pki)).await;

    assert_tls_failed(
        &err,
        server.port(),
        "the server sent alert certificate_required",
    );
    assert_eq!(server.requests(), vec![]);
}

#[tokio::test]
async fn a_client_certificate_is_presented() {
    let pki = Pki::new();
    let server = mtls_server(&pki).await;
    let (client_chain, client_key) = pki.valid_client_cert("probe.client");
    let mut probe = chat_probe(server.port(), &pki);
    probe.tls.client_identity = Some(client_identity(&client_chain, &client_key));
    let seen = observe(&env_resolving("chat.test"), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body, b"client cert: true");
    assert_eq!(
        server.requests()[0].client_cert,
        Some(cert_der(&client_chain))
    );
}

#[tokio::test]
async fn a_silent_server_times_out_while_waiting_for_headers() {
    let server = silent_server().await;
    let err = fail_within_2s(&http_probe(&server.url("/")), Duration::from_secs(1)).await;

    let addr = server.addr();
    assert_error(&err, ProbeErrorKind::Timeout, &headers_timeout(addr, "1s"));
}

#[tokio::test]
async fn a_silent_tls_server_times_out_while_connecting() {
    let server = silent_server().await;
    let probe = http_probe(&format!("https://{}/", server.addr()));
    let err = fail_within_2s(&probe, Duration::from_millis(500)).await;

    let addr = server.addr();
    assert_error(
        &err,
        ProbeErrorKind::Timeout,
        &format!(
            "GET https://{addr}/: no complete answer within 500ms (timeout) while connecting to \
             {addr} (TCP and TLS handshake)"
        ),
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_cut_and_flagged() {
    let big: Vec<u8> = (0..2 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let expected = big[..1024 * 1024].to_vec();
    let server = TestServer::start(TestServerConfig::http(move |_| {
        TestResponse::ok(big.clone())
    }))
    .await;
    let seen = observe(&test_env(), &http_probe(&server.url("/big"))).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body.len(), 1024 * 1024);
    assert_eq!(seen.body, expected);
    // How far past the cap reading went depends on how the bytes were chunked in transit.
    let exceeded = seen.body_exceeded.expect("body_exceeded set");
    assert!(
        exceeded > 1024 * 1024 && exceeded <= 2 * 1024 * 1024,
        "{exceeded}"
    );
}

#[tokio::test]
async fn a_body_at_the_limit_is_not_flagged() {
    let server = TestServer::start(TestServerConfig::http(|_| {
        TestResponse::ok(vec![7u8; 1000])
    }))
    .await;
    let mut probe = http_probe(&server.url("/"));
    probe.body_limit = 1000;
    let seen = observe(&test_env(), &probe).await;

    assert_eq!(seen.body, vec![7u8; 1000]);
    assert_eq!(seen.body_exceeded, None);
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let port = closed_port();
    let err = fail(
        &test_env(),
        &http_probe(&format!("http://127.0.0.1:{port}/")),
    )
    .await;

    assert_error(
        &err,
        ProbeErrorKind::Refused,
        &format!("GET http://127.0.0.1:{port}/: connection refused (127.0.0.1:{port})"),
    );
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_protocol_error() {
    let server = raw_server(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()).await;
    let err = fail(&test_env(), &http_probe(&server.url("/"))).await;

    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &no_valid_http_answer(server.addr(), "invalid HTTP version parsed"),
    );
    let received = String::from_utf8(server.received()[0].clone()).unwrap();
    assert!(received.starts_with("GET / HTTP/1.1\r\n"), "{received}");
}

#[tokio::test]
async fn a_body_cut_short_is_a_protocol_error() {
    let server = raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc".to_vec()).await;
    let err = fail(&test_env(), &http_probe(&server.url("/"))).await;

    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &body_broke_off(
            server.addr(),
            3,
            "end of file before message length reached",
        ),
    );
}

#[tokio::test]
async fn http_1_0_and_invalid_utf8_headers_are_observed() {
    let server = raw_server(b"HTTP/1.0 404 Not Found\r\nX-Bin: a\xffb\r\n\r\ngone".to_vec()).await;
    let seen = observe(&test_env(), &http_probe(&server.url("/"))).await;

    assert_eq!(seen.status, 404);
    assert_eq!(seen.version, "HTTP/1.0");
    assert_eq!(seen.header_values("x-bin"), vec!["a\u{fffd}b"]);
    assert_eq!(seen.body, b"gone");
}

#[tokio::test]
async fn checks_with_the_same_settings_share_a_connection() {
    let server = TestServer::start(echo_server()).await;
    let prober = HttpProber::new(&test_env());
    let probe = http_probe(&server.url("/"));
    for _ in 0..3 {
        assert_eq!(prober.probe(&probe, TIMEOUT).await.unwrap().status, 200);
    }

    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.connections(), 1);
}

/// Four checks of one HTTPS host that start together: the first opens a connection, the
/// others wait for it, and as it speaks HTTP/2 they all share it.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_checks_of_an_http2_host_share_one_connection() {
    // On a loaded machine a waiter can, rarely, miss the hand-over and open a second
    // connection; sharing must still be what happens, so one of three tries must show it.
    let mut connections = Vec::new();
    for _ in 0..3 {
        let (server, versions, elapsed) = four_at_once(&[b"h2", b"http/1.1"]).await;
        assert_eq!(versions, ["HTTP/2"; 4]);
        assert_eq!(server.requests().len(), 4);
        // Multiplexed, not one after another.
        assert!(elapsed < Duration::from_millis(350), "{elapsed:?}");
        connections.push(server.connections());
        if server.connections() == 1 {
            return;
        }
    }
    panic!("four HTTP/2 checks never shared one connection: {connections:?}");
}

/// The same over HTTP/1.1 only: the others wait for the first connection to open, then open
/// their own, and the four requests still run side by side.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_checks_of_an_http1_host_open_their_own_connections() {
    let (server, versions, elapsed) = four_at_once(&[b"http/1.1"]).await;
    assert_eq!(versions, ["HTTP/1.1"; 4]);
    assert_eq!(server.requests().len(), 4);
    assert_eq!(server.connections(), 4);
    assert!(elapsed < Duration::from_millis(350), "{elapsed:?}");
}

/// Four checks of `https://chat.test/` started at once with one prober, against a server
/// offering `alpn` that answers after 100 ms: the server, the HTTP versions seen and the time
/// all four took.
async fn four_at_once(alpn: &[&[u8]]) -> (TestServer, Vec<String>, Duration) {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TestServerConfig::https(&chain, &key, |_| {
        TestResponse::ok("ok").delay(Duration::from_millis(100))
    })
    .alpn(alpn);
    let server = TestServer::start(config).await;
    let prober = Arc::new(HttpProber::new(&env_resolving("chat.test")));
    let probe = Arc::new(chat_probe(server.port(), &pki));
    let started = Instant::now();
    let versions = concurrently(4, &prober, &probe).await;
    (server, versions, started.elapsed())
}

/// Runs `probe` `n` times at once with one prober; the HTTP versions seen, in order.
async fn concurrently(n: usize, prober: &Arc<HttpProber>, probe: &Arc<HttpProbe>) -> Vec<String> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (prober, probe) = (Arc::clone(prober), Arc::clone(probe));
            tokio::spawn(async move { prober.probe(&probe, TIMEOUT).await })
        })
        .collect();
    let mut versions = Vec::new();
    for task in tasks {
        let seen = task.await.expect("the probe task").expect("an answer");
        assert_eq!(seen.status, 200);
        versions.push(seen.version);
    }
    versions
}

#[tokio::test]
async fn tls_1_2_without_the_required_client_certificate_is_a_tls_error() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TestServerConfig::https(&chain, &key, |_| TestResponse::ok("ok"))
        .require_client_cert(&pki.client_ca_pem())
        .tls_versions(&[&rustls::version::TLS12]);
    let server = TestServer::start(config).await;
    let err = fail_for_chat(&chat_probe(server.port(), &pki)).await;

    assert_tls_failed(
        &err,
        server.port(),
        "the server sent alert certificate_required",
    );
}

#[tokio::test]
async fn tls_versions_limit_what_the_client_offers() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TestServerConfig::https(&chain, &key, |_| TestResponse::ok("ok"))
        .tls_versions(&[&rustls::version::TLS12]);
    let server = TestServer::start(config).await;
    let env = env_resolving("chat.test");
    let mut probe = chat_probe(server.port(), &pki);
    probe.tls.versions = vec![conform::config::model::TlsVersion::V1_3];
    let err = fail(&env, &probe).await;

    assert_tls_failed(
        &err,
        server.port(),
        "the server sent alert protocol_version",
    );
    probe.tls.versions = vec![conform::config::model::TlsVersion::V1_2];
    assert_eq!(observe(&env, &probe).await.status, 200);
}

/// A body no expectation reads is hashed as it arrives and only its first 16 KiB are kept:
/// the probe never holds the whole of it. Past the limit it is still flagged.
#[tokio::test]
async fn a_body_no_expectation_reads_is_hashed_and_not_kept() {
    use sha2::{Digest, Sha256};
    let body: Vec<u8> = (0..(3 << 20)).map(|i| (i % 251) as u8).collect();
    let served = body.clone();
    let server = TestServer::start(TestServerConfig::http(move |_| {
        TestResponse::ok(served.clone())
    }))
    .await;
    let mut probe = http_probe(&server.url("/"));
    probe.body_limit = 4 << 20;
    probe.body_judged = false;
    let seen = observe(&test_env(), &probe).await;
    assert_eq!(seen.body, body[..16 << 10]);
    let digest = seen.body_digest.clone().expect("a digest");
    assert_eq!(digest.size, 3 << 20);
    let expected: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest.sha256, expected);
    assert_eq!(seen.body_size(), 3 << 20);
    assert_eq!(seen.body_exceeded, None);

    probe.body_limit = 1 << 20;
    let seen = observe(&test_env(), &probe).await;
    assert_eq!(seen.body.len(), 16 << 10);
    assert_eq!(seen.body_size(), 1 << 20);
    assert!(seen.body_exceeded.is_some_and(|n| n > 1 << 20));
}

/// With redirects followed, the certificate observed is the URL's own, not the last hop's:
/// a host with a certificate about to expire cannot redirect to one with a fresh certificate
/// and have that judged in its place.
#[tokio::test]
async fn the_certificate_observed_is_the_urls_own_across_redirects() {
    let pki = Pki::new();
    let (fresh, fresh_leaf) = https_server(&pki, &["chat.test"]).await;
    let target = format!("https://chat.test:{}/", fresh.port());
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let first_leaf = cert_der(&chain);
    let first = TestServer::start(TestServerConfig::https(&chain, &key, move |_| {
        TestResponse::redirect(302, &target)
    }))
    .await;
    let mut probe = http_probe_following(&format!("https://chat.test:{}/", first.port()), 5);
    probe.tls.extra_roots = vec![pki.ca_der()];
    let seen = observe(&env_resolving("chat.test"), &probe).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.redirects.len(), 1);
    assert_ne!(first_leaf, fresh_leaf);
    assert_eq!(seen.peer_certificate, Some(first_leaf));
}
