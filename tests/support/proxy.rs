//! A forward proxy on 127.0.0.1, as corporate networks have: CONNECT tunnels for https and
//! absolute-form requests for http, names resolved by the proxy itself (from its own table,
//! so a name only the proxy knows proves the proxy resolved it), optional Basic credentials,
//! and hosts it refuses. Its log is the witness that a request went through it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the proxy behaves.
#[derive(Clone, Default)]
pub struct ProxyConfig {
    /// Host names the proxy resolves (name → address); others are connected to as written.
    pub names: HashMap<String, SocketAddr>,
    /// `user:password` a client must send in `Proxy-Authorization: Basic`; else 407.
    pub credentials: Option<String>,
    /// Hosts whose tunnels the proxy refuses with 403.
    pub refused: Vec<String>,
    /// Spoken to over TLS (an https:// proxy), with this certificate; the ALPN it chose, if
    /// any, is logged as an entry `ALPN <protocol>`.
    pub tls: Option<super::ServerTls>,
}

/// One request the proxy saw: `CONNECT app.test:443` or `GET http://app.test:80/path`, and
/// the credentials it came with (decoded), if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyEntry {
    pub line: String,
    pub credentials: Option<String>,
}

pub struct ForwardProxy {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<ProxyEntry>>>,
    task: JoinHandle<()>,
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ForwardProxy {
    pub async fn start(config: ProxyConfig) -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let log: Arc<Mutex<Vec<ProxyEntry>>> = Arc::default();
        let acceptor = config.tls.as_ref().map(|tls| {
            let server = super::server::rustls_server_config(tls);
            tokio_rustls::TlsAcceptor::from(Arc::new(server))
        });
        let config = Arc::new(config);
        let shared = Arc::clone(&log);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let config = Arc::clone(&config);
                let log = Arc::clone(&shared);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Some(acceptor) = acceptor else {
                        let _ = serve(client, &config, &log).await;
                        return;
                    };
                    let Ok(tls) = acceptor.accept(client).await else {
                        return;
                    };
                    if let Some(alpn) = tls.get_ref().1.alpn_protocol() {
                        log.lock().unwrap().push(ProxyEntry {
                            line: format!("ALPN {}", String::from_utf8_lossy(alpn)),
                            credentials: None,
                        });
                    }
                    let _ = serve(tls, &config, &log).await;
                });
            }
        });
        ForwardProxy { addr, log, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, or `https://` when it speaks TLS.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://<name>:<port>`, for a proxy that speaks TLS with a certificate for `name`.
    pub fn tls_url(&self, name: &str) -> String {
        format!("https://{name}:{}", self.addr.port())
    }

    /// The request lines seen, in order.
    pub fn lines(&self) -> Vec<String> {
        self.entries().into_iter().map(|e| e.line).collect()
    }

    pub fn entries(&self) -> Vec<ProxyEntry> {
        self.log.lock().unwrap().clone()
    }
}

async fn serve<S>(
    mut client: S,
    config: &ProxyConfig,
    log: &Mutex<Vec<ProxyEntry>>,
) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let head = read_head(&mut client).await?;
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default().to_string();
    let credentials = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("proxy-authorization") {
            return None;
        }
        let encoded = value.trim().strip_prefix("Basic ")?;
        let bytes = base64_decode(encoded.trim())?;
        String::from_utf8(bytes).ok()
    });
    let mut parts = first.split(' ');
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if method.is_empty() {
        // A connection opened and closed without a request.
        return Ok(());
    }
    let request_line = format!("{method} {target}");
    log.lock().unwrap().push(ProxyEntry {
        line: request_line,
        credentials: credentials.clone(),
    });
    if config.credentials.is_some() && credentials != config.credentials {
        let answer = "HTTP/1.1 407 Proxy Authentication Required\r\n\
                      Proxy-Authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\n\r\n";
        client.write_all(answer.as_bytes()).await?;
        return Ok(());
    }
    let authority = if method == "CONNECT" {
        target.to_string()
    } else {
        let rest = target.strip_prefix("http://").unwrap_or(target);
        rest.split('/').next().unwrap_or_default().to_string()
    };
    let host = authority
        .rsplit_once(':')
        .map_or(authority.as_str(), |(h, _)| h)
        .to_string();
    if config.refused.contains(&host) {
        let answer = "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n";
        client.write_all(answer.as_bytes()).await?;
        return Ok(());
    }
    let upstream = match config.names.get(&host) {
        Some(addr) => TcpStream::connect(addr).await,
        None => TcpStream::connect(authority.as_str()).await,
    };
    let Ok(mut upstream) = upstream else {
        let answer = "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n";
        client.write_all(answer.as_bytes()).await?;
        return Ok(());
    };
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
    } else {
        // The request as it came (absolute form, which the test server reads as it is), with
        // `Connection: close`: one request a connection, so that each is logged and goes to
        // its own host.
        let text = String::from_utf8_lossy(&head);
        let mut forwarded: String = text
            .trim_end_matches("\r\n")
            .split("\r\n")
            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        forwarded.push_str("connection: close\r\n\r\n");
        upstream.write_all(forwarded.as_bytes()).await?;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}

/// The request head, up to and with the blank line (64 KiB, 5 s at most).
async fn read_head<S: tokio::io::AsyncRead + Unpin>(client: &mut S) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    let read = async {
        while !head.ends_with(b"\r\n\r\n") && head.len() < 64 << 10 {
            if client.read(&mut byte).await? == 0 {
                break;
            }
            head.push(byte[0]);
        }
        Ok::<(), std::io::Error>(())
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    Ok(head)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
