//! Just enough of an HTML reader for the tests: the elements of a page (as the browser
//! serialized its DOM) with their attributes, and the text between two points.

use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>/"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)\s*/?>"#,
    )
    .expect("regex")
});

static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\s+([^\s=>/"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?"#).expect("regex")
});

/// One element's start tag.
#[derive(Debug)]
pub(crate) struct Element {
    pub(crate) tag: String,
    pub(crate) attrs: BTreeMap<String, String>,
    /// Where its start tag ends in the page.
    pub(crate) end: usize,
}

impl Element {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    pub(crate) fn hidden(&self) -> bool {
        self.attrs.contains_key("hidden")
    }
}

/// The start tags of `html` (of `tag` only, when given), in order. Attribute values are
/// unquoted and `&quot;`, `&#39;`, `&lt;`, `&gt;`, `&amp;` decoded.
pub(crate) fn elements(html: &str, tag: Option<&str>) -> Vec<Element> {
    TAG.captures_iter(html)
        .filter(|c| tag.is_none_or(|t| c[1].eq_ignore_ascii_case(t)))
        .map(|c| Element {
            tag: c[1].to_ascii_lowercase(),
            attrs: ATTR
                .captures_iter(&c[2])
                .map(|a| {
                    let value = a.get(2).map_or("", |v| v.as_str());
                    let value = value.trim_matches(|q| q == '"' || q == '\'');
                    (a[1].to_ascii_lowercase(), decode(value))
                })
                .collect(),
            end: c.get(0).map_or(0, |m| m.end()),
        })
        .collect()
}

/// The element of `tag` whose `name` attribute is `value`.
pub(crate) fn find<'a>(all: &'a [Element], tag: &str, name: &str, value: &str) -> &'a Element {
    all.iter()
        .find(|e| e.tag == tag && e.attr(name) == Some(value))
        .unwrap_or_else(|| panic!("no <{tag} {name}=\"{value}\">"))
}

/// The text of the page from `from` to the next `</tag>`, markup removed and references
/// decoded.
pub(crate) fn text_until(html: &str, from: usize, tag: &str) -> String {
    let rest = &html[from..];
    let end = rest.find(&format!("</{tag}>")).unwrap_or(rest.len());
    let stripped = Regex::new("<[^>]*>")
        .expect("regex")
        .replace_all(&rest[..end], "");
    decode(&stripped)
}

fn decode(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
