use super::*;
use crate::config::model::{CheckKind, HttpExpect};
use crate::probe::ProbeErrorKind;
use crate::report::detail::fixtures::*;
use crate::report::json::tests::{pass, sample, shard};
use crate::report::json::{JsonReport, merge};
use crate::run::Outcome;
use roxmltree::{Document, Node};

fn child<'a>(node: Node<'a, 'a>, tag: &str) -> Node<'a, 'a> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .unwrap_or_else(|| panic!("no <{tag}> in <{}>", node.tag_name().name()))
}

fn case<'a>(doc: &'a Document<'a>, name: &str) -> Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
        .unwrap()
}

#[test]
fn suites_in_first_seen_order_with_counts_and_properties() {
    let xml = junit_xml(&sample(), &Secrets::default()).unwrap();
    let doc = Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("conform"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    let summary: Vec<_> = suites
        .iter()
        .map(|s| {
            let a = |k| s.attribute(k).unwrap();
            let c = (a("tests"), a("failures"), a("errors"), a("skipped"));
            (a("name"), c)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("chat", ("3", "2", "0", "1")),
            ("nest", ("2", "0", "1", "0")),
            ("dns", ("1", "0", "0", "1")),
        ]
    );
    let chat = suites[0];
    assert_eq!(chat.attribute("hostname"), Some("ci-runner-1"));
    assert_eq!(chat.attribute("time"), Some("0.360"));
    assert!(
        chat.attribute("timestamp")
            .unwrap()
            .starts_with("2026-05-01T12:00:00")
    );
    let props: Vec<_> = child(chat, "properties")
        .children()
        .filter(|n| n.is_element())
        .map(|p| (p.attribute("name").unwrap(), p.attribute("value").unwrap()))
        .collect();
    assert_eq!(
        props,
        [
            ("env", "prod"),
            ("conform.version", env!("CARGO_PKG_VERSION"))
        ]
    );
}

#[test]
fn testcases_carry_outcome_details() {
    let xml = junit_xml(&sample(), &Secrets::default()).unwrap();
    let doc = Document::parse(&xml).unwrap();
    let root_case = case(&doc, "root redirects");
    assert_eq!(root_case.attribute("classname"), Some("prod.chat"));
    assert_eq!(root_case.attribute("file"), Some("checks/chat.yaml"));
    assert_eq!(root_case.attribute("line"), Some("3"));
    assert_eq!(root_case.attribute("time"), Some("0.120"));
    let failure = child(root_case, "failure");
    assert_eq!(failure.attribute("type"), Some("fail"));
    assert_eq!(
        failure.attribute("message"),
        Some("status: expected 302, got 200")
    );
    let body = failure.text().unwrap();
    assert!(
        body.contains("status\n  expected: 302\n  actual:   200"),
        "{body}"
    );
    assert!(
        body.contains("attempt 1: error (timeout: no answer within 5s)"),
        "{body}"
    );
    assert!(
        body.contains("reproduce: curl -sS -i https://chat.example/"),
        "{body}"
    );
    assert_eq!(
        child(root_case, "rerunError").attribute("type"),
        Some("timeout")
    );

    let error = child(case(&doc, "api"), "error");
    assert_eq!(error.attribute("type"), Some("connection refused"));
    assert_eq!(error.attribute("message"), Some("connect: refused"));

    let skipped = child(case(&doc, "waf"), "skipped");
    assert_eq!(
        skipped.attribute("message"),
        Some("pending: WAF rule in COUNT mode")
    );
    assert!(skipped.text().unwrap().contains("expected: 403"));

    let fixed = child(case(&doc, "new"), "failure");
    assert_eq!(fixed.attribute("type"), Some("fixed"));
    assert_eq!(
        fixed.attribute("message"),
        Some("pending check now passes: remove `pending`")
    );

    let not_run = child(case(&doc, "mx"), "skipped");
    assert_eq!(
        not_run.attribute("message"),
        Some("not run: stopped by --fail-fast")
    );

    let flaky = case(&doc, "nest up");
    assert!(flaky.children().all(|n| !n.has_tag_name("failure")));
    let out = child(flaky, "system-out").text().unwrap();
    assert!(
        out.starts_with("flaky: passed on attempt 2 of 2\n"),
        "{out}"
    );
    assert!(
        out.contains("attempt 1: fail (status: expected 200, got 503)"),
        "{out}"
    );
    assert!(flaky.children().any(|n| n.has_tag_name("flakyFailure")));
}

#[test]
fn portable_drops_only_the_rich_attributes() {
    let xml = junit_xml_flavored(&sample(), &Secrets::default(), JunitFlavor::Portable).unwrap();
    let doc = Document::parse(&xml).unwrap();
    for node in doc.descendants().filter(|n| n.is_element()) {
        for (element, attribute) in RICH_ONLY_ATTRIBUTES {
            assert!(
                !node.has_tag_name(*element) || node.attribute(*attribute).is_none(),
                "<{element} {attribute}> in {xml}"
            );
        }
    }
    let root = doc.root_element();
    assert_eq!(root.attribute("tests"), Some("6"));
    assert_eq!(root.attribute("time"), Some("0.420"));
    let failure = child(case(&doc, "root redirects"), "failure");
    assert!(
        failure
            .text()
            .unwrap()
            .starts_with("at checks/chat.yaml:3\n")
    );
    let rerun = child(case(&doc, "root redirects"), "rerunError");
    assert_eq!(rerun.attribute("type"), Some("timeout"));
    assert_eq!(
        "rich".parse::<JunitFlavor>(),
        Ok(JunitFlavor::Rich),
        "{:?}",
        JunitFlavor::NAMES
    );
    assert_eq!(
        JunitFlavor::Portable.name().parse::<JunitFlavor>(),
        Ok(JunitFlavor::Portable)
    );
    assert!("xunit".parse::<JunitFlavor>().is_err());
}

#[test]
fn hostile_bytes_and_secrets_still_make_valid_redacted_xml() {
    let hostile = "s3cr3t-t0ken \u{0}\u{1b}[31m]]></failure>\u{fffe}\u{7}\tend";
    let mut r = result(
        check("chat", "chat/x", "x <&> \u{1b}"),
        Outcome::Fail,
        vec![failed(vec![mismatch("body", "contains ok", hostile)])],
    );
    r.message = format!("got {hostile}");
    r.reproduce = command(&[
        "curl",
        "-H",
        "x-token: s3cr3t-t0ken",
        "https://chat.example/",
    ]);
    let xml = junit_xml(&report(vec![r]), &secrets()).unwrap();
    assert!(!xml.contains("s3cr3t"), "{xml}");
    let doc = Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let failure = child(case(&doc, "x <&> \\x1b"), "failure");
    let body = failure.text().unwrap();
    assert!(
        body.contains("actual:   [redacted:TOKEN] \\x00\\x1b[31m]]></failure>\\u{fffe}\\x07\\tend"),
        "{body}"
    );
    assert!(body.contains("x-token: '\"${TOKEN}\""), "{body}");
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .starts_with("got [redacted:TOKEN] \\x00")
    );
}

#[test]
fn junit_from_json_has_the_junit_layout() {
    let xml = junit_from_json(&JsonReport::from_run(&sample(), &Secrets::default())).unwrap();
    let doc = Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("6"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.is_element())
        .map(|s| {
            let a = |k| s.attribute(k).unwrap();
            (
                a("name"),
                a("tests"),
                a("failures"),
                a("errors"),
                a("skipped"),
            )
        })
        .collect();
    assert_eq!(
        suites,
        [
            ("chat", "3", "2", "0", "1"),
            ("nest", "2", "0", "1", "0"),
            ("dns", "1", "0", "0", "1"),
        ]
    );
    let root_case = case(&doc, "root redirects");
    assert_eq!(root_case.attribute("classname"), Some("prod.chat"));
    assert_eq!(root_case.attribute("file"), Some("checks/chat.yaml"));
    assert_eq!(root_case.attribute("line"), Some("3"));
    let failure = child(root_case, "failure");
    assert_eq!(
        failure.attribute("message"),
        Some("status: expected 302, got 200")
    );
    assert_eq!(
        failure.text().unwrap(),
        "at checks/chat.yaml:3\n\
         status\n\
         \x20 expected: 302\n\
         \x20 actual:   200\n\
         attempt 1: error (timeout: no answer within 5s)\n\
         reproduce: curl -sS -i https://chat.example/"
    );
    let error = child(case(&doc, "api"), "error");
    assert_eq!(error.attribute("type"), Some("connection refused"));
    assert_eq!(error.attribute("message"), Some("connect: refused"));
    assert_eq!(
        child(case(&doc, "waf"), "skipped").attribute("message"),
        Some("pending: WAF rule in COUNT mode")
    );
    assert_eq!(
        child(case(&doc, "new"), "failure").attribute("type"),
        Some("fixed")
    );
    let out = child(case(&doc, "nest up"), "system-out").text().unwrap();
    assert!(
        out.starts_with("flaky: passed on attempt 2 of 2\n"),
        "{out}"
    );
}

#[test]
fn junit_from_json_is_the_junit_of_the_run() {
    let run = sample();
    assert_eq!(
        junit_from_json(&JsonReport::from_run(&run, &Secrets::default())).unwrap(),
        junit_xml(&run, &Secrets::default()).unwrap()
    );

    // Hostile bytes, secrets, retries the same way, a message-less failure and error.
    let hostile = "s3cr3t-t0ken \u{0}\u{1b}[31m]]></failure>\u{fffe}\u{7}\tend";
    let mut r = result(
        check("chat", "chat/x", "x <&> \u{1b}"),
        Outcome::Fail,
        vec![
            failed(vec![mismatch("body", "contains ok", hostile)]),
            failed(vec![mismatch("body", "contains ok", hostile)]),
        ],
    );
    r.message = format!("got {hostile}");
    r.reproduce = command(&[
        "curl",
        "-H",
        "x-token: s3cr3t-t0ken",
        "https://chat.example/",
    ]);
    let quiet = result(
        check("chat", "chat/q", "q"),
        Outcome::Fail,
        vec![failed(vec![mismatch("status", "1", &"x".repeat(400))])],
    );
    let mut unset = result(
        check("dns", "dns/u", "u"),
        Outcome::Error,
        vec![errored(ProbeErrorKind::Unset, "HASURA_TOKEN is not set")],
    );
    unset.message = "HASURA_TOKEN is not set".into();
    let run = report(vec![r, quiet, unset]);
    let secrets = secrets();
    assert_eq!(
        junit_from_json(&JsonReport::from_run(&run, &secrets)).unwrap(),
        junit_xml(&run, &secrets).unwrap()
    );
}

#[test]
fn secrets_never_appear_and_control_characters_are_escaped() {
    let secret = "s3cr3t-t0ken";
    let mut c = check("chat", &format!("chat/{secret}"), &format!("n {secret}"));
    c.tags = vec![secret.into()];
    c.kind = CheckKind::Http {
        probe: http_probe(&format!("https://chat.example/?t={secret}")),
        expect: HttpExpect::default(),
    };
    let c = with_pending(c, &format!("reason {secret}"));
    let mut m = mismatch(secret, secret, &format!("{secret}\u{1b}[2J"));
    m.note = Some(secret.into());
    let mut r = result(
        c,
        Outcome::Fail,
        vec![
            errored(ProbeErrorKind::Tls, &format!("alert {secret}")),
            failed(vec![m]),
        ],
    );
    r.message = format!("got {secret}");
    let header = format!("authorization: Bearer {secret}");
    r.reproduce = command(&["curl", "-H", &header, "https://chat.example/"]);
    let mut run = report(vec![r]);
    run.env = format!("env-{secret}");
    run.hostname = format!("host-{secret}");
    let json = JsonReport::from_run(&run, &secrets());
    let text = json.to_string_pretty().unwrap();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains("[redacted:TOKEN]"), "{text}");
    assert!(!text.contains("\\u001b"), "{text}");
    assert_eq!(
        json.checks[0].attempts[1].mismatches[0].actual,
        "[redacted:TOKEN]\\x1b[2J"
    );
    let xml = junit_from_json(&json).unwrap();
    assert!(!xml.contains("s3cr3t"), "{xml}");
}

#[test]
fn junit_from_a_merge_names_every_suite_once() {
    let one = shard(vec![pass("chat", "chat/b", 9)], 1, 1);
    let two = shard(
        vec![pass("nest", "nest/a", 1), pass("chat", "chat/a", 3)],
        1,
        1,
    );
    let xml = junit_from_json(&merge(vec![one, two]).unwrap()).unwrap();
    let doc = Document::parse(&xml).unwrap();
    let suites: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|s| (s.attribute("name").unwrap(), s.attribute("tests").unwrap()))
        .collect();
    assert_eq!(suites, [("chat", "2"), ("nest", "1")]);
    let nest_a = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("nest/a"));
    assert_eq!(nest_a.unwrap().attribute("classname"), Some("prod.nest"));
}
