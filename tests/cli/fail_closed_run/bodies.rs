//! The bodies of passing checks are not kept: a digest, and an excerpt for failing ones.

use crate::harness::*;
use crate::support::*;

// ---------------------------------------------------------------------------------------------
// Bodies.

/// A passing check's body is let go once judged: `-vv` shows its size and SHA-256. A failing
/// check keeps the start of its body: `-v` shows it, and how much more there was.
#[tokio::test(flavor = "multi_thread")]
async fn bodies_of_passing_checks_are_a_digest_and_failing_ones_an_excerpt() {
    use sha2::{Digest, Sha256};
    let body: Vec<u8> = (0..(1 << 20)).map(|i| b'a' + (i % 26) as u8).collect();
    let sha256: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let served = body.clone();
    let server = http(move |r| {
        let answer = TestResponse::ok(served.clone());
        if r.path == "/broken" {
            TestResponse::status(500).body(served.clone())
        } else {
            answer
        }
    })
    .await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.write(
        "checks/web.yaml",
        "checks:
  - name: big
    http: { url: \"http://chat.test:${port}/big\" }
    expect: { status: 200 }
  - name: broken
    http: { url: \"http://chat.test:${port}/broken\" }
    expect: { status: 200 }
",
    );
    let out = p.run(&["-vv"]).await;
    out.assert_code(1);
    let big = out.details_of("web/big");
    assert_eq!(
        big.last().map(String::as_str),
        Some(
            format!("body: 1 MiB (1048576 bytes), sha256 {sha256}; not kept, the check passed")
                .as_str()
        ),
        "{out}"
    );
    let broken = out.details_of("web/broken");
    let at = broken
        .iter()
        .position(|l| l == "body (1048576 bytes):")
        .unwrap_or_else(|| panic!("no body line: {out}"));
    let shown = String::from_utf8_lossy(&body[..2048]);
    assert_eq!(broken[at + 1], format!("  | {shown}"), "{out}");
    assert_eq!(broken[at + 2], "  … 1046528 more bytes", "{out}");
    assert_eq!(p.junit_counts("web"), ["2", "1", "0", "0"]);
}
