//! A server that speaks a protocol's STARTTLS upgrade (smtp, imap, pop3, ftp, postgres) on a
//! plain connection, then a TLS handshake as the TLS test server does; or refuses the upgrade.
//! It records what the client said before the handshake and how each handshake went.

use super::server::rustls_server_config;
use super::tls_server::{ServerHandshake, TlsServerConfig};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Whether the server goes ahead with the upgrade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upgrade {
    Accept,
    /// Answers the request to start TLS with its protocol's refusal (smtp `454 ...`,
    /// postgres `N` ...), then closes.
    Refuse,
}

/// What each dialect answers: (greeting, answer to the client's first line or two, go-ahead,
/// refusal).
fn script(
    dialect: &str,
) -> (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
) {
    match dialect {
        "smtp" => (
            "220 mail.test ESMTP ready\r\n",
            &["250-mail.test greets conform\r\n250-PIPELINING\r\n250 STARTTLS\r\n"],
            "220 2.0.0 Ready to start TLS\r\n",
            "454 4.7.0 TLS not available due to temporary reason\r\n",
        ),
        "imap" => (
            "* OK [CAPABILITY IMAP4rev1 STARTTLS] imap.test ready\r\n",
            &[],
            "* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK Begin TLS negotiation now\r\n",
            "a1 BAD STARTTLS not available\r\n",
        ),
        "pop3" => (
            "+OK pop3.test ready\r\n",
            &[],
            "+OK Begin TLS negotiation\r\n",
            "-ERR TLS not available\r\n",
        ),
        "ftp" => (
            "220-ftp.test welcomes you\r\n more words of welcome\r\n220 ready\r\n",
            &[],
            "234 AUTH TLS successful\r\n",
            "530 TLS not available\r\n",
        ),
        "postgres" => ("", &[], "S", "N"),
        other => panic!("no STARTTLS dialect {other}"),
    }
}

/// A running STARTTLS server on 127.0.0.1.
pub struct StarttlsServer {
    addr: SocketAddr,
    heard: Arc<Mutex<Vec<String>>>,
    handshakes: Arc<Mutex<Vec<ServerHandshake>>>,
    task: JoinHandle<()>,
}

impl Drop for StarttlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StarttlsServer {
    pub async fn start(
        dialect: &'static str,
        upgrade: Upgrade,
        config: TlsServerConfig,
    ) -> StarttlsServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(rustls_server_config(&config.tls)));
        let heard = Arc::new(Mutex::new(Vec::new()));
        let handshakes = Arc::new(Mutex::new(Vec::new()));
        let (heard_by, record) = (Arc::clone(&heard), Arc::clone(&handshakes));
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, heard, record) =
                    (acceptor.clone(), Arc::clone(&heard_by), Arc::clone(&record));
                connections.spawn(async move {
                    let Some(tcp) = converse(tcp, dialect, upgrade, &heard).await else {
                        return;
                    };
                    let mut tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            let result = Err(e.to_string());
                            record.lock().unwrap().push(ServerHandshake { result });
                            return;
                        }
                    };
                    let sni = tls.get_ref().1.server_name().map(str::to_string);
                    let result = Ok(sni);
                    record.lock().unwrap().push(ServerHandshake { result });
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
        StarttlsServer {
            addr,
            heard,
            handshakes,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What clients sent before their handshakes, line by line (postgres: the request in hex).
    pub fn heard(&self) -> Vec<String> {
        self.heard.lock().unwrap().clone()
    }

    /// Every handshake so far, in order.
    pub fn handshakes(&self) -> Vec<ServerHandshake> {
        self.handshakes.lock().unwrap().clone()
    }
}

/// The plain part of one connection; the stream to hand to TLS when the upgrade goes ahead.
async fn converse(
    tcp: TcpStream,
    dialect: &str,
    upgrade: Upgrade,
    heard: &Mutex<Vec<String>>,
) -> Option<TcpStream> {
    let (greeting, answers, go, refuse) = script(dialect);
    let mut tcp = BufReader::new(tcp);
    if dialect == "postgres" {
        let mut request = [0u8; 8];
        tcp.read_exact(&mut request).await.ok()?;
        let hex: Vec<String> = request.iter().map(|b| format!("{b:02x}")).collect();
        heard.lock().unwrap().push(hex.join(" "));
    } else {
        tcp.get_mut().write_all(greeting.as_bytes()).await.ok()?;
        for answer in answers.iter().copied().chain([""]) {
            let mut line = String::new();
            tcp.read_line(&mut line).await.ok()?;
            heard.lock().unwrap().push(line.trim_end().to_string());
            if !answer.is_empty() {
                tcp.get_mut().write_all(answer.as_bytes()).await.ok()?;
            }
        }
    }
    let mut tcp = tcp.into_inner();
    match upgrade {
        Upgrade::Accept => {
            tcp.write_all(go.as_bytes()).await.ok()?;
            Some(tcp)
        }
        Upgrade::Refuse => {
            let _ = tcp.write_all(refuse.as_bytes()).await;
            let _ = tcp.shutdown().await;
            None
        }
    }
}

/// A server that sends `bytes` on each connection as soon as it is accepted, then holds it
/// open, reading and dropping what the client sends: a hostile greeting.
pub struct BannerServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for BannerServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BannerServer {
    pub async fn start(bytes: &[u8]) -> BannerServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let bytes = Arc::new(bytes.to_vec());
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut tcp, _)) = listener.accept().await {
                let bytes = Arc::clone(&bytes);
                connections.spawn(async move {
                    let _ = tcp.write_all(&bytes).await;
                    let mut sink = [0u8; 1024];
                    while let Ok(n) = tcp.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        BannerServer { addr, task }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}
