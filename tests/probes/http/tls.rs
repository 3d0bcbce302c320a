//! https trust and client certificates: verification off, unknown CA, expired, wrong name, mTLS,
//! TLS versions.

use super::{chat_probe, env_resolving, fail, https_server, observe};
use crate::support::*;
use conform::config::model::HttpProbe;
use conform::probe::{ProbeError, ProbeErrorKind};

/// An HTTPS server presenting `chain` and answering "ok".
async fn https_ok(chain: &str, key: &str) -> TestServer {
    TestServer::start(TestServerConfig::https(chain, key, |_| {
        TestResponse::ok("ok")
    }))
    .await
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
async fn verify_false_accepts_a_self_signed_certificate() {
    let (chain, key) = self_signed(&["chat.test"]);
    let server = https_ok(&chain, &key).await;
    let mut probe = http_probe(&server.url("/"));
    std::sync::Arc::make_mut(&mut probe.tls).verify = false;
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
    std::sync::Arc::make_mut(&mut probe.tls).client_identity =
        Some(client_identity(&client_chain, &client_key));
    let seen = observe(&env_resolving("chat.test"), &probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.body, b"client cert: true");
    assert_eq!(
        server.requests()[0].client_cert,
        Some(cert_der(&client_chain))
    );
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
    std::sync::Arc::make_mut(&mut probe.tls).versions =
        vec![conform::config::model::TlsVersion::V1_3];
    let err = fail(&env, &probe).await;

    assert_tls_failed(
        &err,
        server.port(),
        "the server sent alert protocol_version",
    );
    std::sync::Arc::make_mut(&mut probe.tls).versions =
        vec![conform::config::model::TlsVersion::V1_2];
    assert_eq!(observe(&env, &probe).await.status, 200);
}
