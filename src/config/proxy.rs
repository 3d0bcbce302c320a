//! `proxy: URL | none`, as an environment and an http probe write it.

use super::model::{ProxySetting, parse_proxy_url};
use crate::syntax::decode::string;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

const EXPECTED: &str =
    "expected an http:// or https:// proxy URL such as http://proxy.example:3128, or none";

/// `proxy: URL | none` of an environment or an http probe.
pub fn decode_proxy(n: &Node, d: &mut Diagnostics) -> Option<ProxySetting> {
    let text = string(n, "`proxy`", d)?;
    let word = text.trim();
    if word == "none" {
        return Some(ProxySetting::Off);
    }
    // Words that mean "no proxy" elsewhere would each be read as a proxy host of that name.
    const NOT_NONE: &[&str] = &["none", "off", "no", "false", "null", "direct", "disabled"];
    if NOT_NONE.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        d.error(
            n.pos,
            format!("`proxy` is `{word}`, which would be read as a proxy named {word}"),
            format!("did you mean `none`? {EXPECTED}"),
        );
        return None;
    }
    match parse_proxy_url(&text) {
        Ok(url) => Some(ProxySetting::Via(url)),
        Err(why) => {
            d.error(n.pos, format!("`proxy` {why}"), EXPECTED);
            None
        }
    }
}
