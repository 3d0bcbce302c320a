//! A check's probe (`http:`, `tls:`, `cert:`, `dns:` or `tcp:`) and its `expect:`, decoded
//! together: one arm per probe kind, so that each probe gets the expectation of its own kind.

use super::model::{
    CertExpect, CheckKind, DnsExpect, HttpExpect, TcpExpect, TlsExpect, TlsOptions,
};
use super::{http, net, tls};
use crate::syntax::decode::MapReader;
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::node::Node;
use std::path::Path;

/// The keys that name a probe; a check has exactly one.
const PROBE_KINDS: [&str; 5] = CheckKind::NAMES;

/// The probe of the check `check` (read through `r`) and its expectation. The expectation is
/// decoded for the probe kind written even when the probe itself has errors, so that its own
/// errors are reported in the same run. Allowed but doubtful expectations go to `warnings`.
pub fn decode_kind(
    r: &mut MapReader<'_>,
    check: &Node,
    base: &Path,
    env_tls: &std::sync::Arc<TlsOptions>,
    warnings: &mut Vec<Diagnostic>,
    d: &mut Diagnostics,
) -> Option<CheckKind> {
    let present: Vec<&str> = PROBE_KINDS.iter().copied().filter(|k| r.has(k)).collect();
    let kind = match present.as_slice() {
        [] => {
            d.error(
                check.pos,
                "the check has no probe",
                format!("expected exactly one of: {}", PROBE_KINDS.join(", ")),
            );
            None
        }
        [one] => Some(*one),
        [_, second, ..] => {
            let pos = r.key_pos(second).unwrap_or(check.pos);
            for k in &present {
                r.take(k);
            }
            d.error(
                pos,
                format!("the check has more than one probe: {}", present.join(", ")),
                "expected exactly one probe per check; split it into several checks",
            );
            None
        }
    };
    let written = r.take("expect");
    match kind {
        Some("http") => {
            let probe = r
                .take("http")
                .and_then(|n| http::decode_probe(n, base, env_tls, d));
            let e = expectation(written, check, d, http::decode_expect);
            if let (Some(e), Some(n)) = (&e, written)
                && e.status.is_none()
            {
                warnings.push(Diagnostic {
                    file: d.file().to_path_buf(),
                    pos: n.pos,
                    message: "the http check has no `status` expectation: any status passes, a 500 included".into(),
                    expected: "add e.g. status: 200 (or status: 2xx); --strict makes this an error".into(),
                });
            }
            let (mut probe, expect) = probe.zip(e)?;
            // Otherwise the probe keeps only the body's start, size and SHA-256.
            probe.body_judged = expect.body.is_some() || !expect.json.is_empty();
            Some(CheckKind::Http { probe, expect })
        }
        Some("tls") => {
            let probe = r
                .take("tls")
                .and_then(|n| tls::decode_tls_probe(n, base, env_tls, d));
            let e = expectation(written, check, d, tls::decode_tls_expect);
            let (probe, expect) = probe.zip(e)?;
            Some(CheckKind::Tls { probe, expect })
        }
        Some("cert") => {
            let probe = r
                .take("cert")
                .and_then(|n| tls::decode_cert_probe(n, base, env_tls, d));
            let e = expectation(written, check, d, tls::decode_cert_probe_expect);
            let (probe, expect) = probe.zip(e)?;
            Some(CheckKind::Cert {
                probe,
                expect: Box::new(expect),
            })
        }
        Some("dns") => {
            let probe = r.take("dns").and_then(|n| net::decode_dns_probe(n, d));
            let e = expectation(written, check, d, net::decode_dns_expect);
            let (probe, expect) = probe.zip(e)?;
            Some(CheckKind::Dns { probe, expect })
        }
        Some("tcp") => {
            let probe = r.take("tcp").and_then(|n| net::decode_tcp_probe(n, d));
            let e = expectation(written, check, d, net::decode_tcp_expect);
            let (mut probe, expect) = probe.zip(e)?;
            // An expectation on what the server sent reads it, even with nothing to send.
            if expect.received.is_some() && probe.dialogue.is_none() {
                probe.dialogue = Some(Default::default());
            }
            Some(CheckKind::Tcp { probe, expect })
        }
        // No probe, or several: there is no kind to read `expect` for, only its presence.
        _ => {
            required(written, check, d, HttpExpect::EXAMPLE);
            None
        }
    }
}

/// The `expect:` node; its absence is an error, whose hint gives `example` (an expectation
/// of the check's kind).
fn required<'a>(
    written: Option<&'a Node>,
    check: &Node,
    d: &mut Diagnostics,
    example: &str,
) -> Option<&'a Node> {
    if written.is_none() {
        d.error(
            check.pos,
            "the check has no `expect`",
            format!("add what must be true, e.g. expect: {example}"),
        );
    }
    written
}

/// The check's `expect:` decoded with `decode`; one that expects nothing is an error.
fn expectation<E: Expectation>(
    written: Option<&Node>,
    check: &Node,
    d: &mut Diagnostics,
    decode: impl FnOnce(&Node, &mut Diagnostics) -> Option<E>,
) -> Option<E> {
    let node = required(written, check, d, E::EXAMPLE)?;
    let expect = decode(node, d)?;
    if expect.is_empty() {
        d.error(
            node.pos,
            "`expect` holds no expectation, so any answer would pass",
            format!("expected what must be true, e.g. expect: {}", E::EXAMPLE),
        );
        return None;
    }
    Some(expect)
}

/// An expectation of one probe kind, as the decoder sees it.
trait Expectation {
    /// What to write in an `expect:` of this kind, for the "holds no expectation" error.
    const EXAMPLE: &'static str;
    /// Nothing is expected: any answer would pass.
    fn is_empty(&self) -> bool;
}

macro_rules! expectation {
    ($type:ty, $example:literal) => {
        impl Expectation for $type {
            const EXAMPLE: &'static str = $example;
            fn is_empty(&self) -> bool {
                <$type>::is_empty(self)
            }
        }
    };
}

expectation!(HttpExpect, "{ status: 200 }");
expectation!(TlsExpect, "{ handshake: accepted }");
expectation!(CertExpect, "{ cert: { expires_in: { gt: 21d } } }");
expectation!(DnsExpect, "{ rcode: NOERROR }");
expectation!(TcpExpect, "{ connect: accepted }");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{ConnectExpect, HandshakeExpect};
    use hickory_proto::rr::RecordType;

    /// The kind of the check `yaml` in the folder `base`, and every diagnostic as text.
    fn decode(yaml: &str, base: &Path) -> (Option<CheckKind>, Vec<String>) {
        let node = Node::parse(yaml).expect("test YAML parses");
        let mut d = Diagnostics::new(Path::new("checks/t.yaml"));
        let mut warnings = Vec::new();
        let mut r = MapReader::new(&node, "check", &mut d).expect("a map");
        let kind = decode_kind(
            &mut r,
            &node,
            base,
            &Default::default(),
            &mut warnings,
            &mut d,
        );
        r.finish(&["http", "tls", "dns", "tcp", "cert", "expect"], &mut d);
        let said = d.list.iter().chain(&warnings);
        (
            kind,
            said.map(|e| format!("{}: {}", e.pos, e.message)).collect(),
        )
    }

    fn kind(yaml: &str) -> CheckKind {
        let (kind, said) = decode(yaml, Path::new("."));
        assert_eq!(said, Vec::<String>::new());
        kind.expect("a kind")
    }

    #[test]
    fn an_http_probe_gets_an_http_expectation() {
        let CheckKind::Http { probe, expect } =
            kind("http: { url: 'https://chat.example/a' }\nexpect: { status: 204, body: ok }\n")
        else {
            panic!("not an http check");
        };
        assert_eq!(probe.url.as_str(), "https://chat.example/a");
        assert_eq!(expect.status.map(|m| m.to_string()).as_deref(), Some("204"));
        assert_eq!(
            expect.body.map(|m| m.to_string()).as_deref(),
            Some("\"ok\"")
        );
        // The body is judged, so the probe keeps it.
        assert!(probe.body_judged);
        let CheckKind::Http { probe, .. } =
            kind("http: { url: 'https://chat.example/' }\nexpect: { status: 200 }\n")
        else {
            panic!("not an http check");
        };
        assert!(!probe.body_judged);
    }

    #[test]
    fn a_tls_probe_gets_a_tls_expectation() {
        let CheckKind::Tls { probe, expect } =
            kind("tls: { host: chat.example, port: 8443 }\nexpect: { handshake: rejected }\n")
        else {
            panic!("not a tls check");
        };
        assert_eq!((probe.host.as_str(), probe.port), ("chat.example", 8443));
        assert_eq!(expect.handshake, Some(HandshakeExpect::Rejected));
    }

    #[test]
    fn a_cert_probe_gets_a_certificate_expectation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cert = rcgen::generate_simple_self_signed(vec!["chat.example".to_string()])
            .expect("a certificate");
        std::fs::write(dir.path().join("leaf.pem"), cert.cert.pem()).expect("write");
        let yaml = "cert: { file: leaf.pem }\nexpect: { cert: { expires_in: { gt: 21d } } }\n";
        let (kind, said) = decode(yaml, dir.path());
        assert_eq!(said, Vec::<String>::new());
        let Some(CheckKind::Cert { probe, expect }) = kind else {
            panic!("not a cert check");
        };
        assert_eq!(probe.file, dir.path().join("leaf.pem"));
        assert_eq!(
            expect.expires_in.map(|m| m.to_string()).as_deref(),
            Some("> 21d")
        );
    }

    #[test]
    fn a_dns_probe_gets_a_dns_expectation() {
        let CheckKind::Dns { probe, expect } =
            kind("dns: { name: chat.example, type: AAAA }\nexpect: { rcode: NXDOMAIN }\n")
        else {
            panic!("not a dns check");
        };
        assert_eq!(probe.name, "chat.example.");
        assert_eq!(probe.record_type, RecordType::AAAA);
        assert_eq!(
            expect.rcode.map(|m| m.to_string()).as_deref(),
            Some("\"NXDOMAIN\"")
        );
    }

    #[test]
    fn a_tcp_probe_gets_a_tcp_expectation() {
        let CheckKind::Tcp { probe, expect } =
            kind("tcp: { host: '::1', port: 22 }\nexpect: { connect: refused }\n")
        else {
            panic!("not a tcp check");
        };
        assert_eq!((probe.host.as_str(), probe.port), ("::1", 22));
        assert_eq!(expect.connect, ConnectExpect::Refused);
        assert!(expect.explicit);
    }

    #[test]
    fn the_expectation_is_read_for_the_kind_of_the_probe() {
        let (kind, said) = decode(
            "tcp: { host: db.example, port: 5432 }\nexpect: { status: 200 }\n",
            Path::new("."),
        );
        assert!(kind.is_none());
        assert_eq!(said, ["2:11: unknown key `status` in the expect"]);
    }

    #[test]
    fn an_expectation_of_nothing_is_refused_with_an_example_of_the_kind() {
        let node = Node::parse("dns: { name: a.example, type: A }\nexpect: {}\n").expect("yaml");
        let mut d = Diagnostics::new(Path::new("checks/t.yaml"));
        let mut r = MapReader::new(&node, "check", &mut d).expect("a map");
        let kind = decode_kind(
            &mut r,
            &node,
            Path::new("."),
            &Default::default(),
            &mut Vec::new(),
            &mut d,
        );
        assert!(kind.is_none());
        let said: Vec<_> = d
            .list
            .iter()
            .map(|e| (e.message.as_str(), e.expected.as_str()))
            .collect();
        assert_eq!(
            said,
            [(
                "`expect` holds no expectation, so any answer would pass",
                "expected what must be true, e.g. expect: { rcode: NOERROR }"
            )]
        );
    }

    #[test]
    fn no_probe_or_two_probes_are_errors_and_expect_is_still_required() {
        let (kind, said) = decode("name: x\n", Path::new("."));
        assert!(kind.is_none());
        assert_eq!(
            said,
            [
                "1:1: the check has no probe",
                "1:1: the check has no `expect`",
                "1:1: unknown key `name` in the check"
            ]
        );
        let (kind, said) = decode(
            "tcp: { host: a, port: 1 }\ndns: { name: a, type: A }\nexpect: { connect: accepted }\n",
            Path::new("."),
        );
        assert!(kind.is_none());
        assert_eq!(
            said,
            // At the second key of the two, in the order http, tls, dns, tcp, cert.
            ["1:1: the check has more than one probe: dns, tcp"]
        );
    }
}
