//! The `dns` and `tcp` probes and their `expect:` keys.

use super::closed::{Domain, EVERY_RCODE, RCODES, RECORD_TYPES, decided, decode_closed};
use super::environment::parse_addr;
use super::model::{
    AddressMode, ConnectExpect, DnsExpect, DnsProbe, DnsProtocol, IpFamily, TcpExpect, TcpProbe,
};
use crate::matcher::decode_matcher;
use crate::syntax::decode::{MapReader, port, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;
use hickory_proto::rr::RecordType;
use std::str::FromStr;

pub const DNS_PROBE_KEYS: &[&str] = &["name", "type", "server", "protocol"];
pub const DNS_EXPECT_KEYS: &[&str] = &["rcode", "answers", "cnames", "ttl", "time"];
pub const TCP_PROBE_KEYS: &[&str] = &[
    "host",
    "port",
    "send",
    "read_until",
    "read_limit",
    "ip",
    "addresses",
];
pub const TCP_EXPECT_KEYS: &[&str] = &["connect", "time", "received"];

pub fn decode_dns_probe(node: &Node, d: &mut Diagnostics) -> Option<DnsProbe> {
    let mut r = MapReader::new(node, "dns probe", d)?;
    let before = d.len();
    let name = r.require("name", d).and_then(|n| {
        let name = string(n, "`name`", d)?.trim().to_ascii_lowercase();
        let ok =
            !name.is_empty() && name.len() <= 254 && !name.contains(' ') && !name.contains("..");
        if !ok {
            d.error(
                n.pos,
                format!("`name` `{name}` is not a domain name"),
                "expected e.g. nest.thephenom.app",
            );
            return None;
        }
        Some(if name.ends_with('.') {
            name
        } else {
            format!("{name}.")
        })
    });
    let record_type = r.require("type", d).and_then(|n| {
        let written = string(n, "`type`", d)?;
        let text = written.trim().to_ascii_uppercase();
        match RecordType::from_str(&text) {
            Ok(t) if RECORD_TYPES.values.contains(&text.as_str()) => Some(t),
            _ => {
                d.error(
                    n.pos,
                    format!("`{}` is not a DNS record type", written.trim()),
                    RECORD_TYPES.expected(&text),
                );
                None
            }
        }
    });
    let server = r.take("server").and_then(|n| {
        let text = string(n, "`server`", d)?;
        let addr = parse_addr(&text, 53);
        if addr.is_none() {
            d.error(
                n.pos,
                format!("`server` `{text}` is not an IP address with an optional port"),
                "expected e.g. 1.1.1.1:53, 10.0.0.2 or [2606:4700::1111]:53",
            );
        }
        addr
    });
    let protocol = match r.take("protocol") {
        None => Some(DnsProtocol::Udp),
        Some(n) => match string(n, "`protocol`", d)?
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "udp" => Some(DnsProtocol::Udp),
            "tcp" => Some(DnsProtocol::Tcp),
            other => {
                d.error(
                    n.pos,
                    format!("`protocol` `{other}` is not udp or tcp"),
                    "expected udp (the default) or tcp",
                );
                None
            }
        },
    };
    r.finish(DNS_PROBE_KEYS, d);
    if d.len() > before {
        return None;
    }
    Some(DnsProbe {
        name: name?,
        record_type: record_type?,
        server,
        protocol: protocol?,
    })
}

pub fn decode_dns_expect(node: &Node, d: &mut Diagnostics) -> Option<DnsExpect> {
    let mut r = MapReader::new(node, "expect", d)?;
    let before = d.len();
    let rcode = r.take("rcode").and_then(|n| {
        let m = decode_closed(n, "`rcode`", Domain::One(&RCODES), d)?;
        decided(m, n, "`rcode`", &EVERY_RCODE, d)
    });
    let mut take = |key: &str| {
        let what = format!("`{key}`");
        r.take(key).and_then(|n| decode_matcher(n, &what, d))
    };
    let e = DnsExpect {
        rcode,
        answers: take("answers"),
        cnames: take("cnames"),
        ttl: take("ttl"),
        time: take("time"),
    };
    r.finish(DNS_EXPECT_KEYS, d);
    (d.len() == before).then_some(e)
}

pub fn decode_tcp_probe(node: &Node, d: &mut Diagnostics) -> Option<TcpProbe> {
    let mut r = MapReader::new(node, "tcp probe", d)?;
    let before = d.len();
    let host = r
        .require("host", d)
        .and_then(|n| string(n, "`host`", d))
        .map(|h| {
            h.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        });
    let port = r.require("port", d).and_then(|n| port(n, "`port`", d));
    let dialogue = super::dialogue::decode_dialogue(&mut r, d);
    let ip = decode_ip(&mut r, d);
    let addresses = decode_addresses(&mut r, d);
    r.finish(TCP_PROBE_KEYS, d);
    if d.len() > before {
        return None;
    }
    Some(TcpProbe {
        host: host?,
        port: port?,
        dialogue,
        ip: ip?,
        addresses: addresses?,
    })
}

pub fn decode_tcp_expect(node: &Node, d: &mut Diagnostics) -> Option<TcpExpect> {
    let mut r = MapReader::new(node, "expect", d)?;
    let before = d.len();
    let explicit = r.has("connect");
    let connect = match r.take("connect") {
        None => Some(ConnectExpect::Accepted),
        Some(n) => match n.scalar_text().as_deref() {
            Some("accepted") => Some(ConnectExpect::Accepted),
            Some("refused") => Some(ConnectExpect::Refused),
            Some("timeout") => Some(ConnectExpect::Timeout),
            _ => {
                closed_word(n, "connect", &["accepted", "refused", "timeout"], d);
                None
            }
        },
    };
    let time = r.take("time").and_then(|n| decode_matcher(n, "`time`", d));
    let received = r
        .take("received")
        .and_then(|n| decode_matcher(n, "`received`", d));
    r.finish(TCP_EXPECT_KEYS, d);
    if d.len() > before {
        return None;
    }
    Some(TcpExpect {
        connect: connect?,
        explicit,
        time,
        received,
    })
}

/// `addresses: one | all` of the http, tls and tcp probes (default one).
pub fn decode_addresses(r: &mut MapReader, d: &mut Diagnostics) -> Option<AddressMode> {
    let Some(n) = r.take("addresses") else {
        return Some(AddressMode::One);
    };
    match n.scalar_text().as_deref() {
        Some("one") => Some(AddressMode::One),
        Some("all") => Some(AddressMode::All),
        _ => {
            closed_word(n, "addresses", AddressMode::WORDS, d);
            None
        }
    }
}

/// `ip: v4 | v6 | any` of the http, tls and tcp probes (default any).
pub fn decode_ip(r: &mut MapReader, d: &mut Diagnostics) -> Option<IpFamily> {
    let Some(n) = r.take("ip") else {
        return Some(IpFamily::Any);
    };
    match n.scalar_text().as_deref() {
        Some("v4") => Some(IpFamily::V4),
        Some("v6") => Some(IpFamily::V6),
        Some("any") => Some(IpFamily::Any),
        Some(other) => {
            // `ipv6`, `IPv4`: the family is meant, in another spelling.
            let lower = other.trim().to_ascii_lowercase();
            let word = lower.strip_prefix("ip").unwrap_or(&lower);
            match IpFamily::WORDS.iter().find(|w| **w == word) {
                Some(w) => d.error(
                    n.pos,
                    format!("`ip` is `{other}`"),
                    format!("did you mean `{w}`? expected v4, v6 or any"),
                ),
                None => closed_word(n, "ip", IpFamily::WORDS, d),
            }
            None
        }
        None => {
            closed_word(n, "ip", IpFamily::WORDS, d);
            None
        }
    }
}

/// The error for a key that takes one word of `words` (`connect`, `handshake`), with "did
/// you mean".
pub fn closed_word(n: &Node, key: &str, words: &[&str], d: &mut Diagnostics) {
    let shown = n
        .scalar_text()
        .map_or(n.kind().to_string(), |t| format!("`{t}`"));
    let hint = n
        .scalar_text()
        .and_then(|t| {
            words
                .iter()
                .copied()
                .find(|w| w.eq_ignore_ascii_case(t.trim()))
                .or_else(|| crate::syntax::diag::suggest(&t, words))
        })
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    let list = match words {
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => String::new(),
    };
    d.error(
        n.pos,
        format!("`{key}` is {shown}"),
        format!("{hint}expected {list}"),
    );
}
