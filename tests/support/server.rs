//! An HTTP/1.1 + HTTP/2 server (plain or TLS) that answers from a handler and records every
//! request, including what TLS saw: the SNI name, ALPN, and the client certificate.

use super::pki::{certs_from_pem, key_from_pem};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::server::{StoresServerSessions, WebPkiClientVerifier};
use rustls::{RootCertStore, SupportedProtocolVersion};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// Decides the answer to a request; called once per request, possibly concurrently.
pub type Handler = Arc<dyn Fn(&RecordedRequest) -> TestResponse + Send + Sync>;

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query: `/a/b?c=d`.
    pub path: String,
    /// "HTTP/1.1", "HTTP/2".
    pub version: String,
    /// In arrival order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The `Host` header, or the HTTP/2 `:authority`.
    pub host: Option<String>,
    pub body: Vec<u8>,
    /// The SNI name the client sent (TLS only).
    pub sni: Option<String>,
    /// The negotiated ALPN protocol (TLS only).
    pub alpn: Option<String>,
    /// The client certificate's leaf, DER, when one was presented.
    pub client_cert: Option<Vec<u8>>,
    pub remote_addr: SocketAddr,
}

impl RecordedRequest {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn client_cert_presented(&self) -> bool {
        self.client_cert.is_some()
    }
}

/// What the handler answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
}

impl TestResponse {
    pub fn status(status: u16) -> TestResponse {
        TestResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }

    /// 200 with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> TestResponse {
        TestResponse::status(200).body(body)
    }

    /// `status` with a `location` header.
    pub fn redirect(status: u16, location: &str) -> TestResponse {
        TestResponse::status(status).header("location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> TestResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> TestResponse {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> TestResponse {
        self.delay = Some(delay);
        self
    }
}

/// Client certificates the TLS server asks for.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    None,
    /// Asked for, verified against this CA (PEM) when sent, not required.
    Optional(String),
    /// Required, verified against this CA (PEM).
    Required(String),
}

#[derive(Clone, Debug)]
pub struct ServerTls {
    pub chain_pem: String,
    pub key_pem: String,
    pub client_auth: ClientAuth,
    /// Offered ALPN protocols; default h2 and http/1.1.
    pub alpn: Vec<Vec<u8>>,
    /// Empty: rustls's defaults (1.2 and 1.3).
    pub versions: Vec<&'static SupportedProtocolVersion>,
    /// The session store for resumption; servers given the same one resume each other's
    /// sessions, as the nodes of a fleet that share their session state. None: its own.
    pub sessions: Option<Arc<dyn StoresServerSessions>>,
}

pub struct TestServerConfig {
    /// None: plain HTTP.
    pub tls: Option<ServerTls>,
    pub handler: Handler,
}

impl TestServerConfig {
    pub fn http(
        handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
    ) -> Self {
        TestServerConfig {
            tls: None,
            handler: Arc::new(handler),
        }
    }

    pub fn https(
        chain_pem: &str,
        key_pem: &str,
        handler: impl Fn(&RecordedRequest) -> TestResponse + Send + Sync + 'static,
    ) -> Self {
        TestServerConfig {
            tls: Some(ServerTls {
                chain_pem: chain_pem.to_string(),
                key_pem: key_pem.to_string(),
                client_auth: ClientAuth::None,
                alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
                versions: Vec::new(),
                sessions: None,
            }),
            handler: Arc::new(handler),
        }
    }

    /// Requires a client certificate issued by the CA in `ca_pem` (HTTPS only).
    pub fn require_client_cert(mut self, ca_pem: &str) -> Self {
        if let Some(tls) = &mut self.tls {
            tls.client_auth = ClientAuth::Required(ca_pem.to_string());
        }
        self
    }

    /// Asks for a client certificate from the CA in `ca_pem`, without requiring one.
    pub fn optional_client_cert(mut self, ca_pem: &str) -> Self {
        if let Some(tls) = &mut self.tls {
            tls.client_auth = ClientAuth::Optional(ca_pem.to_string());
        }
        self
    }

    pub fn alpn(mut self, protocols: &[&[u8]]) -> Self {
        if let Some(tls) = &mut self.tls {
            tls.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        }
        self
    }

    /// Shares `sessions` (see [`ServerTls::sessions`]).
    pub fn share_sessions(mut self, sessions: &Arc<dyn StoresServerSessions>) -> Self {
        if let Some(tls) = &mut self.tls {
            tls.sessions = Some(Arc::clone(sessions));
        }
        self
    }

    pub fn tls_versions(mut self, versions: &[&'static SupportedProtocolVersion]) -> Self {
        if let Some(tls) = &mut self.tls {
            tls.versions = versions.to_vec();
        }
        self
    }
}

#[derive(Default)]
struct Recorded {
    requests: Mutex<Vec<RecordedRequest>>,
    tls_failures: Mutex<Vec<String>>,
    connections: Mutex<usize>,
}

/// A running server on 127.0.0.1; stops (with all its connections) when dropped.
pub struct TestServer {
    addr: SocketAddr,
    scheme: &'static str,
    recorded: Arc<Recorded>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the TLS layer saw on one connection.
#[derive(Clone, Default)]
struct ConnInfo {
    sni: Option<String>,
    alpn: Option<String>,
    client_cert: Option<Vec<u8>>,
}

impl TestServer {
    pub async fn start(config: TestServerConfig) -> TestServer {
        TestServer::start_on(config, "127.0.0.1:0").await
    }

    /// The same server on another loopback address, e.g. `[::1]:0` or `127.0.0.2:0`.
    pub async fn start_on(config: TestServerConfig, bind: &str) -> TestServer {
        let listener = TcpListener::bind(bind)
            .await
            .expect("bind a loopback address");
        let addr = listener.local_addr().expect("local address");
        let acceptor = config
            .tls
            .as_ref()
            .map(|tls| tokio_rustls::TlsAcceptor::from(Arc::new(rustls_server_config(tls))));
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let recorded = Arc::new(Recorded::default());
        let handler = config.handler;
        let state = Arc::clone(&recorded);
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every connection.
            let mut connections = JoinSet::new();
            loop {
                let Ok((tcp, peer)) = listener.accept().await else {
                    continue;
                };
                *state.connections.lock().unwrap() += 1;
                let (acceptor, handler, state) =
                    (acceptor.clone(), Arc::clone(&handler), Arc::clone(&state));
                connections.spawn(async move {
                    match acceptor {
                        None => {
                            serve(TokioIo::new(tcp), ConnInfo::default(), peer, handler, state)
                                .await
                        }
                        Some(acceptor) => match acceptor.accept(tcp).await {
                            Ok(tls) => {
                                let conn = tls.get_ref().1;
                                let info = ConnInfo {
                                    sni: conn.server_name().map(str::to_string),
                                    alpn: conn
                                        .alpn_protocol()
                                        .map(|p| String::from_utf8_lossy(p).into_owned()),
                                    client_cert: conn
                                        .peer_certificates()
                                        .and_then(|c| c.first())
                                        .map(|c| c.to_vec()),
                                };
                                serve(TokioIo::new(tls), info, peer, handler, state).await
                            }
                            Err(e) => state.tls_failures.lock().unwrap().push(e.to_string()),
                        },
                    }
                });
                // Reap finished connections so the set does not grow without bound.
                while connections.try_join_next().is_some() {}
            }
        });
        TestServer {
            addr,
            scheme,
            recorded,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http(s)://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.addr, path)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorded.requests.lock().unwrap().clone()
    }

    /// TLS handshakes that failed on the server's side, as rustls described them.
    pub fn tls_failures(&self) -> Vec<String> {
        self.recorded.tls_failures.lock().unwrap().clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        *self.recorded.connections.lock().unwrap()
    }
}

/// A rustls server configuration for `tls`, shared with the TLS-only server.
pub(crate) fn rustls_server_config(tls: &ServerTls) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider));
    let builder = if tls.versions.is_empty() {
        builder.with_safe_default_protocol_versions()
    } else {
        builder.with_protocol_versions(&tls.versions)
    }
    .expect("TLS versions");
    let client_ca = |pem: &str| {
        let mut roots = RootCertStore::empty();
        for cert in certs_from_pem(pem) {
            roots.add(cert).expect("client CA");
        }
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
    };
    let builder = match &tls.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional(pem) => builder.with_client_cert_verifier(
            client_ca(pem)
                .allow_unauthenticated()
                .build()
                .expect("client verifier"),
        ),
        ClientAuth::Required(pem) => {
            builder.with_client_cert_verifier(client_ca(pem).build().expect("client verifier"))
        }
    };
    let mut config = builder
        .with_single_cert(certs_from_pem(&tls.chain_pem), key_from_pem(&tls.key_pem))
        .expect("server certificate and key");
    config.alpn_protocols = tls.alpn.clone();
    if let Some(sessions) = &tls.sessions {
        config.session_storage = Arc::clone(sessions);
    }
    config
}

async fn serve<I>(
    io: TokioIo<I>,
    info: ConnInfo,
    peer: SocketAddr,
    handler: Handler,
    state: Arc<Recorded>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request: Request<Incoming>| {
        let (info, handler, state) = (info.clone(), Arc::clone(&handler), Arc::clone(&state));
        async move {
            let recorded = record(request, &info, peer).await;
            state.requests.lock().unwrap().push(recorded.clone());
            let answer = handler(&recorded);
            if let Some(delay) = answer.delay {
                tokio::time::sleep(delay).await;
            }
            let mut response = Response::builder().status(answer.status);
            for (name, value) in &answer.headers {
                response = response.header(name, value);
            }
            let response = response
                .body(Full::new(Bytes::from(answer.body)))
                .expect("a valid test response");
            Ok::<_, Infallible>(response)
        }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

async fn record(request: Request<Incoming>, info: &ConnInfo, peer: SocketAddr) -> RecordedRequest {
    let (parts, body) = request.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let host = headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.clone())
        .or_else(|| parts.uri.authority().map(|a| a.to_string()));
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    RecordedRequest {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into()),
        version: format!("{:?}", parts.version),
        headers,
        host,
        body,
        sni: info.sni.clone(),
        alpn: info.alpn.clone(),
        client_cert: info.client_cert.clone(),
        remote_addr: peer,
    }
}
