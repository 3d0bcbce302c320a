//! The reference client: the least a program must do to make the same requests. tokio, hyper
//! (hyper-util's pooling client) and rustls, at conform's concurrency (32 in all, 4 per host),
//! with the same connection policy (one pool for all checks: kept-alive HTTP/1.1 connections
//! reused per host, HTTP/2 over TLS when the server offers it, the same trust), and nothing
//! else: no check files, no judging, no reports. conform's wall over its wall is the price of
//! everything conform does beyond the wire.

use super::HOSTS;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What the reference client did: its wall (from its first request to its last answer, in a
/// runtime of its own with as many workers as conform's), and the answers that were 200.
pub(super) struct Reference {
    pub(super) wall: Duration,
    pub(super) ok: u64,
}

/// Every `host{i % 10}.bench.test` name resolves to 127.0.0.1, as the environment's `resolve:`.
#[derive(Clone)]
struct Loopback;

impl tower_service::Service<Name> for Loopback {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Name) -> Self::Future {
        // The connector sets the port from the URL.
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Box::pin(async move { Ok(vec![addr].into_iter()) })
    }
}

/// `checks` GETs of `{scheme}://host{i % 10}.bench.test:{port}/c/{i}`, on a runtime of its own
/// (2 workers, as conform's on this machine) in a thread of its own.
pub(super) fn run_reference(
    checks: usize,
    tls: bool,
    port: u16,
    ca_pem: &str,
    concurrency: usize,
    host_concurrency: usize,
) -> Reference {
    let ca_pem = ca_pem.to_string();
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("reference runtime");
        runtime.block_on(requests(
            checks,
            tls,
            port,
            &ca_pem,
            concurrency,
            host_concurrency,
        ))
    });
    worker.join().expect("the reference client's thread")
}

async fn requests(
    checks: usize,
    tls: bool,
    port: u16,
    ca_pem: &str,
    concurrency: usize,
    host_concurrency: usize,
) -> Reference {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut ca_pem.as_bytes()) {
        roots.add(cert.expect("CA PEM")).expect("CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut http = HttpConnector::new_with_resolver(Loopback);
    http.enforce_http(false);
    http.set_nodelay(true);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let scheme = if tls { "https" } else { "http" };
    let all = Arc::new(Semaphore::new(concurrency));
    let per_host: Vec<Arc<Semaphore>> = (0..HOSTS)
        .map(|_| Arc::new(Semaphore::new(host_concurrency)))
        .collect();
    let ok = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    // Every request's task spawned at once, as conform spawns every check's.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..checks {
        let host = i % HOSTS;
        let (client, all, this_host, ok) = (
            client.clone(),
            Arc::clone(&all),
            Arc::clone(&per_host[host]),
            Arc::clone(&ok),
        );
        let url = format!("{scheme}://host{host}.bench.test:{port}/c/{i}");
        tasks.spawn(async move {
            let _host = this_host.acquire_owned().await.expect("open semaphore");
            let _slot = all.acquire_owned().await.expect("open semaphore");
            let Ok(uri) = url.parse::<hyper::Uri>() else {
                return;
            };
            let Ok(answer) = client.get(uri).await else {
                return;
            };
            let status = answer.status();
            if answer.into_body().collect().await.is_ok() && status == 200 {
                ok.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Reference {
        wall: started.elapsed(),
        ok: ok.load(Ordering::Relaxed),
    }
}
