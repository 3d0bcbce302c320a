//! A retired name that is still a CNAME to a name that no longer exists (a dangling CNAME,
//! the subdomain-takeover risk): NXDOMAIN is the target's, the name itself still exists.

use super::env_file;
use crate::harness::*;
use crate::support::dns_server::{self, Misbehaviour};

#[tokio::test(flavor = "multi_thread")]
async fn a_dangling_cname_is_no_name_that_is_gone() {
    let dns = dns_server::hostile(Misbehaviour::DanglingCname).await;
    let p = Project::new();
    env_file(&p, &[], None, &format!("resolvers: [\"{}\"]\n", dns.addr()));
    p.write(
        "checks/retired.yaml",
        r#"checks:
  - name: gone
    dns: { name: old.conform.test, type: A }
    expect: { rcode: NXDOMAIN }
  - name: dangling, as expected
    dns: { name: old.conform.test, type: A }
    expect: { rcode: NXDOMAIN, cnames: [gone.conform.test.] }
"#,
    );
    let out = p.run(&[]).await;
    out.assert_code(1);
    out.assert_line("FAIL", "retired/gone", "gone");
    assert_eq!(
        out.details_of("retired/gone")[1..5],
        [
            "rcode",
            "  expected: \"NXDOMAIN\"",
            "  actual:   NXDOMAIN for gone.conform.test., which the name is a CNAME to (its \
             chain: gone.conform.test.): the name itself exists",
            "  note:     a dangling CNAME; to expect one, add cnames: to the expectation",
        ],
        "{out}"
    );
    out.assert_line(
        "PASS",
        "retired/dangling-as-expected",
        "dangling, as expected",
    );
    out.assert_summary("1 passed, 1 failed, 0 errors, 0 pending");
}
