//! http answers that are endless, oversized, cut, garbled or not text: capped, or protocol errors
//! that say where.

use super::{MIB, TIMEOUT, fail, observe, peak_rss_kib, scripted, within};
use crate::support::*;
use conform::config::model::HttpExpect;
use conform::judge::judge_http;
use conform::matcher::Matcher;
use conform::probe::http::HttpProber;
use conform::probe::{ProbeError, ProbeErrorKind};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Asserts that a GET of `http://<addr>/` failed as no valid HTTP answer, for `cause`.
#[track_caller]
fn assert_not_http(err: &ProbeError, addr: SocketAddr, cause: &str) {
    assert_error(
        err,
        ProbeErrorKind::Protocol,
        &no_valid_http_answer(addr, cause),
    );
}

/// Writes `chunk` until the peer goes away.
async fn pump(tcp: &mut TcpStream, chunk: &[u8]) {
    while tcp.write_all(chunk).await.is_ok() {}
}

// ---- bodies that do not end --------------------------------------------------------------

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_cap() {
    let server = scripted(|mut tcp| async move {
        let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        if tcp.write_all(head).await.is_err() {
            return;
        }
        let mut chunk = format!("{:x}\r\n", 4096).into_bytes();
        chunk.extend_from_slice(&[b'x'; 4096]);
        chunk.extend_from_slice(b"\r\n");
        pump(&mut tcp, &chunk).await;
    })
    .await;
    let cap = 100_000;
    let mut probe = http_probe(&server.url("/stream"));
    probe.body_limit = cap as u64;
    let seen = observe(&probe).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.header_values("transfer-encoding"), vec!["chunked"]);
    assert_eq!(seen.body.len(), cap);
    assert!(seen.body.iter().all(|b| *b == b'x'));
    let exceeded = seen.body_exceeded.expect("body_exceeded set");
    // Reading stops with the first chunk that passes the cap.
    assert!(
        exceeded > cap as u64 && exceeded <= cap as u64 + 4096,
        "{exceeded}"
    );
}

#[tokio::test]
async fn a_2gib_content_length_sent_fast_stops_at_the_cap_without_a_huge_allocation() {
    let server = scripted(|mut tcp| async move {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 2147483648\r\n\r\n";
        if tcp.write_all(head).await.is_err() {
            return;
        }
        pump(&mut tcp, &vec![b'z'; 64 * 1024]).await;
    })
    .await;
    let seen = observe(&http_probe(&server.url("/huge"))).await;

    assert_eq!(seen.status, 200);
    assert_eq!(seen.header_values("content-length"), vec!["2147483648"]);
    assert_eq!(seen.body.len(), MIB);
    assert!(seen.body.iter().all(|b| *b == b'z'));
    let exceeded = seen.body_exceeded.expect("body_exceeded set");
    // One read past the cap at most: hyper's read buffer is well under 1 MiB.
    assert!(
        exceeded > MIB as u64 && exceeded < 2 * MIB as u64,
        "{exceeded}"
    );
    // The heaviest case of this file. Peak RSS covers the whole test process, other tests
    // running beside this one included; it measured 18-20 MiB, steadily, so 64 MiB is a
    // bound with room that a 2 GiB allocation (or keeping the whole body) would break.
    let peak = peak_rss_kib();
    println!("peak RSS (VmHWM) after the 2 GiB body: {peak} KiB");
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
}

#[tokio::test]
async fn more_body_than_content_length_is_cut_at_the_length() {
    let server =
        raw_server(&b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloEXTRA BYTES\r\n\r\n"[..])
            .await;
    let prober = HttpProber::new(&test_env());
    let probe = http_probe(&server.url("/"));
    for _ in 0..2 {
        // The extra bytes never become the answer to a second request on the same client.
        let (seen, _) = within(TIMEOUT, prober.probe(&probe, TIMEOUT)).await;
        let seen = seen.expect("an observation");
        assert_eq!(seen.status, 200);
        assert_eq!(seen.body, b"hello");
        assert_eq!(seen.body_exceeded, None);
    }
}

#[tokio::test]
async fn a_reset_mid_body_is_a_protocol_error_saying_where() {
    let server = scripted(|mut tcp| async move {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
        let _ = tcp.write_all(head).await;
        let _ = tcp.write_all(&[b'b'; 1000]).await;
        // Let the client take the 1000 bytes in before the reset discards anything unread.
        tokio::time::sleep(Duration::from_millis(200)).await;
        #[allow(deprecated)]
        let _ = tcp.set_linger(Some(Duration::ZERO));
        drop(tcp);
    })
    .await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    let addr = server.addr;
    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &body_broke_off(addr, 1000, "Connection reset by peer (os error 104)"),
    );
}

// ---- heads that are too big or not HTTP --------------------------------------------------

#[tokio::test]
async fn one_mib_of_headers_is_a_protocol_error() {
    let mut answer = b"HTTP/1.1 200 OK\r\nx-big: ".to_vec();
    answer.extend(std::iter::repeat_n(b'h', MIB));
    answer.extend_from_slice(b"\r\ncontent-length: 2\r\n\r\nok");
    let server = raw_server(answer).await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    assert_not_http(&err, server.addr(), "message head is too large");
}

#[tokio::test]
async fn ten_thousand_headers_are_a_protocol_error() {
    let mut answer = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..10_000 {
        answer.extend_from_slice(format!("x-h{i}: {i}\r\n").as_bytes());
    }
    answer.extend_from_slice(b"content-length: 2\r\n\r\nok");
    let server = raw_server(answer).await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    assert_not_http(&err, server.addr(), "message head is too large");
}

#[tokio::test]
async fn garbage_bytes_are_a_protocol_error() {
    let garbage: Vec<u8> = (0..512u32).map(|i| (i * 37 % 256) as u8).collect();
    let server = raw_server(garbage).await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    assert_not_http(&err, server.addr(), "invalid HTTP version parsed");
}

#[tokio::test]
async fn an_http_0_9_reply_without_a_status_line_is_a_protocol_error() {
    let server = raw_server(&b"<html><body>hello from 1991</body></html>\r\n"[..]).await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    assert_not_http(&err, server.addr(), "invalid HTTP version parsed");
}

#[tokio::test]
async fn status_999_is_observed() {
    let server = raw_server(&b"HTTP/1.1 999 Whatever\r\ncontent-length: 3\r\n\r\nodd"[..]).await;
    let seen = observe(&http_probe(&server.url("/"))).await;
    assert_eq!(seen.status, 999);
    assert_eq!(seen.body, b"odd");
}

#[tokio::test]
async fn status_1000_is_a_protocol_error() {
    let server = raw_server(&b"HTTP/1.1 1000 Too Far\r\ncontent-length: 0\r\n\r\n"[..]).await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    assert_not_http(&err, server.addr(), "invalid HTTP status-code parsed");
}

// ---- bytes that are not text -------------------------------------------------------------

#[tokio::test]
async fn invalid_utf8_and_nul_in_the_body_and_invalid_utf8_in_a_header_are_kept_lossily() {
    let body = b"a\x00b\xff\xfec\x00";
    let mut answer = b"HTTP/1.1 200 OK\r\nx-bin: caf\xe9 \xff\xfe!\r\ncontent-length: ".to_vec();
    answer.extend_from_slice(format!("{}\r\n\r\n", body.len()).as_bytes());
    answer.extend_from_slice(body);
    let server = raw_server(answer).await;
    let seen = observe(&http_probe(&server.url("/"))).await;

    assert_eq!(seen.status, 200);
    assert_eq!(
        seen.header_values("x-bin"),
        vec!["caf\u{fffd} \u{fffd}\u{fffd}!"]
    );
    assert_eq!(seen.body, body);

    // The judge reads the body as text lossily too.
    let expect = HttpExpect {
        body: Some(Matcher::Contains(Box::new(Matcher::Equals(
            conform::matcher::Literal::Text("b\u{fffd}\u{fffd}c".into()),
        )))),
        ..HttpExpect::default()
    };
    let mismatches = judge_http(
        &expect,
        &seen,
        &conform::syntax::when::Clock::Live,
        &conform::matcher::KeySets::default(),
    );
    assert_eq!(mismatches, vec![]);
}

#[tokio::test]
async fn a_nul_byte_in_a_header_value_is_a_protocol_error() {
    let server =
        raw_server(&b"HTTP/1.1 200 OK\r\nx-nul: a\x00b\r\ncontent-length: 0\r\n\r\n"[..]).await;
    let err = fail(&http_probe(&server.url("/")), TIMEOUT).await;
    assert_not_http(&err, server.addr(), "invalid HTTP header parsed");
}
