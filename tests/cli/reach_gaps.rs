//! Network reach, end to end: a `resolve:` answer that lists several addresses (every one
//! probed by `addresses: all`), `conform probe --ip/--addresses` (and `--record` writing
//! them), a tcp dialogue's `received` in the JSON report, and `--record` pinning a banner.

use crate::harness::*;
use crate::probe::probe;
use crate::support::*;

const BANNER: &[u8] = b"220 mail.test ESMTP ready\r\n";

/// Two http servers on one port, on 127.0.0.2 (200 "good") and 127.0.0.3 (503).
async fn edge_pair() -> (TestServer, TestServer) {
    for _ in 0..20 {
        let good = TestServer::start_on(
            TestServerConfig::http(|_| TestResponse::ok("good")),
            "127.0.0.2:0",
        )
        .await;
        let at = format!("127.0.0.3:{}", good.port());
        if std::net::TcpListener::bind(&at).is_ok() {
            let bad =
                TestServer::start_on(TestServerConfig::http(|_| TestResponse::status(503)), &at)
                    .await;
            return (good, bad);
        }
    }
    panic!("no port free on both 127.0.0.2 and 127.0.0.3");
}

/// A project whose `edge.test` is fixed to 127.0.0.2 and 127.0.0.3 (a list), with the ports
/// `web` and `tcp` as variables.
fn edge_project(web: u16, tcp: u16) -> Project {
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ web: \"{web}\", tcp: \"{tcp}\" }}\n\
             resolve: {{ edge.test: [127.0.0.2, 127.0.0.3] }}\n"
        ),
        None,
        "",
    );
    p
}

/// A port listening on 127.0.0.2 only (accepted there, refused on 127.0.0.3).
fn listener_on_two() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2")
}

const EDGE_CHECKS: &str = r#"checks:
  - name: http every address
    http: { url: "http://edge.test:${web}/", addresses: all }
    expect: { status: 200 }
  - name: tcp every address
    tcp: { host: edge.test, port: "${tcp}", addresses: all }
    expect: { connect: accepted }
  - name: http one address
    http: { url: "http://edge.test:${web}/" }
    expect: { status: 200 }
"#;

/// "One name, two addresses 127.0.0.x served by two servers that differ": a `resolve:` list
/// gives `addresses: all` both; the failure names 127.0.0.3; one address is the first.
#[tokio::test(flavor = "multi_thread")]
async fn a_resolve_list_is_probed_at_every_address() {
    let (good, bad) = edge_pair().await;
    let tcp = listener_on_two();
    let tcp = tcp.local_addr().expect("addr").port();
    let web = good.port();
    let p = edge_project(web, tcp);
    p.write("checks/edge.yaml", EDGE_CHECKS);
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    let file = "checks/edge.yaml";
    out.assert_line("FAIL", "edge/http-every-address", "http every address");
    assert_eq!(
        out.details_of("edge/http-every-address"),
        [
            p.at(file, 2),
            "127.0.0.3: status".to_string(),
            "  expected: 200".to_string(),
            "  actual:   503".to_string(),
            format!(
                "reproduce: curl -sS -i --resolve edge.test:{web}:127.0.0.3 --max-time 10 \
                 http://edge.test:{web}/"
            ),
        ],
        "{out}"
    );
    out.assert_line("FAIL", "edge/tcp-every-address", "tcp every address");
    assert_eq!(
        out.details_of("edge/tcp-every-address"),
        [
            p.at(file, 5),
            "127.0.0.3: connect".to_string(),
            "  expected: accepted".to_string(),
            format!("  actual:   refused (127.0.0.3:{tcp})"),
            format!("reproduce: nc -vz -w 10 127.0.0.3 {tcp}"),
        ],
        "{out}"
    );
    out.assert_line("PASS", "edge/http-one-address", "http one address");
    out.assert_summary("1 passed, 2 failed, 0 errors, 0 pending");
    assert_eq!(good.requests().len(), 2);
    assert_eq!(bad.requests().len(), 1);
    let report: serde_json::Value =
        serde_json::from_str(&p.read("reports/report.json")).expect("the JSON report");
    let checks = report["checks"].as_array().expect("checks");
    let http = checks
        .iter()
        .find(|c| c["id"] == "edge/http-every-address")
        .expect("the check");
    assert_eq!(
        http["attempts"][0]["addresses"],
        serde_json::json!([
            { "address": format!("127.0.0.2:{web}"), "outcome": "pass" },
            { "address": format!("127.0.0.3:{web}"), "outcome": "fail" },
        ])
    );
}

/// A `resolve:` list that is empty or holds something other than an address is a load
/// error at its place (exit 2), and nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_resolve_list_is_a_located_load_error() {
    let p = Project::new();
    p.write(
        "environments/prod.yaml",
        "resolve:\n  a.test: []\n  b.test: [127.0.0.1, nowhere]\n",
    );
    p.write(
        "checks/a.yaml",
        "checks:\n  - name: a\n    tcp: { host: a.test, port: 1 }\n    expect: { connect: refused }\n",
    );
    let f = p.shown("environments/prod.yaml");
    let out = p.validate(&[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\n\
             error: {f}:2:11: `a.test` has an empty list of addresses; expected one address \
             or a list of them, e.g. [127.0.0.2, 127.0.0.3]\n\
             error: {f}:3:23: `nowhere` for `b.test` is not an IP address; expected an IP \
             address with an optional port, e.g. 127.0.0.1 or 127.0.0.1:8443, or a list of \
             them\n\
             2 errors found; nothing was probed\n"
        ),
        "{out}"
    );
}

/// `conform probe --addresses all` probes every address of the name and names the failing
/// one; `--ip v6` on a name with IPv4 addresses only is an error that says so (exit 3).
#[tokio::test(flavor = "multi_thread")]
async fn probe_takes_ip_and_addresses() {
    let (good, _bad) = edge_pair().await;
    let tcp = listener_on_two();
    let tcp = tcp.local_addr().expect("addr").port();
    let web = good.port();
    let p = edge_project(web, tcp);
    let url = format!("http://edge.test:{web}/");
    let out = probe(
        &[
            &url,
            "--env",
            "prod",
            "--addresses",
            "all",
            "--expect",
            "status: 200",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(1);
    out.assert_line("FAIL", "probe", &url);
    assert_eq!(
        out.details_of("probe")[..4],
        [
            "at --expect:1".to_string(),
            "127.0.0.3: status".to_string(),
            "  expected: 200".to_string(),
            "  actual:   503".to_string(),
        ],
        "{out}"
    );
    let out = probe(&[&url, "--env", "prod", "--expect", "status: 200"], &p).await;
    out.assert_code_quiet(0);
    let no_v6 = "error (dns): edge.test has no IPv6 address, but the check says `ip: v6` \
                 (it resolves to 127.0.0.2, 127.0.0.3)";
    for (target, expect) in [
        (format!("tcp://edge.test:{tcp}"), "connect: accepted"),
        (format!("tls://edge.test:{tcp}"), "handshake: accepted"),
    ] {
        let args = [&target, "--env", "prod", "--ip", "v6", "--expect", expect];
        let out = probe(&args, &p).await;
        out.assert_code_quiet(3);
        assert_eq!(
            out.details_of("probe")[..2],
            ["at --expect:1".to_string(), no_v6.to_string()],
            "{out}"
        );
    }
}

/// `--record` writes `--ip` and `--addresses` into the check: the recorded check probes every
/// address, so it fails where the one address it was recorded from passed.
#[tokio::test(flavor = "multi_thread")]
async fn record_keeps_ip_and_addresses() {
    let (good, _bad) = edge_pair().await;
    let web = good.port();
    let p = edge_project(web, 1);
    let url = format!("http://edge.test:{web}/");
    let out = probe(
        &[
            &url,
            "--env",
            "prod",
            "--ip",
            "v4",
            "--addresses",
            "all",
            "--record",
        ],
        &p,
    )
    .await;
    out.assert_code_quiet(0);
    let body = out
        .stdout
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert_eq!(
        body,
        format!(
            "checks:\n  - name: \"{url}\"\n    \
             http: {{\"addresses\":\"all\",\"ip\":\"v4\",\"url\":\"{url}\"}}\n    expect:\n      \
             status: 200\n"
        ),
        "{out}"
    );
    p.write("checks/edge.yaml", &out.stdout);
    let run = p.run(&[]).await;
    run.assert_code_quiet(1);
    run.assert_summary("0 passed, 1 failed, 0 errors, 0 pending");
    let id = format!("edge/http-edge-test-{web}");
    assert_eq!(run.details_of(&id)[1], "127.0.0.3: status", "{run}");
}

/// `--ip` and `--addresses` are for the kinds that connect to a host's addresses: on a dns
/// or cert target, or with a value out of the set, they are usage errors (exit 2).
#[tokio::test(flavor = "multi_thread")]
async fn ip_and_addresses_on_other_targets_are_usage_errors() {
    let p = Project::new();
    let out = probe(&["dns://127.0.0.1/a.test", "--ip", "v6"], &p).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: --ip is for http://, https://, tls:// and tcp:// targets: a dns probe asks \
         one server for the type it names (?type=AAAA)\n"
    );
    assert_eq!(out.stdout, "");
    let out = probe(&["cert:site.pem", "--addresses", "all", "--record"], &p).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: --addresses is for http://, https://, tls:// and tcp:// targets: a cert \
         probe reads a file\n"
    );
    let out = probe(&["tcp://127.0.0.1:1", "--ip", "v5"], &p).await;
    out.assert_code(2);
    out.assert_stderr_starts_with("error: invalid value 'v5' for '--ip <FAMILY>'");
}

/// A tcp dialogue's `received` is in the JSON report's attempt, escaped on one line with its
/// secrets redacted; a connect alone has `connect` only.
#[tokio::test(flavor = "multi_thread")]
async fn received_is_in_the_json_report() {
    let server = line_server(b"220 mail.test hunter2-token ready\r\n", b"").await;
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{}\", closed: \"{}\" }}\n",
            server.port(),
            closed_port()
        ),
        None,
        "",
    );
    p.write(
        "checks/mail.yaml",
        r#"checks:
  - name: banner
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { received: { contains: "${secret:TOKEN}" } }
  - name: closed
    tcp: { host: 127.0.0.1, port: "${closed}" }
    expect: { connect: refused }
"#,
    );
    let out = p.run_with_env(&[], &[("TOKEN", "hunter2-token")]).await;
    out.assert_code_quiet(0);
    let text = p.read("reports/report.json");
    assert_no_secret(&text, "hunter2-token", "the JSON report");
    let report: serde_json::Value = serde_json::from_str(&text).expect("the JSON report");
    let observed = |id: &str| {
        let checks = report["checks"].as_array().expect("checks");
        let check = checks.iter().find(|c| c["id"] == id).expect("the check");
        check["attempts"][0]["observed"].clone()
    };
    assert_eq!(
        observed("mail/banner"),
        serde_json::json!({
            "connect": "accepted",
            "received": "220 mail.test [redacted:TOKEN] ready\\r\\n"
        })
    );
    assert_eq!(
        observed("mail/closed"),
        serde_json::json!({ "connect": "refused" })
    );
}

/// `--record` of a tcp server that speaks first pins its banner (escaped, `${` kept
/// literal); the recorded file loads and passes against the same server. A server that says
/// nothing is recorded by its connect alone.
#[tokio::test(flavor = "multi_thread")]
async fn record_pins_a_banner() {
    let server = line_server(BANNER, b"").await;
    let p = Project::new();
    let target = format!("tcp://127.0.0.1:{}", server.port());
    let out = probe(&[&target, "--record"], &p).await;
    out.assert_code_quiet(0);
    let body = out
        .stdout
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert_eq!(
        body,
        format!(
            "checks:\n  - name: \"{target}\"\n    tcp: {{\"host\":\"127.0.0.1\",\"port\":{}}}\n    \
             expect:\n      connect: accepted\n      \
             received: {{ equals: \"220 mail.test ESMTP ready\\r\\n\" }}\n",
            server.port()
        ),
        "{out}"
    );
    p.write("checks/banner.yaml", &out.stdout);

    let odd = line_server(b"220 ${x} \x1b[2J ready\r\n", b"").await;
    let target = format!("tcp://127.0.0.1:{}", odd.port());
    let out = probe(&[&target, "--record"], &p).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout
            .ends_with("      received: { equals: \"220 $${x} \\x1b[2J ready\\r\\n\" }\n"),
        "{out}"
    );
    p.write("checks/odd.yaml", &out.stdout);

    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let target = format!(
        "tcp://127.0.0.1:{}",
        silent.local_addr().expect("addr").port()
    );
    let out = probe(&[&target, "--record", "--timeout", "1s"], &p).await;
    out.assert_code_quiet(0);
    assert!(
        out.stdout
            .ends_with("    expect:\n      connect: accepted\n"),
        "{out}"
    );
    p.write("checks/silent.yaml", &out.stdout);

    let run = p.run(&[]).await;
    run.assert_code_quiet(0);
    run.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
}

/// `ip:` chooses among the addresses of a `resolve:` list, whichever comes first: a name
/// fixed to 127.0.0.1 and ::1 is reached over IPv6 by http, tls and tcp with `ip: v6`.
#[tokio::test(flavor = "multi_thread")]
async fn ip_chooses_among_a_resolve_list() {
    let web = TestServer::start_on(
        TestServerConfig::http(|_| TestResponse::ok("over v6")),
        "[::1]:0",
    )
    .await;
    let pki = Pki::new();
    let tls = TestServer::start_on(
        https_config(&pki, &["dual.test"], |_| TestResponse::ok("tls")),
        "[::1]:0",
    )
    .await;
    let tcp = std::net::TcpListener::bind("[::1]:0").expect("bind ::1");
    let tcp = tcp.local_addr().expect("addr").port();
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ web: \"{}\", tls: \"{}\", tcp: \"{tcp}\" }}\n\
             resolve: {{ dual.test: [127.0.0.1, \"::1\"] }}\n",
            web.port(),
            tls.port()
        ),
        Some(&pki),
        "",
    );
    p.write(
        "checks/dual.yaml",
        r#"checks:
  - name: http over v6
    http: { url: "http://dual.test:${web}/", ip: v6 }
    expect: { status: 200, body: "over v6" }
  - name: tls over v6
    tls: { host: dual.test, port: "${tls}", ip: v6 }
    expect: { handshake: accepted, cert: { san: [dual.test] } }
  - name: tcp over v6
    tcp: { host: dual.test, port: "${tcp}", ip: v6 }
    expect: { connect: accepted }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(0);
    out.assert_line("PASS", "dual/http-over-v6", "http over v6");
    out.assert_line("PASS", "dual/tls-over-v6", "tls over v6");
    out.assert_line("PASS", "dual/tcp-over-v6", "tcp over v6");
    out.assert_summary("3 passed, 0 failed, 0 errors, 0 pending");
    let requests = web.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].host.as_deref(),
        Some(format!("dual.test:{}", web.port()).as_str())
    );
}
