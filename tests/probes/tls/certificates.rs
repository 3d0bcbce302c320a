//! Client certificates refused and accepted, and the server's certificate verified or only recorded.

use super::{Fixture, NAME, alert, observe};
use crate::support::*;
use conform::probe::tls::{HandshakeOutcome, TlsObservation};
use rustls::SupportedProtocolVersion;
use rustls::version::{TLS12, TLS13};

// ---- client certificates -------------------------------------------------------------

/// Each kind of client certificate against a server requiring one from the client CA,
/// speaking only `version`: what the probe saw, by case.
async fn client_cert_outcomes(
    version: &'static SupportedProtocolVersion,
) -> Vec<(&'static str, HandshakeOutcome, Option<String>)> {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(
        TlsServerConfig::new(&chain, &key)
            .require_client_cert(&f.client_ca.pem())
            .versions(&[version])
            .after(AfterHandshake::Greet),
    )
    .await;
    let stranger = Authority::root("someone else's CA");
    let identities = [
        ("none", None),
        (
            "valid",
            Some(f.client_ca.issue_valid(&["aop"], CLIENT_AUTH)),
        ),
        (
            "expired",
            Some(
                f.client_ca
                    .issue(&["aop"], days_from_now(-30), days_from_now(-1), CLIENT_AUTH),
            ),
        ),
        (
            "server-only EKU",
            Some(f.client_ca.issue_valid(&["aop"], SERVER_AUTH)),
        ),
        (
            "other CA",
            Some(stranger.issue_valid(&["aop"], CLIENT_AUTH)),
        ),
    ];
    let mut out = Vec::new();
    for (case, identity) in identities {
        let mut probe = f.probe(server.port());
        std::sync::Arc::make_mut(&mut probe.tls).client_identity =
            identity.map(|(cert, key)| client_identity(&cert, &key));
        let seen = observe(&probe).await;
        assert_eq!(
            seen.chain,
            vec![cert_der(&chain)],
            "{case}: the server's chain"
        );
        assert_eq!(seen.verified, Ok(()), "{case}");
        assert!(seen.certificate_requested, "{case}: the server asked");
        out.push((case, seen.outcome, seen.version));
    }
    out
}

/// The same refusals (and their alerts) under both versions: rustls's server sends
/// certificate_required for a missing certificate under TLS 1.2 too.
#[tokio::test]
async fn client_certificates_under_tls13_and_tls12() {
    for (version, name) in [(&TLS13, "1.3"), (&TLS12, "1.2")] {
        let v = Some(name.to_string());
        assert_eq!(
            client_cert_outcomes(version).await,
            vec![
                ("none", alert("certificate_required"), v.clone()),
                ("valid", HandshakeOutcome::Accepted, v.clone()),
                ("expired", alert("certificate_expired"), v.clone()),
                (
                    "server-only EKU",
                    alert("unsupported_certificate"),
                    v.clone()
                ),
                ("other CA", alert("unknown_ca"), v.clone()),
            ],
            "TLS {name}"
        );
    }
}

// ---- the server's certificate --------------------------------------------------------

/// A server presenting `chain`, probed with `verify` on, then off.
async fn both_ways(f: &Fixture, chain: &str, key: &str) -> (TlsObservation, TlsObservation) {
    let server = TlsServer::start(TlsServerConfig::new(chain, key)).await;
    let mut probe = f.probe(server.port());
    let strict = observe(&probe).await;
    std::sync::Arc::make_mut(&mut probe.tls).verify = false;
    let lenient = observe(&probe).await;
    (strict, lenient)
}

/// With `verify` on the client refuses with `certificate verify failed: <reason>`; with it
/// off the handshake is accepted; both record the chain and the same reason, which starts
/// with `reason`.
async fn refused_then_recorded(f: &Fixture, chain: &str, key: &str, reason: &str) {
    let (strict, lenient) = both_ways(f, chain, key).await;
    let verdict = lenient
        .verified
        .clone()
        .expect_err("verification should fail");
    assert!(verdict.starts_with(reason), "{verdict}");
    assert_eq!(
        strict.outcome,
        HandshakeOutcome::ClientRefused(format!("certificate verify failed: {verdict}"))
    );
    assert_eq!(strict.verified, Err(verdict));
    assert_eq!(lenient.outcome, HandshakeOutcome::Accepted);
    for seen in [&strict, &lenient] {
        assert_eq!(seen.chain, vec![cert_der(chain)]);
        assert_eq!(seen.sni, NAME);
    }
}

#[tokio::test]
async fn expired_server_certificate() {
    let f = Fixture::new();
    let (chain, key) =
        f.server_ca
            .issue(&[NAME], days_from_now(-30), days_from_now(-2), SERVER_AUTH);
    refused_then_recorded(&f, &chain, &key, "expired (not valid after ").await;
}

#[tokio::test]
async fn not_yet_valid_server_certificate() {
    let f = Fixture::new();
    let (chain, key) = f
        .server_ca
        .issue(&[NAME], days_from_now(2), days_from_now(90), SERVER_AUTH);
    refused_then_recorded(&f, &chain, &key, "not yet valid (not valid before ").await;
}

#[tokio::test]
async fn server_certificate_for_another_name() {
    let f = Fixture::new();
    let (chain, key) = f.server_ca.issue_valid(&["other.test"], SERVER_AUTH);
    let reason = "the certificate is not valid for name chat.test (it names: other.test)";
    refused_then_recorded(&f, &chain, &key, reason).await;
}

#[tokio::test]
async fn server_presenting_a_client_certificate() {
    let f = Fixture::new();
    let (chain, key) = f.server_ca.issue_valid(&[NAME], CLIENT_AUTH);
    let reason = "the certificate is not meant for TLS servers (extended key usage)";
    refused_then_recorded(&f, &chain, &key, reason).await;
}

#[tokio::test]
async fn self_signed_server_certificate() {
    let f = Fixture::new();
    let (chain, key) = self_signed(&[NAME]);
    refused_then_recorded(&f, &chain, &key, "unknown issuer").await;
}

#[tokio::test]
async fn server_certificate_with_three_days_left_is_accepted_and_recorded() {
    let f = Fixture::new();
    let (chain, key) =
        f.server_ca
            .issue(&[NAME], days_from_now(-87), days_from_now(3), SERVER_AUTH);
    let (strict, lenient) = both_ways(&f, &chain, &key).await;
    for seen in [strict, lenient] {
        assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
        assert_eq!(seen.chain, vec![cert_der(&chain)]);
        assert_eq!(seen.verified, Ok(()));
    }
}

#[tokio::test]
async fn chain_through_an_intermediate_is_recorded_leaf_first() {
    let f = Fixture::new();
    let intermediate = f.server_ca.intermediate(
        "conform test intermediate",
        days_from_now(-1),
        days_from_now(10),
    );
    let (leaf, key) = intermediate.issue_valid(&[NAME], SERVER_AUTH);
    let chain = format!("{leaf}{}", intermediate.pem());
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let seen = observe(&f.probe(server.port())).await;
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert_eq!(
        seen.chain,
        vec![cert_der(&leaf), intermediate.der().to_vec()]
    );
    assert_eq!(seen.verified, Ok(()));
}
