//! `--format github` tells the runner every secret to mask before any other line, by one rule
//! (the same as the annotations'): the value whole, and each of its lines.

use crate::harness::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_line_secret_is_masked_whole_and_line_by_line_before_anything_else() {
    let (_server, p) = http_project(TestResponse::ok("hello")).await;
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: key
    http: { url: "http://chat.test:${port}/" }
    expect: { status: 200, body: { contains: "${secret:CONFORM_TEST_KEY}" } }
"#,
    );
    let key = "line-one\nline-two\r\n  \nthird";
    let out = p
        .run_with_env(&["--format", "github"], &[("CONFORM_TEST_KEY", key)])
        .await;
    out.assert_code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "::add-mask::line-one%0Aline-two%0D%0A  %0Athird",
            "::add-mask::line-one",
            "::add-mask::line-two",
            "::add-mask::third",
        ],
        "{out}"
    );
    assert!(lines[4].starts_with("::stop-commands::"), "{out}");
    assert_eq!(
        out.stdout.matches("::add-mask::").count(),
        4,
        "the annotations at the end add no mask: {out}"
    );
    for line in ["line-one", "line-two", "third"] {
        let shown = out.stdout.lines().skip(4).filter(|l| l.contains(line));
        assert_eq!(shown.count(), 0, "{line} shown: {out}");
    }
}
