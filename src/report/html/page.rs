//! The page around the checks and the grid: the head (policy, style), what the run was, its
//! counts, what changed since the baseline, its load errors, the filters; the script.

use super::Text;
use crate::report::json::{JsonReport, rfc3339};
use crate::run::Outcome;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The style, inline.
pub(crate) const STYLE: &str = include_str!("page.css");
/// The script, inline: the filters and the copy buttons.
pub(crate) const SCRIPT: &str = include_str!("page.js");

/// `'sha256-…'`, a Content-Security-Policy source for exactly `text`.
fn csp_hash(text: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// From the doctype to the filters.
pub(super) fn open(out: &mut String, text: &Text<'_>, report: &JsonReport, value: &Value) {
    let started = rfc3339::text(report.started);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src {}; script-src {}; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>conform: {} {}</title>\n<style>{STYLE}</style></head>\n<body>\n\
         <header><h1>conform report: {}</h1>\n<dl class=\"run\">",
        csp_hash(STYLE),
        csp_hash(SCRIPT),
        text.show(&report.env),
        text.show(&started),
        text.show(&report.env),
    );
    let mut fact = |name: &str, shown: &str| {
        let _ = write!(out, "<dt>{name}</dt><dd>{}</dd>", text.show(shown));
    };
    fact("started", &started);
    if let Some(at) = value.get("evaluated_at").and_then(Value::as_str) {
        fact("evaluated at", at);
    }
    fact("duration", &format!("{:.2}s", report.duration_seconds));
    fact("host", &report.hostname);
    fact("conform", &report.conform_version);
    fact("exit code", &report.summary.exit_code.to_string());
    if let Some(signal) = &report.interrupted {
        fact("interrupted by", signal);
    }
    if let Some(selection) = &report.selection {
        if let Some(shard) = &selection.shard {
            fact("shard", &shard.to_string());
        }
        if !selection.missing_shards.is_empty() {
            let missing: Vec<String> = selection
                .missing_shards
                .iter()
                .map(ToString::to_string)
                .collect();
            fact("missing shards", &missing.join(", "));
        }
    }
    out.push_str("</dl>\n");
    counts(out, report);
    out.push_str("</header>\n");
    baseline(out, text, value);
    load_errors(out, text, report);
    filters(out, text, report);
}

/// The counts by outcome, each a link that filters on it.
fn counts(out: &mut String, report: &JsonReport) {
    out.push_str("<ul id=\"counts\">");
    for outcome in Outcome::ALL {
        let n = report
            .checks
            .iter()
            .filter(|c| c.outcome == outcome)
            .count();
        if n > 0 || matches!(outcome, Outcome::Pass | Outcome::Fail | Outcome::Error) {
            let _ = write!(
                out,
                "<li class=\"o-{0}\" data-count=\"{0}\"><a href=\"#outcome={0}\"><b>{n}</b> {1}</a></li>",
                outcome.as_str(),
                outcome.past_tense()
            );
        }
    }
    let flaky = report.checks.iter().filter(|c| c.flaky).count();
    if flaky > 0 {
        let _ = write!(
            out,
            "<li data-count=\"flaky\"><span class=\"flaky\">{flaky} passed only after a retry</span></li>"
        );
    }
    out.push_str("</ul>\n");
}

/// What changed since `--baseline`: each list the JSON report's `baseline` holds.
fn baseline(out: &mut String, text: &Text<'_>, value: &Value) {
    let Some(diff) = value.get("baseline").and_then(Value::as_object) else {
        return;
    };
    let mut shown = String::new();
    for (name, list) in diff {
        let Some(items) = list.as_array().filter(|l| !l.is_empty()) else {
            continue;
        };
        let items: Vec<String> = items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .map(|i| format!("<li><code>{}</code></li>", text.show(&i)))
            .collect();
        let _ = write!(
            shown,
            "<dt>{}</dt><dd><ul>{}</ul></dd>",
            text.show(&name.replace('_', " ")),
            items.concat()
        );
    }
    let file = diff.get("file").and_then(Value::as_str).unwrap_or_default();
    let _ = writeln!(
        out,
        "<section id=\"baseline\"><h2>Since the baseline</h2><p>compared with {}</p>{}</section>",
        text.show(file),
        if shown.is_empty() {
            "<p>nothing changed</p>".to_string()
        } else {
            format!("<dl class=\"run\">{shown}</dl>")
        }
    );
}

fn load_errors(out: &mut String, text: &Text<'_>, report: &JsonReport) {
    if report.load_errors.is_empty() {
        return;
    }
    out.push_str("<section id=\"load-errors\"><h2>Load errors: nothing was probed</h2><ul>");
    for e in &report.load_errors {
        let _ = write!(out, "<li><pre>{}</pre></li>", text.show(&e.to_string()));
    }
    out.push_str("</ul></section>\n");
}

/// The filters: hidden until the script shows them (they need it).
fn filters(out: &mut String, text: &Text<'_>, report: &JsonReport) {
    let outcomes: Vec<&str> = Outcome::ALL
        .iter()
        .filter(|o| report.checks.iter().any(|c| c.outcome == **o))
        .map(|o| o.as_str())
        .collect();
    let tags: BTreeSet<&str> = report
        .checks
        .iter()
        .flat_map(|c| c.tags.iter().map(String::as_str))
        .collect();
    let suites: BTreeSet<&str> = report.checks.iter().map(|c| c.suite.as_str()).collect();
    out.push_str("<form id=\"filters\" hidden>");
    let mut group = |name: &str, legend: &str, values: Vec<&str>| {
        if values.is_empty() {
            return;
        }
        let _ = write!(out, "<fieldset><legend>{legend}</legend>");
        for v in values {
            let _ = write!(
                out,
                "<label><input type=\"checkbox\" name=\"{name}\" value=\"{0}\"> {0}</label>",
                text.attr(v)
            );
        }
        out.push_str("</fieldset>");
    };
    group("outcome", "outcome", outcomes);
    group("tag", "tag", tags.into_iter().collect());
    group("suite", "suite", suites.into_iter().collect());
    out.push_str(" <a href=\"#\" id=\"clear\">show all</a></form>\n");
}

/// The script and the end of the page.
pub(super) fn close(out: &mut String) {
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
}
