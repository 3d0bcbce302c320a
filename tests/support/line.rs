//! Line-protocol TCP servers for the tcp probe's dialogues: one that greets with a banner and
//! answers a command, and one that sends without end.

use super::raw::RawServer;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Sends `banner` on each connection; then, for every line the client sends (up to `\n`),
/// records it and sends `reply`. Holds the connection open until the client closes it.
pub async fn line_server(banner: &[u8], reply: &[u8]) -> RawServer {
    let (banner, reply) = (Arc::new(banner.to_vec()), Arc::new(reply.to_vec()));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let received = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&received);
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let (banner, reply) = (Arc::clone(&banner), Arc::clone(&reply));
            let record = Arc::clone(&record);
            connections.spawn(async move {
                if tcp.write_all(&banner).await.is_err() {
                    return;
                }
                let mut line = Vec::new();
                let mut buf = [0u8; 1024];
                loop {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => line.extend_from_slice(&buf[..n]),
                    }
                    while let Some(end) = line.iter().position(|b| *b == b'\n') {
                        let rest = line.split_off(end + 1);
                        record
                            .lock()
                            .unwrap()
                            .push(std::mem::replace(&mut line, rest));
                        if tcp.write_all(&reply).await.is_err() {
                            return;
                        }
                    }
                }
            });
            while connections.try_join_next().is_some() {}
        }
    });
    RawServer::new(addr, received, task)
}

/// Sends `x` without end (and never a newline) until the client goes away; counts the bytes
/// it managed to send in `sent`.
pub async fn endless_server(sent: Arc<std::sync::atomic::AtomicU64>) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let sent = Arc::clone(&sent);
            connections.spawn(async move {
                let chunk = vec![b'x'; 16 << 10];
                while tcp.write_all(&chunk).await.is_ok() {
                    sent.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
            });
            while connections.try_join_next().is_some() {}
        }
    });
    RawServer::new(addr, Arc::default(), task)
}
