//! A DNS server that never answers: an error within the timeout that says what was being resolved.

use super::{ONE_SECOND_RUN, dig, env_file};
use crate::harness::*;
use crate::support::dns_server::{self, Misbehaviour};
use crate::support::*;
use std::time::Duration;

// ---- a DNS server that never answers -----------------------------------------------------

/// A dns check whose server never answers is an error (exit 3), not a failure, and ends
/// within its timeout, over UDP and over TCP.
#[tokio::test(flavor = "multi_thread")]
async fn a_dns_server_that_never_answers_is_an_error_within_the_timeout() {
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let s = silent.addr();
    let p = Project::new();
    env_file(&p, &[("silent", s.to_string())], None, "");
    p.write(
        "checks/quiet.yaml",
        r#"checks:
  - name: over udp
    timeout: 1s
    dns: { name: a.conform.test, type: A, server: "${silent}" }
    expect: { answers: [192.0.2.1] }
  - name: over tcp
    timeout: 1s
    dns: { name: a.conform.test, type: A, server: "${silent}", protocol: tcp }
    expect: { answers: [192.0.2.1] }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(3);
    out.assert_within(ONE_SECOND_RUN);
    out.assert_took_at_least(Duration::from_secs(1));
    let file = "checks/quiet.yaml";
    out.assert_line("ERROR", "quiet/over-udp", "over udp");
    assert_eq!(
        out.details_of("quiet/over-udp"),
        [
            p.at(file, 2),
            format!("error (timeout): no answer from {s} over UDP within 1s (timeout)"),
            dig(s, "a.conform.test.", "A"),
        ],
        "{out}"
    );
    out.assert_line("ERROR", "quiet/over-tcp", "over tcp");
    assert_eq!(
        out.details_of("quiet/over-tcp"),
        [
            p.at(file, 6),
            format!("error (timeout): no answer from {s} over TCP within 1s (timeout)"),
            format!("{} +tcp", dig(s, "a.conform.test.", "A")),
        ],
        "{out}"
    );
    out.assert_summary("0 passed, 0 failed, 2 errors, 0 pending");
    assert_eq!(p.junit_counts("quiet"), ["2", "0", "2", "0"]);
    let error = p.verdict("over udp", "error");
    assert_eq!(error.kind.as_deref(), Some("timeout"), "{}", error.xml);
}

/// An http check whose host is asked of a resolver that never answers runs out of time while
/// resolving; the error must say so, not blame a TCP and TLS handshake that never began.
#[tokio::test(flavor = "multi_thread")]
async fn an_http_check_behind_a_silent_resolver_says_it_was_resolving() {
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let web = http(|_| TestResponse::ok("never asked")).await;
    let port = web.port();
    let p = Project::new();
    env_file(
        &p,
        &[("web", port.to_string())],
        None,
        &format!("resolvers: [\"{}\"]\n", silent.addr()),
    );
    p.write(
        "checks/quiet.yaml",
        r#"checks:
  - name: http
    timeout: 1s
    http: { url: "http://web.conform.test:${web}/" }
    expect: { status: 200 }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_within(ONE_SECOND_RUN);
    let details = out.details_of("quiet/http");
    let error = &details[1];
    assert!(
        error.starts_with(&format!(
            "error (timeout): GET http://web.conform.test:{port}/: no complete answer within 1s \
             (timeout) while resolving web.conform.test"
        )),
        "{out}"
    );
    assert!(!error.contains("TCP and TLS handshake"), "{out}");
    assert_eq!(web.connections(), 0);
}

/// A tcp check whose host is asked of a resolver that never answers: the error names the
/// host that did not resolve, like the tls probe's `<host> did not resolve within 1s
/// (timeout)`, and the probe bounds itself by the check's timeout.
#[tokio::test(flavor = "multi_thread")]
async fn a_tcp_check_behind_a_silent_resolver_names_the_host() {
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let p = Project::new();
    env_file(
        &p,
        &[("port", closed_port().to_string())],
        None,
        &format!("resolvers: [\"{}\"]\n", silent.addr()),
    );
    p.write(
        "checks/quiet.yaml",
        r#"checks:
  - name: tcp
    timeout: 1s
    tcp: { host: web.conform.test, port: "${port}" }
    expect: { connect: refused }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(3);
    out.assert_within(ONE_SECOND_RUN);
    let details = out.details_of("quiet/tcp");
    let error = &details[1];
    assert!(error.starts_with("error (timeout): "), "{out}");
    assert!(
        error.contains("web.conform.test") && error.contains("resolve"),
        "{out}"
    );
    // Bounded by the probe itself, not by the runner's outer bound (timeout + 250 ms).
    let line = out.line_of("quiet/tcp");
    let seconds: f64 = line
        .rsplit(' ')
        .next()
        .and_then(|s| s.strip_suffix('s'))
        .and_then(|s| s.parse().ok())
        .expect("seconds");
    assert!(seconds < 1.1, "{out}");
}
