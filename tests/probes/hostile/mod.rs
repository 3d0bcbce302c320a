//! The http and tls probes against servers on 127.0.0.1 that misbehave: silence, dripping,
//! endless or oversized bodies, huge or garbled heads, resets, redirect loops and chains,
//! credentials and redirects to another host, bytes that are not text, a gzip bomb, JSON
//! nested too deep, odd statuses; for TLS garbage, a stall and a very large chain; DNS
//! floods, drips and cut answers; certificate files that are FIFOs, devices or huge.
//!
//! Every case asserts a clear outcome (an observation with exact facts, or an error of an
//! exact kind with a message that says what happened) and that it ended within the
//! timeout plus [`SLACK`].

use crate::support::*;
use conform::config::model::{Environment, HttpProbe, TlsProbe};
use conform::probe::ProbeError;
use conform::probe::http::{HttpObservation, HttpProber};
use conform::probe::tls::{TlsObservation, TlsProber};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

mod cert_files;
mod dns;
mod http_content;
mod http_framing;
mod http_stalls;
mod redirects;
mod tls;

/// How far past its timeout a probe may run.
const SLACK: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(5);
const ONE_SECOND: Duration = Duration::from_secs(1);
const MIB: usize = 1024 * 1024;

// ---- harness -----------------------------------------------------------------------------

/// Runs `work`, asserting that it ends within `timeout` + [`SLACK`]; returns its output and
/// how long it took.
async fn within<T>(timeout: Duration, work: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = work.await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < timeout + SLACK,
        "took {elapsed:?}, past the timeout {timeout:?} + {SLACK:?}"
    );
    (out, elapsed)
}

async fn http_with(
    env: &Environment,
    probe: &HttpProbe,
    timeout: Duration,
) -> Result<HttpObservation, ProbeError> {
    within(timeout, HttpProber::new(env).probe(probe, timeout))
        .await
        .0
}

async fn http(probe: &HttpProbe, timeout: Duration) -> Result<HttpObservation, ProbeError> {
    http_with(&test_env(), probe, timeout).await
}

async fn observe(probe: &HttpProbe) -> HttpObservation {
    match http(probe, TIMEOUT).await {
        Ok(seen) => seen,
        Err(e) => panic!("probe failed: {e:?}"),
    }
}

async fn fail(probe: &HttpProbe, timeout: Duration) -> ProbeError {
    match http(probe, timeout).await {
        Ok(seen) => panic!(
            "probe should have failed, saw status {} with {} body bytes",
            seen.status,
            seen.body.len()
        ),
        Err(e) => e,
    }
}

async fn tls(probe: &TlsProbe, timeout: Duration) -> Result<TlsObservation, ProbeError> {
    within(timeout, TlsProber::new(&test_env()).probe(probe, timeout))
        .await
        .0
}

/// A raw TCP server on 127.0.0.1 that reads each request head, then hands the connection
/// to its script. Stops (with its connections) when dropped.
struct Scripted {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scripted {
    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Each connection's request head, as text.
    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn scripted<F, Fut>(script: F) -> Scripted
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let heads = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&heads);
    let script = Arc::new(script);
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let (script, record) = (Arc::clone(&script), Arc::clone(&record));
            connections.spawn(async move {
                let head = read_head(&mut tcp).await;
                record
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                script(tcp).await;
            });
            while connections.try_join_next().is_some() {}
        }
    });
    Scripted { addr, heads, task }
}

/// Reads up to the blank line (or 64 KiB, or 2 s).
async fn read_head(tcp: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), read).await;
    head
}

/// The process's peak resident set size, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}
