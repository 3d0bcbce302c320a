//! Any bytes as a server's answer, judged against checks of every expectation kind and written
//! in every report format: never a panic.
//!
//! The input is four parts, each but the last after its length (two bytes, big-endian, cut to
//! what is left): the HTTP status (two bytes, big-endian) and header lines (`name: value`), the
//! HTTP body, the DER certificate the server presented (also the cert probe's chain), and a DNS
//! message on the wire.

use conform::config::load::decode_check_text;
use conform::config::model::{Check, CheckKind, Secrets};
use conform::judge::{judge_cert_file, judge_dns, judge_http};
use conform::probe::Observation;
use conform::probe::cert::CertObservation;
use conform::probe::dns::observe_wire;
use conform::probe::http::HttpObservation;
use conform::report::github::{annotations, step_summary};
use conform::report::json::JsonReport;
use conform::report::junit::{junit_from_json, junit_xml};
use conform::report::metrics::metrics;
use conform::report::tap::tap;
use conform::report::terminal::TerminalReporter;
use conform::run::{Attempt, CheckResult, Outcome, RunReport};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One check per kind of expectation an answer meets.
const CHECKS: &str = r#"
checks:
  - name: http everything
    http: { url: "https://chat.test/" }
    expect:
      status: { one_of: [200, 302] }
      headers:
        location: { starts_with: "https://", matches: "^https://[a-z.]+/.*$" }
        content-type: { contains: json }
        x-absent: { absent: true }
      body:
        contains: no_queries_available
        matches: "(?i)error|ok"
        json:
          "$.data.__schema.queryType.fields[*].name": [no_queries_available]
          "$.errors": { absent: true }
          "$.a.b[0]": { gt: 3 }
          "$..name": { contains: { starts_with: x } }
      cert:
        expires_in: { gt: 21d }
        san: { contains: chat.test }
        subject: { contains: "CN=chat" }
        issuer: { matches: "Let's Encrypt|R1[01]" }
        key: { equals: "ECDSA P-256" }
        fingerprint_sha256: { not: { equals: "00" } }
        serial: { present: true }
        eku: { contains: serverAuth }
      time: { lt: 2s }
  - name: http status range
    http: { url: "http://chat.test/" }
    expect:
      status: "3xx"
      body: { json: { "$": { empty: false } } }
  - name: dns a
    dns: { name: chat.test, type: A, server: "127.0.0.1:53" }
    expect:
      rcode: NOERROR
      answers: { in_cidr: [104.16.0.0/13, "2606:4700::/32"] }
      cnames: { empty: true }
      ttl: { lte: 300 }
  - name: dns txt
    dns: { name: chat.test, type: TXT, server: "127.0.0.1:53" }
    expect:
      rcode: { one_of: [NOERROR, NXDOMAIN] }
      answers: { contains: { matches: "v=spf1" } }
  - name: dns caa
    dns: { name: chat.test, type: CAA, server: "127.0.0.1:53", protocol: tcp }
    expect:
      answers: { contains: "0 issue \"letsencrypt.org\"" }
  - name: a certificate file
    cert: { file: CERT_FILE }
    expect:
      cert: { eku: { contains: clientAuth }, expires_in: { gt: 30d }, chain_valid: true }
"#;

/// A self-signed clientAuth certificate for the cert probe's check, which the loader reads.
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBkjCCATigAwIBAgIUcaQyf88J2TrbsumSoNAeXA5vwwMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJZnV6ei50ZXN0MB4XDTI2MTEyNTE2MTM0OFoXDTM2MTEyMjE2
MTM0OFowFDESMBAGA1UEAwwJZnV6ei50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAElvpz9/VJyyGgAvOQ+Qlk+wayEDb0qNB51P3iUM7bQKGZ02o/dhGMCGkY
uL+EgQaqfTgimsAo5ULkUSAj/ORNlqNoMGYwHQYDVR0OBBYEFAqYQL6w0Cv510jo
BUehVw4lPuYyMB8GA1UdIwQYMBaAFAqYQL6w0Cv510joBUehVw4lPuYyMA8GA1Ud
EwEB/wQFMAMBAf8wEwYDVR0lBAwwCgYIKwYBBQUHAwIwCgYIKoZIzj0EAwIDSAAw
RQIhAMTnE+5+cASalS+D2IHtDuSD9xUu57QV9Wb5LDT8cWnQAiA11987ATUjOPIq
MV6/pdNNxoYTekGdRRj7iXoAMWlYiA==
-----END CERTIFICATE-----
";

fn checks() -> &'static [Arc<Check>] {
    static CHECKS_LOADED: OnceLock<Vec<Arc<Check>>> = OnceLock::new();
    CHECKS_LOADED.get_or_init(|| {
        let file = std::env::temp_dir().join(format!("conform-fuzz-{}.pem", std::process::id()));
        if let Err(e) = std::fs::write(&file, CERT_PEM) {
            panic!("cannot write {}: {e}", file.display());
        }
        let text = CHECKS.replace("CERT_FILE", &file.display().to_string());
        let checks = load(&text);
        // Read while loading: no file is left behind.
        let _ = std::fs::remove_file(&file);
        checks
    })
}

fn load(text: &str) -> Vec<Arc<Check>> {
    match decode_check_text(text) {
        Ok(checks) => checks.into_iter().map(Arc::new).collect(),
        Err(errors) => panic!("the fuzz target's own checks do not load: {errors:?}"),
    }
}

/// The HTTP answer the first part of the input describes.
fn http_answer(head: &[u8], body: &[u8], cert: &[u8]) -> HttpObservation {
    let status = match head {
        [hi, lo, ..] => u16::from_be_bytes([*hi, *lo]),
        _ => 200,
    };
    let lines = String::from_utf8_lossy(head.get(2..).unwrap_or_default()).into_owned();
    let headers = lines
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpObservation {
        method: "GET".into(),
        url: "https://chat.test/".into(),
        final_url: "https://chat.test/".into(),
        status,
        version: "HTTP/2".into(),
        headers,
        body: body.to_vec(),
        peer_certificate: (!cert.is_empty()).then(|| cert.to_vec()),
        elapsed: Duration::from_millis(u64::from(status)),
        ..HttpObservation::default()
    }
}

/// Judges and reports `data` as a server's answer; panics only on a bug.
pub fn run(data: &[u8]) {
    let mut rest = data;
    let head = take_part(&mut rest);
    let body = take_part(&mut rest);
    let cert = take_part(&mut rest);
    let wire = rest;
    let http = http_answer(head, body, cert);
    let now = time::OffsetDateTime::now_utc();
    let clock = conform::syntax::when::Clock::Fixed(now);

    let mut results = Vec::new();
    for check in checks() {
        let (observation, mismatches) = match &check.kind {
            CheckKind::Http { expect, .. } => {
                let mismatches =
                    judge_http(expect, &http, &clock, &conform::matcher::KeySets::default());
                (Observation::Http(http.clone()), mismatches)
            }
            CheckKind::Dns { probe, expect } => match observe_wire(probe, wire) {
                Ok(seen) => {
                    let mismatches = judge_dns(expect, &seen, &clock);
                    (Observation::Dns(seen), mismatches)
                }
                Err(_) => continue,
            },
            CheckKind::Cert { expect, .. } => {
                let seen = CertObservation::new(
                    vec![cert.to_vec(), body.to_vec()],
                    Err("unknown issuer".into()),
                );
                let mismatches = judge_cert_file(expect, &seen, &clock);
                (Observation::Cert(seen), mismatches)
            }
            _ => continue,
        };
        let outcome = if mismatches.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        let message = mismatches
            .first()
            .map(|m| format!("{}: expected {}, got {}", m.field, m.expected, m.actual))
            .unwrap_or_default();
        results.push(CheckResult {
            check: Arc::clone(check),
            outcome,
            attempts: vec![Attempt {
                outcome,
                mismatches,
                error: None,
                duration: Duration::from_millis(5),
                observation: Some(observation),
                addresses: Vec::new(),
            }],
            flaky: false,
            duration: Duration::from_millis(5),
            message,
            note: None,
            reproduce: None,
        });
    }

    let report = RunReport {
        interrupted: None,
        env: "fuzz".into(),
        started: now,
        as_of: None,
        duration: Duration::from_millis(30),
        hostname: "fuzz".into(),
        results,
    };
    let secrets = Secrets::default();
    let mut terminal = TerminalReporter::new(Box::new(std::io::sink()), true, 2, secrets.clone());
    for result in &report.results {
        terminal.check_finished(result);
    }
    terminal.finish(&report);
    let _ = junit_xml(&report, &secrets);
    let _ = tap(&report, &secrets, &Default::default());
    let _ = annotations(&report, &secrets);
    let _ = step_summary(&report, &secrets);
    let _ = metrics(&report, &secrets);
    let json = JsonReport::from_run(&report, &secrets);
    if let Ok(text) = json.to_string_pretty() {
        let back = JsonReport::parse(&text, Path::new("fuzz.json"))
            .unwrap_or_else(|e| panic!("a report conform wrote does not read back: {e}"));
        let _ = junit_from_json(&back);
    }
}

/// The next part of `rest`: as many bytes as its two-byte length says, or what is left.
fn take_part<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
    let (len, after) = match *rest {
        [hi, lo, after @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), after),
        _ => (0, &[][..]),
    };
    let (part, left) = after.split_at(len.min(after.len()));
    *rest = left;
    part
}
