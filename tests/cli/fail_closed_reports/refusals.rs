//! A run refused at load replaces the reports where they were asked with ones that say why.

use super::{broken_web, only_load_error, parse_json};
use crate::harness::*;
use crate::support::*;
use conform::report::junit::RICH_ONLY_ATTRIBUTES;
use serde_json::{Value, json};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

const BODY_END: &str = "nothing was probed: conform stopped before running any check (exit 2)";

/// The report.json of a run refused for `errors`.
#[track_caller]
fn assert_refused_json(text: &str, errors: Value) {
    let r = parse_json(text);
    assert_eq!(r["schema_version"], 3, "{r:#}");
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
            "{environments}: environment `staging` not found: there is no \
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
