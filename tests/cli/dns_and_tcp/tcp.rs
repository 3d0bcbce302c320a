//! tcp checks: connects accepted, refused or timed out.

use super::{ONE_SECOND_RUN, env_file};
use crate::harness::*;
use crate::support::*;

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
    out.assert_summary("0 passed, 3 failed, 0 errors, 0 pending");
    assert_eq!(p.junit_counts("ports"), ["3", "3", "0", "0"]);
    let failure = p.verdict("closed port accepted", "failure");
    let message = format!("connect: expected accepted, got refused (127.0.0.1:{closed})");
    assert_eq!(failure.message, Some(message), "{}", failure.xml);
    drop(open);
}
