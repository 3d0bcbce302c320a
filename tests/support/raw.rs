//! Raw TCP servers for hostile cases: one that never answers, one that sends fixed bytes,
//! and a port where nothing listens.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A raw TCP server on 127.0.0.1; stops (with its connections) when dropped.
pub struct RawServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    task: JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    pub(super) fn new(
        addr: SocketAddr,
        received: Arc<Mutex<Vec<Vec<u8>>>>,
        task: JoinHandle<()>,
    ) -> RawServer {
        RawServer {
            addr,
            received,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// What each connection sent before the server answered (`raw_server`), or each line it
    /// sent (`line_server`).
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().clone()
    }
}

/// Accepts connections and holds them open without ever sending a byte.
pub async fn silent_server() -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            open.push(tcp);
        }
    });
    RawServer {
        addr,
        received: Arc::default(),
        task,
    }
}

/// Reads each request's head (up to the blank line, 64 KiB, or 2 s), sends `response`
/// exactly, then closes the connection.
pub async fn raw_server(response: impl Into<Vec<u8>>) -> RawServer {
    let response = Arc::new(response.into());
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let received = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&received);
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let (response, record) = (Arc::clone(&response), Arc::clone(&record));
            connections.spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                let read_head = async {
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match tcp.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), read_head).await;
                record.lock().unwrap().push(head);
                let _ = tcp.write_all(&response).await;
                let _ = tcp.shutdown().await;
            });
            while connections.try_join_next().is_some() {}
        }
    });
    RawServer {
        addr,
        received,
        task,
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A listener whose accept queue is full drops new SYNs: the connect hangs, on loopback.
pub fn full_backlog_listener() -> (socket2::Socket, SocketAddr, Vec<std::net::TcpStream>) {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    full_backlog_listener_at(addr).expect("bind 127.0.0.1:0")
}

/// [`full_backlog_listener`] on `addr`; an error when it cannot be bound.
pub fn full_backlog_listener_at(
    addr: SocketAddr,
) -> std::io::Result<(socket2::Socket, SocketAddr, Vec<std::net::TcpStream>)> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&addr.into())?;
    socket.listen(0).expect("listen");
    let addr = socket
        .local_addr()
        .expect("local")
        .as_socket()
        .expect("inet");
    let mut fillers = Vec::new();
    // Fill the accept queue (backlog 0 holds one or two on Linux); stop once a connect hangs.
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    Ok((socket, addr, fillers))
}
