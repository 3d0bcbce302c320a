//! The checks of the run, one `<article>` each: outcome, id, name, where it is, why it did not
//! pass (expected vs actual, the error), what was observed, and the reproduce command.

use super::Text;
use super::grid::History;
use crate::report::json::{JsonAttempt, JsonCheck, JsonReport};
use serde_json::Value;
use std::fmt::Write as _;

/// The checks' section.
pub(super) fn section(
    out: &mut String,
    text: &Text<'_>,
    report: &JsonReport,
    value: &Value,
    history: &History<'_>,
) {
    let _ = write!(
        out,
        "<section id=\"checks\"><h2>Checks</h2>\n<p id=\"shown\">{}</p>\n",
        crate::syntax::quantity::count(report.checks.len(), "check")
    );
    for (i, check) in report.checks.iter().enumerate() {
        let observed = &value["checks"][i]["attempts"];
        article(out, text, i, check, observed, history.flaky(&check.id));
    }
    out.push_str("</section>\n");
}

fn article(
    out: &mut String,
    text: &Text<'_>,
    i: usize,
    check: &JsonCheck,
    attempts: &Value,
    flaky: Option<&str>,
) {
    let outcome = check.outcome.as_str();
    let _ = write!(
        out,
        "<article class=\"check o-{outcome}\" id=\"c{i}\" data-id=\"{}\" data-outcome=\"{outcome}\" \
         data-suite=\"{}\" data-tags=\"{}\"{}>\n<h3><span class=\"badge o-{outcome}\">{}</span> \
         <code class=\"id\">{}</code> <span class=\"name\">{}</span>",
        text.attr(&check.id),
        text.attr(&check.suite),
        text.tags(&check.tags),
        if flaky.is_some() {
            " data-flaky=\"true\""
        } else {
            ""
        },
        check.outcome.label(),
        text.show(&check.id),
        text.show(&check.name),
    );
    if let Some(why) = flaky {
        let _ = write!(
            out,
            " <span class=\"flaky\" title=\"flaky: {}\">flaky</span>",
            text.attr(why)
        );
    }
    out.push_str("</h3>\n<p class=\"meta\">");
    let _ = write!(out, "suite <b>{}</b>", text.show(&check.suite));
    if !check.tags.is_empty() {
        let tags: Vec<String> = check.tags.iter().map(|t| text.show(t)).collect();
        let _ = write!(out, " · tags: {}", tags.join(", "));
    }
    if !check.file.is_empty() {
        let _ = write!(out, " · {}:{}", text.show(&check.file), check.line);
    }
    let _ = write!(out, " · {:.2}s", check.duration_seconds);
    if check.retries > 0 {
        let _ = write!(out, " · retries allowed: {}", check.retries);
    }
    if check.flaky {
        out.push_str(" · passed only after a retry");
    }
    out.push_str("</p>\n");
    if !check.target.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"target\">{} <code>{}</code></p>",
            text.show(&check.probe),
            text.show(&check.target)
        );
    }
    if let Some(reason) = &check.pending_reason {
        let _ = writeln!(
            out,
            "<p class=\"pending\">pending: {}</p>",
            text.show(reason)
        );
    }
    // A pending check's message is its reason, said just above.
    let said = check
        .pending_reason
        .as_ref()
        .is_some_and(|r| check.message == format!("pending: {r}"));
    if !check.message.is_empty() && !said {
        let _ = writeln!(
            out,
            "<pre class=\"message\">{}</pre>",
            text.show(&check.message)
        );
    }
    if let Some(last) = check.attempts.last() {
        attempt(out, text, last, attempts.get(check.attempts.len() - 1));
    }
    if check.attempts.len() > 1 {
        let _ = writeln!(
            out,
            "<details class=\"attempts\"><summary>{} attempts</summary><ol>",
            check.attempts.len()
        );
        for (n, a) in check.attempts.iter().enumerate() {
            let _ = write!(
                out,
                "<li><b>{}</b> {:.2}s",
                a.outcome.label(),
                a.duration_seconds
            );
            attempt(out, text, a, attempts.get(n));
            out.push_str("</li>\n");
        }
        out.push_str("</ol></details>\n");
    }
    if !check.reproduce.is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"reproduce\"><span>reproduce:</span> <pre><code>{}</code></pre>\
             <button type=\"button\" class=\"copy\" hidden>copy</button></div>",
            text.show(&check.reproduce)
        );
    }
    out.push_str("</article>\n");
}

/// One try: its error, its mismatches (expected vs actual), what it observed.
fn attempt(out: &mut String, text: &Text<'_>, a: &JsonAttempt, value: Option<&Value>) {
    if let Some(e) = &a.error {
        let _ = writeln!(
            out,
            "<p class=\"error\">error ({}): {}</p>",
            text.show(&serde_plain(&e.kind)),
            text.show(&e.message)
        );
    }
    if !a.mismatches.is_empty() {
        out.push_str(
            "<table class=\"mismatches\"><thead><tr><th>field</th><th>expected</th>\
             <th>actual</th><th>note</th></tr></thead><tbody>\n",
        );
        for m in &a.mismatches {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td class=\"expected\"><pre>{}</pre></td>\
                 <td class=\"actual\"><pre>{}</pre></td><td>{}</td></tr>",
                text.show(&m.field),
                text.show(&m.expected),
                text.show(&m.actual),
                text.show(&m.note)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if !a.addresses.is_empty() {
        let each: Vec<String> = a
            .addresses
            .iter()
            .map(|x| format!("{} {}", text.show(&x.address), x.outcome.label()))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"addresses\">addresses: {}</p>",
            each.join(", ")
        );
    }
    if let Some(observed) = value
        .and_then(|v| v.get("observed"))
        .filter(|v| !v.is_null())
    {
        let mut facts = Vec::new();
        flatten("", observed, &mut facts);
        if !facts.is_empty() {
            out.push_str("<dl class=\"observed\"><dt class=\"title\">observed</dt>");
            for (name, fact) in facts {
                let _ = write!(
                    out,
                    "<dt>{}</dt><dd><code>{}</code></dd>",
                    text.show(&name),
                    text.show(&fact)
                );
            }
            out.push_str("</dl>\n");
        }
    }
}

/// The facts of an `observed` object, as `name` (dotted for nested objects) and text (a list
/// joined with `, `).
pub(crate) fn flatten(prefix: &str, value: &Value, facts: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, v, facts);
            }
        }
        Value::Null => {}
        Value::String(s) => facts.push((prefix.to_string(), s.clone())),
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            facts.push((prefix.to_string(), items.join(", ")));
        }
        other => facts.push((prefix.to_string(), other.to_string())),
    }
}

/// A serde enum's token (`timeout`).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}
