//! The loopback HTTP(S) server: answers after a fixed delay and counts what it receives.

use super::Stats;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// Marks one request in flight for a host until dropped (answered or abandoned).
struct InFlight {
    stats: Arc<Stats>,
    host: String,
}

impl InFlight {
    fn enter(stats: &Arc<Stats>, host: String, version: String) -> InFlight {
        stats.total.fetch_add(1, Ordering::SeqCst);
        *stats.versions.lock().unwrap().entry(version).or_default() += 1;
        let mut hosts = stats.hosts.lock().unwrap();
        let entry = hosts.entry(host.clone()).or_default();
        entry.in_flight += 1;
        entry.peak = entry.peak.max(entry.in_flight);
        InFlight {
            stats: Arc::clone(stats),
            host,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(entry) = self.stats.hosts.lock().unwrap().get_mut(&self.host) {
            entry.in_flight = entry.in_flight.saturating_sub(1);
        }
    }
}

/// HTTP/1.1 and HTTP/2, plain or TLS, on 127.0.0.1; answers 200 after `delay`.
pub(super) struct BenchServer {
    pub(super) port: u16,
    stats: Arc<Stats>,
    task: JoinHandle<()>,
}

impl BenchServer {
    pub(super) async fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        delay: Duration,
        body: Bytes,
    ) -> BenchServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let stats = Arc::new(Stats::default());
        let state = Arc::clone(&stats);
        let task = tokio::spawn(async move {
            // Dropped with this task when it is aborted: every connection ends with it.
            let mut connections = JoinSet::new();
            loop {
                let tcp = match listener.accept().await {
                    Ok((tcp, _)) => tcp,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                state.connections.fetch_add(1, Ordering::SeqCst);
                let (acceptor, state, body) = (acceptor.clone(), Arc::clone(&state), body.clone());
                connections.spawn(async move {
                    match acceptor {
                        None => serve(TokioIo::new(tcp), state, delay, body).await,
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                serve(TokioIo::new(tls), state, delay, body).await;
                            }
                        }
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        BenchServer { port, stats, task }
    }

    /// Stops the server and every connection; returns what it counted.
    pub(super) fn stop(self) -> Arc<Stats> {
        self.task.abort();
        Arc::clone(&self.stats)
    }
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve<I>(io: TokioIo<I>, stats: Arc<Stats>, delay: Duration, body: Bytes)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request: Request<Incoming>| {
        let stats = Arc::clone(&stats);
        let body = body.clone();
        async move {
            let host = request
                .headers()
                .get(hyper::header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| request.uri().authority().map(|a| a.to_string()))
                .unwrap_or_default();
            let host = host.split(':').next().unwrap_or_default().to_string();
            let _in_flight = InFlight::enter(&stats, host, format!("{:?}", request.version()));
            if !delay.is_zero() {
                let held = Instant::now();
                hold(delay).await;
                let ns = u64::try_from(held.elapsed().as_nanos()).unwrap_or(u64::MAX);
                stats.held_ns.fetch_add(ns, Ordering::SeqCst);
            }
            Ok::<_, Infallible>(Response::new(Full::new(body)))
        }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}

/// Waits `delay` to within a few tens of microseconds. tokio's timer counts whole
/// milliseconds and rounds up (a 25 ms sleep lasts 25-27 ms), which would charge the
/// server's own lateness to conform; the last 2 ms are slept on a blocking thread instead,
/// with the kernel's finer timer.
async fn hold(delay: Duration) {
    let deadline = Instant::now() + delay;
    const FINE: Duration = Duration::from_millis(2);
    if delay > FINE {
        tokio::time::sleep(delay - FINE).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}
