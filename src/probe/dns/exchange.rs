//! One question to one server, asked as dig asks it: recursion desired, an EDNS payload of
//! 1232 bytes, over UDP and again over TCP when the UDP answer comes truncated.

use crate::config::model::DnsProtocol;
use crate::probe::{ProbeError, ProbeErrorKind};
use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};

/// The payload dig advertises since DNS Flag Day 2020: fits one unfragmented packet.
const EDNS_PAYLOAD: u16 = 1232;
/// Room for the largest UDP datagram, so that no answer is cut by our buffer.
const UDP_BUFFER: usize = 65536;

/// The server's answer and how it came.
pub(crate) struct Exchange {
    pub response: Message,
    pub protocol: DnsProtocol,
    pub retried_over_tcp: bool,
}

/// Asks `server` for `name`/`record_type`, giving up `timeout` after `started`. Replies that
/// are not an answer to this question (another id, another question, unreadable bytes) are
/// ignored over UDP, as a spoofed or stray datagram would be.
pub(crate) async fn ask(
    server: SocketAddr,
    name: &Name,
    record_type: RecordType,
    protocol: DnsProtocol,
    started: std::time::Instant,
    timeout: Duration,
) -> Result<Exchange, ProbeError> {
    let deadline = crate::probe::deadline_after(Instant::from_std(started), timeout);
    let query = question(name, record_type);
    let bytes = query.to_vec().map_err(|e| ProbeError {
        kind: ProbeErrorKind::Dns,
        message: format!("could not encode the query for {name} {record_type}: {e}"),
    })?;
    let ask = Ask {
        server,
        query: &query,
        bytes: &bytes,
        deadline,
        timeout,
    };
    if protocol == DnsProtocol::Tcp {
        let response = ask.over_tcp().await?;
        return Ok(Exchange {
            response,
            protocol: DnsProtocol::Tcp,
            retried_over_tcp: false,
        });
    }
    let response = ask.over_udp().await?;
    if !response.truncation {
        return Ok(Exchange {
            response,
            protocol: DnsProtocol::Udp,
            retried_over_tcp: false,
        });
    }
    let response = ask.over_tcp().await.map_err(|e| ProbeError {
        kind: e.kind,
        message: format!(
            "{server} truncated its UDP answer, and asking again over TCP failed: {e}"
        ),
    })?;
    Ok(Exchange {
        response,
        protocol: DnsProtocol::Tcp,
        retried_over_tcp: true,
    })
}

/// A query as dig sends it: a random id, recursion desired, one question of class IN.
fn question(name: &Name, record_type: RecordType) -> Message {
    let mut query = Message::query();
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(name.clone(), record_type));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    query.set_edns(edns);
    query
}

struct Ask<'a> {
    server: SocketAddr,
    query: &'a Message,
    bytes: &'a [u8],
    deadline: Instant,
    timeout: Duration,
}

impl Ask<'_> {
    async fn over_udp(&self) -> Result<Message, ProbeError> {
        let mut ignored = 0usize;
        let outcome = timeout_at(self.deadline, self.udp_exchange(&mut ignored)).await;
        match outcome {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(self.io_failure("UDP", &e)),
            Err(_) => {
                let mut message = format!(
                    "no answer from {} over UDP within {:?} (timeout)",
                    self.server, self.timeout
                );
                if ignored > 0 {
                    message.push_str(&format!(
                        "; ignored {ignored} datagram(s) that were not an answer to the question"
                    ));
                }
                Err(ProbeError {
                    kind: ProbeErrorKind::Timeout,
                    message,
                })
            }
        }
    }

    /// Sends the query and waits for the datagram that answers it, counting the others.
    async fn udp_exchange(&self, ignored: &mut usize) -> io::Result<Message> {
        let local: SocketAddr = match self.server {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = UdpSocket::bind(local).await?;
        // Connected, so that only the server's datagrams arrive and an ICMP port unreachable
        // surfaces as ConnectionRefused.
        socket.connect(self.server).await?;
        socket.send(self.bytes).await?;
        let mut buf = vec![0u8; UDP_BUFFER];
        loop {
            let n = socket.recv(&mut buf).await?;
            match Message::from_vec(&buf[..n]) {
                Ok(response) if answers(&response, self.query) => return Ok(response),
                _ => *ignored += 1,
            }
        }
    }

    /// The answer over TCP, which has room for every record: one still marked truncated
    /// holds a part of them, and no expectation may take it for all (an error).
    async fn over_tcp(&self) -> Result<Message, ProbeError> {
        let response = timeout_at(self.deadline, self.tcp_exchange())
            .await
            .unwrap_or_else(|_| {
                Err(ProbeError {
                    kind: ProbeErrorKind::Timeout,
                    message: format!(
                        "no answer from {} over TCP within {:?} (timeout)",
                        self.server, self.timeout
                    ),
                })
            })?;
        if response.truncation {
            return Err(ProbeError {
                kind: ProbeErrorKind::Protocol,
                message: format!(
                    "{} marked its TCP answer truncated (TC): its records are a part of them",
                    self.server
                ),
            });
        }
        Ok(response)
    }

    /// Over TCP each message has a 2-byte length prefix, so answers are at most 65535 bytes.
    async fn tcp_exchange(&self) -> Result<Message, ProbeError> {
        let mut stream = TcpStream::connect(self.server)
            .await
            .map_err(|e| self.io_failure("TCP", &e))?;
        let mut framed = Vec::with_capacity(self.bytes.len() + 2);
        framed.extend_from_slice(&(self.bytes.len() as u16).to_be_bytes());
        framed.extend_from_slice(self.bytes);
        stream
            .write_all(&framed)
            .await
            .map_err(|e| self.io_failure("TCP", &e))?;
        loop {
            let response = self.read_tcp_message(&mut stream).await?;
            if answers(&response, self.query) {
                return Ok(response);
            }
        }
    }

    async fn read_tcp_message(&self, stream: &mut TcpStream) -> Result<Message, ProbeError> {
        let mut length = [0u8; 2];
        let read = async {
            stream.read_exact(&mut length).await?;
            let mut buf = vec![0u8; usize::from(u16::from_be_bytes(length))];
            stream.read_exact(&mut buf).await?;
            Ok::<_, io::Error>(buf)
        };
        let buf = read.await.map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => ProbeError {
                kind: ProbeErrorKind::Protocol,
                message: format!(
                    "{} closed the TCP connection before answering completely",
                    self.server
                ),
            },
            _ => self.io_failure("TCP", &e),
        })?;
        Message::from_vec(&buf).map_err(|e| ProbeError {
            kind: ProbeErrorKind::Protocol,
            message: format!(
                "{} answered over TCP with {} bytes that are not a DNS message: {e}",
                self.server,
                buf.len()
            ),
        })
    }

    fn io_failure(&self, transport: &str, e: &io::Error) -> ProbeError {
        if e.kind() == io::ErrorKind::ConnectionRefused {
            let what = match transport {
                "UDP" => "the query over UDP (port unreachable)",
                _ => "the TCP connection",
            };
            return ProbeError {
                kind: ProbeErrorKind::Refused,
                message: format!("{} refused {what}", self.server),
            };
        }
        ProbeError {
            kind: ProbeErrorKind::Dns,
            message: format!("asking {} over {transport} failed: {e}", self.server),
        }
    }
}

/// A response to this query: same id and, when the server repeats it, the same question
/// (servers may leave the question out of an error, FORMERR or REFUSED; never out of an
/// answer, NOERROR or NXDOMAIN, which then may be another question's).
fn answers(response: &Message, query: &Message) -> bool {
    let answered = matches!(
        response.response_code,
        ResponseCode::NoError | ResponseCode::NXDomain
    );
    response.id == query.id
        && response.message_type == MessageType::Response
        && (response.queries.is_empty() && !answered
            || response.queries.len() == query.queries.len()
                && response.queries.iter().zip(&query.queries).all(|(r, q)| {
                    r.name() == q.name()
                        && r.query_type() == q.query_type()
                        && r.query_class() == q.query_class()
                }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dns::tests::name;
    use hickory_proto::op::OpCode;

    #[test]
    fn the_query_asks_like_dig() {
        let q = question(&name("a.test."), RecordType::MX);
        assert!(q.recursion_desired);
        assert_eq!(q.message_type, MessageType::Query);
        assert_eq!(q.queries.len(), 1);
        assert_eq!(q.queries[0].name(), &name("a.test."));
        assert_eq!(q.queries[0].query_type(), RecordType::MX);
        assert_eq!(q.queries[0].query_class(), hickory_proto::rr::DNSClass::IN);
        assert_eq!(q.edns.as_ref().map(|e| e.max_payload()), Some(1232));
    }

    #[test]
    fn a_response_matches_by_id_and_question() {
        let q = question(&name("a.test."), RecordType::A);
        let mut r = Message::response(q.id, OpCode::Query);
        r.add_query(Query::query(name("A.TEST."), RecordType::A));
        assert!(answers(&r, &q), "names compare without case");

        let mut other_id = r.clone();
        other_id.metadata.id = q.id.wrapping_add(1);
        assert!(!answers(&other_id, &q));

        let mut other_question = Message::response(q.id, OpCode::Query);
        other_question.add_query(Query::query(name("b.test."), RecordType::A));
        assert!(!answers(&other_question, &q));

        let mut other_type = Message::response(q.id, OpCode::Query);
        other_type.add_query(Query::query(name("a.test."), RecordType::AAAA));
        assert!(!answers(&other_type, &q));

        let mut refused = Message::error_msg(q.id, OpCode::Query, ResponseCode::Refused);
        refused.queries.clear();
        assert!(answers(&refused, &q), "an error without its question");
        assert!(
            !answers(&Message::response(q.id, OpCode::Query), &q),
            "an answer without its question may be another's"
        );
        let mut not_a_response = q.clone();
        not_a_response.queries.clear();
        assert!(!answers(&not_a_response, &q), "a query is not an answer");
    }
}
