//! A TLS-only server (no HTTP) for the tls probe, and raw TCP servers that break a handshake
//! off in chosen ways. Everything listens on 127.0.0.1 only and stops when dropped.

use super::server::{ClientAuth, ServerTls, rustls_server_config};
use rustls::SupportedProtocolVersion;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the TLS server does once a handshake has completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterHandshake {
    /// Holds the connection open without a word.
    Hold,
    /// Writes [`GREETING`], then holds the connection open.
    Greet,
    /// Closes the connection (close_notify, then FIN).
    Close,
}

/// What [`AfterHandshake::Greet`] writes.
pub const GREETING: &[u8] = b"hello from the test server\n";

/// How a TLS server is set up: the same TLS settings as the HTTP test server's.
#[derive(Clone, Debug)]
pub struct TlsServerConfig {
    pub tls: ServerTls,
    pub after: AfterHandshake,
}

impl TlsServerConfig {
    /// `chain_pem` (leaf first) and its key; no client certificates asked for, rustls's
    /// default versions, no ALPN; holds the connection after the handshake.
    pub fn new(chain_pem: &str, key_pem: &str) -> TlsServerConfig {
        TlsServerConfig {
            tls: ServerTls {
                chain_pem: chain_pem.to_string(),
                key_pem: key_pem.to_string(),
                client_auth: ClientAuth::None,
                alpn: Vec::new(),
                versions: Vec::new(),
                sessions: None,
            },
            after: AfterHandshake::Hold,
        }
    }

    /// Requires a client certificate issued by the CA in `ca_pem`.
    pub fn require_client_cert(mut self, ca_pem: &str) -> Self {
        self.tls.client_auth = ClientAuth::Required(ca_pem.to_string());
        self
    }

    /// Asks for a client certificate issued by the CA in `ca_pem` (a CertificateRequest), but
    /// goes on without one when the client sends none.
    pub fn ask_client_cert(mut self, ca_pem: &str) -> Self {
        self.tls.client_auth = ClientAuth::Optional(ca_pem.to_string());
        self
    }

    pub fn versions(mut self, versions: &[&'static SupportedProtocolVersion]) -> Self {
        self.tls.versions = versions.to_vec();
        self
    }

    pub fn alpn(mut self, protocols: &[&str]) -> Self {
        self.tls.alpn = protocols.iter().map(|p| p.as_bytes().to_vec()).collect();
        self
    }

    pub fn after(mut self, after: AfterHandshake) -> Self {
        self.after = after;
        self
    }
}

/// What the server saw of one handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHandshake {
    /// Ok: the SNI name the client sent (if any); Err: rustls's error, as text.
    pub result: Result<Option<String>, String>,
}

/// A running TLS server on 127.0.0.1.
pub struct TlsServer {
    addr: SocketAddr,
    handshakes: Arc<Mutex<Vec<ServerHandshake>>>,
    task: JoinHandle<()>,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsServer {
    pub async fn start(config: TlsServerConfig) -> TlsServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(rustls_server_config(&config.tls)));
        let handshakes = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&handshakes);
        let after = config.after;
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every connection.
            let mut connections = JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, record) = (acceptor.clone(), Arc::clone(&record));
                connections.spawn(async move {
                    let mut tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            let result = Err(e.to_string());
                            record.lock().unwrap().push(ServerHandshake { result });
                            return;
                        }
                    };
                    let sni = tls.get_ref().1.server_name().map(str::to_string);
                    record
                        .lock()
                        .unwrap()
                        .push(ServerHandshake { result: Ok(sni) });
                    match after {
                        AfterHandshake::Close => {
                            let _ = tls.shutdown().await;
                            return;
                        }
                        AfterHandshake::Greet => {
                            let _ = tls.write_all(GREETING).await;
                            let _ = tls.flush().await;
                        }
                        AfterHandshake::Hold => {}
                    }
                    // Held open (reading keeps session state moving) until the client leaves.
                    let mut sink = [0u8; 1024];
                    while let Ok(n) = tls.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        TlsServer {
            addr,
            handshakes,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every handshake so far, in order.
    pub fn handshakes(&self) -> Vec<ServerHandshake> {
        self.handshakes.lock().unwrap().clone()
    }

    /// Every handshake so far once there are at least `n` (or after 5 s, whatever there is):
    /// a client may be done with a handshake before the server has taken its last message.
    pub async fn handshakes_when(&self, n: usize) -> Vec<ServerHandshake> {
        let give_up = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let seen = self.handshakes();
            if seen.len() >= n || tokio::time::Instant::now() >= give_up {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
}

/// How a [`handshake_breaker`] answers a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakOff {
    /// Resets the connection (RST, via SO_LINGER 0).
    Reset,
    /// Closes the connection (FIN).
    Close,
    /// Never answers, holding the connection open.
    Stall,
    /// Sends these bytes instead of a ServerHello, then closes.
    Answer(Vec<u8>),
}

/// A running [`handshake_breaker`].
pub struct Breaker {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Breaker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Breaker {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// A raw TCP server that reads each ClientHello whole, then breaks the handshake off.
pub async fn handshake_breaker(how: BreakOff) -> Breaker {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let how = how.clone();
            connections.spawn(async move {
                read_client_hello(&mut tcp).await;
                match how {
                    BreakOff::Reset => {
                        // Deprecated because a lingering close blocks; a zero linger does
                        // not: it resets at once, which is the point.
                        #[allow(deprecated)]
                        let _ = tcp.set_linger(Some(std::time::Duration::ZERO));
                        drop(tcp);
                    }
                    BreakOff::Close => drop(tcp),
                    BreakOff::Stall => {
                        std::future::pending::<()>().await;
                    }
                    BreakOff::Answer(bytes) => {
                        let _ = tcp.write_all(&bytes).await;
                        let _ = tcp.shutdown().await;
                        // Wait for the client to leave, so the close is a FIN, not a reset.
                        let mut sink = [0u8; 1024];
                        while let Ok(n) = tcp.read(&mut sink).await {
                            if n == 0 {
                                break;
                            }
                        }
                    }
                }
            });
            while connections.try_join_next().is_some() {}
        }
    });
    Breaker { addr, task }
}

/// Reads one TLS record (the ClientHello) whole: its 5-byte header says its length.
async fn read_client_hello(tcp: &mut TcpStream) {
    let mut header = [0u8; 5];
    if tcp.read_exact(&mut header).await.is_err() {
        return;
    }
    let len = u16::from_be_bytes([header[3], header[4]]) as usize;
    let mut body = vec![0u8; len];
    let _ = tcp.read_exact(&mut body).await;
}
