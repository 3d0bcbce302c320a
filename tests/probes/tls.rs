//! The tls probe against in-process rustls servers and raw TCP servers: client certificates
//! refused and accepted under TLS 1.2 and 1.3, the server's certificate verified or only
//! recorded, ALPN and versions, the ways a handshake breaks off, and routing. Also the cert
//! probe's chain verification, on files made by the same PKI.

use crate::support::*;
use conform::config::model::{CertProbe, Environment, TlsOptions, TlsProbe, TlsVersion};
use conform::probe::cert::{self, CertObservation};
use conform::probe::tls::{HandshakeOutcome, Rejection, TlsObservation, TlsProber};
use conform::probe::{ProbeError, ProbeErrorKind};
use rustls::SupportedProtocolVersion;
use rustls::version::{TLS12, TLS13};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);
const NAME: &str = "chat.test";

/// A server CA and a client CA, with the server's certificate for [`NAME`].
struct Fixture {
    server_ca: Authority,
    client_ca: Authority,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            server_ca: Authority::root("conform test CA"),
            client_ca: Authority::root("conform test client CA"),
        }
    }

    /// A valid server certificate for [`NAME`]: (chain PEM, key PEM).
    fn server_cert(&self) -> (String, String) {
        self.server_ca.issue_valid(&[NAME], SERVER_AUTH)
    }

    /// A probe of `port` on 127.0.0.1 with SNI [`NAME`], trusting the server CA.
    fn probe(&self, port: u16) -> TlsProbe {
        TlsProbe {
            host: "127.0.0.1".into(),
            port,
            sni: NAME.into(),
            alpn: Vec::new(),
            tls: TlsOptions {
                extra_roots: vec![self.server_ca.der()],
                ..TlsOptions::default()
            },
        }
    }
}

async fn run(
    env: &Environment,
    probe: &TlsProbe,
    timeout: Duration,
) -> Result<TlsObservation, ProbeError> {
    TlsProber::new(env).probe(probe, timeout).await
}

async fn observe(probe: &TlsProbe) -> TlsObservation {
    match run(&test_env(), probe, TIMEOUT).await {
        Ok(seen) => seen,
        Err(e) => panic!("the probe got no observation: {e:?}"),
    }
}

async fn fail(probe: &TlsProbe, timeout: Duration) -> ProbeError {
    match run(&test_env(), probe, timeout).await {
        Ok(seen) => panic!("the probe should have failed, saw {seen:?}"),
        Err(e) => e,
    }
}

fn alert(name: &str) -> HandshakeOutcome {
    HandshakeOutcome::Rejected {
        alert: Some(name.into()),
        how: Rejection::Alert,
    }
}

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
        probe.tls.client_identity = identity.map(|(cert, key)| client_identity(&cert, &key));
        let seen = observe(&probe).await;
        assert_eq!(
            seen.chain,
            vec![cert_der(&chain)],
            "{case}: the server's chain"
        );
        assert_eq!(seen.verified, Ok(()), "{case}");
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
    probe.tls.verify = false;
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
    probe.tls.versions = vec![TlsVersion::V1_2];
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
    probe.tls.versions = vec![TlsVersion::V1_3];
    let seen = observe(&probe).await;
    assert_eq!(seen.outcome, alert("protocol_version"));
    assert_eq!(seen.version, None);
    assert_eq!(seen.chain, Vec::<Vec<u8>>::new());
}

// ---- after the handshake -------------------------------------------------------------

#[tokio::test]
async fn a_silent_server_accepts_after_a_short_wait() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let clock = Instant::now();
    let seen = observe(&f.probe(server.port())).await;
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    // The handshake itself is quick; the wait for a refusal is not counted in `elapsed`.
    assert!(
        clock.elapsed() >= Duration::from_millis(300),
        "{:?}",
        clock.elapsed()
    );
    assert!(
        seen.elapsed < Duration::from_millis(300),
        "{:?}",
        seen.elapsed
    );
    assert_eq!(server.handshakes()[0].result, Ok(Some(NAME.to_string())));
}

#[tokio::test]
async fn the_wait_for_a_refusal_never_outlasts_the_timeout() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let clock = Instant::now();
    let seen = run(
        &test_env(),
        &f.probe(server.port()),
        Duration::from_millis(100),
    )
    .await
    .expect("an observation");
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert!(
        clock.elapsed() < Duration::from_millis(250),
        "{:?}",
        clock.elapsed()
    );
}

#[tokio::test]
async fn a_server_that_closes_right_after_the_handshake_rejects() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    for version in [&TLS13, &TLS12] {
        let server = TlsServer::start(
            TlsServerConfig::new(&chain, &key)
                .versions(&[version])
                .after(AfterHandshake::Close),
        )
        .await;
        let seen = observe(&f.probe(server.port())).await;
        let closed = HandshakeOutcome::Rejected {
            alert: None,
            how: Rejection::Closed,
        };
        assert_eq!(seen.outcome, closed, "{version:?}");
    }
}

// ---- handshakes broken off -----------------------------------------------------------

#[tokio::test]
async fn a_reset_during_the_handshake_rejects() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Reset).await;
    let seen = observe(&f.probe(server.port())).await;
    let reset = HandshakeOutcome::Rejected {
        alert: None,
        how: Rejection::Reset,
    };
    assert_eq!(seen.outcome, reset);
    assert_eq!(seen.outcome.to_string(), "rejected (connection reset)");
    assert_eq!(seen.version, None);
}

#[tokio::test]
async fn a_close_during_the_handshake_rejects() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Close).await;
    let seen = observe(&f.probe(server.port())).await;
    let closed = HandshakeOutcome::Rejected {
        alert: None,
        how: Rejection::Closed,
    };
    assert_eq!(seen.outcome, closed);
}

#[tokio::test]
async fn a_stalled_handshake_times_out() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Stall).await;
    let clock = Instant::now();
    let err = fail(&f.probe(server.port()), Duration::from_secs(1)).await;
    let elapsed = clock.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    assert_eq!(
        err.message,
        format!(
            "TLS with 127.0.0.1:{}: no handshake within 1s (timeout); the server took the \
             connection but did not answer the ClientHello",
            server.port()
        )
    );
}

#[tokio::test]
async fn an_answer_that_is_not_tls_is_an_error() {
    let f = Fixture::new();
    let server = handshake_breaker(BreakOff::Answer(
        b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
    ))
    .await;
    let err = fail(&f.probe(server.port()), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Tls);
    assert_eq!(
        err.message,
        format!(
            "TLS with 127.0.0.1:{} failed: the server's answer is not TLS (it begins \
             \"HTTP/1.1 400 Bad Request\"): received corrupt message of type \
             InvalidContentType",
            server.port()
        )
    );
}

// ---- where the probe connects --------------------------------------------------------

#[tokio::test]
async fn connection_refused() {
    let f = Fixture::new();
    let port = closed_port();
    let err = fail(&f.probe(port), TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Refused);
    assert_eq!(
        err.message,
        format!("connection refused (127.0.0.1:{port})")
    );
}

#[tokio::test]
async fn a_name_the_environment_resolves_is_used_for_sni_and_verification() {
    let f = Fixture::new();
    let (chain, key) = f.server_cert();
    let server = TlsServer::start(TlsServerConfig::new(&chain, &key)).await;
    let mut env = test_env();
    env.resolve
        .push(resolve_rule(NAME, None, "127.0.0.1", None));
    let mut probe = f.probe(server.port());
    probe.host = NAME.into();
    let seen = run(&env, &probe, TIMEOUT).await.expect("an observation");
    assert_eq!(seen.outcome, HandshakeOutcome::Accepted);
    assert_eq!(seen.target, format!("127.0.0.1:{}", server.port()));
    assert_eq!(seen.sni, NAME);
    assert_eq!(seen.verified, Ok(()));
    assert_eq!(server.handshakes()[0].result, Ok(Some(NAME.to_string())));
}

#[tokio::test]
async fn a_name_that_does_not_resolve() {
    let f = Fixture::new();
    let mut probe = f.probe(443);
    probe.host = "no-such-host.invalid".into();
    let err = fail(&probe, TIMEOUT).await;
    assert_eq!(err.kind, ProbeErrorKind::Dns);
    assert!(
        err.message
            .starts_with("no-such-host.invalid did not resolve ("),
        "{}",
        err.message
    );
}

// ---- the cert probe's chain verification ---------------------------------------------

/// The cert probe on a file holding `pem`, trusting `roots` besides the system's.
fn cert_file(pem: &str, roots: &[&Authority]) -> CertObservation {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let probe = CertProbe {
        file: write_pem(dir.path(), "cert.pem", pem),
        tls: TlsOptions {
            extra_roots: roots.iter().map(|ca| ca.der()).collect(),
            ..TlsOptions::default()
        },
    };
    cert::probe(&probe).expect("the file is read")
}

#[test]
fn a_valid_client_certificate_verifies_as_a_client_certificate() {
    let f = Fixture::new();
    let (cert, _) = f.client_ca.issue_valid(&["aop"], CLIENT_AUTH);
    let seen = cert_file(&cert, &[&f.client_ca]);
    assert_eq!(seen.chain, vec![cert_der(&cert)]);
    assert_eq!(seen.verified, Ok(()));
}

#[test]
fn an_expired_client_certificate_does_not_verify() {
    let f = Fixture::new();
    let (cert, _) = f
        .client_ca
        .issue(&["aop"], days_from_now(-30), days_from_now(-1), CLIENT_AUTH);
    let why = cert_file(&cert, &[&f.client_ca]).verified.unwrap_err();
    assert!(why.starts_with("expired (not valid after "), "{why}");
}

#[test]
fn a_certificate_from_an_unknown_ca_does_not_verify() {
    let f = Fixture::new();
    let (cert, _) = f.client_ca.issue_valid(&["aop"], CLIENT_AUTH);
    assert_eq!(
        cert_file(&cert, &[&f.server_ca]).verified,
        Err("unknown issuer (not signed by a trusted CA; add it with ca_file)".into())
    );
}

#[test]
fn a_server_certificate_verifies_for_its_own_name() {
    let f = Fixture::new();
    let (cert, _) = f.server_cert();
    assert_eq!(cert_file(&cert, &[&f.server_ca]).verified, Ok(()));
}

#[test]
fn a_chain_file_verifies_through_its_intermediate() {
    let f = Fixture::new();
    let intermediate =
        f.client_ca
            .intermediate("client intermediate", days_from_now(-1), days_from_now(30));
    let (leaf, _) = intermediate.issue_valid(&["aop"], CLIENT_AUTH);
    let seen = cert_file(&format!("{leaf}{}", intermediate.pem()), &[&f.client_ca]);
    assert_eq!(seen.chain.len(), 2);
    assert_eq!(seen.verified, Ok(()));
    // Without the intermediate, the leaf's issuer is unknown.
    assert!(
        cert_file(&leaf, &[&f.client_ca])
            .verified
            .unwrap_err()
            .starts_with("unknown issuer")
    );
}

#[test]
fn a_certificate_for_another_purpose_does_not_verify() {
    let f = Fixture::new();
    let (cert, _) = f.server_ca.issue_valid(&[NAME], &[Eku::CodeSigning]);
    assert_eq!(
        cert_file(&cert, &[&f.server_ca]).verified,
        Err("the certificate is not meant for TLS servers (extended key usage)".into())
    );
}

#[test]
fn a_certificate_for_no_host_and_no_client_cannot_be_verified() {
    let f = Fixture::new();
    let (cert, _) = f.server_ca.issue_valid(&[], SERVER_AUTH);
    let why = cert_file(&cert, &[&f.server_ca]).verified.unwrap_err();
    assert!(why.starts_with("the certificate names no host"), "{why}");
}
