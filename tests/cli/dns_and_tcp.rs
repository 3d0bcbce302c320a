//! The dns and tcp probes through the binary, and the environment's `resolvers:` serving every
//! probe: answers from the test zone `conform.test.` (sets, CIDR ranges, CNAME chains, record
//! text, NXDOMAIN, NODATA, TTLs, TCP), the environment's resolvers as the default server, http,
//! tls and tcp hosts that exist only in the test zone, a DNS server that never answers, tcp
//! connects that are accepted, refused or hang, and `list` / `validate` for both probes.
//!
//! Every name asked is served by the test zone (through `server:` or `resolvers:`) or is an
//! address: nothing here reaches the system's resolver.

use crate::harness::*;
use crate::support::dns_server::{self, Misbehaviour};
use crate::support::*;
use hickory_proto::op::ResponseCode;
use std::net::SocketAddr;
use std::time::Duration;

/// The wall-time bound for a run whose slowest check has `timeout: 1s`.
const ONE_SECOND_RUN: Duration = Duration::from_millis(2500);

/// A detail block: `lines`, each owned.
fn lines(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

/// `dig @127.0.0.1 -p <port> <name> <TYPE>`, as the reproduce line names a loopback server.
fn dig(server: SocketAddr, name: &str, record_type: &str) -> String {
    format!(
        "reproduce: dig @{} -p {} {name} {record_type}",
        server.ip(),
        server.port()
    )
}

/// `environments/prod.yaml` with `vars` (quoted), then (when given) the test CA as a trust
/// root, then the extra top-level keys in `extra`.
fn env_file(p: &Project, vars: &[(&str, String)], pki: Option<&Pki>, extra: &str) {
    let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}: \"{v}\"")).collect();
    p.env(&format!("vars: {{ {} }}\n", vars.join(", ")), pki, extra);
}

// ---- dns answers from the test zone ---------------------------------------------------------

/// Three lines a check: name (line 2 + 3k), probe, expect.
const ZONE_CHECKS: &str = r#"checks:
  - name: a records as a set
    dns: { name: a.conform.test, type: A, server: "${dns}" }
    expect: { answers: [192.0.2.1] }
  - name: mx records as a set
    dns: { name: conform.test, type: MX, server: "${dns}" }
    expect: { answers: ["20 mx2.conform.test.", "10 mx.conform.test."] }
  - name: addresses in the documentation range
    dns: { name: a.conform.test, type: A, server: "${dns}" }
    expect: { answers: { in_cidr: [192.0.2.0/24] } }
  - name: v6 in its range
    dns: { name: v6.conform.test, type: AAAA, server: "${dns}" }
    expect: { answers: { in_cidr: ["2001:db8::/32"] }, ttl: 120 }
  - name: a cname chain
    dns: { name: c1.conform.test, type: A, server: "${dns}" }
    expect: { cnames: [c2.conform.test., c3.conform.test.], answers: [192.0.2.3], ttl: 80 }
  - name: txt strings joined
    dns: { name: txt.conform.test, type: TXT, server: "${dns}" }
    expect: { answers: ["v=spf1 -all"] }
  - name: caa as dig prints it
    dns: { name: conform.test, type: CAA, server: "${dns}" }
    expect: { answers: { contains: '0 issue "letsencrypt.org"' } }
  - name: nxdomain expected
    dns: { name: nope.conform.test, type: A, server: "${dns}" }
    expect: { rcode: NXDOMAIN, answers: { empty: true } }
  - name: nodata
    dns: { name: a.conform.test, type: MX, server: "${dns}" }
    expect: { rcode: NOERROR, answers: { empty: true }, cnames: { empty: true } }
  - name: ttl at most 300
    dns: { name: www.conform.test, type: A, server: "${dns}" }
    expect: { ttl: { lte: 300 }, cnames: [a.conform.test.] }
  - name: over tcp
    dns: { name: a.conform.test, type: A, server: "${dns}", protocol: tcp }
    expect: { answers: [192.0.2.1] }
  - name: truncated then tcp
    dns: { name: many.conform.test, type: A, server: "${dns}" }
    expect: { answers: { count: 100, each: { in_cidr: [10.0.0.0/24] } } }
"#;

/// A passing dns check as `-vv` shows it: id, name, line, the question as dig asks it, the
/// protocol, the rcode line and the answer section.
type Answered<'a> = (
    &'a str,
    &'a str,
    usize,
    &'a str,
    &'a str,
    &'a str,
    &'a [&'a str],
);

/// Every expectation of the dns probe holds against the test zone: exit 0. With `-vv` each
/// check shows where it is, its `dig` command and the answer section it judged.
#[tokio::test(flavor = "multi_thread")]
async fn dns_answers_from_the_test_zone_pass() {
    let dns = dns_server::start().await;
    let d = dns.addr();
    let p = Project::new();
    env_file(&p, &[("dns", d.to_string())], None, "");
    p.write("checks/zone.yaml", ZONE_CHECKS);

    let out = p.run(&["-vv"]).await;
    out.assert_code_quiet(0);
    let file = "checks/zone.yaml";
    // How every detail block starts: where, the dig command, the protocol and the rcode line.
    let head = |line: usize, question: &str, protocol: &str, rcode: &str| {
        vec![
            p.at(file, line),
            format!("reproduce: dig @127.0.0.1 -p {} {question}", d.port()),
            format!("> asked {d} over {protocol}"),
            rcode.to_string(),
        ]
    };
    let cases: &[Answered] = &[
        (
            "zone/a-records-as-a-set",
            "a records as a set",
            2,
            "a.conform.test. A",
            "Udp",
            "< NOERROR",
            &["< a.conform.test. 300 IN A 192.0.2.1"],
        ),
        (
            "zone/mx-records-as-a-set",
            "mx records as a set",
            5,
            "conform.test. MX",
            "Udp",
            "< NOERROR",
            &[
                "< conform.test. 300 IN MX 10 mx.conform.test.",
                "< conform.test. 300 IN MX 20 mx2.conform.test.",
            ],
        ),
        (
            "zone/addresses-in-the-documentation-range",
            "addresses in the documentation range",
            8,
            "a.conform.test. A",
            "Udp",
            "< NOERROR",
            &["< a.conform.test. 300 IN A 192.0.2.1"],
        ),
        (
            "zone/v6-in-its-range",
            "v6 in its range",
            11,
            "v6.conform.test. AAAA",
            "Udp",
            "< NOERROR",
            &["< v6.conform.test. 120 IN AAAA 2001:db8::1"],
        ),
        (
            "zone/a-cname-chain",
            "a cname chain",
            14,
            "c1.conform.test. A",
            "Udp",
            "< NOERROR",
            &[
                "< c1.conform.test. 60 IN CNAME c2.conform.test.",
                "< c2.conform.test. 70 IN CNAME c3.conform.test.",
                "< c3.conform.test. 80 IN A 192.0.2.3",
            ],
        ),
        (
            "zone/caa-as-dig-prints-it",
            "caa as dig prints it",
            20,
            "conform.test. CAA",
            "Udp",
            "< NOERROR",
            &[r#"< conform.test. 3600 IN CAA 0 issue "letsencrypt.org""#],
        ),
        (
            "zone/nxdomain-expected",
            "nxdomain expected",
            23,
            "nope.conform.test. A",
            "Udp",
            "< NXDOMAIN",
            &[],
        ),
        (
            "zone/nodata",
            "nodata",
            26,
            "a.conform.test. MX",
            "Udp",
            "< NOERROR",
            &[],
        ),
        (
            "zone/ttl-at-most-300",
            "ttl at most 300",
            29,
            "www.conform.test. A",
            "Udp",
            "< NOERROR",
            &[
                "< www.conform.test. 60 IN CNAME a.conform.test.",
                "< a.conform.test. 300 IN A 192.0.2.1",
            ],
        ),
        (
            "zone/over-tcp",
            "over tcp",
            32,
            "a.conform.test. A +tcp",
            "Tcp",
            "< NOERROR",
            &["< a.conform.test. 300 IN A 192.0.2.1"],
        ),
    ];
    for &(id, name, line, question, protocol, rcode, section) in cases {
        out.assert_line("PASS", id, name);
        let mut expected = head(line, question, protocol, rcode);
        expected.extend(lines(section));
        assert_eq!(out.details_of(id), expected, "{id}\n{out}");
    }

    // TXT: the answer is the strings joined; the section line is only checked for its head.
    let id = "zone/txt-strings-joined";
    out.assert_line("PASS", id, "txt strings joined");
    let details = out.details_of(id);
    let txt = head(17, "txt.conform.test. TXT", "Udp", "< NOERROR");
    assert_eq!(details[..4], txt, "{out}");
    assert_eq!(details.len(), 5, "{out}");
    assert!(
        details[4].starts_with("< txt.conform.test. 30 IN TXT "),
        "{out}"
    );

    // 100 addresses do not fit a UDP answer: asked again over TCP, as dig does.
    let id = "zone/truncated-then-tcp";
    out.assert_line("PASS", id, "truncated then tcp");
    let details = out.details_of(id);
    let truncated = "< NOERROR (truncated over UDP, asked again over TCP)";
    let many = head(35, "many.conform.test. A", "Tcp", truncated);
    assert_eq!(details[..4], many, "{out}");
    let records: Vec<&String> = details[4..]
        .iter()
        .filter(|l| l.starts_with("< many.conform.test. 300 IN A 10.0.0."))
        .collect();
    assert_eq!(records.len(), dns_server::MANY, "{out}");
    assert_eq!(details.len(), 4 + dns_server::MANY, "{out}");

    assert_eq!(out.checks().len(), 12, "{out}");
    out.assert_summary("12 passed, 0 failed, 0 errors, 0 pending");
    assert_eq!(p.junit_counts("zone"), ["12", "0", "0", "0"]);
}

const ZONE_MISMATCHES: &str = r#"checks:
  - name: cloudflare ranges
    dns: { name: a.conform.test, type: A, server: "${dns}" }
    expect: { answers: { in_cidr: [104.16.0.0/13, 172.64.0.0/13] } }
  - name: nxdomain unexpected
    dns: { name: nope.conform.test, type: A, server: "${dns}" }
    expect: { rcode: NOERROR }
  - name: nodata is no address
    dns: { name: v6.conform.test, type: A, server: "${dns}" }
    expect: { answers: { in_cidr: [192.0.2.0/24] } }
  - name: ttl below 300
    dns: { name: www.conform.test, type: A, server: "${dns}" }
    expect: { ttl: { lt: 300 } }
  - name: chain out of order over tcp
    dns: { name: c1.conform.test, type: A, server: "${dns}", protocol: tcp }
    expect: { cnames: [c3.conform.test., c2.conform.test.] }
  - name: one mx is not the set
    dns: { name: conform.test, type: MX, server: "${dns}" }
    expect: { answers: ["10 mx.conform.test."] }
"#;

/// Answers that came and are wrong are failures (exit 1): each shows expected and actual,
/// the address outside the ranges, and the `dig` command that asks the same question.
#[tokio::test(flavor = "multi_thread")]
async fn dns_answers_that_differ_fail_with_expected_actual_and_dig() {
    let dns = dns_server::start().await;
    let d = dns.addr();
    let p = Project::new();
    env_file(&p, &[("dns", d.to_string())], None, "");
    p.write("checks/zone.yaml", ZONE_MISMATCHES);
    let file = "checks/zone.yaml";

    let out = p.run(&[]).await;
    out.assert_code_quiet(1);

    let cases: Vec<(&str, &str, usize, Vec<String>, String)> = vec![
        (
            "zone/cloudflare-ranges",
            "cloudflare ranges",
            2,
            mismatch(
                "answers",
                "in 104.16.0.0/13, 172.64.0.0/13",
                r#"["192.0.2.1"]"#,
                Some("192.0.2.1 is outside every range"),
            ),
            dig(d, "a.conform.test.", "A"),
        ),
        (
            "zone/nxdomain-unexpected",
            "nxdomain unexpected",
            5,
            mismatch("rcode", r#""NOERROR""#, r#""NXDOMAIN""#, None),
            dig(d, "nope.conform.test.", "A"),
        ),
        // NODATA: the name has no A record, and an empty list is in no range.
        (
            "zone/nodata-is-no-address",
            "nodata is no address",
            8,
            mismatch(
                "answers",
                "in 192.0.2.0/24",
                "[]",
                Some("there are no addresses"),
            ),
            dig(d, "v6.conform.test.", "A"),
        ),
        (
            "zone/ttl-below-300",
            "ttl below 300",
            11,
            mismatch("ttl", "< 300", "300", None),
            dig(d, "www.conform.test.", "A"),
        ),
        (
            "zone/chain-out-of-order-over-tcp",
            "chain out of order over tcp",
            14,
            mismatch(
                "cnames",
                r#"["c3.conform.test.", "c2.conform.test."]"#,
                r#"["c2.conform.test.", "c3.conform.test."]"#,
                None,
            ),
            format!("{} +tcp", dig(d, "c1.conform.test.", "A")),
        ),
        (
            "zone/one-mx-is-not-the-set",
            "one mx is not the set",
            17,
            mismatch(
                "answers",
                r#"["10 mx.conform.test."]"#,
                r#"["10 mx.conform.test.", "20 mx2.conform.test."]"#,
                None,
            ),
            dig(d, "conform.test.", "MX"),
        ),
    ];
    for (id, name, line, mismatch, reproduce) in cases {
        out.assert_line("FAIL", id, name);
        let expected = [vec![p.at(file, line)], mismatch, vec![reproduce]].concat();
        assert_eq!(out.details_of(id), expected, "{id}\n{out}");
    }

    out.assert_summary("0 passed, 6 failed, 0 errors, 0 pending");
    assert_eq!(p.junit_counts("zone"), ["6", "6", "0", "0"]);
    let failure = p.verdict("nxdomain unexpected", "failure");
    failure.assert_is("fail", r#"rcode: expected "NOERROR", got "NXDOMAIN""#);
    let nope = dig(d, "nope.conform.test.", "A");
    assert!(failure.text.contains(&nope), "{}", failure.xml);
    let failure = p.verdict("cloudflare ranges", "failure");
    let note = "  note:     192.0.2.1 is outside every range";
    assert!(failure.text.contains(note), "{}", failure.xml);
}

// ---- the environment's resolvers for dns checks -------------------------------------------

const RESOLVER_CHECKS: &str = r#"checks:
  - name: by the resolver
    dns: { name: a.conform.test, type: A }
    expect: { answers: [192.0.2.1] }
  - name: wrong address by the resolver
    dns: { name: www.conform.test, type: A }
    expect: { answers: [192.0.2.99] }
  - name: own server wins
    dns: { name: a.conform.test, type: A, server: "${refusing}" }
    expect: { rcode: REFUSED }
"#;

/// Without `server:` a dns check asks the environment's first resolver, and its `dig` command
/// names it; a check's own `server:` wins. `-v` shows the exchange of checks that did not
/// pass, `-vv` of every check.
#[tokio::test(flavor = "multi_thread")]
async fn the_environments_resolvers_serve_dns_checks_without_a_server() {
    let dns = dns_server::start().await;
    let refusing = dns_server::hostile(Misbehaviour::Rcode(ResponseCode::Refused)).await;
    let d = dns.addr();
    let p = Project::new();
    env_file(
        &p,
        &[("refusing", refusing.addr().to_string())],
        None,
        &format!("resolvers: [\"{d}\"]\n"),
    );
    p.write("checks/res.yaml", RESOLVER_CHECKS);
    let file = "checks/res.yaml";

    let out = p.run(&["-v"]).await;
    out.assert_code_quiet(1);
    out.assert_line("PASS", "res/by-the-resolver", "by the resolver");
    out.assert_line("PASS", "res/own-server-wins", "own server wins");
    assert!(out.details_of("res/by-the-resolver").is_empty(), "{out}");
    assert!(out.details_of("res/own-server-wins").is_empty(), "{out}");
    let id = "res/wrong-address-by-the-resolver";
    out.assert_line("FAIL", id, "wrong address by the resolver");
    let mut expected = vec![p.at(file, 5)];
    expected.extend(mismatch(
        "answers",
        r#"["192.0.2.99"]"#,
        r#"["192.0.2.1"]"#,
        None,
    ));
    expected.extend([
        dig(d, "www.conform.test.", "A"),
        format!("> asked {d} over Udp"),
        "< NOERROR".to_string(),
        "< www.conform.test. 60 IN CNAME a.conform.test.".to_string(),
        "< a.conform.test. 300 IN A 192.0.2.1".to_string(),
    ]);
    assert_eq!(out.details_of(id), expected, "{out}");
    out.assert_summary("2 passed, 1 failed, 0 errors, 0 pending");

    let out = p.run(&["-vv", "--only", "res/by-the-resolver"]).await;
    out.assert_code(0);
    assert_eq!(
        out.details_of("res/by-the-resolver"),
        [
            p.at(file, 2),
            dig(d, "a.conform.test.", "A"),
            format!("> asked {d} over Udp"),
            "< NOERROR".to_string(),
            "< a.conform.test. 300 IN A 192.0.2.1".to_string(),
        ],
        "{out}"
    );
    let r = refusing.addr();
    let out = p.run(&["-vv", "--only", "res/own-server-wins"]).await;
    out.assert_code(0);
    assert_eq!(
        out.details_of("res/own-server-wins"),
        [
            p.at(file, 8),
            dig(r, "a.conform.test.", "A"),
            format!("> asked {r} over Udp"),
            "< REFUSED".to_string(),
        ],
        "{out}"
    );
}

// ---- resolvers everywhere: http, tls and tcp hosts that only the test zone knows -----------

const ZONE_HOST_CHECKS: &str = r#"checks:
  - name: http by zone name
    http: { url: "http://web.conform.test:${web}/hello" }
    expect: { status: 200, body: { contains: "from web" } }
  - name: https by zone name
    http: { url: "https://web.conform.test:${tls}/secure" }
    expect: { status: 200, body: "from tls", cert: { san: { contains: web.conform.test } } }
  - name: tls by zone name
    tls: { host: web.conform.test, port: "${tls}" }
    expect: { handshake: accepted, cert: { san: [web.conform.test], chain_valid: true } }
  - name: tcp by zone name
    tcp: { host: web.conform.test, port: "${web}" }
    expect: { connect: accepted }
  - name: http to a missing name
    tags: [missing]
    http: { url: "http://nope.conform.test:${web}/hello" }
    expect: { status: 200 }
  - name: tls to a missing name
    tags: [missing]
    tls: { host: nope.conform.test, port: "${tls}" }
    expect: { handshake: accepted }
  - name: tcp to a missing name
    tags: [missing]
    tcp: { host: nope.conform.test, port: "${web}" }
    expect: { connect: refused }
"#;

/// A project whose environment resolves through the test DNS server only, with an HTTP and
/// a TLS server on 127.0.0.1 that the zone's `web.conform.test.` points at.
struct ZoneHosts {
    dns: dns_server::DnsServer,
    web: TestServer,
    tls: TestServer,
    p: Project,
}

async fn zone_hosts() -> ZoneHosts {
    assert_eq!(dns_server::LOOPBACK_NAME, "web.conform.test.");
    let dns = dns_server::start().await;
    let pki = Pki::new();
    let config = https_config(&pki, &["web.conform.test"], |_| {
        TestResponse::ok("from tls")
    });
    let tls = TestServer::start(config).await;
    let web = http(|_| TestResponse::ok("hello from web")).await;
    let p = Project::new();
    env_file(
        &p,
        &[
            ("web", web.port().to_string()),
            ("tls", tls.port().to_string()),
        ],
        Some(&pki),
        &format!("resolvers: [\"{}\"]\n", dns.addr()),
    );
    p.write("checks/web.yaml", ZONE_HOST_CHECKS);
    ZoneHosts { dns, web, tls, p }
}

/// README: "The environment's `resolvers:` serve every probe: http and tls names resolve
/// through them too, so a host that exists only in a private zone works everywhere." A name
/// the zone does not have is an error (exit 3) that names NXDOMAIN and the server that said it.
#[tokio::test(flavor = "multi_thread")]
async fn http_tls_and_tcp_hosts_resolve_through_the_environments_resolvers() {
    let ZoneHosts { dns, web, tls, p } = zone_hosts().await;
    let (web_port, tls_port) = (web.port(), tls.port());

    let out = p.run(&["--skip-tag", "missing"]).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "web/http-by-zone-name", "http by zone name");
    out.assert_line("PASS", "web/https-by-zone-name", "https by zone name");
    out.assert_line("PASS", "web/tls-by-zone-name", "tls by zone name");
    out.assert_line("PASS", "web/tcp-by-zone-name", "tcp by zone name");
    for id in [
        "web/http-by-zone-name",
        "web/https-by-zone-name",
        "web/tls-by-zone-name",
        "web/tcp-by-zone-name",
    ] {
        assert!(out.details_of(id).is_empty(), "{id}\n{out}");
    }
    out.assert_summary("4 passed, 0 failed, 0 errors, 0 pending");

    // The servers saw the zone's name, not an address.
    let requests = web.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, "/hello");
    assert_eq!(
        requests[0].host.as_deref(),
        Some(format!("web.conform.test:{web_port}").as_str())
    );
    let requests = tls.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, "/secure");
    assert_eq!(requests[0].sni.as_deref(), Some("web.conform.test"));

    let out = p.run(&["--tag", "missing"]).await;
    out.assert_code_quiet(3);
    let nx = format!(
        "nope.conform.test does not exist (NXDOMAIN from {})",
        dns.addr()
    );
    let file = "checks/web.yaml";
    let ca = p.shown("environments/ca.pem");

    let id = "web/http-to-a-missing-name";
    out.assert_line("ERROR", id, "http to a missing name");
    assert_eq!(
        out.details_of(id),
        [
            p.at(file, 14),
            format!(
                "error (dns): GET http://nope.conform.test:{web_port}/hello: \
                 nope.conform.test:{web_port} did not resolve ({nx})"
            ),
            format!(
                "reproduce: curl -sS -i --cacert {ca} --max-time 10 \
                 http://nope.conform.test:{web_port}/hello"
            ),
        ],
        "{out}"
    );
    let id = "web/tls-to-a-missing-name";
    out.assert_line("ERROR", id, "tls to a missing name");
    let details = out.details_of(id);
    assert_eq!(details.len(), 3, "{out}");
    assert_eq!(details[0], p.at(file, 18));
    assert!(details[1].starts_with("error (dns): "), "{out}");
    assert!(details[1].contains(&nx), "{out}");
    assert!(
        details[2].starts_with(&format!(
            "reproduce: openssl s_client -connect nope.conform.test:{tls_port} \
             -servername nope.conform.test"
        )),
        "{out}"
    );
    let id = "web/tcp-to-a-missing-name";
    out.assert_line("ERROR", id, "tcp to a missing name");
    assert_eq!(
        out.details_of(id),
        [
            p.at(file, 22),
            format!("error (dns): {nx}"),
            format!("reproduce: nc -vz -w 10 nope.conform.test {web_port}"),
        ],
        "{out}"
    );
    out.assert_summary("0 passed, 0 failed, 3 errors, 0 pending");
    assert_eq!(web.requests().len(), 1, "nothing more reached the server");

    assert_eq!(p.junit_counts("web"), ["3", "0", "3", "0"]);
    p.verdict("tcp to a missing name", "error")
        .assert_is("dns", &nx);
}

/// The reproduce command is for repeating the probe by hand. For a host that only the
/// environment's resolvers know, a command that asks the system's resolver probes something
/// else (or nothing): it must carry the answer (`curl --resolve`, an address to connect to)
/// or the resolver, the way `dig @server` does for the dns probe.
#[tokio::test(flavor = "multi_thread")]
async fn reproduce_commands_reach_hosts_that_only_the_resolvers_know() {
    let ZoneHosts { dns, web, tls, p } = zone_hosts().await;
    // Each check fails on purpose, so that its reproduce line is shown.
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: http by zone name
    http: { url: "http://web.conform.test:${web}/hello" }
    expect: { status: 201 }
  - name: tls by zone name
    tls: { host: web.conform.test, port: "${tls}" }
    expect: { handshake: rejected }
  - name: tcp by zone name
    tcp: { host: web.conform.test, port: "${web}" }
    expect: { connect: refused }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    // Either the address the resolvers gave or the resolver itself.
    let routed = |line: &str| line.contains("127.0.0.1") || line.contains(&dns.addr().to_string());
    for id in [
        "web/http-by-zone-name",
        "web/tls-by-zone-name",
        "web/tcp-by-zone-name",
    ] {
        let line = out.reproduce(id);
        assert!(routed(&line), "{id}: {line}\n{out}");
    }
    drop((web, tls));
}

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

// ---- tcp ------------------------------------------------------------------------------------

const TCP_CHECKS: &str = r#"checks:
  - name: open port accepted
    tcp: { host: 127.0.0.1, port: "${open}" }
    expect: { connect: accepted }
  - name: closed port refused
    tcp: { host: 127.0.0.1, port: "${closed}" }
    expect: { connect: refused }
  - name: hanging connect times out
    timeout: 1s
    tcp: { host: 127.0.0.1, port: "${full}" }
    expect: { connect: timeout }
  - name: closed port accepted
    tags: [wrong]
    tcp: { host: 127.0.0.1, port: "${closed}" }
    expect: { connect: accepted }
  - name: open port refused
    tags: [wrong]
    tcp: { host: 127.0.0.1, port: "${open}" }
    expect: { connect: refused }
  - name: hanging connect accepted
    tags: [wrong]
    timeout: 1s
    tcp: { host: 127.0.0.1, port: "${full}" }
    expect: { connect: accepted }
"#;

/// `accepted`, `refused` and `timeout` are answers of the tcp probe: each passes when it is
/// what was expected (a hanging connect within the check's timeout), and fails (exit 1), not
/// errors, when it is not. The reproduce line is `nc -vz`.
#[tokio::test(flavor = "multi_thread")]
async fn tcp_connects_are_accepted_refused_or_time_out() {
    let open = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let open_port = open.local_addr().expect("addr").port();
    let closed = closed_port();
    let (_listener, full, _fillers) = crate::support::full_backlog_listener();
    let p = Project::new();
    env_file(
        &p,
        &[
            ("open", open_port.to_string()),
            ("closed", closed.to_string()),
            ("full", full.port().to_string()),
        ],
        None,
        "",
    );
    p.write("checks/ports.yaml", TCP_CHECKS);
    let file = "checks/ports.yaml";

    let out = p.run(&["-vv", "--skip-tag", "wrong"]).await;
    out.assert_code_quiet(0);
    out.assert_within(ONE_SECOND_RUN);
    let cases = [
        (
            "ports/open-port-accepted",
            "open port accepted",
            2,
            open_port,
            10,
            "accepted",
        ),
        (
            "ports/closed-port-refused",
            "closed port refused",
            5,
            closed,
            10,
            "refused",
        ),
        (
            "ports/hanging-connect-times-out",
            "hanging connect times out",
            8,
            full.port(),
            1,
            "timeout",
        ),
    ];
    for (id, name, line, port, wait, outcome) in cases {
        out.assert_line("PASS", id, name);
        let details = out.details_of(id);
        assert_eq!(
            details[..3],
            [
                p.at(file, line),
                format!("reproduce: nc -vz -w {wait} 127.0.0.1 {port}"),
                format!("> connect 127.0.0.1:{port}"),
            ],
            "{id}\n{out}"
        );
        assert_eq!(details.len(), 4, "{id}\n{out}");
        assert_matches(
            &format!(r"^< {outcome} after \d\.\d\d\ds$"),
            &details[3],
            &out,
        );
    }
    // The hanging connect gave up just before the check's timeout.
    let hung = &out.details_of("ports/hanging-connect-times-out")[3];
    let seconds: f64 = hung["< timeout after ".len()..hung.len() - 1]
        .parse()
        .expect("seconds");
    assert!((0.9..1.25).contains(&seconds), "{hung}\n{out}");
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");

    let out = p.run(&["--tag", "wrong"]).await;
    out.assert_code_quiet(1);
    out.assert_within(ONE_SECOND_RUN);
    let cases = [
        (
            "ports/closed-port-accepted",
            "closed port accepted",
            12,
            "accepted",
            "refused",
            closed,
            10,
        ),
        (
            "ports/open-port-refused",
            "open port refused",
            16,
            "refused",
            "accepted",
            open_port,
            10,
        ),
        (
            "ports/hanging-connect-accepted",
            "hanging connect accepted",
            20,
            "accepted",
            "timeout",
            full.port(),
            1,
        ),
    ];
    for (id, name, line, expected, actual, port, wait) in cases {
        out.assert_line("FAIL", id, name);
        let actual = format!("{actual} (127.0.0.1:{port})");
        let want = [
            vec![p.at(file, line)],
            mismatch("connect", expected, &actual, None),
            vec![format!("reproduce: nc -vz -w {wait} 127.0.0.1 {port}")],
        ]
        .concat();
        assert_eq!(out.details_of(id), want, "{id}\n{out}");
    }
    assert_eq!(
        out.details_of("ports/closed-port-accepted")[1],
        format!("connect: expected accepted, got refused (127.0.0.1:{closed})")
    );
    out.assert_summary("0 passed, 3 failed, 0 errors, 0 pending");
    assert_eq!(p.junit_counts("ports"), ["3", "3", "0", "0"]);
    let failure = p.verdict("closed port accepted", "failure");
    let message = format!("connect: expected accepted, got refused (127.0.0.1:{closed})");
    assert_eq!(failure.message, Some(message), "{}", failure.xml);
    drop(open);
}

// ---- list and validate -----------------------------------------------------------------------

/// `list` shows each dns check's question and server and each tcp check's target, probing
/// nothing; `validate` passes the same files.
#[tokio::test(flavor = "multi_thread")]
async fn list_and_validate_show_dns_and_tcp_checks_without_probing() {
    let silent = dns_server::hostile(Misbehaviour::Silent).await;
    let s = silent.addr();
    let listener = http(|_| TestResponse::ok("never asked")).await;
    let port = listener.port();
    let p = Project::new();
    env_file(
        &p,
        &[("dns", s.to_string()), ("port", port.to_string())],
        None,
        &format!("resolvers: [\"{s}\"]\n"),
    );
    p.write(
        "checks/net.yaml",
        r#"defaults: { tags: [net] }
checks:
  - name: zone address
    dns: { name: a.conform.test, type: a, server: "${dns}" }
    expect: { answers: [192.0.2.1] }
  - name: by the resolvers
    tags: [gate]
    dns: { name: WWW.Conform.Test., type: CNAME, protocol: tcp }
    expect: { answers: [a.conform.test.] }
  - name: ssh closed
    tcp: { host: web.conform.test, port: "${port}" }
    expect: { connect: refused }
"#,
    );
    let out = p.list(&[]).await;
    out.assert_code_quiet(0);
    assert_eq!(
        out.stdout,
        format!(
            "net/zone-address  [net]  dns a.conform.test. A @{s}\n\
             net/by-the-resolvers  [net,gate]  dns www.conform.test. CNAME\n\
             net/ssh-closed  [net]  tcp web.conform.test:{port}\n\
             3 checks for env prod\n"
        ),
        "{out}"
    );
    let out = p.list(&["--tag", "gate"]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "net/by-the-resolvers  [net,gate]  dns www.conform.test. CNAME\n1 checks for env prod\n",
        "{out}"
    );

    let out = p.validate(&[]).await;
    out.assert_code(0);
    assert_eq!(out.stdout, "env prod: 3 checks in 1 suites are valid\n");
    assert_eq!(out.stderr, "");
    drop(silent);
    assert_eq!(listener.connections(), 0, "nothing may be probed");
}

/// A bad record type, protocol, server address, name, tcp port or `connect` value: each is
/// located (file:line:column) and says what was expected, all at once, exit 2, nothing probed.
#[tokio::test(flavor = "multi_thread")]
async fn validate_locates_bad_dns_and_tcp_fields() {
    let p = Project::new();
    p.write("environments/prod.yaml", "resolvers: [\"127.0.0.1:53\"]\n");
    p.write(
        "checks/net.yaml",
        r#"checks:
  - name: bad type
    dns: { name: a.conform.test, type: AAAAA, server: 127.0.0.1 }
    expect: { rcode: NOERROR }
  - name: bad protocol
    dns: { name: a.conform.test, type: A, protocol: quic }
    expect: { rcode: NOERROR }
  - name: server by name
    dns: { name: a.conform.test, type: A, server: dns.conform.test }
    expect: { rcode: NOERROR }
  - name: server port too big
    dns: { name: a.conform.test, type: A, server: "127.0.0.1:99999" }
    expect: { rcode: NOERROR }
  - name: bad name
    dns: { name: "a..conform.test", type: A }
    expect: { rcode: NOERROR }
  - name: bad connect
    tcp: { host: 127.0.0.1, port: 0 }
    expect: { connect: maybe }
  - name: misspelt keys
    dns: { name: a.conform.test, type: A, sever: 127.0.0.1 }
    expect: { rcdoe: NOERROR }
"#,
    );
    let f = p.shown("checks/net.yaml");
    let expected = format!(
        "error: {f}:3:40: `AAAAA` is not a DNS record type; did you mean `AAAA`? expected one \
         of: A, AAAA, ANAME, CAA, CDS, CDNSKEY, CERT, CNAME, CSYNC, DNSKEY, DS, HINFO, HTTPS, \
         KEY, MX, NAPTR, NS, NSEC, NSEC3, NSEC3PARAM, OPENPGPKEY, PTR, RRSIG, SIG, SOA, SRV, \
         SSHFP, SVCB, TLSA, TXT\n\
         error: {f}:6:53: `protocol` `quic` is not udp or tcp; expected udp (the default) or tcp\n\
         error: {f}:9:51: `server` `dns.conform.test` is not an IP address with an optional \
         port; expected e.g. 1.1.1.1:53, 10.0.0.2 or [2606:4700::1111]:53\n\
         error: {f}:12:51: `server` `127.0.0.1:99999` is not an IP address with an optional \
         port; expected e.g. 1.1.1.1:53, 10.0.0.2 or [2606:4700::1111]:53\n\
         error: {f}:15:18: `name` `a..conform.test` is not a domain name; expected e.g. \
         nest.thephenom.app\n\
         error: {f}:18:35: `port` is `0`; expected a port from 1 to 65535\n\
         error: {f}:19:24: `connect` is `maybe`; expected accepted, refused or timeout\n\
         error: {f}:21:43: unknown key `sever` in the dns probe; did you mean `server`? \
         expected one of: name, type, server, protocol\n\
         error: {f}:22:15: unknown key `rcdoe` in the expect; did you mean `rcode`? expected \
         one of: rcode, answers, cnames, ttl, time\n\
         9 errors found; nothing was probed\n"
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(out.stderr, format!("env prod:\n{expected}"), "{out}");

    // `run` refuses the same files the same way, before probing anything.
    let out = p.run(&[]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(out.stderr, expected, "{out}");
    // The reports carry the errors, one test case each.
    assert_eq!(p.junit_counts("conform.load"), ["9", "0", "9", "0"]);

    // A resolver that is not an address, in the environment.
    p.write(
        "checks/net.yaml",
        "checks:\n  - name: ok\n    dns: { name: a.conform.test, type: A }\n    expect: { rcode: NOERROR }\n",
    );
    p.write(
        "environments/prod.yaml",
        "resolvers: [\"127.0.0.1:53\", dns.conform.test]\n",
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let env = p.shown("environments/prod.yaml");
    out.assert_stderr_starts_with(&format!("env prod:\nerror: {env}:1:"));
    out.assert_stderr_contains(
        "resolver `dns.conform.test` is not an IP address with an optional port; expected \
             e.g. 1.1.1.1:53, 10.0.0.2 or [2606:4700::1111]:53\n",
    );
}

/// README: "Every load error names `file:line:column`": a bad resolver is named where it is
/// written, not where the list starts.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_resolver_is_located_at_its_entry() {
    let p = Project::new();
    p.write(
        "checks/net.yaml",
        "checks:\n  - name: ok\n    dns: { name: a.conform.test, type: A }\n    expect: { rcode: NOERROR }\n",
    );
    p.write(
        "environments/prod.yaml",
        "resolvers:\n  - 127.0.0.1:53\n  - dns.conform.test\n",
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    let env = p.shown("environments/prod.yaml");
    out.assert_stderr_starts_with(&format!(
        "env prod:\nerror: {env}:3:5: resolver `dns.conform.test` is not an IP address"
    ));
}

/// A port out of range is told the range a port may take, which does not include 0.
#[tokio::test(flavor = "multi_thread")]
async fn a_port_out_of_range_is_told_the_range_of_ports() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/net.yaml",
        r#"checks:
  - name: big port
    tcp: { host: 127.0.0.1, port: 70000 }
    expect: { connect: refused }
"#,
    );
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\nerror: {}:3:35: `port` is `70000`; expected a port from 1 to 65535\n\
             1 error found; nothing was probed\n",
            p.shown("checks/net.yaml")
        ),
        "{out}"
    );
}
