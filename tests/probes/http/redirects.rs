//! Redirects: not followed by default, every hop recorded, the hop limit, methods, and nothing of
//! the check carried to another host.

use super::{echo_server, env_resolving, fail, https_server, observe};
use crate::support::*;
use conform::config::model::RequestBody;
use conform::probe::ProbeErrorKind;
use conform::probe::http::RedirectHop;

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
                location: "b?from=a".into(),
                proxy: None,
            },
            RedirectHop {
                url: server.url("/b?from=a"),
                status: 302,
                location: server.url("/c"),
                proxy: None,
            },
        ]
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/a", "/b?from=a", "/c"]);
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_hop_limit_with_an_error() {
    let server = TestServer::start(redirecting()).await;
    let err = fail(&test_env(), &http_probe_following(&server.url("/loop"), 3)).await;

    assert_eq!(err.kind, ProbeErrorKind::Protocol);
    assert_eq!(
        err.message,
        format!(
            "GET {}: stopped after 3 redirects: the answer is still a redirect (302 to \"/loop\"); \
             a redirect loop, or more hops than follow_redirects allows",
            server.url("/loop")
        )
    );
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
    std::sync::Arc::make_mut(&mut probe.tls).extra_roots = vec![pki.ca_der()];
    let seen = observe(&env_resolving("chat.test"), &probe).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.redirects.len(), 1);
    assert_ne!(first_leaf, fresh_leaf);
    assert_eq!(seen.peer_certificate, Some(first_leaf));
}
