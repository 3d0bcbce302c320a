//! Redirect loops and long chains, a 302 without Location, and redirects to another origin.

use super::{TIMEOUT, fail, http_with, observe};
use crate::support::*;
use conform::probe::ProbeErrorKind;

// ---- redirects ---------------------------------------------------------------------------

#[tokio::test]
async fn a_redirect_loop_ends_at_the_hop_limit_with_an_error() {
    let server = TestServer::start(TestServerConfig::http(|_| {
        TestResponse::redirect(302, "/loop")
    }))
    .await;
    let err = fail(&http_probe_following(&server.url("/loop"), 10), TIMEOUT).await;

    assert_eq!(err.kind, ProbeErrorKind::Protocol);
    assert_eq!(
        err.message,
        format!(
            "GET {}: stopped after 10 redirects: the answer is still a redirect (302 to \
             \"/loop\"); a redirect loop, or more hops than follow_redirects allows",
            server.url("/loop")
        )
    );
    assert_eq!(server.requests().len(), 11);
}

fn chain_of_50() -> TestServerConfig {
    TestServerConfig::http(|r| {
        let n: u32 = r
            .path
            .strip_prefix("/hop/")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if n < 50 {
            TestResponse::redirect(307, &format!("/hop/{}", n + 1))
        } else {
            TestResponse::ok("the end")
        }
    })
}

#[tokio::test]
async fn a_50_hop_chain_stops_at_10_hops_with_an_error() {
    let server = TestServer::start(chain_of_50()).await;
    let err = fail(&http_probe_following(&server.url("/hop/0"), 10), TIMEOUT).await;

    assert_eq!(err.kind, ProbeErrorKind::Protocol);
    assert!(
        err.message.starts_with(&format!(
            "GET {}: stopped after 10 redirects: the answer is still a redirect (307 to \
             \"/hop/11\")",
            server.url("/hop/10")
        )),
        "{}",
        err.message
    );
    assert_eq!(server.requests().len(), 11);
}

#[tokio::test]
async fn a_50_hop_chain_is_followed_whole_when_allowed() {
    let server = TestServer::start(chain_of_50()).await;
    let seen = observe(&http_probe_following(&server.url("/hop/0"), 50)).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body, b"the end");
    assert_eq!(seen.redirects.len(), 50);
    assert_eq!(seen.final_url, server.url("/hop/50"));
    assert_eq!(server.requests().len(), 51);
}

#[tokio::test]
async fn a_302_without_location_is_the_final_answer() {
    let server = raw_server(&b"HTTP/1.1 302 Found\r\ncontent-length: 5\r\n\r\nmoved"[..]).await;
    let seen = observe(&http_probe_following(&server.url("/"), 10)).await;
    assert_eq!(seen.status, 302);
    assert_eq!(seen.header_values("location"), Vec::<&str>::new());
    assert_eq!(seen.redirects, vec![]);
    assert_eq!(seen.body, b"moved");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn no_header_of_the_check_follows_a_redirect_to_another_origin() {
    let other = TestServer::start(TestServerConfig::http(|_| TestResponse::ok("landed"))).await;
    let by_port = format!("http://127.0.0.1:{}/by-port", other.port());
    let by_name = format!("http://elsewhere.test:{}/by-name", other.port());
    let first = TestServer::start(TestServerConfig::http(move |r| match r.path.as_str() {
        "/to-port" => TestResponse::redirect(302, &by_port),
        _ => TestResponse::redirect(301, &by_name),
    }))
    .await;
    let mut env = test_env();
    env.resolve
        .push(resolve_rule("elsewhere.test", None, "127.0.0.1", None));

    for (from, to) in [("/to-port", "/by-port"), ("/to-name", "/by-name")] {
        let mut probe = http_probe_following(&first.url(from), 10);
        probe.headers = vec![
            ("Authorization".into(), "Bearer s3cret".into()),
            ("x-keep".into(), "kept".into()),
        ];
        let seen = http_with(&env, &probe, TIMEOUT)
            .await
            .expect("an observation");
        assert_eq!(seen.status, 200);
        assert_eq!(seen.body, b"landed");
        assert_eq!(seen.redirects.len(), 1);
        let landed = other
            .requests()
            .into_iter()
            .find(|r| r.path == to)
            .expect("the second server was asked");
        assert_eq!(landed.header("authorization"), None, "{to}");
        assert_eq!(landed.header("x-keep"), None, "{to}");
    }
    // The first server did see them.
    assert!(first.requests().iter().all(|r| {
        r.header("authorization") == Some("Bearer s3cret") && r.header("x-keep") == Some("kept")
    }));
}
