//! The environment's `resolvers:` as the default DNS server, and as the only source of the
//! addresses of http, tls and tcp hosts (reproduce commands included).

use super::{dig, env_file};
use crate::harness::*;
use crate::support::dns_server::{self, Misbehaviour};
use crate::support::*;
use hickory_proto::op::ResponseCode;

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
        format!("> asked {d} over UDP"),
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
            format!("> asked {d} over UDP"),
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
            format!("> asked {r} over UDP"),
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
                "reproduce: curl -sS -i --max-time 10 \
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
