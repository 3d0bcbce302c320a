//! The fields of a check: matchers, durations, sizes and files checked at load, probe and expect,
//! pending, the tls and cert probes, and whether the body is kept.

use super::{Project, one_file};
use conform::config::model::Probe;

#[test]
fn bad_jsonpath_duration_size_and_missing_file() {
    let errors = one_file(
        "checks:\n  - name: a\n    timeout: 10\n    http:\n      url: 'https://x/'\n      body_limit: lots\n      tls: { ca_file: ../pki/nope.pem }\n    expect:\n      body: { json: { '$.a[': 1 } }\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(
        errors[0],
        "checks/chat.yaml:3:14: `timeout` `10` is not a duration: it has no unit (write 10s or 10ms); expected a duration such as 500ms, 10s, 2m, 21d"
    );
    assert_eq!(
        errors[1],
        "checks/chat.yaml:6:19: `body_limit` `lots` is not a size; expected a size such as 1MiB or 64KiB"
    );
    assert!(
        errors[2].starts_with("checks/chat.yaml:7:23: cannot read `ca_file` `"),
        "{errors:?}"
    );
    assert!(errors[2].ends_with("checks/../pki/nope.pem`: No such file or directory (os error 2); expected a readable PEM file; relative paths start at the folder of this YAML file"), "{errors:?}");
    assert!(
        errors[3].starts_with("checks/chat.yaml:9:23: `$.a[` is not a valid JSONPath"),
        "{errors:?}"
    );
}

#[test]
fn missing_probe_expect_and_unsupported_kind() {
    let errors = one_file("checks:\n  - name: a\n    expect: { status: 200 }\n  - name: b\n    http: { url: 'https://x/' }\n  - name: c\n    http: { url: 'https://x/' }\n    tcp: { host: x, port: 22 }\n    expect: { status: 200 }\n").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:2:5: the check has no probe; expected exactly one of: http, tls, dns, tcp, cert",
            "checks/chat.yaml:4:5: the check has no `expect`; add what must be true, e.g. expect: { status: 200 }",
            "checks/chat.yaml:8:5: the check has more than one probe: http, tcp; expected exactly one probe per check; split it into several checks",
        ]
    );
}

#[test]
fn pending_short_and_long_forms() {
    let plan = one_file("checks:\n  - name: a\n    pending: WAF in COUNT mode\n    http: { url: 'https://x/' }\n    expect: { status: 403 }\n  - name: b\n    pending: { reason: later, until: 2026-12-31 }\n    http: { url: 'https://x/' }\n    expect: { status: 403 }\n").expect("loads");
    let a = plan.checks[0].pending.as_ref().expect("pending");
    assert_eq!(a.reason, "WAF in COUNT mode");
    assert_eq!(a.until, None);
    let b = plan.checks[1].pending.as_ref().expect("pending");
    assert_eq!(b.until.map(|d| d.to_string()), Some("2026-12-31".into()));
    let errors = one_file("checks:\n  - name: a\n    pending: { reason: x, until: soon }\n    http: { url: 'https://x/' }\n    expect: { status: 403 }\n").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:3:34: `until` `soon` is not a date; expected a date as YYYY-MM-DD, e.g. 2026-12-31"
        ]
    );
}

#[test]
fn tls_and_cert_probes_load() {
    let p = Project::new(&[
        ("environments/prod.yaml", "vars: { alb: alb.test }\n"),
        ("pki/client.pem", CLIENT_PEM),
        (
            "checks/edge.yaml",
            "checks:\n  - name: origin refuses anonymous clients\n    tls: { host: '${alb}', sni: chat.test, verify: false, alpn: [h2, http/1.1], versions: ['1.3'] }\n    expect: { handshake: rejected, alert: certificate_required, cert: { chain_expires_in: { gt: 14d }, chain_valid: true } }\n  - name: client cert\n    cert: { file: ../pki/client.pem }\n    expect: { cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d } } }\n",
        ),
    ]);
    let plan = p.load("prod").expect("loads");
    let Probe::Tls(t) = plan.checks[0].kind.probe() else {
        panic!("a tls probe")
    };
    assert_eq!(
        (t.host.as_str(), t.port, t.sni.as_str()),
        ("alb.test", 443, "chat.test")
    );
    assert_eq!(t.alpn, ["h2", "http/1.1"]);
    assert!(!t.tls.verify);
    assert_eq!(t.tls.versions, [conform::config::model::TlsVersion::V1_3]);
    let Probe::Cert(c) = plan.checks[1].kind.probe() else {
        panic!("a cert probe")
    };
    assert!(c.file.ends_with("checks/../pki/client.pem"), "{:?}", c.file);
}

#[test]
fn tls_and_cert_probe_errors() {
    let errors = one_file(
        "checks:\n  - name: a\n    tls: { port: 70000, alnp: [h2] }\n    expect: { handshake: maybe, cert: { chain_vaild: true } }\n  - name: b\n    http: { url: 'https://x/' }\n    expect: { cert: { chain_valid: true } }\n  - name: c\n    cert: { file: nope.pem }\n    expect: { status: 200 }\n",
    )
    .unwrap_err();
    let errors: Vec<&str> = errors
        .iter()
        .map(|e| e.split("; ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:3:10: the tls probe has no `host`",
            "checks/chat.yaml:3:18: `port` is `70000`",
            "checks/chat.yaml:3:25: unknown key `alnp` in the tls probe",
            "checks/chat.yaml:4:26: `handshake` is `maybe`",
            "checks/chat.yaml:4:41: unknown key `chain_vaild` in the cert expectation",
            "checks/chat.yaml:7:23: `chain_valid` needs the whole certificate chain, which the http probe does not see",
            "checks/chat.yaml:9:19: cannot read `file` `checks/nope.pem`: No such file or directory (os error 2)",
            "checks/chat.yaml:10:13: the expect has no `cert`",
            "checks/chat.yaml:10:15: unknown key `status` in the expect",
        ]
    );
}

const CLIENT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBfTCCASOgAwIBAgIUX8pCQ0iAq4fYnqNH7ZBG5LwTs+kwCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIY2xpZW50IDEwIBcNMjYwMTAxMDAwMDAwWhgPMjEyNjAxMDEw
MDAwMDBaMBMxETAPBgNVBAMMCGNsaWVudCAxMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEm3C0y8kTjE3yqYzjS0p5Nt2zZ0d4tCvw1cd1cWz1Q2jvY1y0E3p0E4KX
wS7Z3Y1V8mJ7C4bQ5xkQpGEmXNfzJaNTMFEwHQYDVR0OBBYEFJ0S1O3yJQ4g8m2L
JdC0Pp4C0t2HMB8GA1UdIwQYMBaAFJ0S1O3yJQ4g8m2LJdC0Pp4C0t2HMA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgS0p5Nt2zZ0d4tCvw1cd1cWz1
Q2jvY1y0E3p0E4KXwS4CIQCbcLTLyROMTfKpjONLSnk23bNnR3i0K/DVx3VxbPVD
aA==
-----END CERTIFICATE-----
";

/// Only a check whose expectation reads the body (`body:`, `json:`) has its probe keep the
/// whole body; the others keep its start, size and digest.
#[test]
fn the_probe_keeps_the_body_only_when_an_expectation_reads_it() {
    let plan = one_file(
        r#"checks:
  - name: status only
    http: { url: "https://a.test/" }
    expect: { status: 200 }
  - name: text
    http: { url: "https://a.test/" }
    expect: { status: 200, body: { contains: ok } }
  - name: json
    http: { url: "https://a.test/" }
    expect: { status: 200, body: { json: { "$.ok": true } } }
"#,
    )
    .expect("loads");
    let judged: Vec<(String, bool)> = plan
        .checks
        .iter()
        .map(|c| match c.kind.probe() {
            Probe::Http(h) => (c.name.clone(), h.body_judged),
            _ => panic!("an http check"),
        })
        .collect();
    assert_eq!(
        judged,
        [
            ("status only".to_string(), false),
            ("text".to_string(), true),
            ("json".to_string(), true)
        ]
    );
}
