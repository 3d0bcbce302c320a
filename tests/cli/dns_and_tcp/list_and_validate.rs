//! `list` and `validate` for dns and tcp checks: shown without probing, bad fields located.

use super::env_file;
use crate::harness::*;
use crate::support::dns_server::{self, Misbehaviour};
use crate::support::*;

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
        "net/by-the-resolvers  [net,gate]  dns www.conform.test. CNAME\n1 check for env prod\n",
        "{out}"
    );

    let out = p.validate(&[]).await;
    out.assert_code(0);
    assert_eq!(out.stdout, "env prod: 3 checks in 1 suite are valid\n");
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
