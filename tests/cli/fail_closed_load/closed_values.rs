//! Closed values: a typo in any closed set is a load error with "did you mean"; YAML 1.1 booleans
//! are text; an empty pending reason is refused.

use crate::harness::*;
use crate::support::dns_server;
use crate::support::*;

/// `rcode: { not: NXDOMAN }` (a typo) used to validate and then pass against an NXDOMAIN
/// answer. Now it is exit 2 where it is written; spelled right, the same check fails
/// against the same real answer, so the typo would have been a false green.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_value_typo_is_a_load_error_not_a_pass() {
    let dns = dns_server::start().await;
    let p = Project::new();
    p.env(&format!("vars: {{ dns: \"{}\" }}\n", dns.addr()), None, "");
    let check = |rcode: &str| {
        format!(
            "checks:\n  - name: gone\n    dns: {{ name: gone.conform.test, type: A, server: \"${{dns}}\" }}\n    expect: {{ rcode: {{ not: {rcode} }} }}\n"
        )
    };
    p.write("checks/dns.yaml", &check("NXDOMAN"));
    let f = p.shown("checks/dns.yaml");
    let expected = format!(
        "error: {f}:4:29: `NXDOMAN` is not a DNS response code; did you mean `NXDOMAIN`? \
         expected one of: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, \
         YXRRSET, NXRRSET, NOTAUTH, NOTZONE, DSOTYPENI, BADVERS, BADKEY, BADTIME, BADMODE, \
         BADNAME, BADALG, BADTRUNC, BADCOOKIE, or RCODE<number> for an unassigned code\n\
         1 error found; nothing was probed\n"
    );
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(out.stderr, expected, "{out}");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stderr, format!("env prod:\n{expected}"), "{out}");

    p.write("checks/dns.yaml", &check("NXDOMAIN"));
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_outcomes(&[("FAIL", "dns/gone")]);
    assert!(
        out.stdout.contains(
            "    rcode\n      expected: not (\"NXDOMAIN\")\n      actual:   \"NXDOMAIN\"\n"
        ),
        "{out}"
    );
}

/// Every closed set, in one file: each mistake is located and all are listed at once.
#[tokio::test(flavor = "multi_thread")]
async fn every_closed_set_is_checked_at_load() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/closed.yaml",
        r#"checks:
  - name: version
    tls: { host: a.test }
    expect: { version: "1.4", alert: certificate_requird, handshake: rejectd }
  - name: statuses
    http: { url: "https://a.test/" }
    expect: { status: { any_of: [200, 999, "two hundred"] } }
  - name: certificate
    tls: { host: a.test }
    expect: { cert: { eku: [serverAuth, clientauth], key: "ECDSA P-265" } }
  - name: connect
    tcp: { host: a.test, port: 1 }
    expect: { connect: refsed }
  - name: type
    dns: { name: a.test, type: AAA }
    expect: { rcode: { one_of: [NOERROR, noerror] } }
"#,
    );
    let f = p.shown("checks/closed.yaml");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(
        errors
            .iter()
            .map(|l| l.split("; ").next().unwrap_or_default())
            .collect::<Vec<_>>(),
        [
            format!("error: {f}:4:24: `1.4` is not a TLS version"),
            format!("error: {f}:4:38: `certificate_requird` is not a TLS alert"),
            format!("error: {f}:4:70: `handshake` is `rejectd`"),
            format!("error: {f}:7:39: `999` is not an HTTP status"),
            format!("error: {f}:7:44: `two hundred` is not an HTTP status"),
            format!("error: {f}:10:41: `clientauth` is not an extended key usage"),
            format!("error: {f}:10:59: `ECDSA P-265` is not a key type"),
            format!("error: {f}:13:24: `connect` is `refsed`"),
            format!("error: {f}:15:32: `AAA` is not a DNS record type"),
            format!("error: {f}:16:42: `noerror` is not a DNS response code"),
        ],
        "{out}"
    );
    for hint in [
        "did you mean `certificate_required`?",
        "did you mean `rejected`? expected accepted or rejected",
        "did you mean `clientAuth`?",
        "did you mean `ECDSA P-256`?",
        "did you mean `refused`? expected accepted, refused or timeout",
        "did you mean `AAAA`?",
        "did you mean `NOERROR`?",
        "expected a status from 100 to 599 (e.g. 302), or a class: 1xx, 2xx, 3xx, 4xx or 5xx",
    ] {
        out.assert_stderr_contains(hint);
    }
    assert!(
        out.stderr
            .ends_with("10 errors found; nothing was probed\n"),
        "{out}"
    );
}

/// YAML 1.1 read `no` as false: `x-enabled: { not: no }` passed against a header `no`. Only
/// `true` and `false` are booleans (YAML 1.2), so the header is compared with the text `no`.
#[tokio::test(flavor = "multi_thread")]
async fn yaml_1_1_booleans_are_text() {
    let (_server, p) = http_project(TestResponse::ok("x").header("x-enabled", "no")).await;
    p.http_check(
        "web",
        "feature off",
        "http://chat.test:${port}/",
        "{ status: 200, headers: { x-enabled: { not: no } } }",
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    assert!(
        out.stdout.contains(
            "    header x-enabled\n      expected: not (\"no\")\n      actual:   \"no\"\n"
        ),
        "{out}"
    );
    p.http_check(
        "web",
        "feature off",
        "http://chat.test:${port}/",
        "{ status: 200, headers: { x-enabled: no } }",
    );
    p.run(&[]).await.assert_code(0);
}

/// An empty pending reason would excuse a failure for nothing; `.YAML` files are check files.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_pending_reason_is_refused_and_upper_case_yaml_is_read() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/A.YAML",
        "checks:\n  - name: a\n    pending: \"\"\n    http: { url: \"https://a.test/\" }\n    expect: { status: 200 }\n  - name: b\n    pending: { reason: \" \" }\n    http: { url: \"https://a.test/\" }\n    expect: { status: 200 }\n",
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let f = p.shown("checks/A.YAML");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {f}:3:14: `pending` has no reason; expected why the state is not live yet, \
             e.g. pending: \"WAF rule still in COUNT mode\"\n\
             error: {f}:7:24: `pending.reason` is empty; expected why the state is not live \
             yet, e.g. reason: \"WAF rule still in COUNT mode\"\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}
