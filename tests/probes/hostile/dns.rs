//! DNS responders that flood, drip, cut answers short or answer other questions.

use super::{peak_rss_kib, within};
use crate::support::*;
use conform::config::model::{DnsProbe, DnsProtocol};
use conform::probe::dns::DnsProber;
use conform::probe::{ProbeError, ProbeErrorKind};
use hickory_proto::rr::RecordType;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinHandle;

// ---- DNS servers that misbehave ------------------------------------------------------------
//
// tests/probes/dns/ has the single misbehaviours (silence, another id, garbage, a CNAME
// loop, truncation); these are the floods and drips.

const DNS_TIMEOUT: Duration = Duration::from_secs(1);

fn dns_question(server: SocketAddr, protocol: DnsProtocol) -> DnsProbe {
    DnsProbe {
        name: "a.conform.test.".into(),
        record_type: RecordType::A,
        server: Some(server),
        protocol,
    }
}

/// Asks `server` over `protocol` with [`DNS_TIMEOUT`], expecting the probe to fail.
async fn dns_error(server: SocketAddr, protocol: DnsProtocol) -> ProbeError {
    let probe = dns_question(server, protocol);
    let prober = DnsProber::new(&test_env());
    let (outcome, _) = within(DNS_TIMEOUT, prober.probe(&probe, DNS_TIMEOUT)).await;
    match outcome {
        Ok(seen) => panic!("probe should have failed, saw {seen:?}"),
        Err(e) => e,
    }
}

/// The timeout message for a TCP query to `addr` that got no answer.
fn no_tcp_answer(addr: SocketAddr) -> String {
    format!("no answer from {addr} over TCP within 1s (timeout)")
}

/// `query` turned into a response (QR set) to another transaction id: well formed, but no
/// answer to the question asked.
fn other_id_response(query: &[u8]) -> Vec<u8> {
    let mut reply = query.to_vec();
    if reply.len() >= 3 {
        reply[0] ^= 0x5a;
        reply[2] |= 0x80;
    }
    reply
}

/// A UDP responder on 127.0.0.1: for the first query, sends every datagram `replies` makes of
/// it, as fast as the socket takes them.
async fn udp_flood(replies: fn(&[u8]) -> Vec<Vec<u8>>) -> (SocketAddr, JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
    let addr = socket.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        if let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            for reply in replies(&buf[..n]) {
                let _ = socket.send_to(&reply, peer).await;
            }
            std::future::pending::<()>().await;
        }
    });
    (addr, task)
}

/// A TCP responder on 127.0.0.1 that reads one length-prefixed query and hands the stream
/// and the query to `answer`.
async fn tcp_dns<F, Fut>(answer: F) -> (SocketAddr, JoinHandle<()>)
where
    F: FnOnce(TcpStream, Vec<u8>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tcp");
    let addr = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let Ok((mut tcp, _)) = listener.accept().await else {
            return;
        };
        let mut length = [0u8; 2];
        if tcp.read_exact(&mut length).await.is_err() {
            return;
        }
        let mut query = vec![0u8; usize::from(u16::from_be_bytes(length))];
        if tcp.read_exact(&mut query).await.is_ok() {
            answer(tcp, query).await;
        }
    });
    (addr, task)
}

#[tokio::test]
async fn ten_thousand_garbage_datagrams_are_ignored_until_the_timeout() {
    let (addr, _server) = udp_flood(|query| {
        let mut garbage = vec![0xa5u8; 512];
        garbage[..2].copy_from_slice(&query[..2]);
        let mut flood = vec![garbage; 5_000];
        flood.extend(std::iter::repeat_n(other_id_response(query), 5_000));
        flood
    })
    .await;
    let err = dns_error(addr, DnsProtocol::Udp).await;
    assert_eq!(err.kind, ProbeErrorKind::Timeout);
    let prefix = format!("no answer from {addr} over UDP within 1s (timeout); ignored ");
    let count: usize = err
        .message
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(" datagram(s) that were not an answer to the question"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", err.message));
    // Loopback may drop some of a burst; most arrive, each is read and set aside.
    assert!((1..=10_000).contains(&count), "{count}");
    let peak = peak_rss_kib();
    println!("peak RSS (VmHWM) after the DNS flood: {peak} KiB");
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
}

#[tokio::test]
async fn a_tcp_answer_dripped_a_byte_at_a_time_times_out() {
    let (addr, _server) = tcp_dns(|mut tcp, _query| async move {
        let _ = tcp.write_all(&512u16.to_be_bytes()).await;
        for _ in 0..512 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if tcp.write_all(&[0]).await.is_err() {
                return;
            }
        }
    })
    .await;
    let err = dns_error(addr, DnsProtocol::Tcp).await;
    assert_error(&err, ProbeErrorKind::Timeout, &no_tcp_answer(addr));
}

#[tokio::test]
async fn a_tcp_answer_cut_short_is_a_protocol_error() {
    let (addr, _server) = tcp_dns(|mut tcp, query| async move {
        let _ = tcp.write_all(&u16::MAX.to_be_bytes()).await;
        let _ = tcp.write_all(&query).await;
        // Closed here, 65535 - query.len() bytes short.
    })
    .await;
    let err = dns_error(addr, DnsProtocol::Tcp).await;
    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &format!("{addr} closed the TCP connection before answering completely"),
    );
}

#[tokio::test]
async fn endless_tcp_answers_to_other_questions_end_at_the_timeout() {
    let (addr, _server) = tcp_dns(|mut tcp, query| async move {
        let reply = other_id_response(&query);
        let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&reply);
        while tcp.write_all(&framed).await.is_ok() {}
    })
    .await;
    let err = dns_error(addr, DnsProtocol::Tcp).await;
    assert_error(&err, ProbeErrorKind::Timeout, &no_tcp_answer(addr));
}
