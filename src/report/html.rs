//! The HTML report: one self-contained page of a run (`run --html`, `merge --html`, `conform
//! report`), for people who would rather look at a page than read XML.
//!
//! - Self-contained: the style and the script are inline, and the page fetches nothing (no
//!   fonts, no images, no links to load); its Content-Security-Policy allows only its own
//!   style and script (by hash), so not even text that slipped through could make it fetch.
//! - Readable without JavaScript: the counts, every check with its expected and actual values,
//!   its error, what was observed and the command that reproduces it, and the history grid.
//!   The script adds filters by outcome, tag and suite, kept in the URL fragment
//!   (`#outcome=fail,error&tag=nightly&suite=chat`: any of a key's values, every key), and a
//!   copy button on each reproduce command.
//! - The history grid: checks × runs, the earlier JSON reports ordered by their start time,
//!   this run among them (newest last); each cell says its outcome in text (and a title), its
//!   colour only adds to that. A check is flaky when its outcome changed more than once in the
//!   window, or it passed only after a retry in one of its runs (the JSON's `flaky`).
//! - Every text is redacted of the run's secrets, escaped as every report escapes network
//!   text ([`printable`](super::escape::printable)), then escaped for HTML: a body holding
//!   `<script>` shows as text.

use super::escape;
use crate::config::model::Secrets;
use crate::report::json::JsonReport;

mod checks;
mod grid;
mod page;
#[cfg(test)]
mod tests;

/// The page of `report`, with `history` (earlier JSON reports, any order; one that is
/// `report` itself is left out) in its grid, every text redacted of `secrets`.
pub fn html_report(report: &JsonReport, history: &[JsonReport], secrets: &Secrets) -> String {
    let text = Text { secrets };
    let value = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    let runs = grid::History::new(report, history);
    let mut out = String::with_capacity(64 * 1024);
    page::open(&mut out, &text, report, &value);
    grid::section(&mut out, &text, &runs);
    checks::section(&mut out, &text, report, &value, &runs);
    page::close(&mut out);
    out
}

/// Turns report text into HTML: redacted, escaped as network text, then escaped for HTML.
pub(crate) struct Text<'a> {
    secrets: &'a Secrets,
}

impl Text<'_> {
    /// For an element's content; lines kept (for `<pre>`).
    pub(crate) fn show(&self, text: &str) -> String {
        escape::html(&escape::printable(&self.secrets.redact(text)))
    }

    /// For an attribute value or a one-line place: on one line.
    pub(crate) fn attr(&self, text: &str) -> String {
        escape::html(&escape::one_line(&self.secrets.redact(text)))
    }

    /// Tags for a `data-tags` attribute: each on one line, joined by newlines (a tag may
    /// hold a space).
    pub(crate) fn tags(&self, tags: &[String]) -> String {
        let tags: Vec<String> = tags.iter().map(|t| self.attr(t)).collect();
        tags.join("&#10;")
    }
}
