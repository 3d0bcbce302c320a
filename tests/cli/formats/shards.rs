//! `--shard K/N` and `conform merge`: every check run once, merged into the unsharded reports.

use super::{IDS, check, closing_counts, fixture, ids_of, parse_json, read};
use crate::harness::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// `conform merge <reports> --junit <junit> --json <json>`.
async fn merge(reports: &[&str], junit: &str, json: &str) -> Output {
    let mut args = vec!["merge"];
    args.extend_from_slice(reports);
    args.extend(["--junit", junit, "--json", json]);
    conform(&args, &[], None).await
}

// ---------------------------------------------------------------------------------------------
// --shard K/N and conform merge.

/// Per suite: the testcases by name, each with its counts and what its children say.
type JunitShape = BTreeMap<String, ([String; 4], BTreeMap<String, Vec<String>>)>;

fn junit_shape(xml: &str) -> JunitShape {
    let doc = parse(xml);
    let mut shape = JunitShape::new();
    for s in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        let cases = s
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|c| {
                let children: Vec<String> = c
                    .children()
                    .filter(|n| n.is_element())
                    .map(|n| {
                        format!(
                            "{} type={:?} message={:?}",
                            n.tag_name().name(),
                            n.attribute("type"),
                            n.attribute("message")
                        )
                    })
                    .collect();
                (c.attribute("name").unwrap().to_string(), children)
            })
            .collect();
        let name = s.attribute("name").unwrap().to_string();
        let before = shape.insert(name.clone(), (counts(s).map(String::from), cases));
        assert!(before.is_none(), "suite {name} twice:\n{xml}");
    }
    shape
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_run_every_check_once_and_merge_into_the_unsharded_reports() {
    let f = fixture().await;
    let (full_json, full_xml) = (f.file("full.json"), f.file("full.xml"));
    let full = f.run(&["--json", &full_json, "--junit", &full_xml]).await;
    full.assert_code(1);
    let full_report = parse_json(&read(&full_json));
    let full_shape = junit_shape(&read(&full_xml));
    assert_eq!(
        full_shape.keys().collect::<Vec<_>>(),
        ["api", "web"],
        "{full_shape:?}"
    );

    let fixture = &f;
    for n in 1..=4usize {
        // The shards of one split run at once, as CI machines would.
        let runs = (1..=n).map(|k| {
            let f = fixture;
            let (json_path, xml_path) = (
                f.file(&format!("s{n}/{k}.json")),
                f.file(&format!("s{n}/{k}.xml")),
            );
            let shard = format!("{k}/{n}");
            async move {
                let out = f
                    .run(&[
                        "--shard", &shard, "--json", &json_path, "--junit", &xml_path,
                    ])
                    .await;
                (json_path, out)
            }
        });
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut files = Vec::new();
        for (k, (path, out)) in futures::future::join_all(runs)
            .await
            .into_iter()
            .enumerate()
        {
            let report = parse_json(&read(&path));
            assert_eq!(out.code, report["summary"]["exit_code"], "{out}");
            let ids = ids_of(&report);
            assert_eq!(
                ids.len(),
                IDS.len() / n + usize::from(k < IDS.len() % n),
                "shard {}/{n}: {ids:?}",
                k + 1
            );
            for id in ids {
                *seen.entry(id).or_default() += 1;
            }
            files.push(path);
        }
        let every_once: BTreeMap<String, usize> =
            IDS.iter().map(|id| (id.to_string(), 1)).collect();
        assert_eq!(seen, every_once, "{n} shards");

        let (m_json, m_xml) = (f.file(&format!("m{n}.json")), f.file(&format!("m{n}.xml")));
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let merged = merge(&files, &m_xml, &m_json).await;
        merged.assert_code(full.code);
        // (The flaky count is missing from this line: see `merge_says_every_count_the_run_says`.)
        assert!(
            merged.stdout.starts_with(&format!(
                "merged {n} report{}: 6 checks; 2 passed, 2 failed, 1 error, 1 pending",
                if n == 1 { "" } else { "s" }
            )) && merged.stdout.lines().count() == 1,
            "{merged}"
        );
        assert_eq!(merged.stderr, "", "{merged}");
        let m = parse_json(&read(&m_json));
        assert_eq!(m["summary"], full_report["summary"], "{n} shards");
        assert_eq!(ids_of(&m), IDS, "sorted by suite, file and line");
        assert_eq!(m["env"], "prod");
        assert_eq!(m["baseline"], Value::Null);
        for id in IDS {
            let (a, b) = (check(&m, id), check(&full_report, id));
            for key in ["outcome", "flaky", "file", "line", "retries", "message"] {
                assert_eq!(a[key], b[key], "{id} {key}, {n} shards");
            }
        }
        assert_eq!(junit_shape(&read(&m_xml)), full_shape, "{n} shards");
        let doc_text = read(&m_xml);
        let doc = parse(&doc_text);
        assert_eq!(doc.root_element().attribute("tests"), Some("6"));
    }

    // The same report twice: refused, and the reports written say why (more in
    // `fail_closed_reports`).
    let s21 = f.file("s2/1.json");
    let (x_json, x_xml) = (f.file("x.json"), f.file("x.xml"));
    let twice = merge(&[&s21, &s21], &x_xml, &x_json).await;
    twice.assert_code(2);
    assert_eq!(
        twice.stderr,
        format!(
            "error: shard 1/2 is given more than once: {s21}, {s21}\n\
             error: shard 2/2 is missing\n\
             2 problems with the reports given; nothing was merged\n"
        ),
        "{twice}"
    );
    assert_eq!(parse_json(&read(&x_json))["summary"]["exit_code"], 2);

    // Reports of two environments: refused.
    f.p.write(
        "environments/staging.yaml",
        &f.p.read("environments/prod.yaml"),
    );
    let staging = f.file("staging.json");
    let out = f
        .run(&["--env", "staging", "--only", "web/ok", "--json", &staging])
        .await;
    out.assert_code(0);
    let s22 = f.file("s2/2.json");
    let mixed = merge(&[&s22, &staging], &x_xml, &x_json).await;
    mixed.assert_code(2);
    mixed.assert_stderr_starts_with(&format!(
        "error: {staging} is not of the same selection as {s22}: env staging, not prod; "
    ));
    assert_eq!(parse_json(&read(&x_json))["summary"]["exit_code"], 2);
}

// ---------------------------------------------------------------------------------------------
// Bugs found on the way.

/// `conform merge` closes with the counts of the merged report, as `run` does: fixed, not run
/// and flaky included when there are any.
#[tokio::test(flavor = "multi_thread")]
async fn merge_says_every_count_the_run_says() {
    let f = fixture().await;
    f.p.write(
        "checks/fixed.yaml",
        r#"suite: fixed
checks:
  - name: now live
    pending: "not deployed yet"
    http: { url: "https://chat.test:${port}/ok" }
    expect: { status: 200 }
"#,
    );
    let full = f.file("full.json");
    let out = f.run(&["--json", &full]).await;
    out.assert_code(1);
    let counts = closing_counts(&out);
    assert_eq!(
        counts,
        "2 passed, 2 failed, 1 error, 1 pending, 1 fixed, 1 flaky"
    );
    let merged = merge(&[&full], &f.file("m.xml"), &f.file("m.json")).await;
    merged.assert_code(1);
    assert_eq!(
        merged.stdout,
        format!("merged 1 report: 7 checks; {counts}\n"),
        "{merged}"
    );

    // Only the fixed check: the merge fails the build, and must say why.
    let only = f.file("fixed.json");
    let out = f.run(&["--only", "fixed/*", "--json", &only]).await;
    out.assert_code(1);
    let merged = merge(&[&only], &f.file("n.xml"), &f.file("n.json")).await;
    merged.assert_code(1);
    assert_eq!(
        merged.stdout,
        "merged 1 report: 1 check; 0 passed, 0 failed, 0 errors, 0 pending, 1 fixed\n",
        "{merged}"
    );
}
