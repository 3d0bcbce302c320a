//! What the handshake negotiates: ALPN, version and cipher suite, and what happens when they do not meet.

use super::{Fixture, alert, observe};
use crate::support::*;
use conform::config::model::TlsVersion;
use conform::probe::tls::HandshakeOutcome;
use rustls::version::TLS12;

// ---- what was negotiated -------------------------------------------------------------

#[tokio::test]
async fn alpn_version_and_cipher_suite() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(
        TlsServerConfig::new(&chain, &key)
            .alpn(&["h2", "http/1.1"])
            .after(AfterHandshake::Greet),
    )
    .await;
    let mut probe = f.probe(server.port());
    probe.alpn = vec!["h2".into(), "http/1.1".into()];
    let seen = observe(&probe).await;
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert_eq!(seen.alpn.as_deref(), Some("h2"));
    assert_eq!(seen.version.as_deref(), Some("1.3"));
    assert_eq!(
        seen.cipher_suite.as_deref(),
        Some("TLS13_AES_256_GCM_SHA384")
    );
    assert_eq!(seen.target, format!("127.0.0.1:{}", server.port()));

    probe.alpn = vec!["http/1.1".into()];
    std::sync::Arc::make_mut(&mut probe.tls).versions = vec![TlsVersion::V1_2];
    let seen = observe(&probe).await;
    assert_eq!(seen.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(seen.version.as_deref(), Some("1.2"));
    assert_eq!(
        seen.cipher_suite.as_deref(),
        Some("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
    );

    probe.alpn = Vec::new();
    assert_eq!(observe(&probe).await.alpn, None);
}

#[tokio::test]
async fn no_common_alpn_protocol_is_refused_by_the_server() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key).alpn(&["h2"])).await;
    let mut probe = f.probe(server.port());
    probe.alpn = vec!["http/1.1".into()];
    let seen = observe(&probe).await;
    assert_eq!(seen.outcome, alert("no_application_protocol"));
    assert_eq!(seen.chain, Vec::<Vec<u8>>::new());
    assert_eq!(
        seen.verified,
        Err("the server presented no certificate".into())
    );
}

#[tokio::test]
async fn tls12_server_against_a_tls13_only_client() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key).versions(&[&TLS12])).await;
    let mut probe = f.probe(server.port());
    std::sync::Arc::make_mut(&mut probe.tls).versions = vec![TlsVersion::V1_3];
    let seen = observe(&probe).await;
    assert_eq!(seen.outcome, alert("protocol_version"));
    assert_eq!(seen.version, None);
    assert_eq!(seen.chain, Vec::<Vec<u8>>::new());
}
