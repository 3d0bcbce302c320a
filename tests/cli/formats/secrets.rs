//! No format shows a secret, even with `-vv` or inside a check's name and id.

use super::{REDACTED, SECRET, fixture, parse_json, read};
use crate::harness::*;
use crate::support::*;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// No secret in any format.

#[tokio::test(flavor = "multi_thread")]
async fn no_format_shows_the_secret_even_with_vv() {
    let f = fixture().await;
    let summary = f.file("step-summary.md");
    let metrics = f.file("metrics.prom");
    for format in ["human", "json", "tap", "github"] {
        for stale in [&summary, &metrics] {
            let _ = std::fs::remove_file(stale);
        }
        let _ = std::fs::remove_dir_all(f.p.path().join("reports"));
        let out =
            f.p.run_with_env(
                &["-vv", "--format", format, "--metrics", &metrics],
                &[("TEST_TOKEN", SECRET), ("GITHUB_STEP_SUMMARY", &summary)],
            )
            .await;
        out.assert_code(1);
        let what = |file: &str| format!("{file} of --format {format}");
        let stdout: Vec<&str> = if format == "github" {
            let masks: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| l.starts_with("::add-mask::"))
                .collect();
            assert_eq!(masks, [format!("::add-mask::{SECRET}")], "{out}");
            out.stdout
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect()
        } else {
            out.stdout.lines().collect()
        };
        assert_no_secret(&stdout.join("\n"), SECRET, &what("stdout"));
        assert_no_secret(&out.stderr, SECRET, &what("stderr"));
        assert!(out.stdout.contains(REDACTED), "{out}");
        if matches!(format, "human" | "github") {
            // -vv shows the exchange, redacted.
            let details = out.details_of("api/token");
            for line in [
                format!("> authorization: Bearer {REDACTED}"),
                format!("< x-echo: Bearer {REDACTED}"),
            ] {
                assert!(details.contains(&line), "{line:?} in {out}");
            }
        }
        for (file, text) in [
            ("junit.xml", f.p.read("reports/junit.xml")),
            ("report.json", f.p.read("reports/report.json")),
            ("metrics", read(&metrics)),
        ] {
            assert_no_secret(&text, SECRET, &what(file));
        }
        assert!(f.p.read("reports/junit.xml").contains(REDACTED));
        assert!(f.p.read("reports/report.json").contains(REDACTED));
        if format == "github" {
            let md = read(&summary);
            assert_no_secret(&md, SECRET, &what("the step summary"));
            // The reproduce commands name the secret's variable instead.
            assert!(md.contains("'\"${TEST_TOKEN}\""), "{md}");
        } else {
            assert!(
                !Path::new(&summary).exists(),
                "only github writes the step summary"
            );
        }
    }
    // The server was sent the real value every time.
    let sent: Vec<String> = f
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/token"))
        .map(|r| format!("{} {}", r.path, r.header("authorization").unwrap_or("-")))
        .collect();
    assert_eq!(
        sent,
        vec![format!("/token?key={SECRET} Bearer {SECRET}"); 4]
    );
}

/// A secret in a check's name: the id made from the name lower-cases the value, which
/// redaction (and GitHub's `::add-mask::`, case-sensitive too) no longer recognises.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_a_check_name_does_not_leak_through_its_id() {
    let p = Project::with_prod_env(closed_port(), None, "");
    p.write(
        "checks/keys.yaml",
        r#"checks:
  - name: "key ${secret:TEST_TOKEN} closed"
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { connect: refused }
"#,
    );
    let lower = SECRET.to_lowercase();
    let windows: Vec<String> = lower
        .chars()
        .collect::<Vec<_>>()
        .windows(6)
        .map(|w| w.iter().collect())
        .collect();
    let clean = |text: &str, what: &str| {
        let text = text.to_lowercase();
        for part in &windows {
            assert!(
                !text.contains(part.as_str()),
                "{what} shows {part:?}:\n{text}"
            );
        }
    };
    let summary = p.path().join("summary.md").display().to_string();
    let metrics = p.path().join("m.prom").display().to_string();
    for format in ["tap", "github"] {
        let out = p
            .run_with_env(
                &["--format", format, "--metrics", &metrics],
                &[("TEST_TOKEN", SECRET), ("GITHUB_STEP_SUMMARY", &summary)],
            )
            .await;
        out.assert_code(0);
        let stdout: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        clean(&stdout.join("\n"), &format!("stdout of {format}"));
        clean(&p.read("reports/report.json"), "report.json");
        clean(&p.junit(), "junit.xml");
        clean(&read(&metrics), "metrics");
    }
    // The secret-bearing check still ran (and passed).
    let r = parse_json(&p.read("reports/report.json"));
    assert_eq!(r["summary"]["passed"], 1);
}
