//! Shard sets: recorded in each report, merged only whole unless `--allow-partial` says otherwise.

use super::{broken_web, merge, only_load_error, parse_json, shard_project};
use crate::harness::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// `run --shard K/N` with `args`, its JSON report at `<name>.json`; returns that path.
async fn shard(p: &Project, name: &str, shard: &str, args: &[&str]) -> String {
    let json = p.shown(&format!("shards/{name}.json"));
    let junit = p.shown(&format!("shards/{name}.xml"));
    let mut all = vec!["--shard", shard, "--json", &json, "--junit", &junit];
    all.extend_from_slice(args);
    let out = p.run(&all).await;
    assert!(out.code == 0 || out.code == 1, "{out}");
    json
}

fn sha256_of(ids: &[&str]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort();
    let text: String = sorted.iter().map(|id| format!("{id}\n")).collect();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_record_their_set_and_merge_only_a_whole_one() {
    let (_server, p) = shard_project().await;
    let tag = ["--tag", "nightly"];
    let s1 = shard(&p, "1", "1/3", &tag).await;
    let s2 = shard(&p, "2", "2/3", &tag).await;
    let s3 = shard(&p, "3", "3/3", &tag).await;
    let all = ["web/a", "web/b", "web/c", "web/d", "web/e"];
    let selection = |shard: Value| {
        json!({ "shard": shard,
                "filters": { "tags": ["nightly"], "skip_tags": [], "only": [], "suites": [] },
                "checks": 5, "sha256": sha256_of(&all) })
    };
    let r2 = parse_json(&p.read("shards/2.json"));
    assert_eq!(
        r2["selection"],
        selection(json!({ "index": 2, "count": 3 }))
    );
    assert_eq!(r2["load_errors"], json!([]));

    // The whole set, in any order.
    let out = merge(&p, &[&s3, &s1, &s2], &[]).await;
    out.assert_code_quiet(1);
    assert_eq!(
        out.stdout,
        "merged 3 reports: 5 checks; 4 passed, 1 failed, 0 errors, 0 pending\n"
    );
    let merged = parse_json(&p.read("merged/report.json"));
    assert_eq!(merged["selection"], selection(Value::Null));
    assert_eq!(merged["checks"].as_array().unwrap().len(), 5);

    // Shard 3/3 is missing: refused, and the merged reports say so.
    let out = merge(&p, &[&s1, &s2], &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: shard 3/3 is missing\n\
         1 problem with the reports given; nothing was merged\n\
         hint: run the missing shards, or merge the reports given with --allow-partial (the \
         merged reports then name the missing shards)\n",
        "{out}"
    );
    assert_eq!(out.stdout, "", "{out}");
    let [name, classname, ..] = only_load_error(&p.read("merged/junit.xml"));
    assert_eq!(
        (name.as_str(), classname.as_str()),
        ("shard 3/3 is missing", "conform.load")
    );
    assert_eq!(
        parse_json(&p.read("merged/report.json"))["summary"]["exit_code"],
        2
    );

    // Shard 2/3 twice.
    let out = merge(&p, &[&s1, &s2, &s2, &s3], &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: shard 2/3 is given more than once: {s2}, {s2}\n\
             1 problem with the reports given; nothing was merged\n"
        ),
        "{out}"
    );

    // A shard of another split (N = 2) of the same selection.
    let half = shard(&p, "half", "1/2", &tag).await;
    let out = merge(&p, &[&s1, &s2, &half, &s3], &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {half} is not of the same selection as {s1}: 2 shards, not 3 shards; every \
             shard must run the same checkout with the same --env and filters\n\
             1 problem with the reports given; nothing was merged\n"
        ),
        "{out}"
    );

    // A shard of another environment: mixed, and then 3/3 is missing too.
    p.write(
        "environments/staging.yaml",
        &p.read("environments/prod.yaml"),
    );
    let staging = shard(
        &p,
        "staging",
        "3/3",
        &["--tag", "nightly", "--env", "staging"],
    )
    .await;
    let out = merge(&p, &[&s1, &s2, &staging], &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: {staging} is not of the same selection as {s1}: env staging, not prod; every \
             shard must run the same checkout with the same --env and filters\n\
             error: shard 3/3 is missing\n\
             2 problems with the reports given; nothing was merged\n"
        ),
        "{out}"
    );

    // Other filters.
    let other = shard(&p, "other", "3/3", &[]).await;
    let out = merge(&p, &[&s1, &s2, &other], &[]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!(
        "error: {other} is not of the same selection as {s1}: no filters, not --tag nightly; "
    ));

    // Shard 3/3 run after a check was added (another commit): another list of checks.
    p.write(
        "checks/late.yaml",
        "checks:\n  - name: late\n    tags: [nightly]\n    http: { url: \"http://chat.test:${port}/\" }\n    expect: { status: 200 }\n",
    );
    let later = shard(&p, "later", "3/3", &tag).await;
    let out = merge(&p, &[&s1, &s2, &later], &[]).await;
    out.assert_code(2);
    let with_late = sha256_of(&["late/late", "web/a", "web/b", "web/c", "web/d", "web/e"]);
    assert_eq!(
        out.stderr,
        format!(
            "error: {later} is not of the same selection as {s1}: 6 checks selected (sha256 \
             {}), not 5 (sha256 {}): were they run from different commits?; every shard must \
             run the same checkout with the same --env and filters\n\
             error: shard 3/3 is missing\n\
             2 problems with the reports given; nothing was merged\n",
            &with_late[..12],
            &sha256_of(&all)[..12]
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_partial_merges_what_is_there_and_says_what_is_missing() {
    let (_server, p) = shard_project().await;
    let s1 = shard(&p, "1", "1/3", &[]).await;
    let s2 = shard(&p, "2", "2/3", &[]).await;
    let out = merge(&p, &[&s2, &s1], &["--allow-partial"]).await;
    out.assert_code(1);
    assert_eq!(
        out.stderr,
        "warning: shard 3/3 is missing: merged without it (--allow-partial); the merged \
         reports say so\n",
        "{out}"
    );
    assert_eq!(
        out.stdout,
        "merged 2 reports: 4 checks; 3 passed, 1 failed, 0 errors, 0 pending\n"
    );
    let merged = parse_json(&p.read("merged/report.json"));
    assert_eq!(
        merged["selection"]["missing_shards"],
        json!([{ "index": 3, "count": 3 }])
    );
    let xml = p.read("merged/junit.xml");
    assert!(
        xml.contains(r#"<property name="conform.missing_shards" value="3/3"/>"#),
        "{xml}"
    );

    // Only passing shards: the exit code is the outcomes'.
    let out = merge(&p, &[&s1], &["--allow-partial"]).await;
    out.assert_code(0);
    assert_eq!(
        out.stderr,
        "warning: shards 2/3, 3/3 are missing: merged without them (--allow-partial); the \
         merged reports say so\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsharded_report_is_a_whole_set_on_its_own() {
    let (_server, p) = shard_project().await;
    let (a, b) = (p.shown("a.json"), p.shown("b.json"));
    p.run(&["--json", &a]).await.assert_code(1);
    p.run(&["--json", &b]).await.assert_code(1);
    let out = merge(&p, &[&a], &[]).await;
    out.assert_code_quiet(1);
    assert_eq!(
        out.stdout,
        "merged 1 report: 5 checks; 4 passed, 1 failed, 0 errors, 0 pending\n"
    );
    // Twice the whole selection: a duplicate.
    let out = merge(&p, &[&a, &b], &[]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        format!(
            "error: the whole selection (a run without --shard) is given more than once: \
             {a}, {b}\n\
             1 problem with the reports given; nothing was merged\n"
        ),
        "{out}"
    );
    // With a shard of the same selection: another split.
    let s1 = shard(&p, "1", "1/3", &[]).await;
    let out = merge(&p, &[&a, &s1], &[]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!(
        "error: {s1} is not of the same selection as {a}: 3 shards, not a run without --shard; "
    ));

    // The report of a refused run holds no results.
    broken_web(&p);
    let refused = p.shown("refused.json");
    p.run(&["--json", &refused]).await.assert_code(2);
    let out = merge(&p, &[&a, &refused], &[]).await;
    out.assert_code(2);
    let file = p.shown("checks/web.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "error: {refused}: it is the report of a run that stopped before probing, on 1 \
             load error (the first: {file}:5:7: unknown key `stauts` in the expect; did you \
             mean `status`? expected one of: status, headers, body, cert, time), and holds no \
             results\n\
             1 problem with the reports given; nothing was merged\n"
        ),
        "{out}"
    );
}
