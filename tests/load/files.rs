//! Files as a whole: defaults merged, every error of every file located and listed in order, YAML
//! mistakes, duplicates, no files at all, and a check text decoded alone.

use super::{ENV, Project, one_file};
use conform::config::load::load_plan;
use conform::config::model::Probe;
use std::path::Path;
use std::time::Duration;

#[test]
fn a_valid_file_loads_with_defaults_merged() {
    let plan = one_file(
        "suite: chat\ndefaults:\n  tags: [chat]\n  timeout: 5s\nchecks:\n  - name: Root redirects!\n    tags: [gate]\n    retries: 2\n    http: { url: 'https://${chat_host}/' }\n    expect: { status: 302, headers: { location: https://try.test } }\n",
    )
    .expect("loads");
    assert_eq!(plan.checks.len(), 1);
    let c = &plan.checks[0];
    assert_eq!(c.id, "chat/root-redirects");
    assert_eq!(c.suite, "chat");
    assert_eq!(c.tags, ["chat", "gate"]);
    assert_eq!(c.timeout, Duration::from_secs(5));
    assert_eq!(c.retries, 2);
    assert_eq!(c.retry_delay, Duration::from_secs(1));
    assert_eq!(c.line, 6);
    let Probe::Http(h) = c.kind.probe() else {
        panic!("an http probe")
    };
    assert_eq!(h.url.as_str(), "https://chat.test/");
    assert_eq!(h.body_limit, 1 << 20);
    assert_eq!(h.follow_redirects, 0);
}

#[test]
fn misspelt_key_is_located_and_corrected() {
    let errors = one_file(
        "checks:\n  - name: a\n    http: { url: 'https://x/' }\n    expect:\n      stauts: 302\n",
    )
    .unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/chat.yaml:5:7: unknown key `stauts` in the expect; did you mean `status`? expected one of: status, headers, body, cert, time"
        ]
    );
}

#[test]
fn every_error_of_every_file_is_listed() {
    let p = Project::new(&[
        ("environments/prod.yaml", ENV),
        (
            "checks/a.yaml",
            "checks:\n  - name: one\n    timout: 5s\n    http: { url: 'https://${chat_hots}/' }\n    expect: { status: 200 }\n  - name: two\n    http: { url: 'not a url' }\n    expect: { body: { matches: '(' } }\n",
        ),
        (
            "checks/b.yaml",
            "checks:\n  - name: three\n    retries: many\n    http: { url: 'https://x/', follow_redirects: maybe }\n    expect: { time: { lt: 2 parsecs } }\n",
        ),
    ]);
    let errors = p.load("prod").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks/a.yaml:3:5: unknown key `timout` in the check; did you mean `timeout`? expected one of: name, id, tags, envs, claims, pending, timeout, retries, retry_delay, http, tls, dns, tcp, cert, expect, needs, capture",
            "checks/a.yaml:4:18: unknown variable `${chat_hots}`; did you mean `${chat_host}`? the environment's vars are: chat_host",
            "checks/a.yaml:7:18: `not a url` is not a valid URL: relative URL without a base; expected a URL such as https://host:port/path?query",
            "checks/a.yaml:8:32: the regex /(/ for `body` is invalid: unclosed group; expected a valid regular expression (Rust regex syntax); escape special characters with \\",
            "checks/b.yaml:3:14: `retries` is `many`; expected a whole number from 0 to 100",
            "checks/b.yaml:4:50: `follow_redirects` is `maybe`; expected a whole number from 0 to 100",
            "checks/b.yaml:5:27: `2 parsecs` for `time` is not a number, duration or size (unknown time unit \"parsecs\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)); expected a number (200), a duration (2s, 21d) or a size (1MiB)",
        ]
    );
}

#[test]
fn malformed_yaml_has_a_position() {
    let errors = one_file(
        "checks:\n  - name: a\n    http: { url: 'https://x/'\n    expect: { status: 200 }\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("checks/chat.yaml:"), "{errors:?}");
    assert!(errors[0].contains("invalid YAML"), "{errors:?}");
}

#[test]
fn duplicate_yaml_keys_are_errors() {
    let errors = one_file("checks:\n  - name: a\n    name: b\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("checks/chat.yaml:3:"), "{errors:?}");
    assert!(errors[0].to_lowercase().contains("duplicate"), "{errors:?}");
}

#[test]
fn duplicate_check_names_in_a_suite() {
    let errors = one_file("checks:\n  - name: same\n    http: { url: 'https://x/' }\n    expect: { status: 200 }\n  - name: same\n    http: { url: 'https://y/' }\n    expect: { status: 200 }\n").unwrap_err();
    assert_eq!(
        errors,
        ["checks/chat.yaml:5:1: check name `same` is used twice in suite `chat` (first at CHECKS/chat.yaml:2); expected a unique name for each check of a suite"
            .replace("CHECKS/", "checks/")]
    );
}

#[test]
fn no_check_files_is_an_error() {
    let p = Project::new(&[("environments/prod.yaml", "")]);
    let errors = p.load("prod").unwrap_err();
    assert_eq!(
        errors,
        [
            "checks: no check files found; expected *.yaml files under checks/ (or pass --dir with the folder that holds checks/ and environments/)"
        ]
    );
}

#[test]
fn load_check_text_reports_instead_of_panicking() {
    use conform::config::load::load_check_text;
    // The shipped check files decode (their `${...}` references are only unresolved).
    for entry in std::fs::read_dir("checks").expect("checks/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let _ = load_check_text(&text);
    }
    let errors = load_check_text("checks: [");
    assert!(errors[0].message.starts_with("invalid YAML"), "{errors:?}");
    assert_eq!(errors[0].file, Path::new("fuzz.yaml"));
    let errors = load_check_text("");
    assert!(errors[0].message.contains("empty"), "{errors:?}");
}

/// Files are parsed in parallel; the plan still lists checks in file order (path order), then
/// in order within each file, and errors from several files all come back, sorted.
#[test]
fn many_files_load_in_order_and_report_every_error() {
    let owned = twelve_files(|i| {
        format!(
            "checks:\n  - name: a{i}\n    http: {{ url: 'https://x.test/' }}\n    expect: {{ status: 200 }}\n  - name: b{i}\n    http: {{ url: 'https://x.test/' }}\n    expect: {{ status: 200 }}\n"
        )
    });
    let mut files = with_env(&owned);
    let plan = Project::new(&files).load("prod").expect("loads");
    let ids: Vec<&str> = plan.checks.iter().map(|c| c.id.as_str()).collect();
    let expected: Vec<String> = (0..12)
        .flat_map(|i| [format!("f{i:02}/a{i}"), format!("f{i:02}/b{i}")])
        .collect();
    assert_eq!(ids, expected);

    files.push(("checks/g1.yaml", "checks:\n  - name: x\n    htp: {}\n"));
    files.push(("checks/g0.yaml", "checks: [\n"));
    let errors = Project::new(&files).load("prod").expect_err("fails");
    assert_eq!(
        errors,
        [
            "checks/g0.yaml:1:9: invalid YAML: unclosed bracket '['; expected \
             valid YAML; check indentation, quotes and colons here",
            "checks/g1.yaml:2:5: the check has no probe; expected exactly one of: http, tls, dns, \
             tcp, cert",
            "checks/g1.yaml:2:5: the check has no `expect`; add what must be true, e.g. expect: { \
             status: 200 }",
            "checks/g1.yaml:3:5: unknown key `htp` in the check; did you mean `http`? expected \
             one of: name, id, tags, envs, claims, pending, timeout, retries, retry_delay, http, tls, \
             dns, tcp, cert, expect, needs, capture",
        ]
    );
}

/// One check file's text decoded on its own (the fuzz targets' and tools' entry): its checks,
/// or every error; `load_check_text` gives the same errors.
#[test]
fn a_check_text_decodes_alone() {
    use conform::config::load::{decode_check_text, load_check_text};
    let checks = decode_check_text(
        "checks:\n  - name: up\n    http: { url: 'https://x.test/' }\n    expect: { status: 200 }\n",
    )
    .expect("decodes");
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["fuzz/up"]);
    assert!(matches!(checks[0].kind.probe(), Probe::Http(_)));

    let bad = "checks:\n  - name: x\n    htp: {}\n";
    let errors: Vec<String> = decode_check_text(bad)
        .expect_err("fails")
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        errors,
        load_check_text(bad)
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[2].starts_with("fuzz.yaml:3:5: unknown key `htp`"),
        "{errors:#?}"
    );
}

/// Files are decoded on several threads, each with its own copy of the secrets met so far: the
/// plan still knows every file's secrets, and an error quoting one is redacted.
#[test]
fn every_files_secrets_reach_the_plan_and_its_errors() {
    let owned = twelve_files(|i| {
        format!(
            "checks:\n  - name: a{i}\n    http: {{ url: 'https://x.test/', headers: {{ authorization: '${{secret:FILE_{i}}}' }} }}\n    expect: {{ status: 200 }}\n"
        )
    });
    let mut files = with_env(&owned);
    let getenv = |name: &str| {
        let i = name.strip_prefix("FILE_")?;
        Some(format!("s3cr3t-value-{i}"))
    };
    let p = Project::new(&files);
    let plan = load_plan(p.path(), "prod", &getenv).expect("loads");
    let all: Vec<String> = (0..12).map(|i| format!("s3cr3t-value-{i}")).collect();
    assert_eq!(
        plan.secrets.redact(&all.join(" ")),
        (0..12)
            .map(|i| format!("[redacted:FILE_{i}]"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    let bad = "checks:\n  - name: z\n    http: { url: 'https://${secret:FILE_7}:99999/' }\n    expect: { status: 200 }\n";
    files.push(("checks/z.yaml", bad));
    let p = Project::new(&files);
    let errors: Vec<String> = load_plan(p.path(), "prod", &getenv)
        .expect_err("fails")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!errors[0].contains("s3cr3t"), "{errors:?}");
    assert!(errors[0].contains("[redacted:FILE_7]"), "{errors:?}");
}

/// `checks/f00.yaml` … `checks/f11.yaml`, file `i` holding `text(i)`.
fn twelve_files(text: impl Fn(usize) -> String) -> Vec<(String, String)> {
    (0..12)
        .map(|i| (format!("checks/f{i:02}.yaml"), text(i)))
        .collect()
}

/// `files` after the environment `prod`, as [`Project::new`] takes them.
fn with_env(files: &[(String, String)]) -> Vec<(&str, &str)> {
    let mut all: Vec<(&str, &str)> = vec![("environments/prod.yaml", ENV)];
    all.extend(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    all
}
