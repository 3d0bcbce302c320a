//! TLS settings (the http probe's `tls:` and the tls probe's own keys), certificate
//! expectations, and the `tls` and `cert` probes with their `expect:` keys.

use super::closed::{ALERTS, Domain, EKUS, KEYS, TLS_VERSIONS, decode_closed};
use super::model::{
    CertExpect, CertProbe, ClientIdentity, HandshakeExpect, Starttls, TlsExpect, TlsOptions,
    TlsProbe, TlsVersion,
};
use super::pem;
use crate::matcher::decode_matcher;
use crate::syntax::decode::{MapReader, boolean, port, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::{Node, NodeValue};
use std::path::Path;
use std::sync::Arc;

/// Keys of `tls:` settings (http) that the tls probe also takes at its own level.
pub const TLS_SETTINGS_KEYS: &[&str] = &[
    "verify",
    "ca_file",
    "client_cert",
    "client_key",
    "sni",
    "versions",
];
pub const TLS_PROBE_KEYS: &[&str] = &[
    "host",
    "port",
    "sni",
    "alpn",
    "verify",
    "ca_file",
    "client_cert",
    "client_key",
    "versions",
    "starttls",
    "ip",
    "addresses",
];
pub const TLS_EXPECT_KEYS: &[&str] = &["handshake", "alert", "version", "alpn", "cert"];
pub const CERT_PROBE_KEYS: &[&str] = &["file", "ca_file"];
pub const CERT_EXPECT_KEYS: &[&str] = &[
    "expires_in",
    "chain_expires_in",
    "san",
    "subject",
    "issuer",
    "eku",
    "key",
    "chain_valid",
    "fingerprint_sha256",
    "serial",
];
/// The keys that need the whole presented chain, which the http probe does not see.
const CHAIN_KEYS: &[&str] = &["chain_expires_in", "chain_valid"];

/// How much of a certificate chain a probe sees.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CertScope {
    /// The http probe: the leaf only.
    Leaf,
    /// The tls and cert probes.
    Chain,
}

/// An http probe's `tls:` map.
pub fn decode_tls_settings(
    node: &Node,
    base: &Path,
    env_tls: &TlsOptions,
    d: &mut Diagnostics,
) -> Option<TlsOptions> {
    let mut r = MapReader::new(node, "tls settings", d)?;
    let before = d.len();
    let tls = read_tls_settings(&mut r, base, env_tls, d);
    r.finish(TLS_SETTINGS_KEYS, d);
    (d.len() == before).then_some(tls)
}

/// Takes the TLS settings keys out of `r`, on top of the environment's.
fn read_tls_settings(
    r: &mut MapReader,
    base: &Path,
    env_tls: &TlsOptions,
    d: &mut Diagnostics,
) -> TlsOptions {
    let mut tls = env_tls.clone();
    if let Some(n) = r.take("verify") {
        tls.verify = boolean(n, "`verify`", d).unwrap_or(true);
    }
    if let Some(n) = r.take("ca_file")
        && let Some((path, certs)) = pem::read_certs(n, base, "`ca_file`", d)
    {
        tls.extra_roots.extend(certs);
        tls.ca_files.push(path);
    }
    match (r.take("client_cert"), r.take("client_key")) {
        (Some(c), Some(k)) => {
            let chain = pem::read_certs(c, base, "`client_cert`", d);
            let key = pem::read_key(k, base, d);
            if let (Some((cert_file, chain)), Some((key_file, key))) = (chain, key) {
                tls.client_identity = Some(ClientIdentity {
                    cert_file,
                    key_file,
                    chain,
                    key: std::sync::Arc::new(key),
                });
            }
        }
        (Some(c), None) => d.error(
            c.pos,
            "`client_cert` is given without `client_key`",
            "add `client_key:` with the PEM private key of the certificate",
        ),
        (None, Some(k)) => d.error(
            k.pos,
            "`client_key` is given without `client_cert`",
            "add `client_cert:` with the PEM certificate",
        ),
        (None, None) => {}
    }
    if let Some(n) = r.take("sni") {
        tls.sni = string(n, "`sni`", d).filter(|s| !s.trim().is_empty());
    }
    if let Some(n) = r.take("versions") {
        tls.versions = versions(n, d);
    }
    tls
}

fn versions(node: &Node, d: &mut Diagnostics) -> Vec<TlsVersion> {
    let items: Vec<&Node> = match &node.value {
        NodeValue::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        match item.scalar_text().as_deref().map(str::trim) {
            Some("1.2") => out.push(TlsVersion::V1_2),
            Some("1.3") => out.push(TlsVersion::V1_3),
            other => d.error(
                item.pos,
                format!(
                    "TLS version `{}` is not supported",
                    other.unwrap_or(item.kind())
                ),
                "expected \"1.2\" or \"1.3\" (older versions are insecure and not offered)",
            ),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `tls:` as a probe: host, port, sni, alpn and the TLS settings keys.
pub fn decode_tls_probe(
    node: &Node,
    base: &Path,
    env_tls: &Arc<TlsOptions>,
    d: &mut Diagnostics,
) -> Option<TlsProbe> {
    let mut r = MapReader::new(node, "tls probe", d)?;
    let before = d.len();
    let host = r.require("host", d).and_then(|n| {
        let h = string(n, "`host`", d)?;
        let h = h
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if h.is_empty() || h.contains('/') || h.contains(' ') {
            d.error(
                n.pos,
                format!("`host` `{h}` is not a host name or address"),
                "expected e.g. alb.example.com or 127.0.0.1 (the port goes in `port`)",
            );
            return None;
        }
        Some(h)
    });
    let port = match r.take("port") {
        Some(n) => port(n, "`port`", d),
        None => Some(443),
    };
    let alpn = r
        .take("alpn")
        .and_then(|n| crate::syntax::decode::strings(n, "`alpn`", d))
        .unwrap_or_default();
    let starttls = r.take("starttls").and_then(|n| {
        let found = n.scalar_text().and_then(|t| Starttls::from_name(t.trim()));
        if found.is_none() {
            super::net::closed_word(n, "starttls", Starttls::NAMES, d);
        }
        found
    });
    let ip = super::net::decode_ip(&mut r, d);
    let addresses = super::net::decode_addresses(&mut r, d);
    let mut tls = read_tls_settings(&mut r, base, env_tls, d);
    let sni = tls.sni.take();
    r.finish(TLS_PROBE_KEYS, d);
    if d.len() > before {
        return None;
    }
    let host = host?;
    Some(TlsProbe {
        sni: sni.unwrap_or_else(|| host.clone()),
        host,
        port: port?,
        alpn,
        tls: Arc::new(tls),
        starttls,
        ip: ip?,
        addresses: addresses?,
    })
}

/// The tls probe's `expect:`.
pub fn decode_tls_expect(node: &Node, d: &mut Diagnostics) -> Option<TlsExpect> {
    let mut r = MapReader::new(node, "expect", d)?;
    let before = d.len();
    let mut e = TlsExpect::default();
    if let Some(n) = r.take("handshake") {
        e.handshake = match n.scalar_text().as_deref() {
            Some("accepted") => Some(HandshakeExpect::Accepted),
            Some("rejected") => Some(HandshakeExpect::Rejected),
            _ => {
                super::net::closed_word(n, "handshake", &["accepted", "rejected"], d);
                None
            }
        };
    }
    e.alert = r
        .take("alert")
        .and_then(|n| decode_closed(n, "`alert`", Domain::One(&ALERTS), d));
    e.version = r
        .take("version")
        .and_then(|n| decode_closed(n, "`version`", Domain::One(&TLS_VERSIONS), d));
    e.alpn = r.take("alpn").and_then(|n| decode_matcher(n, "`alpn`", d));
    e.cert = r
        .take("cert")
        .and_then(|n| decode_cert_expect(n, CertScope::Chain, d))
        .map(Box::new);
    r.finish(TLS_EXPECT_KEYS, d);
    (d.len() == before).then_some(e)
}

/// `cert:` as a probe: a local PEM file, relative to the check file.
pub fn decode_cert_probe(
    node: &Node,
    base: &Path,
    env_tls: &Arc<TlsOptions>,
    d: &mut Diagnostics,
) -> Option<CertProbe> {
    let mut r = MapReader::new(node, "cert probe", d)?;
    let before = d.len();
    let file = r.require("file", d).and_then(|n| {
        let (path, _) = pem::read_certs(n, base, "`file`", d)?;
        Some(path)
    });
    // The environment's, shared, unless the probe adds its own `ca_file`.
    let mut tls = Arc::clone(env_tls);
    if let Some(n) = r.take("ca_file")
        && let Some((path, certs)) = pem::read_certs(n, base, "`ca_file`", d)
    {
        let own = Arc::make_mut(&mut tls);
        own.extra_roots.extend(certs);
        own.ca_files.push(path);
    }
    r.finish(CERT_PROBE_KEYS, d);
    if d.len() > before {
        return None;
    }
    Some(CertProbe { file: file?, tls })
}

/// The cert probe's `expect:`: only `cert`.
pub fn decode_cert_probe_expect(node: &Node, d: &mut Diagnostics) -> Option<CertExpect> {
    let mut r = MapReader::new(node, "expect", d)?;
    let cert = r
        .require("cert", d)
        .and_then(|n| decode_cert_expect(n, CertScope::Chain, d));
    r.finish(&["cert"], d);
    cert
}

/// A `cert:` expectation; `scope` says whether the probe sees the whole chain.
pub fn decode_cert_expect(
    node: &Node,
    scope: CertScope,
    d: &mut Diagnostics,
) -> Option<CertExpect> {
    let mut r = MapReader::new(node, "cert expectation", d)?;
    let before = d.len();
    if scope == CertScope::Leaf {
        for key in CHAIN_KEYS {
            if let Some(pos) = r.key_pos(key) {
                r.take(key);
                d.error(pos, format!("`{key}` needs the whole certificate chain, which the http probe does not see"), "check it with a tls probe (tls: { host: ..., port: 443 }) or drop it here");
            }
        }
    }
    let mut take = |key: &str| {
        let what = format!("`cert.{key}`");
        let domain = match key {
            "eku" => Some(Domain::List(&EKUS)),
            "key" => Some(Domain::One(&KEYS)),
            _ => None,
        };
        r.take(key).and_then(|n| match domain {
            Some(domain) => decode_closed(n, &what, domain, d),
            None => decode_matcher(n, &what, d),
        })
    };
    let c = CertExpect {
        expires_in: take("expires_in"),
        chain_expires_in: take("chain_expires_in"),
        san: take("san"),
        subject: take("subject"),
        issuer: take("issuer"),
        eku: take("eku"),
        key: take("key"),
        chain_valid: take("chain_valid"),
        fingerprint_sha256: take("fingerprint_sha256"),
        serial: take("serial"),
    };
    r.finish(CERT_EXPECT_KEYS, d);
    if d.len() == before && c.is_empty() {
        d.error(
            node.pos,
            "`cert` holds no expectation",
            "expected what the certificate must be, e.g. cert: { expires_in: { gt: 21d } }",
        );
    }
    (d.len() == before).then_some(c)
}
