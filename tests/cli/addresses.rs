//! `ip: v4 | v6 | any` on the http, tls and tcp probes: a name with an A and an AAAA record
//! (served by the test DNS server) is reached over the family asked for, on `::1` or
//! `127.0.0.1`; a name, an address or a fixed `resolve:` answer with no address of that
//! family is an error that says so; a bad value is a load error with "did you mean".

use crate::harness::*;
use crate::support::dns_server::{self, rr};
use crate::support::*;
use rustls::server::StoresServerSessions;
use std::sync::Arc;

const IP_CHECKS: &str = r#"checks:
  - name: tcp over v6
    tcp: { host: both.dual.test, port: "${v6tcp}", ip: v6 }
    expect: { connect: accepted }
  - name: http over v6
    http: { url: "http://both.dual.test:${v6web}/six", ip: v6 }
    expect: { status: 200, body: "over v6" }
  - name: tls over v6
    tls: { host: both.dual.test, port: "${v6tls}", ip: v6 }
    expect: { handshake: accepted, cert: { san: { contains: both.dual.test } } }
  - name: tcp over v4
    tcp: { host: both.dual.test, port: "${v4tcp}", ip: v4 }
    expect: { connect: accepted }
  - name: tcp v4 on a v6-only name
    tags: [wrong]
    tcp: { host: six.dual.test, port: "${v6tcp}", ip: v4 }
    expect: { connect: accepted }
  - name: http v4 to a v6 address
    tags: [wrong]
    http: { url: "http://[::1]:${v6web}/four", ip: v4 }
    expect: { status: 200 }
  - name: tls v4 to a fixed v6 answer
    tags: [wrong]
    tls: { host: fixed.dual.test, port: "${v6tls}", ip: v4 }
    expect: { handshake: accepted }
"#;

/// "`ip: v6` against `::1` works and `ip: v4` on a v6-only name is a clear error": the
/// servers listen on `::1` only (tcp also on 127.0.0.1, for v4), the name has both records.
#[tokio::test(flavor = "multi_thread")]
async fn ip_chooses_the_family_of_the_addresses_used() {
    let dns = dns_server::start_with(
        "dual.test.",
        vec![
            rr("both.dual.test.", 300, "A", "127.0.0.1"),
            rr("both.dual.test.", 300, "AAAA", "::1"),
            rr("six.dual.test.", 300, "AAAA", "::1"),
        ],
    )
    .await;
    let web = TestServer::start_on(
        TestServerConfig::http(|_| TestResponse::ok("over v6")),
        "[::1]:0",
    )
    .await;
    let pki = Pki::new();
    let tls = TestServer::start_on(
        https_config(&pki, &["both.dual.test", "fixed.dual.test"], |_| {
            TestResponse::ok("tls")
        }),
        "[::1]:0",
    )
    .await;
    let v6tcp = std::net::TcpListener::bind("[::1]:0").expect("bind ::1");
    let v6tcp = v6tcp.local_addr().expect("addr").port();
    let v4tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let v4tcp = v4tcp.local_addr().expect("addr").port();
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ v6web: \"{}\", v6tls: \"{}\", v6tcp: \"{v6tcp}\", v4tcp: \"{v4tcp}\" }}\n",
            web.port(),
            tls.port()
        ),
        Some(&pki),
        &format!(
            "resolvers: [\"{}\"]\nresolve: {{ fixed.dual.test: \"::1\" }}\n",
            dns.addr()
        ),
    );
    p.write("checks/ip.yaml", IP_CHECKS);

    let out = p.run(&["--skip-tag", "wrong"]).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "ip/tcp-over-v6", "tcp over v6");
    out.assert_line("PASS", "ip/http-over-v6", "http over v6");
    out.assert_line("PASS", "ip/tls-over-v6", "tls over v6");
    out.assert_line("PASS", "ip/tcp-over-v4", "tcp over v4");
    out.assert_summary("4 passed, 0 failed, 0 errors, 0 pending");
    // The request reached the server on ::1 under the name.
    let requests = web.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, "/six");
    assert_eq!(
        requests[0].host.as_deref(),
        Some(format!("both.dual.test:{}", web.port()).as_str())
    );
    assert_eq!(tls.requests().len(), 0);
    assert!(tls.connections() >= 1);

    let out = p.run(&["--tag", "wrong"]).await;
    out.assert_code_quiet(3);
    let file = "checks/ip.yaml";
    assert_eq!(
        out.details_of("ip/tcp-v4-on-a-v6-only-name"),
        [
            p.at(file, 14),
            "error (dns): six.dual.test has no IPv4 address, but the check says `ip: v4` \
             (it resolves to ::1)"
                .to_string(),
            format!("reproduce: nc -4 -vz -w 10 six.dual.test {v6tcp}"),
        ],
        "{out}"
    );
    assert_eq!(
        out.details_of("ip/http-v4-to-a-v6-address"),
        [
            p.at(file, 18),
            format!(
                "error (dns): GET http://[::1]:{port}/four: ::1 is not an IPv4 address, but \
                 the check says `ip: v4`",
                port = web.port()
            ),
            format!(
                "reproduce: curl -4 -sS -i --max-time 10 'http://[::1]:{}/four'",
                web.port()
            ),
        ],
        "{out}"
    );
    let details = out.details_of("ip/tls-v4-to-a-fixed-v6-answer");
    assert_eq!(details.len(), 3, "{out}");
    assert_eq!(details[0], p.at(file, 22));
    assert_eq!(
        details[1],
        "error (dns): fixed.dual.test has no IPv4 address, but the check says `ip: v4` \
         (it resolves to ::1)"
    );
    assert!(
        details[2].starts_with(&format!(
            "reproduce: openssl s_client -4 -connect '[::1]:{}' -servername fixed.dual.test",
            tls.port()
        )),
        "{out}"
    );
    out.assert_summary("0 passed, 0 failed, 3 errors, 0 pending");
    // Nothing was sent over the wrong family.
    assert_eq!(web.requests().len(), 1);
}

/// `ip:` and `addresses:` are closed sets: a value out of it is a load error at its position, with "did you
/// mean" when it is one in another case, and nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_ip_value_is_a_located_load_error() {
    let p = Project::new();
    p.write("environments/prod.yaml", "{}\n");
    p.write(
        "checks/ip.yaml",
        r#"checks:
  - name: upper case
    tcp: { host: 127.0.0.1, port: 1, ip: V6 }
    expect: { connect: refused }
  - name: a number
    http: { url: "http://127.0.0.1:1/", ip: 4 }
    expect: { status: 200 }
  - name: a word
    tls: { host: 127.0.0.1, port: 1, ip: ipv4 }
    expect: { handshake: accepted }
  - name: another word
    tcp: { host: 127.0.0.1, port: 1, ip: both }
    expect: { connect: refused }
  - name: every address
    tcp: { host: 127.0.0.1, port: 1, addresses: every }
    expect: { connect: refused }
  - name: one address
    http: { url: "http://127.0.0.1:1/", addresses: al }
    expect: { status: 200 }
"#,
    );
    let f = p.shown("checks/ip.yaml");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {f}:3:42: `ip` is `V6`; did you mean `v6`? expected v4, v6 or any\n\
             error: {f}:6:45: `ip` is `4`; did you mean `v4`? expected v4, v6 or any\n\
             error: {f}:9:42: `ip` is `ipv4`; did you mean `v4`? expected v4, v6 or any\n\
             error: {f}:12:42: `ip` is `both`; expected v4, v6 or any\n\
             error: {f}:15:49: `addresses` is `every`; expected one or all\n\
             error: {f}:18:52: `addresses` is `al`; did you mean `all`? expected one or all\n\
             6 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}

/// A DNS server that resolves `two.pair.test` to 127.0.0.1 and 127.0.0.2.
pub(crate) async fn pair_dns() -> dns_server::DnsServer {
    dns_server::start_with(
        "pair.test.",
        vec![
            rr("two.pair.test.", 300, "A", "127.0.0.1"),
            rr("two.pair.test.", 300, "A", "127.0.0.2"),
        ],
    )
    .await
}

/// Two servers on one port, on 127.0.0.1 and 127.0.0.2 (the second port bound to match).
pub(crate) async fn pair(
    first: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static + Clone,
    second: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static + Clone,
) -> (TestServer, TestServer) {
    for _ in 0..20 {
        let one = TestServer::start(TestServerConfig::http(first.clone())).await;
        let at = format!("127.0.0.2:{}", one.port());
        if std::net::TcpListener::bind(&at).is_ok() {
            let two = TestServer::start_on(TestServerConfig::http(second.clone()), &at).await;
            return (one, two);
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

const ALL_CHECKS: &str = r#"checks:
  - name: http every address
    http: { url: "http://two.pair.test:${web}/", addresses: all }
    expect: { status: 200 }
  - name: http one address
    http: { url: "http://two.pair.test:${web}/", addresses: one }
    expect: { status: 200 }
  - name: tcp every address
    tcp: { host: two.pair.test, port: "${tcp}", addresses: all }
    expect: { connect: accepted }
  - name: tcp one address
    tcp: { host: two.pair.test, port: "${tcp}" }
    expect: { connect: accepted }
"#;

/// "A name resolved to 127.0.0.1 and 127.0.0.2 served by two servers that differ:
/// `addresses: all` fails naming 127.0.0.2, `one` passes."
#[tokio::test(flavor = "multi_thread")]
async fn addresses_all_probes_every_address_and_names_the_failing_one() {
    let dns = pair_dns().await;
    let (good, bad) = pair(|_| TestResponse::ok("good"), |_| TestResponse::status(503)).await;
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let tcp = tcp.local_addr().expect("addr").port();
    let p = Project::new();
    p.env(
        &format!("vars: {{ web: \"{}\", tcp: \"{tcp}\" }}\n", good.port()),
        None,
        &format!("resolvers: [\"{}\"]\n", dns.addr()),
    );
    p.write("checks/all.yaml", ALL_CHECKS);
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    let file = "checks/all.yaml";
    let web = good.port();
    out.assert_line("FAIL", "all/http-every-address", "http every address");
    assert_eq!(
        out.details_of("all/http-every-address"),
        [
            p.at(file, 2),
            "127.0.0.2: status".to_string(),
            "  expected: 200".to_string(),
            "  actual:   503".to_string(),
            format!(
                "reproduce: curl -sS -i --resolve two.pair.test:{web}:127.0.0.2 --max-time 10 \
                 http://two.pair.test:{web}/"
            ),
        ],
        "{out}"
    );
    out.assert_line("PASS", "all/http-one-address", "http one address");
    out.assert_line("FAIL", "all/tcp-every-address", "tcp every address");
    assert_eq!(
        out.details_of("all/tcp-every-address"),
        [
            p.at(file, 8),
            "127.0.0.2: connect".to_string(),
            "  expected: accepted".to_string(),
            format!("  actual:   refused (127.0.0.2:{tcp})"),
            format!("reproduce: nc -vz -w 10 127.0.0.2 {tcp}"),
        ],
        "{out}"
    );
    out.assert_line("PASS", "all/tcp-one-address", "tcp one address");
    out.assert_summary("2 passed, 2 failed, 0 errors, 0 pending");
    // Every address was asked by the `all` check, the first only by the `one` check.
    assert_eq!(good.requests().len(), 2);
    assert_eq!(bad.requests().len(), 1);

    // The JSON report lists each address with its outcome; a one-address check has no list.
    let report: serde_json::Value =
        serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report");
    let attempt = |id: &str| {
        let checks = report["checks"].as_array().expect("checks");
        let check = checks.iter().find(|c| c["id"] == id).expect("the check");
        check["attempts"][0].clone()
    };
    let http = attempt("all/http-every-address");
    assert_eq!(
        http["addresses"],
        serde_json::json!([
            { "address": format!("127.0.0.1:{web}"), "outcome": "pass" },
            { "address": format!("127.0.0.2:{web}"), "outcome": "fail" },
        ])
    );
    assert_eq!(
        http["mismatches"],
        serde_json::json!([
            { "field": "127.0.0.2: status", "expected": "200", "actual": "503", "note": "" }
        ])
    );
    assert_eq!(
        attempt("all/tcp-every-address")["addresses"],
        serde_json::json!([
            { "address": format!("127.0.0.1:{tcp}"), "outcome": "pass" },
            { "address": format!("127.0.0.2:{tcp}"), "outcome": "fail" },
        ])
    );
    assert!(attempt("all/http-one-address").get("addresses").is_none());
}

/// Two TLS servers on one port, 127.0.0.1 and 127.0.0.2, with certificates that differ (the
/// second names `stale.pair.test`), sharing `sessions` when given.
pub(crate) async fn tls_pair(
    pki: &Pki,
    sessions: Option<&Arc<dyn StoresServerSessions>>,
) -> (TestServer, TestServer) {
    let config = |names: &[&str], body: &'static str| {
        let config = https_config(pki, names, move |_| TestResponse::ok(body));
        match sessions {
            Some(sessions) => config.share_sessions(sessions),
            None => config,
        }
    };
    for _ in 0..20 {
        let one = TestServer::start(config(&["two.pair.test"], "one")).await;
        let at = format!("127.0.0.2:{}", one.port());
        if std::net::TcpListener::bind(&at).is_ok() {
            let two = TestServer::start_on(config(&["stale.pair.test"], "two"), &at).await;
            return (one, two);
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

const TLS_ALL_CHECKS: &str = r#"checks:
  - name: tls every address
    tls: { host: two.pair.test, port: "${tls}", addresses: all }
    expect: { cert: { san: { contains: two.pair.test } } }
  - name: tls one address
    tls: { host: two.pair.test, port: "${tls}" }
    expect: { cert: { san: { contains: two.pair.test } } }
  - name: http where one address is closed
    http: { url: "http://two.pair.test:${half}/", addresses: all }
    expect: { status: 200 }
"#;

/// A node with another certificate fails `addresses: all` naming it; an address that does
/// not answer makes the check an error naming it.
#[tokio::test(flavor = "multi_thread")]
async fn addresses_all_names_the_node_with_another_certificate_or_no_answer() {
    let dns = pair_dns().await;
    let pki = Pki::new();
    let (one, two) = tls_pair(&pki, None).await;
    let half = http(|_| TestResponse::ok("only on 127.0.0.1")).await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ tls: \"{}\", half: \"{}\" }}\n",
            one.port(),
            half.port()
        ),
        Some(&pki),
        &format!("resolvers: [\"{}\"]\n", dns.addr()),
    );
    p.write("checks/all.yaml", TLS_ALL_CHECKS);
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    let file = "checks/all.yaml";
    let port = one.port();
    out.assert_line("FAIL", "all/tls-every-address", "tls every address");
    let details = out.details_of("all/tls-every-address");
    assert_eq!(
        details[..7],
        [
            p.at(file, 2),
            "127.0.0.2: handshake".to_string(),
            "  expected: accepted".to_string(),
            "  actual:   refused by this client: certificate verify failed: the certificate is \
             not valid for name two.pair.test (it names: stale.pair.test)"
                .to_string(),
            "127.0.0.2: cert san".to_string(),
            "  expected: contains \"two.pair.test\"".to_string(),
            "  actual:   [\"stale.pair.test\"]".to_string(),
        ],
        "{out}"
    );
    assert!(
        details[7].starts_with(&format!(
            "reproduce: openssl s_client -connect 127.0.0.2:{port} -servername two.pair.test "
        )),
        "{out}"
    );
    assert_eq!(details.len(), 8, "{out}");
    out.assert_line("PASS", "all/tls-one-address", "tls one address");
    out.assert_line(
        "ERROR",
        "all/http-where-one-address-is-closed",
        "http where one address is closed",
    );
    let half = half.port();
    assert_eq!(
        out.details_of("all/http-where-one-address-is-closed"),
        [
            p.at(file, 8),
            format!(
                "error (connection refused): 127.0.0.2: GET http://two.pair.test:{half}/: \
                 connection refused (127.0.0.2:{half})"
            ),
            format!(
                "reproduce: curl -sS -i --connect-to two.pair.test:{half}:127.0.0.2:{half} \
                 --max-time 10 http://two.pair.test:{half}/"
            ),
        ],
        "{out}"
    );
    out.assert_summary("1 passed, 1 failed, 1 error, 0 pending");
    assert_eq!(two.tls_failures().len(), 1, "{:?}", two.tls_failures());
}
