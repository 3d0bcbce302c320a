use super::*;
use crate::config::http::decode_expect;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;
use std::path::Path;
use std::time::Duration;

fn expect(yaml: &str) -> HttpExpect {
    let mut d = Diagnostics::new(Path::new("t.yaml"));
    let e = decode_expect(&Node::parse(yaml).expect("yaml"), &mut d);
    assert!(d.is_empty(), "{:?}", d.list);
    e.expect("expect")
}

fn obs(status: u16, headers: &[(&str, &str)], body: &str) -> HttpObservation {
    HttpObservation {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
        elapsed: Duration::from_millis(120),
        ..HttpObservation::default()
    }
}

fn run(yaml: &str, o: &HttpObservation) -> Vec<String> {
    judge_http(&expect(yaml), o, &Clock::Live, &KeySets::default())
        .iter()
        .map(|m| m.to_string())
        .collect()
}

#[test]
fn status_forms() {
    let o = obs(302, &[], "");
    assert!(run("{status: 302}", &o).is_empty());
    assert_eq!(run("{status: 200}", &o), ["status: expected 200, got 302"]);
    assert!(run("{status: [301, 302]}", &o).is_empty());
    assert_eq!(
        run("{status: [301, 308]}", &o),
        ["status: expected one of [301, 308], got 302"]
    );
    assert!(run("{status: 3xx}", &o).is_empty());
    assert_eq!(run("{status: 2xx}", &o), ["status: expected 2xx, got 302"]);
    assert!(run("{status: {gte: 300, lt: 400}}", &o).is_empty());
}

#[test]
fn a_redirect_not_followed_says_why_on_the_first_mismatch() {
    let mut o = obs(301, &[], "moved");
    o.not_followed = Some("not followed: https → http downgrade".into());
    assert!(run("{status: 301}", &o).is_empty());
    assert_eq!(
        run("{status: 200, body: app}", &o),
        [
            "status: expected 200, got 301 (not followed: https → http downgrade)",
            "body: expected \"app\", got \"moved\""
        ]
    );
}

#[test]
fn headers_case_insensitive_and_absent() {
    let o = obs(
        302,
        &[
            ("location", "https://try.thephenom.app"),
            ("server", "cloudflare"),
        ],
        "",
    );
    assert!(
        run(
            "{headers: {Location: https://try.thephenom.app, cf-ray: {absent: true}}}",
            &o
        )
        .is_empty()
    );
    assert_eq!(
        run("{headers: {cf-ray: {present: true}}}", &o),
        ["header cf-ray: expected present, got absent"]
    );
    assert_eq!(
        run("{headers: {server: nginx}}", &o),
        ["header server: expected \"nginx\", got \"cloudflare\""]
    );
    assert_eq!(
        run(
            "{headers: {x-powered-by: {absent: true}}}",
            &obs(200, &[("x-powered-by", "PHP")], "")
        ),
        ["header x-powered-by: expected absent, got \"PHP\""]
    );
}

#[test]
fn text_in_utf16_is_not_judged_as_utf8() {
    let utf16: Vec<u8> = "fatal error"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut said = obs(200, &[("content-type", "text/plain; charset=UTF-16LE")], "");
    said.body = utf16.clone();
    let mut bom = obs(200, &[], "");
    bom.body = [&[0xff, 0xfe][..], &utf16].concat();
    for (o, why) in [
        (&said, "charset=utf-16le"),
        (&bom, "a UTF-16 or UTF-32 byte order mark"),
    ] {
        assert_eq!(
            run("{body: {not: {contains: error}}}", o),
            [format!(
                "body: expected a body as text (conform asks for no content-encoding), got an \
                 encoded body ({why}) (the body expectations cannot be judged on encoded bytes)"
            )]
        );
    }
    let utf8 = obs(
        200,
        &[("content-type", "text/plain; charset=utf-8")],
        "fine",
    );
    assert!(run("{body: {not: {contains: error}}}", &utf8).is_empty());
}

#[test]
fn a_single_field_sent_twice_differently_fails() {
    let twice = obs(
        200,
        &[
            ("strict-transport-security", "max-age=0"),
            ("strict-transport-security", "max-age=31536000"),
            ("x-frame-options", "DENY"),
            ("x-frame-options", "ALLOWALL"),
            ("cache-control", "no-store"),
            ("cache-control", "private"),
        ],
        "",
    );
    assert_eq!(
        run(
            "{headers: {strict-transport-security: {contains: 'max-age=31536000'}}}",
            &twice
        ),
        [
            "header strict-transport-security: expected contains \"max-age=31536000\", got 2 \
             values that differ: \"max-age=0\", \"max-age=31536000\" (a field that must \
             appear once; a client takes one of them)"
        ]
    );
    assert_eq!(
        run("{headers: {x-frame-options: {starts_with: DENY}}}", &twice).len(),
        1
    );
    // A list field's values are one list, joined.
    assert!(run("{headers: {cache-control: {contains: no-store}}}", &twice).is_empty());
    // The same value twice is that value, in any case; a content-type's parameters aside.
    let same = obs(
        200,
        &[("x-frame-options", "DENY"), ("x-frame-options", "deny")],
        "",
    );
    assert!(run("{headers: {x-frame-options: {starts_with: DENY}}}", &same).is_empty());
    let typed = obs(
        200,
        &[
            ("content-type", "text/html"),
            ("content-type", "text/html; charset=utf-8"),
        ],
        "",
    );
    assert!(
        run(
            "{headers: {content-type: {starts_with: text/html}}}",
            &typed
        )
        .is_empty()
    );
}

#[test]
fn a_list_under_a_missing_parent_is_absent_not_empty() {
    let renamed = obs(200, &[], r#"{"data":{"people":[{"role":"admin"}]}}"#);
    for yaml in [
        "{body: {json: {'$.data.users[*].role': {not: {contains: admin}}}}}",
        "{body: {json: {'$.data.users[*]': {count: {lt: 2}}}}}",
        "{body: {json: {'$.data.users.*': {empty: true}}}}",
    ] {
        let said = run(yaml, &renamed);
        assert_eq!(said.len(), 1, "{yaml}: {said:?}");
        assert!(said[0].ends_with("got absent"), "{yaml}: {said:?}");
    }
    // A parent that is there, and empty, selects nothing truly.
    let none = obs(200, &[], r#"{"data":{"users":[]}}"#);
    assert!(
        run(
            "{body: {json: {'$.data.users[*].role': {not: {contains: admin}}}}}",
            &none
        )
        .is_empty()
    );
    // A parent that is no list or object has no items to be asked of either.
    // The root itself: a body that is a number has no items.
    assert_eq!(
        run("{body: {json: {'$[*]': {count: 0}}}}", &obs(200, &[], "5")).len(),
        1
    );
    assert!(run("{body: {json: {'$[*]': {count: 0}}}}", &obs(200, &[], "[]")).is_empty());
    let null = obs(200, &[], r#"{"data":{"users":null}}"#);
    assert_eq!(
        run("{body: {json: {'$.data.users[*]': {count: 0}}}}", &null).len(),
        1
    );
}

#[test]
fn body_text_and_json() {
    let body =
        r#"{"data":{"__schema":{"queryType":{"fields":[{"name":"no_queries_available"}]}}}}"#;
    let o = obs(200, &[("content-type", "application/json")], body);
    assert!(run("{body: {contains: no_queries_available}}", &o).is_empty());
    assert!(run("{body: {json: {'$.data.__schema.queryType.fields[*].name': [no_queries_available], '$.errors': {absent: true}}}}", &o).is_empty());
    assert_eq!(
        run(
            "{body: {json: {'$.data.__schema.queryType.fields[*].name': [no_queries_available, users]}}}",
            &o
        ),
        [
            "body json $.data.__schema.queryType.fields[*].name: expected [\"no_queries_available\", \"users\"], got [\"no_queries_available\"]"
        ]
    );
    assert_eq!(
        run(
            "{body: {json: {'$.errors': {absent: true}}}}",
            &obs(200, &[], r#"{"errors":[1]}"#)
        ),
        ["body json $.errors: expected absent, got [1]"]
    );
    assert_eq!(
        run(
            "{body: {json: {'$.x[*]': {empty: true}}}}",
            &obs(200, &[], r#"{"x":[]}"#)
        ),
        Vec::<String>::new()
    );
    let not_json = run(
        "{body: {json: {'$.a': 1}}}",
        &obs(200, &[("content-type", "text/html")], "<html>"),
    );
    assert_eq!(not_json.len(), 1);
    assert!(not_json[0].starts_with("body json $.a: expected 1, got a body that is not JSON (expected value at line 1 column 1): \"<html>\" (content-type: text/html)"), "{not_json:?}");
    assert_eq!(
        run(
            "{body: {contains: x, json: {'$.a': 1}}}",
            &obs(200, &[], r#"{"a":1}"#)
        ),
        ["body: expected contains \"x\", got \"{\\\"a\\\":1}\""]
    );
}

#[test]
fn time_and_body_limit() {
    let o = obs(200, &[], "");
    assert!(run("{time: {lt: 2s}}", &o).is_empty());
    assert_eq!(
        run("{time: {lt: 100ms}}", &o),
        ["time: expected < 100ms, got 120ms"]
    );
    let mut big = obs(200, &[], "abcd");
    big.body_exceeded = Some(8);
    assert_eq!(
        run("{status: 200}", &big),
        [
            "body: expected at most 4 B (the body limit), got more than 4 B (8 B read before stopping) (raise `body_limit` on the http probe if this body is expected)"
        ]
    );
}

#[test]
fn cert_on_plain_http_fails() {
    let out = run("{cert: {expires_in: {gt: 21d}}}", &obs(200, &[], ""));
    assert_eq!(out.len(), 1, "{out:?}");
}
