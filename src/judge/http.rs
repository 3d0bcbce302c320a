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
    // And text in UTF-16 or UTF-32 (said by its charset, or by its byte order mark), read
    // as UTF-8, holds no ASCII word (`e\0r\0r\0o\0r\0`): `not: { contains: error }`
    // would pass on it.
    let wide = || {
        let charset = header(o, "content-type").to_ascii_lowercase();
        let said = charset
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("charset="))
            .map(|c| c.trim_matches('"').to_string())
            .find(|c| c.starts_with("utf-16") || c.starts_with("utf-32"));
        let bom = [&b"\xff\xfe"[..], b"\xfe\xff", b"\0\0\xfe\xff"]
            .iter()
            .any(|m| o.body.starts_with(m));
        said.map(|c| format!("charset={c}"))
            .or_else(|| bom.then(|| "a UTF-16 or UTF-32 byte order mark".to_string()))
    };
    // Looked for only where a body is judged: most checks ask the status alone.
    if (e.body.is_some() || !e.json.is_empty())
        && o.body_size() > 0
        && let Some(encoding) = coded("content-encoding", &["identity"])
            .or_else(|| coded("transfer-encoding", &["identity", "chunked"]))
            .or_else(wide)
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
        // Values that differ in case only, or a content-type in its parameters only, are one.
        let same = |v: &str| {
            let v = v.trim().to_ascii_lowercase();
            match name.eq_ignore_ascii_case("content-type") {
                true => v.split(';').next().unwrap_or_default().trim().to_string(),
                false => v,
            }
        };
        if values.len() > 1
            && SINGLE_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
            && values.iter().any(|v| same(v) != same(values[0]))
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
mod tests;
