//! What `run` and `merge` leave behind when they cannot do their work: reports that say why
//! (never the last green ones), shard sets that must be whole, and report files that always
//! come from one run.

use crate::harness::*;
use crate::support::*;
use conform::report::junit::RICH_ONLY_ATTRIBUTES;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BODY_END: &str = "nothing was probed: conform stopped before running any check (exit 2)";

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

/// The one `<testcase>` of a load-error JUnit report: (name, classname, error type, error
/// message, error body), after checking that it is the only suite and case.
#[track_caller]
fn only_load_error(xml: &str) -> [String; 5] {
    let doc = parse(xml);
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1, "{xml}");
    assert_eq!(suites[0].attribute("name"), Some("conform.load"), "{xml}");
    assert_eq!(counts(suites[0]), ["1", "0", "1", "0"], "{xml}");
    let root = doc.root_element();
    assert_eq!(
        (root.attribute("tests"), root.attribute("errors")),
        (Some("1"), Some("1")),
        "{xml}"
    );
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1, "{xml}");
    let error = child(cases[0], "error");
    let attr = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap_or("-").to_string();
    [
        attr(cases[0], "name"),
        attr(cases[0], "classname"),
        attr(error, "type"),
        attr(error, "message"),
        error.text().unwrap_or_default().to_string(),
    ]
}

/// The report.json of a run refused for `errors`.
#[track_caller]
fn assert_refused_json(text: &str, errors: Value) {
    let r = parse_json(text);
    assert_eq!(r["schema_version"], 2, "{r:#}");
    assert_eq!(r["env"], "prod", "{r:#}");
    assert_eq!(r["checks"], json!([]), "{r:#}");
    assert_eq!(r["selection"], Value::Null, "{r:#}");
    assert_eq!(r["baseline"], Value::Null, "{r:#}");
    assert_eq!(
        r["summary"],
        json!({ "passed": 0, "failed": 0, "errors": 0, "pending": 0, "fixed": 0,
                "not_run": 0, "flaky": 0, "exit_code": 2 }),
        "{r:#}"
    );
    assert_eq!(r["load_errors"], errors, "{r:#}");
}

fn xsd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit-10.xsd")
}

/// xmllint's objections to `file` against junit-10.xsd (empty when it is valid).
fn xsd_objections(file: &Path) -> String {
    let out = Command::new("xmllint")
        .args([OsStr::new("--noout"), OsStr::new("--schema")])
        .arg(xsd())
        .arg(file)
        .output()
        .expect("xmllint (apt-get install -y libxml2-utils)");
    if out.status.success() {
        String::new()
    } else {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The portable flavor is valid against junit-10.xsd; the rich one only adds the documented
/// attributes.
#[track_caller]
fn assert_schema_valid(file: &Path, portable: bool) {
    let objections = xsd_objections(file);
    if portable {
        assert_eq!(objections, "", "{}", std::fs::read_to_string(file).unwrap());
        return;
    }
    for line in objections.lines().filter(|l| l.contains("Element '")) {
        let documented = RICH_ONLY_ATTRIBUTES.iter().any(|(e, a)| {
            line.contains(&format!("Element '{e}'")) && line.contains(&format!("attribute '{a}'"))
        });
        assert!(documented, "more than the documented attributes: {line}");
    }
}

fn broken_web(p: &Project) {
    p.write(
        "checks/web.yaml",
        "checks:\n  - name: up\n    http: { url: \"http://chat.test:${port}/\" }\n    expect:\n      stauts: 200\n",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_check_file_replaces_the_last_green_reports() {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    p.run(&[]).await.assert_code_quiet(0);
    assert_eq!(p.junit_counts("web"), ["1", "0", "0", "0"]);

    broken_web(&p);
    let out = p.run(&[]).await;
    out.assert_code(2);
    let file = p.shown("checks/web.yaml");
    let what = "unknown key `stauts` in the expect";
    let expected = "did you mean `status`? expected one of: status, headers, body, cert, time";
    assert_eq!(
        out.stderr,
        format!("error: {file}:5:7: {what}; {expected}\n1 error found; nothing was probed\n"),
        "{out}"
    );
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(server.requests().len(), 1, "only the good run probed");

    assert_eq!(
        only_load_error(&p.junit()),
        [
            format!("{file}:5:7: {what}"),
            "conform.load".to_string(),
            "load error".to_string(),
            format!("{file}:5:7: {what}; {expected}"),
            format!("at {file}:5:7\n{what}\n{expected}\n{BODY_END}"),
        ]
    );
    assert_refused_json(
        &p.read("reports/report.json"),
        json!([{ "file": file, "line": 5, "column": 7, "message": what,
                 "expected": expected }]),
    );
    let junit = p.path().join("reports/junit.xml");
    assert_schema_valid(&junit, false);

    // The same with --junit-flavor portable, valid against the xUnit schema.
    let out = p.run(&["--junit-flavor", "portable"]).await;
    out.assert_code(2);
    assert_schema_valid(&junit, true);
    assert_eq!(
        only_load_error(&p.junit())[0],
        format!("{file}:5:7: {what}")
    );

    // --format json prints the same report.
    let out = p.run(&["--format", "json"]).await;
    out.assert_code(2);
    assert_eq!(out.stdout, p.read("reports/report.json"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_refusal_of_run_replaces_the_reports_where_they_were_asked() {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.write(
        "checks/web.yaml",
        "checks:\n  - name: up\n    tags: [gate]\n    http: { url: \"http://chat.test:${port}/\" }\n    expect: { status: 200 }\n",
    );
    p.http_check("api", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let (junit, json) = (p.shown("out/j.xml"), p.shown("out/r.json"));
    let to = ["--junit", junit.as_str(), "--json", json.as_str()];
    let good = |p: &Project| {
        let (junit, json) = (junit.clone(), json.clone());
        let p = p.dir_arg();
        async move {
            let out = conform(
                &["run", "--dir", &p, "--junit", &junit, "--json", &json],
                &[],
                None,
            )
            .await;
            out.assert_code_quiet(0);
        }
    };

    // Filters that each select a check, but none together.
    good(&p).await;
    let out = p
        .run(&[&["--tag", "gate", "--suite", "api"][..], &to].concat())
        .await;
    out.assert_code(2);
    let message =
        "no check selected: 2 checks loaded for env `prod`, none matches the filters given";
    let hint = "`conform list --env prod` shows every check with its id and tags";
    assert_eq!(
        out.stderr,
        format!("error: {message}\nhint: {hint}\n"),
        "{out}"
    );
    let read = |path: &str| std::fs::read_to_string(path).expect("a report");
    assert_eq!(
        only_load_error(&read(&junit)),
        [
            message.to_string(),
            "conform.load".to_string(),
            "load error".to_string(),
            format!("{message}; {hint}"),
            format!("{message}\n{hint}\n{BODY_END}"),
        ]
    );
    assert_refused_json(
        &read(&json),
        json!([{ "file": null, "line": null, "column": null, "message": message,
                 "expected": hint }]),
    );
    assert!(
        !p.path().join("reports").exists(),
        "the defaults are not written"
    );

    // An environment that does not exist.
    good(&p).await;
    let out = p.run(&[&["--env", "staging"][..], &to].concat()).await;
    out.assert_code(2);
    let [name, ..] = only_load_error(&read(&junit));
    let environments = p.shown("environments");
    assert_eq!(
        name,
        format!(
            "{environments}:1:1: environment `staging` not found: there is no \
             environments/staging.yaml"
        )
    );
    assert_eq!(parse_json(&read(&json))["env"], "staging");

    // A baseline that cannot be read.
    good(&p).await;
    let missing = p.shown("missing.json");
    let out = p.run(&[&["--baseline", &missing][..], &to].concat()).await;
    out.assert_code(2);
    let message =
        format!("cannot read the report {missing}: No such file or directory (os error 2)");
    assert_eq!(out.stderr, format!("error: {message}\n"), "{out}");
    assert_eq!(
        only_load_error(&read(&junit)),
        [
            message.clone(),
            "conform.load".to_string(),
            "load error".to_string(),
            message.clone(),
            format!("{message}\n{BODY_END}"),
        ]
    );

    // A baseline that is itself the report of a refused run holds no results: refused too.
    let refused = p.shown("refused.json");
    std::fs::copy(&json, &refused).expect("copy");
    good(&p).await;
    let out = p.run(&[&["--baseline", &refused][..], &to].concat()).await;
    out.assert_code(2);
    let message = format!(
        "the baseline {refused}: it is the report of a run that stopped before probing, on 1 \
         load error (the first: cannot read the report {missing}: No such file or directory \
         (os error 2)), and holds no results"
    );
    let hint = "give --baseline the report of a run that probed its checks";
    assert_eq!(
        out.stderr,
        format!("error: {message}\nhint: {hint}\n"),
        "{out}"
    );
    assert_eq!(
        only_load_error(&read(&junit))[3],
        format!("{message}; {hint}")
    );
    assert_eq!(server.requests().len(), 8, "only the good runs probed");
}

// ---------------------------------------------------------------------------------------------
// Shard sets.

/// Five checks over one suite; `web/b` fails. Sorted by id and dealt to 3 shards:
/// 1/3 = a, d; 2/3 = b, e; 3/3 = c.
async fn shard_project() -> (TestServer, Project) {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    let mut text = String::from("suite: web\nchecks:\n");
    for (name, status) in [("a", 200), ("b", 500), ("c", 200), ("d", 200), ("e", 200)] {
        text.push_str(&format!(
            "  - name: {name}\n    tags: [nightly]\n    http: {{ url: \"http://chat.test:${{port}}/{name}\" }}\n    expect: {{ status: {status} }}\n"
        ));
    }
    p.write("checks/web.yaml", &text);
    (server, p)
}

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

async fn merge(p: &Project, files: &[&str], extra: &[&str]) -> Output {
    let (junit, json) = (p.shown("merged/junit.xml"), p.shown("merged/report.json"));
    let mut args = vec!["merge"];
    args.extend_from_slice(files);
    args.extend(["--junit", &junit, "--json", &json]);
    args.extend_from_slice(extra);
    conform(&args, &[], None).await
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
        "merged 1 reports: 5 checks; 4 passed, 1 failed, 0 errors, 0 pending\n"
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

// ---------------------------------------------------------------------------------------------
// One run's reports at a time.

/// Holds `reports/.conform.lock` as another conform would, its pid in the file.
pub(crate) fn hold_lock(p: &Project) -> std::fs::File {
    let dir = p.path().join("reports");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(dir.join(".conform.lock"))
        .expect("the lock file");
    file.try_lock().expect("the lock");
    std::fs::write(dir.join(".conform.lock"), "4242\n").expect("the holder's pid");
    file
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_waits_for_another_writing_the_same_reports() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let lock = hold_lock(&p);
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        drop(lock);
    });
    let out = p.run(&[]).await;
    release.await.expect("released");
    out.assert_code(0);
    let reports = std::fs::canonicalize(p.path().join("reports")).expect("reports");
    assert_eq!(
        out.stderr,
        format!(
            "note: waiting for another conform (pid 4242) to finish writing its reports to {}\n",
            reports.display()
        ),
        "{out}"
    );
    out.assert_took_at_least(Duration::from_millis(1500));
    assert_eq!(p.junit_counts("web"), ["1", "0", "0", "0"]);
    assert_eq!(
        p.read("reports/.conform.lock"),
        "",
        "the lock file names no holder once released"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_held_too_long_is_a_clear_refusal_that_writes_nothing() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    p.run(&[]).await.assert_code_quiet(0);
    let before = (p.junit(), p.read("reports/report.json"));
    let _lock = hold_lock(&p);
    let out = p.run(&[]).await;
    out.assert_code(2);
    let reports = std::fs::canonicalize(p.path().join("reports")).expect("reports");
    let dir = reports.display();
    assert_eq!(
        out.stderr,
        format!(
            "note: waiting for another conform (pid 4242) to finish writing its reports to \
             {dir}\n\
             error: cannot write the reports to {dir}: another conform (pid 4242) has held \
             {dir}/.conform.lock for 10s, writing its own reports there; no report of this run \
             was written (wait for it to finish, or write this run's reports elsewhere with \
             --junit and --json)\n"
        ),
        "{out}"
    );
    out.assert_took_at_least(Duration::from_secs(10));
    assert_eq!((p.junit(), p.read("reports/report.json")), before);
}

/// Two runs of different selections writing the same files at once: each file set is one
/// run's, whichever finished last. (Without the lock, about one try in three left the JUnit
/// report of one run beside the JSON report of the other.)
#[tokio::test(flavor = "multi_thread")]
async fn two_runs_at_once_leave_the_reports_of_one() {
    let (_server, p) = shard_project().await;
    for _ in 0..10 {
        let (a, b) = futures::join!(p.run(&["--only", "web/a"]), p.run(&["--only", "web/b"]));
        a.assert_code(0);
        b.assert_code(1);
        let report = parse_json(&p.read("reports/report.json"));
        let ids: BTreeSet<&str> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let xml = p.junit();
        let doc = parse(&xml);
        let cases: BTreeSet<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| format!("web/{}", n.attribute("name").unwrap()))
            .collect();
        assert_eq!(
            ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
            cases
        );
    }
}

/// A FIFO given to `merge` or `--baseline` is refused at once, never waited on.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_report_is_refused_at_once() {
    let (_server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let fifo = p.path().join("old.json");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo(3) with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let shown = fifo.display().to_string();
    let out = p.run(&["--baseline", &shown]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!(
        "error: cannot read the report {shown}: it is a FIFO, not a regular file\n"
    ));
    let out = conform(&["merge", &shown], &[], Some(p.path().to_path_buf())).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!(
        "error: cannot read the report {shown}: it is a FIFO, not a regular file\n"
    ));
}

/// Two reports asked to the same file would leave one, silently: a usage error, nothing run.
#[tokio::test(flavor = "multi_thread")]
async fn two_reports_to_one_file_is_a_usage_error() {
    let (server, p) = http_project(TestResponse::ok("fine")).await;
    p.http_check("web", "up", "http://chat.test:${port}/", "{ status: 200 }");
    let out = p.run(&["--json", "x.out", "--junit", "./x.out"]).await;
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "error: --junit and --json name the same file, x.out: one report would replace the \
         other; give each its own file\n"
    );
    // Spelt another way, or through a link to its folder, it is the same file.
    let out_dir = p.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    std::os::unix::fs::symlink(&out_dir, p.path().join("lnk")).expect("symlink");
    let a = out_dir.join("r.x").display().to_string();
    for b in [
        out_dir.join("../out/r.x").display().to_string(),
        p.path().join("lnk/r.x").display().to_string(),
    ] {
        let out = p.run(&["--junit", &a, "--json", &b]).await;
        out.assert_code(2);
        out.assert_stderr_starts_with("error: --junit and --json name the same file, ");
    }
    assert_eq!(server.connections(), 0);
}
