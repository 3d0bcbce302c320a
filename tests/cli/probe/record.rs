//! `conform probe --record`: the check file it prints loads as is, passes against the server
//! it was recorded from, and fails once that server changes.

use super::kinds::tls_project;
use super::probe;
use crate::harness::*;
use crate::support::dns_server;
use crate::support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

/// The recorded text with its timestamp made `WHEN`.
fn recorded(out: &Output) -> String {
    let re = regex::Regex::new(r"at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").expect("regex");
    re.replace_all(&out.stdout, "at WHEN").to_string()
}

/// http: status, location and content-type are pinned; `run` passes on the same server and
/// fails once it answers another status.
#[tokio::test(flavor = "multi_thread")]
async fn http_record_round_trip() {
    let status = Arc::new(AtomicU16::new(302));
    let now = status.clone();
    let server = http(move |_| {
        TestResponse::redirect(now.load(Ordering::SeqCst), "https://app.test/${x}")
            .header("content-type", "text/html")
    })
    .await;
    let p = Project::new();
    let url = server.url("/old");
    let out = probe(&[&url, "--record"], &p).await;
    out.assert_code_quiet(0);
    assert_eq!(
        recorded(&out),
        format!(
            "# recorded by conform probe --record at WHEN\nchecks:\n  - name: \"{url}\"\n    \
             http: {{\"url\":\"{url}\"}}\n    expect:\n      status: 302\n      headers:\n        \
             location: \"https://app.test/$${{x}}\"\n        content-type: \"text/html\"\n"
        )
    );
    p.write("checks/old.yaml", &out.stdout);
    let run = p.run(&[]).await;
    run.assert_code(0);
    run.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    status.store(301, Ordering::SeqCst);
    let run = p.run(&["-v"]).await;
    run.assert_code(1);
    run.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    assert!(
        run.stdout
            .contains("    status\n      expected: 302\n      actual:   301\n"),
        "{run}"
    );
}

/// tls: handshake, version, leaf san, issuer and an `expires_in` floor are pinned; recorded
/// through `--env` (its route and trust roots), `run` passes; routed to a server whose
/// certificate names more hosts, it fails on `san`.
#[tokio::test(flavor = "multi_thread")]
async fn tls_record_round_trip() {
    let (pki, _server, p) = tls_project().await;
    let out = probe(&["tls://chat.test", "--env", "prod", "--record"], &p).await;
    out.assert_code_quiet(0);
    assert_eq!(
        recorded(&out),
        "# recorded by conform probe --env prod --record at WHEN\nchecks:\n  - name: \"tls://chat.test\"\n    \
         tls: {\"host\":\"chat.test\",\"port\":443}\n    expect:\n      handshake: accepted\n      \
         version: \"1.3\"\n      cert:\n        san: [\"chat.test\"]\n        \
         issuer: \"CN=conform test CA\"\n        expires_in: { gt: 21d }\n"
    );
    p.write("checks/edge.yaml", &out.stdout);
    let run = p.run(&[]).await;
    run.assert_code(0);
    run.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
    let (chain, key) = pki.valid_server_cert(&["chat.test", "www.chat.test"]);
    let other =
        TlsServer::start(TlsServerConfig::new(&chain, &key).after(AfterHandshake::Greet)).await;
    p.env(
        &format!(
            "resolve: {{ \"chat.test:443\": \"127.0.0.1:{}\" }}\n",
            other.port()
        ),
        Some(&pki),
        "",
    );
    let run = p.run(&["-v"]).await;
    run.assert_code(1);
    run.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    assert!(
        run.stdout.contains(
            "    cert san\n      expected: [\"chat.test\"]\n      actual:   [\"chat.test\", \"www.chat.test\"]\n"
        ),
        "{run}"
    );
}

/// dns: rcode and answers; tcp: the connect outcome. Both load and pass as recorded.
#[tokio::test(flavor = "multi_thread")]
async fn dns_and_tcp_records_load_and_pass() {
    let dns = dns_server::start().await;
    let p = Project::new();
    let target = format!("dns://{}/conform.test?type=MX", dns.addr());
    let out = probe(&[&target, "--record"], &p).await;
    out.assert_code_quiet(0);
    assert_eq!(
        recorded(&out),
        format!(
            "# recorded by conform probe --record at WHEN\nchecks:\n  - name: \"{target}\"\n    \
             dns: {{\"name\":\"conform.test\",\"server\":\"{}\",\"type\":\"MX\"}}\n    expect:\n      \
             rcode: \"NOERROR\"\n      answers: [\"10 mx.conform.test.\", \"20 mx2.conform.test.\"]\n",
            dns.addr()
        )
    );
    p.write("checks/mx.yaml", &out.stdout);
    let tcp = format!("tcp://127.0.0.1:{}", closed_port());
    let out = probe(&[&tcp, "--record"], &p).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout
            .ends_with("    expect:\n      connect: refused\n"),
        "{out}"
    );
    p.write("checks/port.yaml", &out.stdout);
    let run = p.run(&[]).await;
    run.assert_code(0);
    run.assert_summary("2 passed, 0 failed, 0 errors, 0 pending");
}

/// Nothing answered: nothing is printed on stdout, why on stderr, exit 3.
#[tokio::test(flavor = "multi_thread")]
async fn no_answer_records_nothing() {
    let p = Project::new();
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let out = probe(&[&url, "--record"], &p).await;
    out.assert_code(3);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with("error: nothing to record: GET "),
        "{out}"
    );
}

/// A certificate this client refuses (unknown CA without `--env`) records nothing: a check
/// pinned from it could not pass. A cert: recording names its file absolutely, so it loads
/// from checks/ and passes.
#[tokio::test(flavor = "multi_thread")]
async fn refused_chain_records_nothing_and_cert_records_load() {
    let (pki, server, p) = tls_project().await;
    let target = format!("tls://127.0.0.1:{}?sni=chat.test", server.port());
    let out = probe(&[&target, "--record"], &p).await;
    out.assert_code(3);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("error: nothing to record: the server's certificate does not verify ("),
        "{out}"
    );
    let (chain, _) = pki.valid_server_cert(&["chat.test"]);
    p.write("pki/leaf.pem", &chain);
    let out = probe(&["cert:pki/leaf.pem", "--record"], &p).await;
    out.assert_code_quiet(0);
    let absolute = p.path().join("pki/leaf.pem").display().to_string();
    assert!(
        out.stdout
            .contains(&format!("cert: {{\"file\":\"{absolute}\"}}")),
        "{out}"
    );
    assert!(
        out.stdout.ends_with(
            "      cert:\n        san: [\"chat.test\"]\n        issuer: \"CN=conform test CA\"\n        \
             expires_in: { gt: 21d }\n"
        ),
        "{out}"
    );
    p.write("checks/leaf.yaml", &out.stdout);
    let run = p.run(&[]).await;
    run.assert_code(0);
    run.assert_summary("1 passed, 0 failed, 0 errors, 0 pending");
}
