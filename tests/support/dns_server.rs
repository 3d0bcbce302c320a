//! DNS servers on 127.0.0.1 for the dns probe and the resolver: an authoritative hickory
//! server for `conform.test.` (and a reverse zone), one for any zone built from given records
//! ([`start_with`]), and hand-written UDP/TCP responders that misbehave on purpose. All stop
//! when dropped.

use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::rdata::svcb::{Alpn, SVCB, SvcParamKey, SvcParamValue};
use hickory_proto::rr::rdata::{A, AAAA, CAA, CNAME, HTTPS, MX, NS, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordType};
use hickory_server::Server;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// The test zone; every name below is in it.
pub const ZONE: &str = "conform.test.";
/// A name of the zone whose only address is 127.0.0.1 (A, TTL 300): a host that exists
/// only in the test zone, for http, tls and tcp checks through an environment's resolvers.
pub const LOOPBACK_NAME: &str = "web.conform.test.";
/// How many A records `many.conform.test.` has: too many for a 1232-byte UDP answer.
pub const MANY: usize = 100;

/// The authoritative server for `conform.test.` and `2.0.192.in-addr.arpa.`.
pub struct DnsServer {
    addr: SocketAddr,
    // Dropping the server aborts its UDP and TCP tasks.
    _server: Server<Catalog>,
}

impl DnsServer {
    /// UDP and TCP on the same port.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

fn name(s: &str) -> Name {
    Name::from_ascii(s).expect("a DNS name")
}

fn record(owner: &str, ttl: u32, data: RData) -> Record {
    Record::from_rdata(name(owner), ttl, data)
}

fn soa(zone: &str) -> Record {
    let data = SOA::new(
        name(&format!("ns1.{ZONE}")),
        name(&format!("hostmaster.{ZONE}")),
        2024010101,
        3600,
        600,
        86400,
        60,
    );
    record(zone, 3600, RData::SOA(data))
}

/// The zone's records; the tests assert on these exact values.
fn zone_records() -> Vec<Record> {
    let a = |ip: [u8; 4]| RData::A(A(Ipv4Addr::from(ip)));
    let cname = |to: &str| RData::CNAME(CNAME(name(to)));
    let alpn = SvcParamValue::Alpn(Alpn(vec!["h2".into(), "h3".into()]));
    let mut records = vec![
        soa(ZONE),
        record(ZONE, 3600, RData::NS(NS(name("ns1.conform.test.")))),
        record(ZONE, 300, RData::MX(MX::new(10, name("mx.conform.test.")))),
        record(ZONE, 300, RData::MX(MX::new(20, name("mx2.conform.test.")))),
        record(
            ZONE,
            3600,
            RData::CAA(CAA::new_issue(false, Some(name("letsencrypt.org")), vec![])),
        ),
        record("ns1.conform.test.", 3600, a([192, 0, 2, 53])),
        record("a.conform.test.", 300, a([192, 0, 2, 1])),
        // Loopback, for http, tls and tcp checks whose host exists only in this zone.
        record("web.conform.test.", 300, a([127, 0, 0, 1])),
        record(
            "v6.conform.test.",
            120,
            RData::AAAA(AAAA("2001:db8::1".parse().unwrap())),
        ),
        record("www.conform.test.", 60, cname("a.conform.test.")),
        record("c1.conform.test.", 60, cname("c2.conform.test.")),
        record("c2.conform.test.", 70, cname("c3.conform.test.")),
        record("c3.conform.test.", 80, a([192, 0, 2, 3])),
        record(
            "txt.conform.test.",
            30,
            RData::TXT(TXT::new(vec!["v=spf1 ".into(), "-all".into()])),
        ),
        record(
            "_https._tcp.conform.test.",
            600,
            RData::SRV(SRV::new(10, 5, 443, name("a.conform.test."))),
        ),
        record(
            "svc.conform.test.",
            300,
            RData::HTTPS(HTTPS(SVCB::new(
                1,
                Name::root(),
                vec![(SvcParamKey::Alpn, alpn)],
            ))),
        ),
    ];
    for i in 0..MANY {
        records.push(record(
            "many.conform.test.",
            300,
            a([10, 0, (i / 256) as u8, i as u8]),
        ));
    }
    records
}

const REVERSE_ZONE: &str = "2.0.192.in-addr.arpa.";

fn reverse_records() -> Vec<Record> {
    vec![
        soa(REVERSE_ZONE),
        record(
            "1.2.0.192.in-addr.arpa.",
            900,
            RData::PTR(PTR(name("a.conform.test."))),
        ),
    ]
}

fn zone(origin: &str, records: Vec<Record>) -> Arc<dyn ZoneHandler> {
    let mut zone: InMemoryZoneHandler =
        InMemoryZoneHandler::empty(name(origin), ZoneType::Primary, AxfrPolicy::Deny);
    for r in records {
        assert!(zone.upsert_mut(r, 2024010101), "a record of {origin}");
    }
    Arc::new(zone)
}

/// Starts the authoritative server on 127.0.0.1.
pub async fn start() -> DnsServer {
    let mut catalog = Catalog::new();
    catalog.upsert(
        LowerName::from(name(ZONE)),
        vec![zone(ZONE, zone_records())],
    );
    catalog.upsert(
        LowerName::from(name(REVERSE_ZONE)),
        vec![zone(REVERSE_ZONE, reverse_records())],
    );
    serve(catalog).await
}

/// A record of a zone given to [`start_with`], from text as dig prints its data:
/// `rr("chat.example.", 300, "A", "104.16.1.1")`. Types: A, AAAA, CNAME, TXT (one string).
pub fn rr(owner: &str, ttl: u32, record_type: &str, data: &str) -> Record {
    let data = match record_type {
        "A" => RData::A(A(data.parse().expect("an IPv4 address"))),
        "AAAA" => RData::AAAA(AAAA(data.parse().expect("an IPv6 address"))),
        "CNAME" => RData::CNAME(CNAME(name(data))),
        "TXT" => RData::TXT(TXT::new(vec![data.to_string()])),
        other => panic!("rr: record type {other} is not supported here"),
    };
    record(owner, ttl, data)
}

/// An authoritative server on 127.0.0.1 for the zone `origin` (e.g. `example.app.`) holding
/// `records` and nothing else (an SOA and an NS record are added): a name of the zone with no
/// record is NXDOMAIN, a name outside it is REFUSED. Nothing is forwarded or recursed.
pub async fn start_with(origin: &str, records: Vec<Record>) -> DnsServer {
    let mut all = vec![
        soa(origin),
        record(origin, 3600, RData::NS(NS(name(&format!("ns1.{origin}"))))),
    ];
    all.extend(records);
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::from(name(origin)), vec![zone(origin, all)]);
    serve(catalog).await
}

/// Serves `catalog` over UDP and TCP on one 127.0.0.1 port.
async fn serve(catalog: Catalog) -> DnsServer {
    let (udp, tcp) = bind_pair().await;
    let addr = udp.local_addr().expect("local address");
    let mut server = Server::new(catalog);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 65535);
    DnsServer {
        addr,
        _server: server,
    }
}

/// A UDP socket and a TCP listener on the same 127.0.0.1 port.
async fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        let addr = udp.local_addr().expect("local address");
        if let Ok(tcp) = TcpListener::bind(addr).await {
            return (udp, tcp);
        }
    }
    panic!("no 127.0.0.1 port free for both UDP and TCP");
}

/// A UDP port on 127.0.0.1 where nothing listens (bound, then released): queries to it
/// draw an ICMP port unreachable.
pub fn closed_udp_port() -> SocketAddr {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    socket.local_addr().expect("local address")
}

/// How a hand-written responder misbehaves. Over TCP it says the same, length-prefixed.
#[derive(Clone, Copy, Debug)]
pub enum Misbehaviour {
    /// Reads queries and never answers.
    Silent,
    /// Answers every query with this rcode and no records.
    Rcode(ResponseCode),
    /// Answers with another transaction id (an A record 192.0.2.66) and nothing else.
    WrongId,
    /// Answers with another transaction id, then 100 ms later with the right one
    /// (`WRONG_ID_THEN_RIGHT_ADDRESS`).
    WrongIdThenRight,
    /// Answers with bytes that are no DNS message (starting with the query's id).
    Garbage,
    /// Answers the question name `q` with `q CNAME loop-b.conform.test.` and
    /// `loop-b.conform.test. CNAME q`.
    CnameLoop,
    /// Over UDP an empty answer with the TC bit; over TCP nothing at all.
    TruncatedThenSilent,
    /// Answers NXDOMAIN with the question name a CNAME to `DANGLING_TARGET`: a dangling
    /// CNAME, whose target no longer exists.
    DanglingCname,
    /// Over UDP and TCP alike an answer with the TC bit and one A record `WRONG_ID_ADDRESS`:
    /// a part of the records, said to be a part.
    TruncatedAlways,
    /// Answers an A query with `A_ONLY_ADDRESS` and every other query with SERVFAIL: a
    /// server whose IPv6 side is broken.
    ServfailButA,
    /// As `ServfailButA` for the first AAAA query over UDP; later ones answer that there is
    /// no AAAA record: a passing fault.
    ServfailAaaaOnce,
}

pub const WRONG_ID_ADDRESS: &str = "192.0.2.66";
pub const WRONG_ID_THEN_RIGHT_ADDRESS: &str = "192.0.2.77";
pub const LOOP_TARGET: &str = "loop-b.conform.test.";
pub const DANGLING_TARGET: &str = "gone.conform.test.";
pub const A_ONLY_ADDRESS: &str = "127.0.0.1";

/// A misbehaving responder on 127.0.0.1 (UDP and TCP, same port); stops when dropped.
pub struct HostileDns {
    addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl HostileDns {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for HostileDns {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub async fn hostile(how: Misbehaviour) -> HostileDns {
    let (udp, tcp) = bind_pair().await;
    let addr = udp.local_addr().expect("local address");
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        let mut aaaa_asked = 0;
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            let how = match how {
                Misbehaviour::ServfailAaaaOnce if is_aaaa(&buf[..n]) => {
                    aaaa_asked += 1;
                    if aaaa_asked == 1 {
                        Misbehaviour::ServfailButA
                    } else {
                        Misbehaviour::Rcode(ResponseCode::NoError)
                    }
                }
                Misbehaviour::ServfailAaaaOnce => Misbehaviour::ServfailButA,
                other => other,
            };
            for (delay, reply) in replies(how, &buf[..n], false) {
                tokio::time::sleep(delay).await;
                let _ = udp.send_to(&reply, peer).await;
            }
        }
    });
    let tcp_task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = tcp.accept().await {
            open.push(tokio::spawn(async move {
                let mut length = [0u8; 2];
                while stream.read_exact(&mut length).await.is_ok() {
                    let mut query = vec![0u8; usize::from(u16::from_be_bytes(length))];
                    if stream.read_exact(&mut query).await.is_err() {
                        return;
                    }
                    for (delay, reply) in replies(how, &query, true) {
                        tokio::time::sleep(delay).await;
                        let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&reply);
                        let _ = stream.write_all(&framed).await;
                    }
                }
            }));
        }
    });
    HostileDns {
        addr,
        tasks: vec![udp_task, tcp_task],
    }
}

fn is_aaaa(query: &[u8]) -> bool {
    Message::from_vec(query)
        .is_ok_and(|m| m.queries.first().map(|q| q.query_type()) == Some(RecordType::AAAA))
}

/// What to send back to one query, each after a delay.
fn replies(how: Misbehaviour, query: &[u8], over_tcp: bool) -> Vec<(Duration, Vec<u8>)> {
    let Ok(query) = Message::from_vec(query) else {
        return Vec::new();
    };
    let now = Duration::ZERO;
    let question = query.queries.first().map(|q| q.name().clone());
    let answer = |id: u16, records: Vec<Record>| {
        let mut m = Message::response(id, OpCode::Query);
        m.metadata.recursion_desired = query.recursion_desired;
        m.add_queries(query.queries.iter().cloned());
        m.add_answers(records);
        m.to_vec().expect("encode")
    };
    let a_record = |ip: &str| {
        let owner = question.clone().unwrap_or_else(Name::root);
        vec![Record::from_rdata(
            owner,
            60,
            RData::A(A(ip.parse().unwrap())),
        )]
    };
    let wrong_id = query.id.wrapping_add(1);
    match how {
        Misbehaviour::Silent => Vec::new(),
        Misbehaviour::TruncatedThenSilent if over_tcp => Vec::new(),
        Misbehaviour::DanglingCname => {
            let owner = question.clone().unwrap_or_else(Name::root);
            let mut m = Message::error_msg(query.id, OpCode::Query, ResponseCode::NXDomain);
            m.add_queries(query.queries.iter().cloned());
            m.add_answers(vec![Record::from_rdata(
                owner,
                60,
                RData::CNAME(CNAME(name(DANGLING_TARGET))),
            )]);
            vec![(now, m.to_vec().expect("encode"))]
        }
        Misbehaviour::TruncatedAlways => {
            let mut m = Message::response(query.id, OpCode::Query);
            m.metadata.truncation = true;
            m.add_queries(query.queries.iter().cloned());
            m.add_answers(a_record(WRONG_ID_ADDRESS));
            vec![(now, m.to_vec().expect("encode"))]
        }
        Misbehaviour::TruncatedThenSilent => {
            let mut m = Message::response(query.id, OpCode::Query);
            m.metadata.truncation = true;
            m.add_queries(query.queries.iter().cloned());
            vec![(now, m.to_vec().expect("encode"))]
        }
        Misbehaviour::ServfailButA
            if query.queries.first().map(|q| q.query_type()) == Some(RecordType::A) =>
        {
            vec![(now, answer(query.id, a_record(A_ONLY_ADDRESS)))]
        }
        Misbehaviour::ServfailButA | Misbehaviour::ServfailAaaaOnce => {
            let code = ResponseCode::ServFail;
            let mut m = Message::error_msg(query.id, OpCode::Query, code);
            m.add_queries(query.queries.iter().cloned());
            vec![(now, m.to_vec().expect("encode"))]
        }
        Misbehaviour::Rcode(code) => {
            let mut m = Message::error_msg(query.id, OpCode::Query, code);
            m.add_queries(query.queries.iter().cloned());
            vec![(now, m.to_vec().expect("encode"))]
        }
        Misbehaviour::WrongId => vec![(now, answer(wrong_id, a_record(WRONG_ID_ADDRESS)))],
        Misbehaviour::WrongIdThenRight => vec![
            (now, answer(wrong_id, a_record(WRONG_ID_ADDRESS))),
            (
                Duration::from_millis(100),
                answer(query.id, a_record(WRONG_ID_THEN_RIGHT_ADDRESS)),
            ),
        ],
        Misbehaviour::Garbage => {
            let [hi, lo] = query.id.to_be_bytes();
            vec![(now, vec![hi, lo, 0x81, 0x80, 0xde, 0xad, 0xbe, 0xef])]
        }
        Misbehaviour::CnameLoop => {
            let owner = question.clone().unwrap_or_else(Name::root);
            let records = vec![
                Record::from_rdata(owner.clone(), 60, RData::CNAME(CNAME(name(LOOP_TARGET)))),
                Record::from_rdata(name(LOOP_TARGET), 60, RData::CNAME(CNAME(owner))),
            ];
            vec![(now, answer(query.id, records))]
        }
    }
}
