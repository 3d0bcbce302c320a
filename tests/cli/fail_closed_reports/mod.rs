//! What `run` and `merge` leave behind when they cannot do their work: reports that say why
//! (never the last green ones), shard sets that must be whole, and report files that always
//! come from one run.

use crate::harness::*;
use crate::support::*;
use serde_json::Value;

mod refusals;
mod report_files;
mod shard_sets;

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

fn broken_web(p: &Project) {
    p.write(
        "checks/web.yaml",
        "checks:\n  - name: up\n    http: { url: \"http://chat.test:${port}/\" }\n    expect:\n      stauts: 200\n",
    );
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

async fn merge(p: &Project, files: &[&str], extra: &[&str]) -> Output {
    let (junit, json) = (p.shown("merged/junit.xml"), p.shown("merged/report.json"));
    let mut args = vec!["merge"];
    args.extend_from_slice(files);
    args.extend(["--junit", &junit, "--json", &json]);
    args.extend_from_slice(extra);
    conform(&args, &[], None).await
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
