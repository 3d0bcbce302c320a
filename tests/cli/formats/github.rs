//! `--format github`: masks, annotations and the step summary, with no secret in any of them.

use super::{SECRET, closing_counts, fixture, read};
use crate::harness::*;
use regex::Regex;

/// A workflow command property value, escaped as GitHub's toolkit does.
fn property(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// A check whose id and expectation hold `%`, `:` and `,`, for the GitHub escaping.
const ODD: &str = r#"suite: odd
checks:
  - name: "odd: 50%, a:b"
    id: "odd:50%,a"
    http: { url: "https://chat.test:${port}/ok" }
    expect:
      headers: { x-app: { equals: "50%, a:b" } }
      status: 200
"#;

/// `::error file=..,line=..,title=..::` of a workflow command line: up to its data.
fn command_head(line: &str) -> &str {
    if line.starts_with("::add-mask::") {
        return "::add-mask::";
    }
    let end = line[2..]
        .find("::")
        .unwrap_or_else(|| panic!("no data in {line:?}"));
    &line[..end + 4]
}

#[tokio::test(flavor = "multi_thread")]
async fn format_github_masks_annotates_and_writes_the_step_summary() {
    let f = fixture().await;
    f.p.write("checks/odd.yaml", ODD);
    let summary = f.file("step-summary.md");
    std::fs::write(&summary, "# an earlier step\n").unwrap();
    let out =
        f.p.run_with_env(
            &["--format", "github"],
            &[("TEST_TOKEN", SECRET), ("GITHUB_STEP_SUMMARY", &summary)],
        )
        .await;
    out.assert_code_quiet(1);

    // The human lines, all of them.
    let label = |l: &str, id: &str| (l.to_string(), id.to_string());
    assert_eq!(
        out.outcomes(),
        [
            label("ERROR", "api/down"),
            label("FAIL", "api/token"),
            label("PENDING", "api/waf"),
            label("FAIL", "odd:50%,a"),
            label("FAIL", "web/broken"),
            label("PASS", "web/flaky"),
            label("PASS", "web/ok"),
        ],
        "{out}"
    );
    assert_eq!(
        closing_counts(&out),
        "2 passed, 3 failed, 1 error, 1 pending, 1 flaky"
    );

    // The human lines stand in a stop-commands region with a random token, right after the
    // mask; the region ends before the annotations.
    let lines: Vec<&str> = out.stdout.lines().collect();
    let token = lines[1]
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("no stop-commands region: {out}"));
    assert_eq!(token.len(), 32, "{out}");
    let end = format!("::{token}::");
    let region_end = lines
        .iter()
        .position(|l| *l == end)
        .expect("the region ends");
    // The workflow commands: the mask first, then errors, warnings and notices.
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::") && !l.starts_with("::stop-commands::") && *l != end)
        .collect();
    let (api, web, odd) = (
        property(&f.file("checks/api.yaml")),
        property(&f.file("checks/web.yaml")),
        property(&f.file("checks/odd.yaml")),
    );
    assert_eq!(
        commands.iter().map(|l| command_head(l)).collect::<Vec<_>>(),
        [
            "::add-mask::".to_string(),
            format!("::error file={api},line=3,title=api/down (error)::"),
            format!("::error file={api},line=10,title=api/token (fail)::"),
            format!("::error file={odd},line=3,title=odd%3A50%25%2Ca (fail)::"),
            format!("::error file={web},line=6,title=web/broken (fail)::"),
            format!("::warning file={web},line=9,title=web/flaky (flaky)::"),
            format!("::notice file={api},line=6,title=api/waf (pending)::"),
        ],
        "{out}"
    );
    assert_eq!(commands[0], format!("::add-mask::{SECRET}"));
    // Every workflow command comes after the human lines, on lines of its own.
    let first_command = out
        .stdout
        .lines()
        .position(|l| l.starts_with("::") && !l.starts_with("::add-mask::") && l != lines[1])
        .unwrap();
    assert_eq!(first_command, region_end, "{out}");
    // The mask goes out first of all, before any line that could carry the secret.
    assert!(out.stdout.starts_with("::add-mask::"), "{out}");
    let closing = Regex::new(r"^\d+ passed, .* in \d+\.\d\ds$").unwrap();
    let last_human = out
        .stdout
        .lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|l| closing.is_match(l))
        .unwrap();
    assert!(last_human < first_command, "{out}");

    // `%`, `:` and `,` escaped as GitHub requires: all three in properties, `%` in data.
    assert_eq!(
        commands[3],
        format!(
            "::error file={odd},line=3,title=odd%3A50%25%2Ca (fail)::\
             header x-app%0A  expected: \"50%25, a:b\"%0A  actual:   \"conform\"%0A\
             reproduce: {}",
            f.curl("/ok")
        )
    );
    assert!(
        commands[2].contains(
            "::header x-echo%0A  expected: \"50%25, a:b\"%0A  actual:   \"Bearer [redacted:TEST_TOKEN]\"%0A"
        ),
        "{}",
        commands[2]
    );
    assert!(
        commands[1].contains(&format!(
            "::GET https://chat.test:{}/: connection refused",
            f.closed
        )),
        "{}",
        commands[1]
    );
    assert!(
        commands[5].ends_with(&format!(
            "::flaky: passed on attempt 2 of 3%0A\
             attempt 1: fail (status: expected 200, got 503)%0Areproduce: {}",
            f.curl("/flaky")
        )),
        "{}",
        commands[5]
    );
    assert!(
        commands[6].ends_with(&format!(
            "::pending: WAF rule in COUNT mode%0Astatus%0A  expected: 403%0A  actual:   200%0A\
             reproduce: {}",
            f.curl("/admin")
        )),
        "{}",
        commands[6]
    );
    let escapes = Regex::new(r"%(25|0A|0D|3A|2C)").unwrap();
    for line in &commands[1..] {
        let head = command_head(line);
        let (name, properties) = head[2..head.len() - 2].split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&name), "{line}");
        for property in properties.split(',') {
            let (key, value) = property.split_once('=').unwrap();
            assert!(["file", "line", "title"].contains(&key), "{line}");
            assert!(!value.contains(':'), "{line}");
        }
        // Every `%` starts an escape.
        assert_eq!(
            line.matches('%').count(),
            escapes.find_iter(line).count(),
            "{line}"
        );
    }

    // The secret is on stdout only in the mask.
    let unmasked: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert_no_secret(&unmasked.join("\n"), SECRET, "stdout without the mask");

    // The step summary: appended, a heading and a Markdown table of what did not pass.
    let md = read(&summary);
    assert_no_secret(&md, SECRET, "the step summary");
    let rest = md
        .strip_prefix("# an earlier step\n")
        .unwrap_or_else(|| panic!("appended to what was there:\n{md}"));
    let heading = Regex::new(
        r"^## ❌ conform prod: 2 passed, 3 failed, 1 error, 1 pending, 1 flaky in \d+\.\d\ds\n\n",
    )
    .unwrap();
    assert!(heading.is_match(rest), "{md}");
    let table: Vec<&str> = rest.lines().filter(|l| l.starts_with('|')).collect();
    let (api, web, odd) = (
        f.file("checks/api.yaml"),
        f.file("checks/web.yaml"),
        f.file("checks/odd.yaml"),
    );
    assert_eq!(table.len(), 8, "{md}");
    assert_eq!(
        table[..2],
        [
            "| outcome | check | message | where |",
            "| --- | --- | --- | --- |"
        ]
    );
    assert!(
        table[2].starts_with(&format!(
            "| error | api/down | GET https://chat.test:{}/: connection refused",
            f.closed
        )) && table[2].ends_with(&format!(" | {api}:3 |")),
        "{md}"
    );
    assert_eq!(
        table[3..],
        [
            format!("| pending | api/waf | pending: WAF rule in COUNT mode | {api}:6 |"),
            format!(
                "| fail | api/token | header x-echo: expected \"50%, a:b\", got \
                 \"Bearer \\[redacted:TEST\\_TOKEN\\]\" | {api}:10 |"
            ),
            format!(
                "| fail | odd:50%,a | header x-app: expected \"50%, a:b\", got \"conform\" | \
                 {odd}:3 |"
            ),
            format!("| fail | web/broken | status: expected 200, got 500 | {web}:6 |"),
            format!("| flaky | web/flaky | flaky: passed on attempt 2 of 3 | {web}:9 |"),
        ],
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "# web/broken\n{}\n\n# web/flaky\n{}\n```\n\n</details>\n",
            f.curl("/broken"),
            f.curl("/flaky")
        )),
        "{md}"
    );
}
