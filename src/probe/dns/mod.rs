//! The dns probe: one question to one server, as dig asks it, observed whole. No cache: every
//! probe asks the server.

mod answer;
pub(crate) mod exchange;
mod text;

pub(crate) use answer::read_answer;
pub(crate) use text::rcode_text;

use super::{ProbeError, ProbeErrorKind};
use crate::config::model::{DnsProbe, DnsProtocol, Environment};
use hickory_proto::op::Message;
use hickory_proto::rr::{Name, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Where the system lists its resolvers.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// What the server answered.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsObservation {
    /// The server that answered.
    pub server: SocketAddr,
    /// The transport the answer came over (UDP, or TCP after a truncated UDP answer).
    pub protocol: DnsProtocol,
    /// `NOERROR`, `NXDOMAIN`, `SERVFAIL`, `REFUSED` ...
    pub rcode: String,
    /// The records of the asked type, as dig prints their data (`127.0.0.13`,
    /// `phenom.pages.dev.`, `10 mx.example.`, `0 issue "letsencrypt.org"`; TXT strings joined
    /// without quotes); names fully qualified with the trailing dot.
    pub answers: Vec<String>,
    /// TTLs of those records, in the same order.
    pub ttls: Vec<u32>,
    /// The CNAME chain that led to the answers: each target, in order.
    pub cnames: Vec<String>,
    /// The whole answer section as dig prints it, for verbose reports.
    pub answer_section: Vec<String>,
    /// A UDP answer came truncated and the question was asked again over TCP.
    pub retried_over_tcp: bool,
    pub elapsed: Duration,
}

impl DnsObservation {
    /// NOERROR with no record of the asked type: the name exists, the type does not.
    pub fn is_nodata(&self) -> bool {
        self.rcode == "NOERROR" && self.answers.is_empty()
    }
}

pub struct DnsProber {
    /// The environment's resolvers; when empty, the system's are read at each probe.
    servers: Vec<SocketAddr>,
}

impl DnsProber {
    pub fn new(env: &Environment) -> DnsProber {
        DnsProber {
            servers: env.resolvers.clone(),
        }
    }

    pub async fn probe(
        &self,
        probe: &DnsProbe,
        timeout: Duration,
    ) -> Result<DnsObservation, ProbeError> {
        let started = Instant::now();
        let name = dns_name(&probe.name).map_err(|message| ProbeError {
            kind: ProbeErrorKind::Dns,
            message,
        })?;
        let server = match probe.server.or_else(|| self.servers.first().copied()) {
            Some(server) => server,
            None => system_server().await?,
        };
        let exchange = exchange::ask(
            server,
            &name,
            probe.record_type,
            probe.protocol,
            started,
            timeout,
        )
        .await?;
        Ok(observe(
            &exchange.response,
            &name,
            probe.record_type,
            server,
            exchange.protocol,
            exchange.retried_over_tcp,
            started.elapsed(),
        ))
    }
}

/// What a response says about the question `name` `asked`, as dig would show it.
fn observe(
    response: &Message,
    name: &Name,
    asked: RecordType,
    server: SocketAddr,
    protocol: DnsProtocol,
    retried_over_tcp: bool,
    elapsed: Duration,
) -> DnsObservation {
    let answer = read_answer(response, name, asked);
    DnsObservation {
        server,
        protocol,
        rcode: rcode_text(response.response_code),
        answers: answer
            .records
            .iter()
            .map(|r| text::rdata_text(&r.data))
            .collect(),
        ttls: answer.records.iter().map(|r| r.ttl).collect(),
        cnames: answer.cnames.iter().map(Name::to_ascii).collect(),
        answer_section: response.answers.iter().map(text::dig_line).collect(),
        retried_over_tcp,
        elapsed,
    }
}

/// The observation `probe` would make of a server answering with the bytes `wire` (a DNS
/// message); `Err` says why the bytes are not one. For fuzzing and tools: no bytes may make
/// it panic.
pub fn observe_wire(probe: &DnsProbe, wire: &[u8]) -> Result<DnsObservation, String> {
    let name = dns_name(&probe.name)?;
    let response = Message::from_vec(wire).map_err(|e| format!("not a DNS message: {e}"))?;
    let server = probe
        .server
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 53)));
    Ok(observe(
        &response,
        &name,
        probe.record_type,
        server,
        probe.protocol,
        false,
        Duration::ZERO,
    ))
}

/// `name` as an absolute DNS name (a missing trailing dot is implied, as dig does); Unicode
/// labels become punycode.
pub(crate) fn dns_name(name: &str) -> Result<Name, String> {
    let mut parsed =
        Name::from_utf8(name).map_err(|e| format!("`{name}` is not a valid DNS name: {e}"))?;
    parsed.set_fqdn(true);
    Ok(parsed)
}

/// The first `nameserver` of the system's resolv.conf, read now: no cache.
async fn system_server() -> Result<SocketAddr, ProbeError> {
    let text = tokio::fs::read_to_string(RESOLV_CONF)
        .await
        .map_err(|e| ProbeError {
            kind: ProbeErrorKind::Dns,
            message: format!(
                "no DNS server to ask: the check names none, the environment has no \
                 `resolvers:`, and {RESOLV_CONF} could not be read ({e})"
            ),
        })?;
    nameservers(&text)
        .first()
        .copied()
        .ok_or_else(|| ProbeError {
            kind: ProbeErrorKind::Dns,
            message: format!(
                "no DNS server to ask: the check names none, the environment has no `resolvers:`, \
             and {RESOLV_CONF} has no usable `nameserver` line"
            ),
        })
}

/// The `nameserver` addresses of a resolv.conf, on port 53. Scoped IPv6 addresses
/// (`fe80::1%eth0`) are skipped: a socket address cannot carry the interface name here.
fn nameservers(resolv_conf: &str) -> Vec<SocketAddr> {
    resolv_conf
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("nameserver"), Some(addr)) => addr.parse::<IpAddr>().ok(),
                _ => None,
            }
        })
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A name for unit tests of this folder.
    pub(crate) fn name(s: &str) -> Name {
        dns_name(s).expect("a DNS name")
    }

    #[test]
    fn a_message_on_the_wire_is_observed_as_the_probe_would() {
        use hickory_proto::op::OpCode;
        use hickory_proto::rr::rdata::{A, CNAME};
        use hickory_proto::rr::{RData, Record};
        let mut m = Message::response(7, OpCode::Query);
        m.add_answers([
            Record::from_rdata(
                name("chat.test."),
                60,
                RData::CNAME(CNAME(name("edge.chat.test."))),
            ),
            Record::from_rdata(
                name("edge.chat.test."),
                30,
                RData::A(A([104, 16, 1, 2].into())),
            ),
        ]);
        let wire = m.to_vec().expect("encode");
        let probe = DnsProbe {
            name: "chat.test".into(),
            record_type: RecordType::A,
            server: None,
            protocol: DnsProtocol::Udp,
        };
        let seen = observe_wire(&probe, &wire).expect("a DNS message");
        assert_eq!(seen.rcode, "NOERROR");
        assert_eq!(seen.answers, ["104.16.1.2"]);
        assert_eq!(seen.ttls, [30]);
        assert_eq!(seen.cnames, ["edge.chat.test."]);
        assert_eq!(
            seen.answer_section,
            [
                "chat.test. 60 IN CNAME edge.chat.test.",
                "edge.chat.test. 30 IN A 104.16.1.2"
            ]
        );
        assert_eq!(seen.server.to_string(), "127.0.0.1:53");

        let err = observe_wire(&probe, b"\x00\x07garbage").unwrap_err();
        assert!(err.starts_with("not a DNS message: "), "{err}");
    }

    #[test]
    fn nameservers_come_from_resolv_conf_lines() {
        let conf = "# generated\nsearch example.com\nnameserver 10.0.0.2\n; nameserver 9.9.9.9\n\
                    nameserver   2001:db8::53 \nnameserver fe80::1%eth0\noptions ndots:2\n";
        let found: Vec<String> = nameservers(conf).iter().map(|a| a.to_string()).collect();
        assert_eq!(found, ["10.0.0.2:53", "[2001:db8::53]:53"]);
        assert!(nameservers("search example.com\n").is_empty());
    }

    #[test]
    fn names_are_absolute_and_ascii() {
        assert_eq!(dns_name("a.example").unwrap().to_ascii(), "a.example.");
        assert_eq!(dns_name("A.Example.").unwrap().to_ascii(), "a.example.");
        assert_eq!(
            dns_name("bücher.de").unwrap().to_ascii(),
            "xn--bcher-kva.de."
        );
        assert!(dns_name(&"x".repeat(70)).is_err());
    }
}
