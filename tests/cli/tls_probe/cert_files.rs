//! The cert probe on local files, a missing file, and `list` of tls and cert checks.

use crate::harness::*;
use crate::support::*;

// ---- the cert probe --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_cert_probe_judges_a_local_client_certificate() {
    let pki = Pki::new();
    let (long, _) = pki.client_cert("aop", days_from_now(-1), days_from_now(60));
    let short_end = days_from_now(10) - time::Duration::minutes(10);
    let (short, _) = pki.client_cert("aop", days_from_now(-1), short_end);
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write("pki/client.pem", &long);
    p.write("pki/short.pem", &short);
    p.write("pki/client-ca.pem", &pki.client_ca_pem());
    p.write(
        "checks/client.yaml",
        r#"checks:
  - name: client cert
    cert: { file: ../pki/client.pem, ca_file: ../pki/client-ca.pem }
    expect:
      cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d }, chain_valid: true }
  - name: short client cert
    cert: { file: ../pki/short.pem }
    expect:
      cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    out.assert_line("PASS", "client/client-cert", "client cert");
    out.assert_line("FAIL", "client/short-client-cert", "short client cert");
    let d = out.details_of("client/short-client-cert");
    let pem = p.shown("checks/../pki/short.pem");
    assert_eq!(d.len(), 5, "{out}");
    assert_eq!(d[0], p.at("checks/client.yaml", 6));
    assert_eq!(d[1], "cert expires_in");
    assert_eq!(d[2], "  expected: > 30d");
    assert_matches(
        &format!(
            r"^  actual:   9d 23h (49m \d+s|50m) \(not after {}\)$",
            utc_text(whole_second(short_end))
        ),
        &d[3],
        &out,
    );
    assert_eq!(
        d[4],
        format!(
            "reproduce: openssl x509 -noout -subject -issuer -dates -ext \
             subjectAltName,extendedKeyUsage -in {pem} && openssl verify -untrusted {pem} {pem}"
        ),
        "{out}"
    );
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
    p.verdict("short client cert", "failure")
        .assert_message_starts_with("cert expires_in: expected > 30d, got 9d 23h ");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_certificate_file_is_a_load_error() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/client.yaml",
        r#"checks:
  - name: client cert
    cert: { file: ../pki/missing.pem }
    expect:
      cert: { expires_in: { gt: 30d } }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    let file = p.shown("checks/client.yaml");
    let pem = p.shown("checks/../pki/missing.pem");
    assert_eq!(
        out.stderr,
        format!(
            "error: {file}:3:19: cannot read `file` `{pem}`: No such file or directory (os error \
             2); expected a readable PEM file; relative paths start at the folder of this YAML \
             file\n\
             1 error found; nothing was probed\n"
        ),
        "{out}"
    );
    assert_eq!(p.junit_counts("conform.load"), ["1", "0", "1", "0"]);
}

// ---- list ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_tls_and_cert_checks() {
    let pki = Pki::new();
    let (cert, _) = pki.valid_client_cert("aop");
    let p = Project::with_prod_env(8443, None, "");
    p.write("pki/client.pem", &cert);
    p.write(
        "checks/tls.yaml",
        r#"checks:
  - name: handshake
    tags: [gate]
    tls: { host: 127.0.0.1, port: "${port}", sni: chat.test }
    expect: { handshake: accepted }
  - name: default port
    tls: { host: chat.test }
    expect: { handshake: accepted }
  - name: client cert
    cert: { file: ../pki/client.pem }
    expect: { cert: { expires_in: { gt: 30d } } }
"#,
    );
    let out = p.list(&[]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "tls/handshake  [gate]  tls 127.0.0.1:8443 sni chat.test\n\
             tls/default-port  []  tls chat.test:443 sni chat.test\n\
             tls/client-cert  []  cert {}\n\
             3 checks for env prod\n",
            p.shown("checks/../pki/client.pem")
        ),
        "{out}"
    );
}
