//! HTTP expectations: status, headers, body (text and JSONPath), leaf certificate, time.

use super::cert::{SeenCerts, judge_cert};
use super::{Mismatch, check};
use crate::config::model::{HttpExpect, JsonExpect};
use crate::matcher::{Actual, Context, KeySets};
use crate::probe::HttpObservation;
use crate::syntax::quantity::format_size;
use crate::syntax::when::Clock;

/// `clock`: the judgement's moment (certificate dates, a token's `exp`); `keys`: the key sets
/// of the JWKS URLs the expectation's `jwt:` matchers name ([`jwks_urls`]).
pub fn judge_http(
    e: &HttpExpect,
    o: &HttpObservation,
    clock: &Clock,
    keys: &KeySets,
) -> Vec<Mismatch> {
    let ctx = &Context {
        now: clock.now(),
        keys,
    };
    let mut out = Vec::new();
    if let Some(seen) = o.body_exceeded {
        out.push(Mismatch {
            field: "body".into(),
            expected: format!(
                "at most {} (the body limit)",
                format_size(o.body_size() as u64)
            ),
            actual: format!(
                "more than {} ({} read before stopping)",
                format_size(o.body_size() as u64),
                format_size(seen)
            ),
            note: Some("raise `body_limit` on the http probe if this body is expected".into()),
        });
    }
    if let Some(m) = &e.status {
        check(
            &mut out,
            "status",
            m,
            &Actual::Number(f64::from(o.status)),
            ctx,
        );
    }
    // conform asks for no encoding and decodes none: the body of an answer encoded anyway is
    // not the text the expectations are about (`not: { contains: error }` would pass on
    // compressed bytes).
    // The same for a transfer-coding other than chunked (which the client undoes): the
    // bytes left are still gzip's, say.
    let coded = |name: &str, undone: &[&str]| {
        let values = o.header_values(name).join(", ");
        let coded = values
            .split(',')
            .map(str::trim)
            .any(|c| !c.is_empty() && !undone.iter().any(|u| c.eq_ignore_ascii_case(u)));
        coded.then(|| format!("{name}: {values}"))
    };
    let encoded = coded("content-encoding", &["identity"])
        .or_else(|| coded("transfer-encoding", &["identity", "chunked"]));
    if (e.body.is_some() || !e.json.is_empty())
        && o.body_size() > 0
        && let Some(encoding) = encoded
    {
        out.push(Mismatch {
            field: "body".into(),
            expected: "a body as text (conform asks for no content-encoding)".into(),
            actual: format!("an encoded body ({encoding})"),
            note: Some("the body expectations cannot be judged on encoded bytes".into()),
        });
    }
    for (name, m) in &e.headers {
        let values = o.header_values(name);
        // A field that must appear once, there several times with values that differ: a
        // client takes one (most, the first), so no joined text can stand for the answer
        // (`max-age=0, max-age=31536000` would pass `contains: max-age=31536000`).
        if values.len() > 1
            && values.iter().any(|v| *v != values[0])
            && SINGLE_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
        {
            let shown: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            out.push(Mismatch {
                field: format!("header {name}"),
                expected: m.to_string(),
                actual: format!("{} values that differ: {}", values.len(), shown.join(", ")),
                note: Some("a field that must appear once; a client takes one of them".into()),
            });
            continue;
        }
        let actual = match values.as_slice() {
            [] => Actual::Absent,
            [one] => Actual::text(*one),
            // Repeated list fields compare as one comma-joined value (RFC 9110 §5.3).
            many => Actual::text(many.join(", ")),
        };
        check(&mut out, &format!("header {name}"), m, &actual, ctx);
    }
    if e.body.is_some() || !e.json.is_empty() {
        let text = String::from_utf8_lossy(&o.body);
        if let Some(m) = &e.body {
            check(&mut out, "body", m, &Actual::text(text.as_ref()), ctx);
        }
        if !e.json.is_empty() {
            judge_json(&mut out, &e.json, &o.body, header(o, "content-type"), ctx);
        }
    }
    if let Some(c) = &e.cert {
        out.extend(judge_cert(c, SeenCerts::leaf(o.peer_facts()), clock));
    }
    if let Some(m) = &e.time {
        check(
            &mut out,
            "time",
            m,
            &Actual::Seconds(o.elapsed.as_secs_f64()),
            ctx,
        );
    }
    // The answer judged is a redirect that was not followed: the first mismatch says why.
    if let (Some(why), Some(first)) = (&o.not_followed, out.first_mut()) {
        first.note = Some(match &first.note {
            None => why.clone(),
            Some(note) => format!("{note}; {why}"),
        });
    }
    out
}

/// Every JWKS URL the expectation's `jwt: { signed_by }` matchers name: the run fetches
/// them before judging.
pub fn jwks_urls(e: &HttpExpect) -> Vec<String> {
    let mut out = Vec::new();
    let matchers = e.headers.iter().map(|(_, m)| m);
    let matchers = matchers
        .chain(&e.body)
        .chain(e.json.iter().map(|j| &j.matcher));
    matchers.for_each(|m| m.jwks_urls(&mut out));
    out
}

fn header<'a>(o: &'a HttpObservation, name: &str) -> &'a str {
    o.header_values(name).first().copied().unwrap_or("")
}

/// JSON nesting deeper than this is refused: serde_json's own limit (128) guards the stack.
/// Header fields that an answer must send once (RFC 9110 §5.3: not lists): sent twice with
/// different values, which one counts is up to the client.
const SINGLE_FIELDS: &[&str] = &[
    "strict-transport-security",
    "x-frame-options",
    "x-content-type-options",
    "content-type",
    "content-length",
    "location",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "etag",
    "last-modified",
    "retry-after",
];

fn judge_json(
    out: &mut Vec<Mismatch>,
    expects: &[JsonExpect],
    body: &[u8],
    content_type: &str,
    ctx: &Context,
) {
    let doc: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(err) => {
            for e in expects {
                let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                out.push(Mismatch {
                    field: format!("body json {}", e.path_text),
                    expected: e.matcher.to_string(),
                    actual: format!("a body that is not JSON ({err}): {shown:?}"),
                    note: (!content_type.is_empty())
                        .then(|| format!("content-type: {content_type}")),
                });
            }
            return;
        }
    };
    for e in expects {
        let nodes = e.path.query(&doc).all();
        let actual = if e.singular {
            nodes
                .first()
                .map_or(Actual::Absent, |v| Actual::from_json(v))
        } else if nodes.is_empty()
            && let Some(parent) = &e.parent
            && !parent
                .query(&doc)
                .all()
                .first()
                .is_some_and(|p| p.is_array() || p.is_object())
        {
            Actual::Absent
        } else {
            Actual::list(nodes.into_iter().map(Actual::from_json).collect(), true)
        };
        check(
            out,
            &format!("body json {}", e.path_text),
            &e.matcher,
            &actual,
            ctx,
        );
    }
}

#[cfg(test)]
mod tests {
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
        // The same value twice is that value.
        let same = obs(
            200,
            &[("x-frame-options", "DENY"), ("x-frame-options", "DENY")],
            "",
        );
        assert!(run("{headers: {x-frame-options: {starts_with: DENY}}}", &same).is_empty());
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
}
