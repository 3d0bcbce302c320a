//! Requests as sent (method, headers in order, bodies and their content type) and what is kept
//! of the answer.

use super::{echo_server, observe};
use crate::support::*;
use conform::config::model::RequestBody;

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
