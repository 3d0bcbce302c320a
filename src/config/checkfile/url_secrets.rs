//! Secrets inside a URL: each `${secret:NAME}` must stay in the part of the URL it is
//! written in; and inside a tcp dialogue's text, as it is.

use crate::config::model::Secrets;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

/// A secret put into a URL must stay in the part it was written in: `https://u:${secret:P}@h/`
/// with `P` = `p@ss/word` would make `ss` the host, asked of DNS and shown in every error, and
/// a port `${secret:PORT}` holding `1@other:2` would send the probe to another host. So each
/// `${secret:NAME}` of the URL as written may not hold a character that ends its part there:
/// `/ ? # \\` in the user info; those and `@` in the host and port; `? #` in the path; `#`
/// in the query; and no tab or line break anywhere (the parser drops them). A secret that is
/// the whole URL, or its scheme, is the URL's own structure.
pub(super) fn secrets_stay_whole(written: &Node, secrets: &Secrets, d: &mut Diagnostics) {
    let Some(text) = written.scalar_text() else {
        return;
    };
    for (start, name, value) in secret_references(&text, secrets) {
        let ends: &[char] = match url_part_at(&text, start) {
            UrlPart::Structure => continue,
            UrlPart::UserInfo => &['/', '?', '#', '\\'],
            UrlPart::HostPort => &['/', '?', '#', '\\', '@'],
            UrlPart::Path => &['?', '#'],
            UrlPart::Query => &['#'],
            UrlPart::Fragment => &[],
        };
        if value.contains(ends) || value.contains(['\t', '\n', '\r']) {
            d.error(
                written.pos,
                format!(
                    "the value of `${{secret:{name}}}` breaks this URL apart: it holds a character \
                     (such as @, /, ?, # or :) that ends the part it is written in, so part of the \
                     secret would become the host or the path"
                ),
                "percent-encode those characters in the secret (@ as %40, / as %2F, : as %3A), or \
                 send it in a header",
            );
        }
    }
}

/// Each `${secret:NAME}` of `text` as written whose value is known: where it starts, the name
/// and the value.
fn secret_references<'a>(text: &str, secrets: &'a Secrets) -> Vec<(usize, String, &'a str)> {
    let values: std::collections::HashMap<&str, &str> = secrets.values().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find("${secret:") {
        let start = at + offset;
        let Some(len) = text[start..].find('}') else {
            break;
        };
        let reference = &text[start..start + len + 1];
        at = start + len + 1;
        let name = reference["${secret:".len()..reference.len() - 1]
            .split(":-")
            .next()
            .unwrap_or_default();
        if let Some(value) = values.get(name) {
            found.push((start, name.to_string(), *value));
        }
    }
    found
}

/// A secret in a tcp `send:` or `read_until:` must reach the wire as it is: the text's
/// escapes (`\r \n \t \\ \xNN`) are decoded after the secret is put in, so a backslash in
/// it would be read as one and the bytes sent would be another value, shown as no form of
/// the secret; and a control character splits the reproduce command's text there, leaving
/// the parts of the secret around it in view. Either is a load error.
pub(super) fn secrets_stay_verbatim(
    written: &Node,
    key: &str,
    secrets: &Secrets,
    d: &mut Diagnostics,
) {
    let Some(text) = written.scalar_text() else {
        return;
    };
    for (_, name, value) in secret_references(&text, secrets) {
        if value.contains(|c: char| c == '\\' || c.is_control()) {
            d.error(
                written.pos,
                format!(
                    "the value of `${{secret:{name}}}` holds a backslash or a control character: \
                     `{key}` would read it as an escape or split it, and part of the secret \
                     would be sent or shown as another text"
                ),
                "keep such characters out of the secret and write them as escapes around it \
                 (\\r\\n after it, say)",
            );
        }
    }
}

/// Where a position of a URL as written falls.
enum UrlPart {
    /// The scheme, or a URL that is nothing but the reference: the URL's own structure.
    Structure,
    UserInfo,
    HostPort,
    Path,
    Query,
    Fragment,
}

/// The part of the URL `text` (as written, with `${..}` references) that `pos` falls in,
/// read the way URL parsers read it: the authority after `://` ends at `/`, `?`, `#` or `\\`,
/// its user info ends at its last `@`.
fn url_part_at(text: &str, pos: usize) -> UrlPart {
    let Some(scheme_end) = text.find("://").filter(|e| *e < pos) else {
        return UrlPart::Structure;
    };
    let authority_start = scheme_end + 3;
    let rest = &text[authority_start..];
    let authority_end = authority_start + rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    if pos < authority_end {
        let authority = &text[authority_start..authority_end];
        return match authority.rfind('@') {
            Some(at) if pos < authority_start + at => UrlPart::UserInfo,
            _ => UrlPart::HostPort,
        };
    }
    let after = &text[authority_end..];
    let query = after.find(['?', '#']).map(|i| authority_end + i);
    let fragment = after.find('#').map(|i| authority_end + i);
    match (query, fragment) {
        (_, Some(f)) if pos > f => UrlPart::Fragment,
        (Some(q), _) if pos > q && text.as_bytes().get(q) == Some(&b'?') => UrlPart::Query,
        _ => UrlPart::Path,
    }
}
