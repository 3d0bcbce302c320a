//! The tls probe's `starttls:`: each protocol's upgrade on a plain connection, then the
//! handshake and every tls expectation on the upgraded connection; a refused upgrade, a
//! silent server, a misspelt protocol, and how explain and reproduce show it.

use crate::harness::*;
use crate::support::*;
use std::time::Duration;

const DIALECTS: [&str; 5] = ["smtp", "imap", "pop3", "ftp", "postgres"];

/// One STARTTLS server per dialect, each with a `chat.test` certificate of the test CA.
async fn servers(pki: &Pki, upgrade: Upgrade) -> Vec<StarttlsServer> {
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let mut out = Vec::new();
    for dialect in DIALECTS {
        let config = TlsServerConfig::new(&chain, &key);
        out.push(StarttlsServer::start(dialect, upgrade, config).await);
    }
    out
}

/// A project with one check per dialect, `<dialect>` on the port of its server.
fn project(pki: &Pki, servers: &[StarttlsServer], expect: &str) -> Project {
    let ports: Vec<(&str, u16)> = DIALECTS
        .iter()
        .zip(servers)
        .map(|(d, s)| (*d, s.port()))
        .collect();
    let p = Project::new();
    p.prod_env_vars(&ports, Some(pki), "");
    let mut checks = String::from("checks:\n");
    for d in DIALECTS {
        checks.push_str(&format!(
            "  - name: {d}\n    tls: {{ host: chat.test, port: \"${{{d}}}\", starttls: {d} }}\n    \
             expect: {expect}\n"
        ));
    }
    p.write("checks/mail.yaml", &checks);
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dialect_upgrades_then_the_handshake_and_certificate_are_judged() {
    let pki = Pki::new();
    let servers = servers(&pki, Upgrade::Accept).await;
    let p = project(
        &pki,
        &servers,
        "{ handshake: accepted, version: \"1.3\", cert: { san: { contains: chat.test }, chain_valid: true } }",
    );
    let out = p.run(&[]).await;
    out.assert_code(0);
    for d in DIALECTS {
        out.assert_line("PASS", &format!("mail/{d}"), d);
    }
    out.assert_summary("5 passed, 0 failed, 0 errors, 0 pending");
    let heard: Vec<Vec<String>> = servers.iter().map(|s| s.heard()).collect();
    assert_eq!(
        heard,
        [
            vec!["EHLO conform", "STARTTLS"],
            vec!["a1 STARTTLS"],
            vec!["STLS"],
            vec!["AUTH TLS"],
            vec!["00 00 00 08 04 d2 16 2f"],
        ],
        "{out}"
    );
    for s in &servers {
        let sni = Ok(Some("chat.test".to_string()));
        assert_eq!(s.handshakes(), [ServerHandshake { result: sni }], "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_expectation_applies_after_the_upgrade_and_reproduce_says_starttls() {
    let pki = Pki::new();
    let servers = servers(&pki, Upgrade::Accept).await;
    let p = project(&pki, &servers, "{ cert: { san: { contains: mail.test } } }");
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_summary("0 passed, 5 failed, 0 errors, 0 pending");
    let ca = p.shown("environments/ca.pem");
    for (i, (d, s)) in DIALECTS.iter().zip(&servers).enumerate() {
        let id = format!("mail/{d}");
        out.assert_line("FAIL", &id, d);
        assert_eq!(
            out.details_of(&id),
            [
                p.at("checks/mail.yaml", 2 + 3 * i),
                "cert san".to_string(),
                "  expected: contains \"mail.test\"".to_string(),
                "  actual:   [\"chat.test\"]".to_string(),
                format!(
                    "reproduce: openssl s_client -connect 127.0.0.1:{} -starttls {d} \
                     -servername chat.test -CAfile {ca} -verify_return_error \
                     -verify_hostname chat.test </dev/null",
                    s.port()
                ),
            ],
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_upgrade_is_an_error_naming_the_step_and_the_answer() {
    let pki = Pki::new();
    let servers = servers(&pki, Upgrade::Refuse).await;
    let p = project(&pki, &servers, "{ handshake: accepted }");
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_summary("0 passed, 0 failed, 5 errors, 0 pending");
    let said = [
        "the answer to STARTTLS is \"454 4.7.0 TLS not available due to temporary reason\" \
         where 220 was expected",
        "the answer to STARTTLS is \"a1 BAD STARTTLS not available\" where a1 OK was expected",
        "the answer to STLS is \"-ERR TLS not available\" where +OK was expected",
        "the answer to AUTH TLS is \"530 TLS not available\" where 234 was expected",
        "the server answered N to SSLRequest: it does not accept TLS on this port",
    ];
    for ((d, s), said) in DIALECTS.iter().zip(&servers).zip(said) {
        let id = format!("mail/{d}");
        out.assert_line("ERROR", &id, d);
        let port = s.port();
        let message =
            format!("STARTTLS ({d}) with chat.test:{port} at 127.0.0.1:{port} failed: {said}");
        assert_eq!(
            out.details_of(&id)[1],
            format!("error (protocol): {message}"),
            "{out}"
        );
        p.verdict(d, "error").assert_is("protocol", &message);
        assert_eq!(s.handshakes(), [], "no handshake after a refusal");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_greets_is_a_timeout_naming_the_step() {
    let server = silent_server().await;
    let port = server.port();
    let p = Project::with_prod_env(port, None, "");
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: smtp
    timeout: 1s
    tls: { host: chat.test, port: "${port}", starttls: smtp }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_within(Duration::from_millis(2500));
    let message = format!(
        "STARTTLS (smtp) with chat.test:{port} at 127.0.0.1:{port}: no upgrade within 1s \
         (timeout), waiting for the 220 greeting"
    );
    assert_eq!(
        out.details_of("mail/smtp")[1],
        format!("error (timeout): {message}"),
        "{out}"
    );
    p.verdict("smtp", "error").assert_is("timeout", &message);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_protocol_is_a_load_error_with_a_suggestion() {
    let p = Project::with_prod_env(25, None, "");
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: smtp
    tls: { host: chat.test, port: "${port}", starttls: smpt }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    let file = p.shown("checks/mail.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:56: `starttls` is `smpt`; did you mean `smtp`? expected smtp, \
             imap, pop3, ftp or postgres\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_and_explain_show_the_upgrade() {
    let p = Project::with_prod_env(587, None, "");
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: submission
    tls: { host: chat.test, port: "${port}", starttls: smtp }
    expect: { handshake: accepted }
"#,
    );
    let out = p.command("list", &[], &[]).await;
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("chat.test:587 sni chat.test starttls smtp"),
        "{out}"
    );
    let out = p.command("explain", &["mail/submission"], &[]).await;
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("\n  tls chat.test:587 sni chat.test starttls smtp\n"),
        "{out}"
    );
    assert!(
        out.stdout.contains(
            "\n  openssl s_client -connect 127.0.0.1:587 -starttls smtp -servername chat.test \
             -verify_return_error -verify_hostname chat.test </dev/null\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_answers_are_bounded_and_escaped() {
    let endless = BannerServer::start(&[b'A'; 20 * 1024]).await;
    // Short lines of a reply that never ends: the limit is the whole answer's, not a line's.
    let lines = BannerServer::start("220-more\r\n".repeat(2100).as_bytes()).await;
    let control = BannerServer::start(b"554 \x1b[2Jgo away\r\n").await;
    let postgres = BannerServer::start(b"E\x00\x00\x00\x10SFATAL\x00").await;
    let p = Project::new();
    p.prod_env_vars(
        &[
            ("endless", endless.port()),
            ("lines", lines.port()),
            ("control", control.port()),
            ("postgres", postgres.port()),
        ],
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: endless
    tls: { host: 127.0.0.1, port: "${endless}", starttls: smtp }
    expect: { handshake: accepted }
  - name: lines
    tls: { host: 127.0.0.1, port: "${lines}", starttls: smtp }
    expect: { handshake: accepted }
  - name: control
    tls: { host: 127.0.0.1, port: "${control}", starttls: ftp }
    expect: { handshake: accepted }
  - name: postgres
    tls: { host: 127.0.0.1, port: "${postgres}", starttls: postgres }
    expect: { handshake: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_within(Duration::from_millis(2500));
    let cases = [
        (
            "endless",
            "smtp",
            endless.port(),
            "the server sent more than 16 KiB without ending its answer".to_string(),
        ),
        (
            "lines",
            "smtp",
            lines.port(),
            "the server sent more than 16 KiB without ending its answer".to_string(),
        ),
        (
            "control",
            "ftp",
            control.port(),
            "the greeting is \"554 \\u{1b}[2Jgo away\" where 220 was expected".to_string(),
        ),
        (
            "postgres",
            "postgres",
            postgres.port(),
            "the server's answer to SSLRequest is not S (go ahead) or N (no TLS): it begins \
             \"E\\0\\0\\0\\u{10}SFATAL\\0\""
                .to_string(),
        ),
    ];
    for (name, dialect, port, said) in cases {
        let message = format!("STARTTLS ({dialect}) with 127.0.0.1:{port} failed: {said}");
        assert_eq!(
            out.details_of(&format!("mail/{name}"))[1],
            format!("error (protocol): {message}"),
            "{out}"
        );
        p.verdict(name, "error").assert_is("protocol", &message);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_shows_the_upgrade_before_the_handshake() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TlsServerConfig::new(&chain, &key);
    let server = StarttlsServer::start("smtp", Upgrade::Accept, config).await;
    let port = server.port();
    let p = Project::with_prod_env(port, Some(&pki), "");
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: smtp
    tls: { host: chat.test, port: "${port}", starttls: smtp }
    expect: { handshake: rejected }
"#,
    );
    let out = p.run(&["-v"]).await;
    out.assert_code(1);
    let d = out.details_of("mail/smtp");
    let at = d
        .iter()
        .position(|l| l.starts_with("reproduce: "))
        .expect("a reproduce line");
    assert_eq!(
        d[at + 1..at + 10],
        [
            "< 220 mail.test ESMTP ready".to_string(),
            "> EHLO conform".to_string(),
            "< 250-mail.test greets conform".to_string(),
            "< 250-PIPELINING".to_string(),
            "< 250 STARTTLS".to_string(),
            "> STARTTLS".to_string(),
            "< 220 2.0.0 Ready to start TLS".to_string(),
            format!("> TLS handshake with 127.0.0.1:{port} (sni chat.test)"),
            "< accepted".to_string(),
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conform_probe_takes_starttls_in_the_target() {
    let pki = Pki::new();
    let (chain, key) = pki.valid_server_cert(&["chat.test"]);
    let config = TlsServerConfig::new(&chain, &key);
    let server = StarttlsServer::start("pop3", Upgrade::Accept, config).await;
    let p = Project::new();
    p.env("vars: {}\n", Some(&pki), "");
    let target = format!(
        "tls://127.0.0.1:{}?sni=chat.test&starttls=pop3",
        server.port()
    );
    let args = [
        "probe",
        &target,
        "--env",
        "prod",
        "--expect",
        "{ handshake: accepted, cert: { san: { contains: chat.test } } }",
    ];
    let out = conform(&args, &[], Some(p.path().to_path_buf())).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "probe", &target);
    assert_eq!(server.heard(), ["STLS"], "{out}");

    let target = format!("tls://127.0.0.1:{}?starttls=pop", server.port());
    let out = conform(&["probe", &target], &[], Some(p.path().to_path_buf())).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: TARGET:1:1: `starttls` is `pop`; did you mean `pop3`? expected smtp, imap, pop3, \
         ftp or postgres\n1 error found; nothing was probed\n",
        "{out}"
    );
    assert_eq!(server.heard(), ["STLS"], "nothing more was probed");
}
