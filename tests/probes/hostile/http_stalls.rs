//! http servers that go silent or drip: timeouts that say what was being waited for.

use super::{ONE_SECOND, Scripted, fail, scripted};
use crate::support::*;
use conform::probe::ProbeErrorKind;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A [`scripted`] server that answers every request with `bytes`, then keeps the connection
/// open without another byte.
async fn stalls_after(bytes: &'static [u8]) -> Scripted {
    scripted(move |mut tcp| async move {
        let _ = tcp.write_all(bytes).await;
        std::future::pending::<()>().await;
    })
    .await
}

// ---- answers that do not come ------------------------------------------------------------

#[tokio::test]
async fn accepted_and_never_answered_times_out_waiting_for_headers() {
    let server = silent_server().await;
    let err = fail(&http_probe(&server.url("/")), ONE_SECOND).await;
    let addr = server.addr();
    assert_error(&err, ProbeErrorKind::Timeout, &headers_timeout(addr, "1s"));
}

#[tokio::test]
async fn headers_dripped_a_byte_every_300ms_time_out() {
    let server = scripted(|mut tcp| async move {
        for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok" {
            if tcp.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
    .await;
    let err = fail(&http_probe(&server.url("/")), ONE_SECOND).await;
    let addr = server.addr;
    assert!(server.heads()[0].starts_with("GET / HTTP/1.1\r\n"));
    assert_error(&err, ProbeErrorKind::Timeout, &headers_timeout(addr, "1s"));
}

#[tokio::test]
async fn a_status_line_then_silence_times_out_waiting_for_headers() {
    let server = stalls_after(b"HTTP/1.1 200 OK\r\n").await;
    let err = fail(&http_probe(&server.url("/")), ONE_SECOND).await;
    let addr = server.addr;
    assert_error(&err, ProbeErrorKind::Timeout, &headers_timeout(addr, "1s"));
}

#[tokio::test]
async fn a_body_that_stalls_times_out_saying_how_much_was_read() {
    let server = stalls_after(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789").await;
    let err = fail(&http_probe(&server.url("/")), ONE_SECOND).await;
    let addr = server.addr;
    assert_error(
        &err,
        ProbeErrorKind::Timeout,
        &format!(
            "GET http://{addr}/: no complete answer within 1s (timeout) while reading the body \
             from {addr} (10 bytes so far)"
        ),
    );
}
