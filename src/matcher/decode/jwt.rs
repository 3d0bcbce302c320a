//! `jwt:` from YAML: `signed_by` (an http(s) URL), `header` and `claims` (maps of
//! matchers), `expires_in` (a matcher on the time left).

use super::decode_matcher;
use crate::matcher::JwtMatcher;
use crate::syntax::decode::{MapReader, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};

pub const JWT_KEYS: &[&str] = &["signed_by", "header", "claims", "expires_in"];

pub fn decode_jwt(node: &Node, what: &str, d: &mut Diagnostics) -> Option<JwtMatcher> {
    let before = d.len();
    let mut r = MapReader::new(node, "jwt matcher", d)?;
    let mut out = JwtMatcher::default();
    if let Some(v) = r.take("signed_by") {
        out.signed_by = jwks_url(v, what, d);
    }
    if let Some(v) = r.take("header") {
        out.header = fields(v, "header", what, d);
    }
    if let Some(v) = r.take("claims") {
        out.claims = fields(v, "claims", what, d);
    }
    if let Some(v) = r.take("expires_in") {
        out.expires_in = decode_matcher(v, &format!("`expires_in` of the jwt of {what}"), d);
    }
    r.finish(JWT_KEYS, d);
    (d.len() == before).then_some(out)
}

fn jwks_url(node: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    let text = string(node, &format!("`signed_by` of the jwt of {what}"), d)?;
    match url::Url::parse(text.trim()) {
        Ok(url) if url.scheme() == "http" && !this_machine(&url) => {
            let host = url.host_str().unwrap_or_default();
            d.error(
                node.pos,
                format!(
                    "`signed_by` of the jwt of {what} is plain http to {host}: a key set \
                     fetched in the clear can be replaced on the way, and a signature checked \
                     with it proves nothing"
                ),
                "expected an https:// URL (http:// only to a loopback address of this \
                 machine, such as 127.0.0.1 or [::1])",
            );
            None
        }
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Some(url.to_string())
        }
        Ok(_) | Err(_) => {
            d.error(
                node.pos,
                format!("`signed_by` of the jwt of {what} is not an http(s) URL: {text:?}"),
                "expected the URL of the issuer's key set, e.g. https://issuer.example/.well-known/jwks.json",
            );
            None
        }
    }
}

/// Whether `url` names this machine by a loopback address (`127.0.0.0/8`, `[::1]`): traffic
/// no one on the way can change. A name (even `localhost`) is not enough: `resolve:`, the
/// hosts file or a resolver may send it elsewhere.
fn this_machine(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(_)) | None => false,
    }
}

fn fields(
    node: &Node,
    section: &str,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<(String, crate::matcher::Matcher)> {
    let NodeValue::Map(entries) = &node.value else {
        d.error(
            node.pos,
            format!("`{section}` of the jwt of {what} is {}", node.kind()),
            format!(
                "expected a map of {section} names to matchers, e.g. {section}: {{ alg: RS256 }}"
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let Some(name) = string(k, &format!("a name in `{section}` of the jwt of {what}"), d)
        else {
            continue;
        };
        let field = format!("jwt {section}.{name} of {what}");
        if let Some(m) = decode_matcher(v, &field, d) {
            out.push((name, m));
        }
    }
    out
}
