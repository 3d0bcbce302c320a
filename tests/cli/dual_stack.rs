//! A tcp check of one address on a name with several: the port is reached as a client
//! reaches it (any address that accepts), and called closed or filtered only when every
//! address says so.

use crate::harness::*;
use crate::support::*;
use std::time::Duration;

/// `::1` refuses, 127.0.0.1 accepts: the port is open (a client falls back to the address
/// that accepts), never "refused" from the first address alone. `::1` refusing and
/// 127.0.0.2 hanging disagree: an error that says what each did, not a pass for either.
#[tokio::test(flavor = "multi_thread")]
async fn a_port_is_closed_only_when_every_address_says_so() {
    let open = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = open.local_addr().expect("addr").port();
    let (_hung, hung_addr, _fillers) = full_backlog_listener();
    let p = Project::new();
    p.env(
        &format!(
            "vars: {{ port: \"{port}\", hung: \"{}\" }}\nresolve: {{ dual.test: [\"::1\", \
             127.0.0.1], split.test: [\"::1\", 127.0.0.1] }}\n",
            hung_addr.port()
        ),
        None,
        "",
    );
    p.write(
        "checks/edge.yaml",
        r#"checks:
  - name: closed
    tcp: { host: dual.test, port: "${port}" }
    expect: { connect: refused }
  - name: open
    tcp: { host: dual.test, port: "${port}" }
    expect: { connect: accepted }
  - name: filtered
    timeout: 1s
    tcp: { host: split.test, port: "${hung}" }
    expect: { connect: timeout }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code_quiet(1);
    out.assert_within(Duration::from_millis(2500));
    out.assert_line("FAIL", "edge/closed", "closed");
    assert_eq!(
        out.details_of("edge/closed")[1..4],
        [
            "connect".to_string(),
            "  expected: refused".to_string(),
            format!("  actual:   accepted (127.0.0.1:{port})"),
        ],
        "{out}"
    );
    out.assert_line("PASS", "edge/open", "open");
    let hung = hung_addr.port();
    assert_eq!(
        out.details_of("edge/filtered")[1],
        format!(
            "error (connect): split.test:{hung} was accepted at none of its addresses, which \
             did not all answer alike: [::1]:{hung} refused, 127.0.0.1:{hung} did not answer; \
             check each with `addresses: all`, or choose a family with `ip:`"
        ),
        "{out}"
    );
    out.assert_summary("1 passed, 1 failed, 1 error, 0 pending");
}

/// Both addresses accept, each with its own banner: the first in the answer's order is the
/// one used, every time (a later one is started only when it refuses, or after a wait).
#[tokio::test(flavor = "multi_thread")]
async fn the_first_address_that_answers_at_once_is_the_one_used() {
    let port = crate::fleet::dual_banners().await;
    let p = Project::new();
    p.env(
        &format!("vars: {{ port: \"{port}\" }}\nresolve: {{ both.test: [\"::1\", 127.0.0.1] }}\n"),
        None,
        "",
    );
    let checks: String = (1..=8)
        .map(|n| {
            format!(
                "  - name: banner {n}\n    tcp: {{ host: both.test, port: \"${{port}}\" }}\n    \
                 expect: {{ received: \"v6\\r\\n\" }}\n"
            )
        })
        .collect();
    p.write("checks/edge.yaml", &format!("checks:\n{checks}"));
    let out = p.run(&[]).await;
    out.assert_code(0);
    out.assert_summary("8 passed, 0 failed, 0 errors, 0 pending");
}
