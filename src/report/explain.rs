//! `conform explain ID`: one check as it will run, every variable filled in (secrets
//! redacted), what it expects, and the command that repeats its probe by hand.

use crate::config::model::{
    CertExpect, Check, ConnectExpect, DnsProtocol, Environment, Expect, Probe, RequestBody, Secrets,
};
use std::fmt::Write;
use std::time::Duration;

pub fn explain(check: &Check, env: &Environment, secrets: &Secrets) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", check.id, check.name);
    let _ = writeln!(out, "  defined at  {}:{}", check.file.display(), check.line);
    let _ = writeln!(out, "  suite       {}", check.suite);
    let _ = writeln!(out, "  env         {}", env.name);
    let _ = writeln!(out, "  tags        {}", check.tags.join(", "));
    if !check.claims.is_empty() {
        let _ = writeln!(out, "  claims      {}", check.claims.join(", "));
    }
    if let Some(p) = &check.pending {
        let until = p.until.map(|d| format!(" (until {d})")).unwrap_or_default();
        let _ = writeln!(out, "  pending     {}{until}", p.reason);
    }
    let _ = writeln!(
        out,
        "  timeout     {}, retries {}, retry_delay {}",
        seconds(check.timeout),
        check.retries,
        seconds(check.retry_delay)
    );
    for u in &check.unresolved {
        let _ = writeln!(
            out,
            "  not set     {} ({}:{})",
            u.message,
            u.file.display(),
            u.pos
        );
    }
    if !check.flow.needs.is_empty() {
        let ids: Vec<&str> = check.flow.need_ids().collect();
        let _ = writeln!(out, "  needs       {}", ids.join(", "));
    }
    for c in &check.flow.captures {
        let var = crate::config::model::capture_var(&check.id, &c.name);
        let _ = writeln!(
            out,
            "  captures    {} from {} (a secret: ${{{var}}})",
            c.name,
            c.from.describe()
        );
    }
    let _ = writeln!(out, "probe");
    for line in probe_lines(check.kind.probe()) {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "expect");
    for line in expect_lines(check.kind.expect()) {
        let _ = writeln!(out, "  {line}");
    }
    let reproduce = crate::probe::reproduce::command(check.kind.probe(), env, check.timeout, None);
    let _ = writeln!(out, "reproduce\n  {}", reproduce.to_shell(secrets));
    super::escape::printable(&secrets.redact(&out))
}

fn seconds(d: Duration) -> String {
    crate::syntax::quantity::format_seconds(d.as_secs_f64())
}

fn probe_lines(probe: Probe<'_>) -> Vec<String> {
    match probe {
        Probe::Http(h) => {
            let mut lines = vec![format!("http {} {}", h.method, h.url)];
            lines.extend(h.headers.iter().map(|(n, v)| format!("header {n}: {v}")));
            match &h.body {
                None => {}
                Some(RequestBody::Text(text)) => lines.push(format!("body {}", json_text(text))),
                Some(RequestBody::Json(value)) => lines.push(format!(
                    "json {}",
                    serde_json::to_string(value).unwrap_or_default()
                )),
            }
            if h.follow_redirects > 0 {
                let downgrade = if h.allow_downgrade {
                    ", https to http too"
                } else {
                    ""
                };
                lines.push(format!(
                    "follow up to {}{downgrade}",
                    crate::syntax::quantity::count(h.follow_redirects as usize, "redirect")
                ));
            }
            if let Some(c) = &h.connect_to {
                let port = c.port.map(|p| format!(":{p}")).unwrap_or_default();
                lines.push(format!("connect to {}{port}", c.host));
            }
            lines.push(tls_line(&h.tls));
            lines.push(format!(
                "body limit {}",
                crate::syntax::quantity::format_size(h.body_limit)
            ));
            lines
        }
        Probe::Tls(t) => vec![
            match t.starttls {
                Some(p) => format!(
                    "tls {}:{} sni {} starttls {}",
                    t.host,
                    t.port,
                    t.sni,
                    p.as_str()
                ),
                None => format!("tls {}:{} sni {}", t.host, t.port, t.sni),
            },
            if t.alpn.is_empty() {
                "alpn none offered".to_string()
            } else {
                format!("alpn {}", t.alpn.join(", "))
            },
            tls_line(&t.tls),
        ],
        Probe::Cert(c) => {
            let mut lines = vec![format!("cert file {}", c.file.display())];
            lines.extend(c.tls.ca_files.iter().map(|f| format!("ca {}", f.display())));
            lines
        }
        Probe::Dns(d) => {
            let server = d
                .server
                .map_or("the environment's resolvers".to_string(), |s| s.to_string());
            let over = match d.protocol {
                DnsProtocol::Udp => "UDP (TCP when the answer is truncated)",
                DnsProtocol::Tcp => "TCP",
            };
            vec![format!(
                "dns {} {} via {server} over {over}",
                d.name, d.record_type
            )]
        }
        Probe::Tcp(t) => {
            let mut lines = vec![format!("tcp {}:{}", t.host, t.port)];
            if let Some(d) = &t.dialogue {
                if !d.send.is_empty() {
                    lines.push(format!("send {}", bytes(&d.send)));
                }
                let until = match &d.read_until {
                    Some(u) => bytes(u),
                    None => "the end of the first line".into(),
                };
                lines.push(format!(
                    "read until {until}, at most {}",
                    crate::syntax::quantity::format_size(d.read_limit)
                ));
            }
            lines
        }
    }
}

/// Bytes as a quoted text, control characters escaped.
fn bytes(b: &[u8]) -> String {
    format!(
        "\"{}\"",
        super::escape::one_line(&String::from_utf8_lossy(b))
    )
}

/// A text as a JSON string: quoted, its control characters escaped.
fn json_text(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn tls_line(tls: &crate::config::model::TlsOptions) -> String {
    let versions: Vec<String> = tls.versions.iter().map(|v| v.to_string()).collect();
    let mut parts = vec![format!("verify {}", tls.verify)];
    if !versions.is_empty() {
        parts.push(format!("versions {}", versions.join(", ")));
    }
    for f in &tls.ca_files {
        parts.push(format!("ca {}", f.display()));
    }
    if let Some(id) = &tls.client_identity {
        parts.push(format!(
            "client certificate {} key {}",
            id.cert_file.display(),
            id.key_file.display()
        ));
    }
    if let Some(sni) = &tls.sni {
        parts.push(format!("sni {sni}"));
    }
    format!("tls {}", parts.join(", "))
}

fn expect_lines(expect: Expect<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    fn push(lines: &mut Vec<String>, field: &str, m: &Option<crate::matcher::Matcher>) {
        if let Some(m) = m {
            lines.push(format!("{field}: {m}"));
        }
    }
    match expect {
        Expect::Http(e) => {
            push(&mut lines, "status", &e.status);
            for (name, m) in &e.headers {
                lines.push(format!("header {name}: {m}"));
            }
            push(&mut lines, "body", &e.body);
            for j in &e.json {
                lines.push(format!("body json {}: {}", j.path_text, j.matcher));
            }
            if let Some(c) = &e.cert {
                lines.extend(cert_lines(c));
            }
            if let Some(m) = &e.time {
                lines.push(format!("time: {m}"));
            }
        }
        Expect::Tls(e) => {
            let handshake = match e.handshake {
                Some(crate::config::model::HandshakeExpect::Rejected) => "rejected",
                _ => "accepted",
            };
            lines.push(format!("handshake: {handshake}"));
            push(&mut lines, "alert", &e.alert);
            push(&mut lines, "version", &e.version);
            push(&mut lines, "alpn", &e.alpn);
            if let Some(c) = &e.cert {
                lines.extend(cert_lines(c));
            }
        }
        Expect::Cert(c) => lines.extend(cert_lines(c)),
        Expect::Dns(e) => {
            match &e.rcode {
                Some(m) => lines.push(format!("rcode: {m}")),
                None => lines.push("rcode: \"NOERROR\"".into()),
            }
            push(&mut lines, "answers", &e.answers);
            push(&mut lines, "cnames", &e.cnames);
            push(&mut lines, "ttl", &e.ttl);
            push(&mut lines, "time", &e.time);
        }
        Expect::Tcp(e) => {
            let connect = match e.connect {
                ConnectExpect::Accepted => "accepted",
                ConnectExpect::Refused => "refused",
                ConnectExpect::Timeout => "timeout",
            };
            lines.push(format!("connect: {connect}"));
            push(&mut lines, "time", &e.time);
            push(&mut lines, "received", &e.received);
        }
    }
    lines
}

fn cert_lines(c: &CertExpect) -> Vec<String> {
    let fields = [
        ("expires_in", &c.expires_in),
        ("chain_expires_in", &c.chain_expires_in),
        ("san", &c.san),
        ("subject", &c.subject),
        ("issuer", &c.issuer),
        ("eku", &c.eku),
        ("key", &c.key),
        ("chain_valid", &c.chain_valid),
        ("fingerprint_sha256", &c.fingerprint_sha256),
        ("serial", &c.serial),
    ];
    fields
        .iter()
        .filter_map(|(name, m)| m.as_ref().map(|m| format!("cert {name}: {m}")))
        .collect()
}
