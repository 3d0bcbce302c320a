//! `conform probe` on tls://, tcp://, dns:// and cert: targets.

use super::{probe, shown};
use crate::harness::*;
use crate::support::dns_server;
use crate::support::*;

/// A TLS server for chat.test signed by a fresh CA, and a project whose `prod` environment
/// trusts that CA and routes chat.test:443 to the server.
pub(crate) async fn tls_project() -> (Pki, TlsServer, Project) {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let server =
        TlsServer::start(TlsServerConfig::new(&chain, &key).after(AfterHandshake::Greet)).await;
    let p = Project::new();
    p.env(
        &format!(
            "resolve: {{ \"chat.test:443\": \"127.0.0.1:{}\" }}\n",
            server.port()
        ),
        Some(&pki),
        "",
    );
    (pki, server, p)
}

/// `--env` lends its fixed answers and trust roots: the handshake verifies and the
/// expectation holds. Without it the CA is unknown: the client refuses the chain, a fail.
#[tokio::test(flavor = "multi_thread")]
async fn tls_with_env_borrows_resolve_and_trust_roots() {
    let (_pki, server, p) = tls_project().await;
    let out = probe(
        &[
            "tls://chat.test",
            "--env",
            "prod",
            "--expect",
            "{ handshake: accepted, cert: { san: { contains: chat.test } } }",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "probe", "tls://chat.test");
    let target = format!("tls://127.0.0.1:{}?sni=chat.test", server.port());
    let out = probe(&[&target, "--expect", "handshake: accepted"], &p).await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "probe", &target);
    let details = out.details_of("probe").join("\n");
    assert!(details.contains("unknown issuer"), "{out}");
}

/// Without `--expect` a tls probe shows the handshake and the openssl command: exit 0.
#[tokio::test(flavor = "multi_thread")]
async fn tls_without_expect_shows_the_handshake() {
    let (_pki, server, p) = tls_project().await;
    let out = probe(&["tls://chat.test", "--env", "prod"], &p).await;
    out.assert_code_quiet(0);
    let lines = shown(&out);
    assert_eq!(lines[0], "tls://chat.test  answered in N.NNs", "{out}");
    let port = server.port();
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            format!(
                "    reproduce: openssl s_client -connect 127.0.0.1:{port} -servername chat.test \
                 -CAfile ./environments/ca.pem -verify_return_error -verify_hostname chat.test \
                 </dev/null"
            )
            .as_str()
        ),
        "{out}"
    );
}

/// A tcp probe: a closed port is an answer (refused, exit 0 without `--expect`), and a
/// `connect: accepted` expectation fails on it (exit 1).
#[tokio::test(flavor = "multi_thread")]
async fn tcp_refused_is_an_answer() {
    let p = Project::new();
    let target = format!("tcp://127.0.0.1:{}", closed_port());
    let out = probe(&[&target], &p).await;
    out.assert_code_quiet(0);
    let port = target.rsplit(':').next().unwrap_or_default();
    assert_eq!(
        shown(&out),
        vec![
            format!("{target}  answered in N.NNs"),
            format!("    > connect 127.0.0.1:{port}"),
            "    < refused after N.NNNs".to_string(),
            format!("    reproduce: nc -vz -w 10 127.0.0.1 {port}"),
        ],
        "{out}"
    );
    let out = probe(&[&target, "--expect", "connect: accepted"], &p).await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "probe", &target);
}

/// A dns probe asks the given server; `?type=` picks the type; answers are judged as in a
/// check file. A server that does not answer is exit 3.
#[tokio::test(flavor = "multi_thread")]
async fn dns_asks_the_server_of_the_target() {
    let dns = dns_server::start().await;
    let p = Project::new();
    let target = format!("dns://{}/a.conform.test?type=A", dns.addr());
    let out = probe(&[&target, "--expect", "answers: [192.0.2.1]"], &p).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "probe", &target);
    let out = probe(&[&target, "--expect", "answers: [192.0.2.9]"], &p).await;
    out.assert_code_quiet(1);
    let silent = format!("dns://{}/a.conform.test", dns_server::closed_udp_port());
    let out = probe(&[&silent], &p).await;
    out.assert_code_quiet(3);
    assert!(
        shown(&out)[0].starts_with(&format!("{silent}  no answer in N.NNs: ")),
        "{out}"
    );
}

/// A cert: target reads a local PEM file, relative to the current folder.
#[tokio::test(flavor = "multi_thread")]
async fn cert_reads_a_local_file() {
    let pki = Pki::new();
    let (chain, _) = pki.valid_server_cert(&["chat.test"]);
    let p = Project::new();
    p.write("pki/leaf.pem", &chain);
    let out = probe(
        &[
            "cert:pki/leaf.pem",
            "--expect",
            "cert: { san: [chat.test], expires_in: { gt: 80d } }",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "probe", "cert:pki/leaf.pem");
    let out = probe(
        &[
            "cert:pki/leaf.pem",
            "--expect",
            "cert: { san: [other.test] }",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(1);
}
