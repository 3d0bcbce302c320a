//! dns checks against the test zone: the answers that match pass, those that differ fail with
//! expected, actual and a `dig` command.

use super::{dig, env_file};
use crate::harness::*;
use crate::support::dns_server::{self};

/// A detail block: `lines`, each owned.
fn lines(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
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
            "UDP",
            "< NOERROR",
            &["< a.conform.test. 300 IN A 192.0.2.1"],
        ),
        (
            "zone/mx-records-as-a-set",
            "mx records as a set",
            5,
            "conform.test. MX",
            "UDP",
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
            "UDP",
            "< NOERROR",
            &["< a.conform.test. 300 IN A 192.0.2.1"],
        ),
        (
            "zone/v6-in-its-range",
            "v6 in its range",
            11,
            "v6.conform.test. AAAA",
            "UDP",
            "< NOERROR",
            &["< v6.conform.test. 120 IN AAAA 2001:db8::1"],
        ),
        (
            "zone/a-cname-chain",
            "a cname chain",
            14,
            "c1.conform.test. A",
            "UDP",
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
            "UDP",
            "< NOERROR",
            &[r#"< conform.test. 3600 IN CAA 0 issue "letsencrypt.org""#],
        ),
        (
            "zone/nxdomain-expected",
            "nxdomain expected",
            23,
            "nope.conform.test. A",
            "UDP",
            "< NXDOMAIN",
            &[],
        ),
        (
            "zone/nodata",
            "nodata",
            26,
            "a.conform.test. MX",
            "UDP",
            "< NOERROR",
            &[],
        ),
        (
            "zone/ttl-at-most-300",
            "ttl at most 300",
            29,
            "www.conform.test. A",
            "UDP",
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
            "TCP",
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
    let txt = head(17, "txt.conform.test. TXT", "UDP", "< NOERROR");
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
    let many = head(35, "many.conform.test. A", "TCP", truncated);
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
