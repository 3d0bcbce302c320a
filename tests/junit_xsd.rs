//! The JUnit report against the Jenkins xUnit schema (a copy in `tests/fixtures/junit-10.xsd`),
//! checked by xmllint: the portable flavor validates whatever the run held (every outcome,
//! retries, flaky passes, hostile bytes, secrets); the rich flavor is the portable file plus
//! exactly the attributes `RICH_ONLY_ATTRIBUTES` documents.

use conform::config::model::{Check, CheckKind, HttpExpect, HttpProbe, Pending, Secrets};
use conform::matcher::Mismatch;
use conform::probe::reproduce::ShellCommand;
use conform::probe::{ProbeError, ProbeErrorKind};
use conform::report::junit::{JunitFlavor, RICH_ONLY_ATTRIBUTES, junit_xml_flavored};
use conform::run::{Attempt, CheckResult, Outcome, RunReport};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "s3cr3t-t0ken";
const HOSTILE: &str = "s3cr3t-t0ken \u{0}\u{1b}[31m]]></failure><x a=\"'&\u{fffe}\u{7}\tend \u{202e}gnp.exe \u{9b} \u{1F600}";

fn check(suite: &str, name: &str, retries: u32, pending: Option<&str>) -> Check {
    Check {
        id: format!("{suite}/{name}"),
        name: name.to_string(),
        suite: suite.to_string(),
        file: format!("checks/{suite}.yaml").into(),
        line: 7,
        tags: Vec::new(),
        claims: Vec::new(),
        pending: pending.map(|reason| Pending {
            reason: reason.to_string(),
            until: None,
        }),
        timeout: Duration::from_secs(10),
        retries,
        retry_delay: Duration::from_secs(1),
        kind: CheckKind::Http {
            probe: HttpProbe::get("https://chat.example/".parse().unwrap()),
            expect: HttpExpect::default(),
        },
        flow: Default::default(),
        unresolved: Vec::new(),
        warnings: Vec::new(),
    }
}

fn attempt(
    outcome: Outcome,
    mismatch: Option<(&str, &str)>,
    error: Option<ProbeErrorKind>,
) -> Attempt {
    Attempt {
        outcome,
        mismatches: mismatch
            .map(|(expected, actual)| Mismatch {
                field: "status".to_string(),
                expected: expected.to_string(),
                actual: actual.to_string(),
                note: None,
            })
            .into_iter()
            .collect(),
        error: error.map(|kind| ProbeError {
            kind,
            message: format!("no answer ({kind})"),
        }),
        duration: Duration::from_millis(40),
        observation: None,
        addresses: Vec::new(),
    }
}

fn pass() -> Attempt {
    attempt(Outcome::Pass, None, None)
}

fn fail(actual: &str) -> Attempt {
    attempt(Outcome::Fail, Some(("302", actual)), None)
}

fn error(kind: ProbeErrorKind) -> Attempt {
    attempt(Outcome::Error, None, Some(kind))
}

fn result(check: Check, outcome: Outcome, attempts: Vec<Attempt>) -> CheckResult {
    CheckResult {
        check: Arc::new(check),
        outcome,
        flaky: outcome == Outcome::Pass && attempts.len() > 1,
        attempts,
        duration: Duration::from_millis(1234),
        message: String::new(),
        note: None,
        reproduce: Some(
            ShellCommand::new("curl")
                .arg("-sS")
                .arg("-i")
                .arg("-H")
                .arg(format!("authorization: Bearer {SECRET}"))
                .arg("https://chat.example/"),
        ),
    }
}

/// A run with every outcome, every kind of earlier attempt, and hostile text everywhere a
/// server's or a user's bytes can reach.
fn every_outcome() -> RunReport {
    let mut failed = result(
        check("chat", "root redirects", 2, None),
        Outcome::Fail,
        vec![error(ProbeErrorKind::Timeout), fail("500"), fail("200")],
    );
    failed.message = "status: expected 302, got 200".into();
    let mut hostile = result(
        check("chat", &format!("x <&> {HOSTILE}"), 0, None),
        Outcome::Fail,
        vec![fail(HOSTILE)],
    );
    hostile.message = format!("got {HOSTILE}");
    let mut fixed = result(
        check("chat", "waf blocks", 0, Some("WAF rule in COUNT mode")),
        Outcome::Fixed,
        vec![pass()],
    );
    fixed.message = "pending check now passes: remove `pending`".into();
    let mut long = result(check("dns", "slow", 0, None), Outcome::Pass, vec![pass()]);
    long.duration = Duration::from_secs_f64(3725.5);
    RunReport {
        interrupted: None,
        env: format!("prod \"{HOSTILE}"),
        started: time::macros::datetime!(2026-05-01 12:00:00 UTC),
        as_of: None,
        duration: Duration::from_secs(3730),
        hostname: "ci-runner-1 & <co>".to_string(),
        results: vec![
            result(
                check("chat", "versions", 0, None),
                Outcome::Pass,
                vec![pass()],
            ),
            failed,
            hostile,
            result(
                check("nest", "api", 0, None),
                Outcome::Error,
                vec![error(ProbeErrorKind::Refused)],
            ),
            result(
                check("chat", "admin gone", 0, Some(&format!("not yet {HOSTILE}"))),
                Outcome::Pending,
                vec![fail("200")],
            ),
            fixed,
            result(
                check("nest", "up", 2, None),
                Outcome::Pass,
                vec![fail("503"), error(ProbeErrorKind::Connect), pass()],
            ),
            result(check("dns", "mx", 0, None), Outcome::NotRun, vec![]),
            long,
            result(
                check(&format!("suite {HOSTILE}"), "odd suite", 0, None),
                Outcome::Error,
                vec![error(ProbeErrorKind::Tls)],
            ),
        ],
    }
}

fn secrets() -> Secrets {
    let mut s = Secrets::default();
    s.insert("TOKEN", SECRET);
    s
}

fn xsd() -> PathBuf {
    // The Jenkins xUnit schema, kept in the repository so the test needs nothing beside it.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit-10.xsd");
    assert!(
        path.is_file(),
        "the xUnit schema is missing at {}",
        path.display()
    );
    path
}

/// Runs xmllint; `Ok(())` when it accepts the file, else its messages.
fn xmllint(args: &[&OsStr]) -> Result<(), String> {
    let out = Command::new("xmllint")
        .arg("--noout")
        .args(args)
        .output()
        .unwrap_or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => panic!(
                "xmllint is not installed: install libxml2-utils (apt-get install -y libxml2-utils; .ci/run does so)"
            ),
            _ => panic!("cannot run xmllint: {e}"),
        });
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn validate(file: &Path) -> Result<(), String> {
    xmllint(&[OsStr::new("--schema"), xsd().as_os_str(), file.as_os_str()])
}

fn write(dir: &Path, report: &RunReport, flavor: JunitFlavor) -> (PathBuf, String) {
    let xml = junit_xml_flavored(report, &secrets(), flavor).expect("a JUnit report");
    assert!(!xml.contains(SECRET), "the secret leaked:\n{xml}");
    let path = dir.join(format!("{}.xml", flavor.name()));
    std::fs::write(&path, &xml).expect("write the report");
    (path, xml)
}

#[test]
fn the_portable_flavor_validates_against_the_xunit_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    for report in [
        every_outcome(),
        RunReport {
            results: vec![],
            ..every_outcome()
        },
        // `--at`: its properties on every suite.
        RunReport {
            as_of: Some(conform::syntax::when::AsOf {
                moment: time::macros::datetime!(2026-05-31 12:00:00 UTC),
                given: "+30d".into(),
            }),
            ..every_outcome()
        },
    ] {
        let (path, xml) = write(dir.path(), &report, JunitFlavor::Portable);
        if let Err(messages) = validate(&path) {
            panic!("the portable report is not valid against junit-10.xsd:\n{messages}\n{xml}");
        }
    }
}

#[test]
fn the_rich_flavor_is_the_portable_one_plus_the_documented_attributes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = every_outcome();
    let (rich_path, rich) = write(dir.path(), &report, JunitFlavor::Rich);
    let (_, portable) = write(dir.path(), &report, JunitFlavor::Portable);

    // Well-formed for any reader, schema or not.
    xmllint(&[rich_path.as_os_str()])
        .unwrap_or_else(|m| panic!("the rich report is not well-formed:\n{m}"));
    let rich_doc = roxmltree::Document::parse(&rich).expect("well-formed");
    let portable_doc = roxmltree::Document::parse(&portable).expect("well-formed");
    let mut extra = BTreeSet::new();
    compare(
        rich_doc.root_element(),
        portable_doc.root_element(),
        &mut extra,
    );
    let documented: BTreeSet<(String, String)> = RICH_ONLY_ATTRIBUTES
        .iter()
        .map(|(e, a)| (e.to_string(), a.to_string()))
        .collect();
    assert_eq!(extra, documented, "the rich flavor's extra attributes");

    // Against the schema it fails only for those attributes.
    match validate(&rich_path) {
        Ok(()) => println!("the rich flavor validates against junit-10.xsd"),
        Err(messages) => {
            println!("the rich flavor does not validate against junit-10.xsd:\n{messages}");
            for line in messages.lines().filter(|l| l.contains("attribute '")) {
                let element = between(line, "Element '", "'");
                let attribute = between(line, "attribute '", "'");
                assert!(
                    documented.contains(&(element.to_string(), attribute.to_string())),
                    "xmllint objects to more than the documented attributes: {line}"
                );
            }
            let objections = messages.lines().filter(|l| l.contains("Element '"));
            assert!(
                objections.clone().all(|l| l.contains("attribute '")),
                "xmllint objects to more than attributes:\n{messages}"
            );
        }
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map_or(0, |i| i + start.len());
    let to = text[from..].find(end).map_or(text.len(), |i| from + i);
    &text[from..to]
}

fn children<'a, 'i>(n: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    n.children()
        .filter(|c| c.is_element() || c.is_text())
        .collect()
}

/// Walks both documents in step: the same elements, text and attribute values, except the
/// attributes only `rich` has, which are collected as (element, attribute).
fn compare(
    rich: roxmltree::Node,
    portable: roxmltree::Node,
    extra: &mut BTreeSet<(String, String)>,
) {
    let tag = rich.tag_name().name();
    assert_eq!(tag, portable.tag_name().name());
    for a in portable.attributes() {
        assert_eq!(
            rich.attribute(a.name()),
            Some(a.value()),
            "<{tag} {}>",
            a.name()
        );
    }
    for a in rich.attributes() {
        if portable.attribute(a.name()).is_none() {
            extra.insert((tag.to_string(), a.name().to_string()));
        }
    }
    let (rc, pc) = (children(rich), children(portable));
    assert_eq!(rc.len(), pc.len(), "children of <{tag}>");
    for (r, p) in rc.into_iter().zip(pc) {
        if r.is_text() {
            assert_eq!(r.text(), p.text(), "text in <{tag}>");
        } else {
            compare(r, p, extra);
        }
    }
}
