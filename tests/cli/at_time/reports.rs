//! Every report states the evaluation time under `--at`: JUnit properties, a TAP comment, the
//! GitHub step summary, the metrics (time left counted from it); `--baseline` and `merge` take
//! reports written before `evaluated_at` existed.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn junit_tap_github_and_metrics_state_the_moment() {
    let end = whole_second(days_from_now(40));
    let (_server, p, _pki) = cert_project(end).await;
    let at = end - Duration::days(10);
    let when = rfc3339(at);
    let summary = p.path().join("summary.md");
    let metrics = p.path().join("metrics.prom");
    let out = p
        .run_with_env(
            &[
                "--at",
                &when,
                "--format",
                "github",
                "--metrics",
                &metrics.display().to_string(),
            ],
            &[("GITHUB_STEP_SUMMARY", &summary.display().to_string())],
        )
        .await;
    out.assert_code(1);

    // JUnit: the moment and WHEN as given, on every suite.
    let xml = p.junit();
    let doc = parse(&xml);
    let props: Vec<(&str, &str)> = child(suite(&doc, "certs"), "properties")
        .children()
        .filter(|n| n.is_element())
        .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
        .collect();
    assert_eq!(
        props,
        [
            ("env", "prod"),
            ("conform.version", env!("CARGO_PKG_VERSION")),
            ("conform.evaluated_at", when.as_str()),
            ("conform.at", when.as_str()),
        ],
        "{xml}"
    );

    // The step summary: a line under the heading.
    let md = std::fs::read_to_string(&summary).expect("the step summary");
    let lines: Vec<&str> = md.lines().collect();
    assert!(
        lines[0].starts_with("## ❌ conform prod: 0 passed, 1 failed"),
        "{md}"
    );
    assert_eq!(
        lines[1..3],
        ["", &format!("judged as of {when} ({when}).")],
        "{md}"
    );

    // Metrics: time left from the moment, and the moment itself.
    let prom = std::fs::read_to_string(&metrics).expect("the metrics");
    let id = "id=\"certs/cert-expiry\",env=\"prod\",suite=\"certs\"";
    assert!(
        prom.contains(&format!("\nconform_cert_expiry_seconds{{{id}}} 864000\n")),
        "{prom}"
    );
    assert!(
        prom.contains(&format!(
            "\n# TYPE conform_run_evaluated_at_timestamp_seconds gauge\n\
             conform_run_evaluated_at_timestamp_seconds{{env=\"prod\"}} {}\n",
            at.unix_timestamp()
        )),
        "{prom}"
    );

    // TAP: a comment before the plan.
    let tap = p.run(&["--at", "+30d", "--format", "tap"]).await;
    tap.assert_code(1);
    let at = time_of(&json_report(&p)["evaluated_at"]);
    let head: Vec<&str> = tap.stdout.lines().take(4).collect();
    assert_eq!(
        head,
        [
            "TAP version 14",
            &format!("# judged as of {} (+30d)", rfc3339(at)),
            "1..1",
            "not ok 1 - certs/cert-expiry",
        ],
        "{tap}"
    );

    // Without --at: no such line, property or series.
    let plain = p
        .run(&[
            "--format",
            "tap",
            "--metrics",
            &metrics.display().to_string(),
        ])
        .await;
    plain.assert_code_quiet(0);
    assert!(!plain.stdout.contains("judged as of"), "{plain}");
    assert!(!p.junit().contains("conform.evaluated_at"));
    let prom = std::fs::read_to_string(&metrics).expect("the metrics");
    assert!(!prom.contains("evaluated_at"), "{prom}");
}

/// Reports of an earlier conform, without `evaluated_at`, still serve as `--baseline` and
/// merge; the merged report keeps the evaluation time the shards have.
#[tokio::test(flavor = "multi_thread")]
async fn baseline_and_merge_take_reports_without_evaluated_at() {
    let (_server, p) = http_project(TestResponse::ok("up")).await;
    p.write(
        "checks/web.yaml",
        r#"checks:
  - name: a
    http: { url: "http://chat.test:${port}/a" }
    expect: { status: 200 }
  - name: b
    http: { url: "http://chat.test:${port}/b" }
    expect: { status: 200 }
"#,
    );
    let old = p.path().join("old.json");
    let strip = |mut json: Value| {
        json.as_object_mut()
            .expect("an object")
            .remove("evaluated_at");
        json.to_string()
    };
    p.run(&[]).await.assert_code_quiet(0);
    std::fs::write(&old, strip(json_report(&p))).expect("write");
    let out = p.run(&["--baseline", &old.display().to_string()]).await;
    out.assert_code_quiet(0);
    assert!(json_report(&p)["evaluated_at"].is_string());

    let shard = |k: &str| p.path().join(format!("shard-{k}.json"));
    for k in ["1", "2"] {
        let path = shard(k);
        let args = [
            "--shard",
            &format!("{k}/2"),
            "--json",
            &path.display().to_string(),
        ];
        p.run(&args).await.assert_code_quiet(0);
    }
    let second: Value =
        serde_json::from_str(&std::fs::read_to_string(shard("2")).expect("read")).expect("json");
    let first: Value =
        serde_json::from_str(&std::fs::read_to_string(shard("1")).expect("read")).expect("json");
    std::fs::write(shard("1"), strip(first)).expect("write");
    let merged = p.path().join("merged.json");
    let junit = p.path().join("merged.xml");
    let out = conform(
        &[
            "merge",
            &shard("1").display().to_string(),
            &shard("2").display().to_string(),
            "--junit",
            &junit.display().to_string(),
            "--json",
            &merged.display().to_string(),
        ],
        &[],
        None,
    )
    .await;
    out.assert_code(0);
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).expect("read")).expect("json");
    assert_eq!(merged["evaluated_at"], second["evaluated_at"], "{merged:#}");
    assert!(merged.get("at").is_none(), "{merged:#}");
}
