//! `proxy: URL | none`, as an environment and an http probe write it.

use super::model::{ProxySetting, parse_proxy_url};
use crate::syntax::decode::string;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

/// `proxy: URL | none` of an environment or an http probe.
pub fn decode_proxy(n: &Node, d: &mut Diagnostics) -> Option<ProxySetting> {
    let text = string(n, "`proxy`", d)?;
    if text.trim() == "none" {
        return Some(ProxySetting::Off);
    }
    match parse_proxy_url(&text) {
        Ok(url) => Some(ProxySetting::Via(url)),
        Err(why) => {
            d.error(
                n.pos,
                format!("`proxy` {why}"),
                "expected an http:// or https:// proxy URL such as http://proxy.example:3128, \
                 or none",
            );
            None
        }
    }
}
