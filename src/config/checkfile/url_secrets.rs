//! Secrets inside a URL: each `${secret:NAME}` must stay in the part of the URL it is
//! written in.

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
    let values: std::collections::HashMap<&str, &str> = secrets.values().collect();
    let mut at = 0;
    while let Some(found) = text[at..].find("${secret:") {
        let start = at + found;
        let Some(len) = text[start..].find('}') else {
            return;
        };
        let reference = &text[start..start + len + 1];
        at = start + len + 1;
        let name = reference["${secret:".len()..reference.len() - 1]
            .split(":-")
            .next()
            .unwrap_or_default();
        let Some(value) = values.get(name) else {
            continue;
        };
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
