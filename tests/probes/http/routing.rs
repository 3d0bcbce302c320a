//! Routing: `connect_to`, `sni` and the environment's `resolve` answers.

use super::{echo_server, env_resolving, https_server, observe};
use crate::support::*;
use conform::config::model::ConnectTo;

#[tokio::test]
async fn connect_to_keeps_the_urls_host_for_sni_host_and_verification() {
    let pki = Pki::new();
    let (server, leaf) = https_server(&pki, &["chat.test"]).await;
    let mut probe = http_probe(&format!("https://chat.test:{}/", server.port()));
    probe.connect_to = Some(ConnectTo {
        host: "127.0.0.1".into(),
        port: None,
    });
    std::sync::Arc::make_mut(&mut probe.tls).extra_roots = vec![pki.ca_der()];
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
    std::sync::Arc::make_mut(&mut probe.tls).extra_roots = vec![pki.ca_der()];
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
    std::sync::Arc::make_mut(&mut probe.tls).sni = Some("sni.test".into());
    std::sync::Arc::make_mut(&mut probe.tls).extra_roots = vec![pki.ca_der()];
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
