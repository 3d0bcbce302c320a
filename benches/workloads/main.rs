//! The conform benchmark: generated suites run by the release binary against a loopback
//! HTTP(S) server started here, which answers every request after a fixed delay and counts
//! what it receives. Never part of `cargo test`; run it with `cargo bench --bench workloads`
//! (see benches/README.md).
//!
//! Workloads:
//! - cold: one check, 0 ms delay (process start, load and report overhead);
//! - W1: 1,000 HTTPS checks over 10 hosts, 25 ms delay;
//! - W2: the same over plain HTTP;
//! - W3: 100 HTTPS checks, 200 ms delay;
//! - W4: `conform validate` on 10,000 checks (nothing probed);
//! - W5: 300 HTTP checks whose answers carry 1 MiB bodies: conform's peak RSS, whose target
//!   is < 96 MiB (bodies are let go once judged).
//!
//! `CONFORM_BENCH_ONLY=W5` (a prefix of the labels: cold, W1 ... W5) runs only those.
//!
//! Everything listens on 127.0.0.1 only; every child process has a deadline, after which its
//! process group is killed; every server stops when its workload ends.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::fmt::Write as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The release binary; cargo builds it (bench profile = release) before any bench target.
const CONFORM: &str = env!("CARGO_BIN_EXE_conform");
/// Host names the environment's `resolve:` sends to 127.0.0.1.
const HOSTS: usize = 10;
/// Longest a single conform process may run before it is killed.
const CHILD_DEADLINE: Duration = Duration::from_secs(300);
/// conform's built-in `concurrency` and `host_concurrency`, which the benchmark runs at unless
/// CONFORM_BENCH_CONCURRENCY / CONFORM_BENCH_HOST_CONCURRENCY ask for others.
const DEFAULT_CONCURRENCY: usize = 32;
const DEFAULT_HOST_CONCURRENCY: usize = 4;
/// W5: the size of each answer's body, and the peak RSS conform should stay under.
const W5_BODY: usize = 1 << 20;
const W5_RSS_TARGET_MIB: f64 = 96.0;

/// A positive number from the environment variable `name`.
fn env_number(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
}

fn main() {
    let concurrency_set = env_number("CONFORM_BENCH_CONCURRENCY");
    let host_concurrency_set = env_number("CONFORM_BENCH_HOST_CONCURRENCY");
    let concurrency = concurrency_set.unwrap_or(DEFAULT_CONCURRENCY);
    let host_concurrency = host_concurrency_set.unwrap_or(DEFAULT_HOST_CONCURRENCY);
    // What the generated environment says; nothing when the built-in defaults apply.
    let mut limits = String::new();
    if let Some(n) = concurrency_set {
        let _ = writeln!(limits, "concurrency: {n}");
    }
    if let Some(n) = host_concurrency_set {
        let _ = writeln!(limits, "host_concurrency: {n}");
    }
    // The global limit binds only while the hosts together allow more.
    let concurrency = concurrency.min(host_concurrency * HOSTS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let timer = Timer::detect();
    let pki = BenchPki::new();
    let mut scratch = tempfile::tempdir().expect("temporary directory");
    if std::env::var_os("CONFORM_BENCH_KEEP").is_some() {
        scratch.disable_cleanup(true);
        println!("  kept:             {}", scratch.path().display());
    }
    println!("conform benchmark");
    println!("  binary:           {CONFORM}");
    println!(
        "  concurrency:      {} (CONFORM_BENCH_CONCURRENCY), host_concurrency: {host_concurrency} \
         (CONFORM_BENCH_HOST_CONCURRENCY){}",
        concurrency_set.unwrap_or(DEFAULT_CONCURRENCY),
        if limits.is_empty() {
            "; conform's defaults"
        } else {
            ""
        }
    );
    println!(
        "  hosts:            host0..host{}.bench.test -> 127.0.0.1",
        HOSTS - 1
    );
    println!("  measured with:    {}", timer.describe());
    println!(
        "  cpus:             {}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();

    let mut rows = Vec::new();
    // CONFORM_BENCH_ONLY=W5 (a label prefix): only the workloads whose label starts so.
    let only = std::env::var("CONFORM_BENCH_ONLY").ok();
    let wanted = |label: &str| only.as_deref().is_none_or(|o| label.starts_with(o));

    // Process start alone: `conform --version`.
    if wanted("cold") {
        let version = run_child(
            &timer,
            &[OsArg::from("--version")],
            scratch.path(),
            "version",
        );
        println!(
            "process start (conform --version): wall {}, cpu {}, peak RSS {}",
            ms(version.wall),
            opt_ms(version.cpu),
            opt_kib(version.rss_kib)
        );

        // Cold start: one check against a server that answers at once.
        let cold = runtime.block_on(async {
            let spec = Workload {
                label: "cold",
                checks: 1,
                delay: Duration::ZERO,
                tls: true,
                concurrency,
                body: 0,
            };
            run_workload(&spec, &limits, &pki, &timer, &scratch.path().join("cold")).await
        });
        if let (Some(run), Some(probe)) = (cold.run_seconds, cold.probe_seconds) {
            println!(
                "cold start (1 HTTPS check, 0 ms): wall {}, conform's own run {}, the probe {}, \
             wall - probe ~ {}",
                ms(cold.measured.wall),
                ms(Duration::from_secs_f64(run)),
                ms(Duration::from_secs_f64(probe)),
                ms(cold
                    .measured
                    .wall
                    .saturating_sub(Duration::from_secs_f64(probe)))
            );
        }
        rows.push(cold);
    }

    for spec in [
        Workload {
            label: "W1 https",
            checks: 1_000,
            delay: Duration::from_millis(25),
            tls: true,
            concurrency,
            body: 0,
        },
        Workload {
            label: "W2 http",
            checks: 1_000,
            delay: Duration::from_millis(25),
            tls: false,
            concurrency,
            body: 0,
        },
        Workload {
            label: "W3 https",
            checks: 100,
            delay: Duration::from_millis(200),
            tls: true,
            concurrency,
            body: 0,
        },
        Workload {
            label: "W5 bodies",
            checks: 300,
            delay: Duration::ZERO,
            tls: false,
            concurrency,
            body: W5_BODY,
        },
    ] {
        if !wanted(spec.label) {
            continue;
        }
        let dir = scratch.path().join(spec.label.replace(' ', "-"));
        let row = runtime.block_on(run_workload(&spec, &limits, &pki, &timer, &dir));
        if spec.body > 0 {
            println!(
                "W5 bodies: {} passing checks x {} bodies: peak RSS {} (target < {W5_RSS_TARGET_MIB} MiB), \
                 passed {}, exit {}",
                spec.checks,
                if spec.body == 1 << 20 {
                    "1 MiB".to_string()
                } else {
                    format!("{} B", spec.body)
                },
                opt_kib(row.measured.rss_kib),
                row.passed.map_or("?".to_string(), |p| p.to_string()),
                row.measured.exit_text()
            );
        }
        rows.push(row);
    }

    // W4: validate 10,000 checks; nothing listens, nothing is probed.
    let w4 = wanted("W4").then(|| {
        let w4_dir = scratch.path().join("W4");
        write_project(&w4_dir, 10_000, "https", 9, Some(&pki.ca_pem), &limits);
        let args = [
            OsArg::from("validate"),
            OsArg::from("--env"),
            OsArg::from("bench"),
            OsArg::from("--dir"),
            OsArg::from(w4_dir.as_os_str()),
        ];
        run_child(&timer, &args, &w4_dir, "validate")
    });

    println!();
    print_table(&rows);
    println!();
    if let Some(w4) = &w4 {
        println!(
            "W4 validate, 10,000 checks: wall {}, cpu {}, peak RSS {}, exit {}",
            ms(w4.wall),
            opt_ms(w4.cpu),
            opt_kib(w4.rss_kib),
            w4.exit_text()
        );
    }
    println!();
    println!(
        "limit = ceil(N / concurrency) x delay; ratio = wall / limit. wall and cpu are the \
         conform process's (process start, loading, TLS, reports included); the server runs \
         in this process and its CPU is not counted. ok = checks passed / N (from the JSON \
         report); requests = what the server received; conns = TCP connections it accepted; peak/host = most requests in flight \
         at once for one host name."
    );
    drop(runtime);
}

struct Workload {
    label: &'static str,
    checks: usize,
    delay: Duration,
    tls: bool,
    concurrency: usize,
    /// Bytes of body in each answer (0: "ok").
    body: usize,
}

struct Row {
    label: &'static str,
    checks: usize,
    concurrency: usize,
    delay: Duration,
    measured: Measured,
    passed: Option<u64>,
    run_seconds: Option<f64>,
    probe_seconds: Option<f64>,
    requests: u64,
    connections: u64,
    /// The server's mean delay as really slept (its timer's resolution adds to `delay`).
    mean_held: Option<Duration>,
    peak_per_host: u32,
    versions: String,
}

async fn run_workload(
    spec: &Workload,
    limits: &str,
    pki: &BenchPki,
    timer: &Timer,
    dir: &Path,
) -> Row {
    let tls = spec.tls.then(|| pki.server_config());
    let body = match spec.body {
        0 => Bytes::from_static(b"ok"),
        n => Bytes::from((0..n).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>()),
    };
    let server = BenchServer::start(tls, spec.delay, body).await;
    let scheme = if spec.tls { "https" } else { "http" };
    write_project(
        dir,
        spec.checks,
        scheme,
        server.port,
        spec.tls.then_some(pki.ca_pem.as_str()),
        limits,
    );
    let report = dir.join("report.json");
    let args = [
        OsArg::from("run"),
        OsArg::from("--env"),
        OsArg::from("bench"),
        OsArg::from("--dir"),
        OsArg::from(dir.as_os_str()),
        OsArg::from("--json"),
        OsArg::from(report.as_os_str()),
        OsArg::from("--junit"),
        OsArg::from(dir.join("junit.xml").into_os_string()),
    ];
    // The child blocks this thread; the server keeps running on the runtime's workers.
    let measured = tokio::task::block_in_place(|| run_child(timer, &args, dir, "run"));
    let (passed, run_seconds, probe_seconds) = read_report(&report);
    let stats = server.stop();
    if measured.exit != Some(0) {
        eprintln!(
            "warning: {} exited {}; its output is in {}",
            spec.label,
            measured.exit_text(),
            dir.join("run.stdout").display()
        );
    }
    Row {
        label: spec.label,
        checks: spec.checks,
        concurrency: spec.concurrency,
        delay: spec.delay,
        measured,
        passed,
        run_seconds,
        probe_seconds,
        requests: stats.total.load(Ordering::SeqCst),
        connections: stats.connections.load(Ordering::SeqCst),
        mean_held: match stats.total.load(Ordering::SeqCst) {
            0 => None,
            _ if spec.delay.is_zero() => None,
            n => Some(Duration::from_nanos(
                stats.held_ns.load(Ordering::SeqCst) / n,
            )),
        },
        peak_per_host: stats
            .hosts
            .lock()
            .unwrap()
            .values()
            .map(|h| h.peak)
            .max()
            .unwrap_or(0),
        versions: {
            let versions = stats.versions.lock().unwrap();
            let mut text = String::new();
            for (version, count) in versions.iter() {
                if !text.is_empty() {
                    text.push('+');
                }
                let _ = write!(text, "{version}:{count}");
            }
            text
        },
    }
}

/// Passed checks, the run's own duration and the first check's duration, from the JSON report.
fn read_report(path: &Path) -> (Option<u64>, Option<f64>, Option<f64>) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return (None, None, None);
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return (None, None, None);
    };
    (
        json["summary"]["passed"].as_u64(),
        json["duration_seconds"].as_f64(),
        json["checks"][0]["duration_seconds"].as_f64(),
    )
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<9} {:>6} {:>5} {:>7} {:>9} {:>9} {:>6} {:>9} {:>10} {:>9} {:>9} {:>6} {:>10}  protocol",
        "workload",
        "N",
        "conc",
        "delay",
        "wall",
        "limit",
        "ratio",
        "cpu",
        "peak RSS",
        "ok",
        "requests",
        "conns",
        "peak/host"
    );
    for row in rows {
        let limit = row.delay * row.checks.div_ceil(row.concurrency) as u32;
        let ratio = if limit.is_zero() {
            "-".to_string()
        } else {
            format!(
                "{:.2}",
                row.measured.wall.as_secs_f64() / limit.as_secs_f64()
            )
        };
        println!(
            "{:<9} {:>6} {:>5} {:>7} {:>9} {:>9} {:>6} {:>9} {:>10} {:>9} {:>9} {:>6} {:>10}  {}",
            row.label,
            row.checks,
            row.concurrency,
            ms(row.delay),
            ms(row.measured.wall),
            ms(limit),
            ratio,
            opt_ms(row.measured.cpu),
            opt_kib(row.measured.rss_kib),
            format!(
                "{}/{}",
                row.passed.map_or("?".to_string(), |p| p.to_string()),
                row.checks
            ),
            row.requests,
            row.connections,
            row.peak_per_host,
            row.versions
        );
        if let Some(run) = row.run_seconds {
            println!(
                "{:<9} conform's own run duration {}",
                "",
                ms(Duration::from_secs_f64(run))
            );
        }
        if let Some(held) = row.mean_held {
            let real_limit = held * row.checks.div_ceil(row.concurrency) as u32;
            println!(
                "{:<9} the server held each request {} on average: limit at that delay {}, \
                 ratio {:.2}",
                "",
                ms(held),
                ms(real_limit),
                row.measured.wall.as_secs_f64() / real_limit.as_secs_f64()
            );
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1000.0)
}

fn opt_ms(d: Option<Duration>) -> String {
    d.map_or("?".to_string(), ms)
}

fn opt_kib(kib: Option<u64>) -> String {
    kib.map_or("?".to_string(), |k| format!("{:.1}MiB", k as f64 / 1024.0))
}

// ---- the generated project ----

/// `checks/sNN.yaml` (at most 1,000 checks each; check i targets host i % 10) and
/// `environments/bench.yaml` with the `resolve:` rules, the CA and the concurrency settings.
fn write_project(
    dir: &Path,
    checks: usize,
    scheme: &str,
    port: u16,
    ca_pem: Option<&str>,
    limits: &str,
) {
    let checks_dir = dir.join("checks");
    let env_dir = dir.join("environments");
    std::fs::create_dir_all(&checks_dir).expect("create checks/");
    std::fs::create_dir_all(&env_dir).expect("create environments/");

    let mut env = String::from("name: bench\nresolve:\n");
    for h in 0..HOSTS {
        let _ = writeln!(env, "  host{h}.bench.test: 127.0.0.1");
    }
    if let Some(ca) = ca_pem {
        std::fs::write(dir.join("ca.pem"), ca).expect("write ca.pem");
        env.push_str("tls: { ca_file: ../ca.pem }\n");
    }
    env.push_str("defaults: { timeout: 10s, retries: 0 }\n");
    env.push_str(limits);
    std::fs::write(env_dir.join("bench.yaml"), env).expect("write environments/bench.yaml");

    const PER_FILE: usize = 1_000;
    for (file, start) in (0..checks).step_by(PER_FILE).enumerate() {
        let mut text = format!("suite: s{file:02}\nchecks:\n");
        for i in start..(start + PER_FILE).min(checks) {
            let host = i % HOSTS;
            let _ = writeln!(
                text,
                "  - name: check {i}\n    http: {{ url: \"{scheme}://host{host}.bench.test:{port}/c/{i}\" }}\n    expect: {{ status: 200 }}"
            );
        }
        std::fs::write(checks_dir.join(format!("s{file:02}.yaml")), text).expect("write checks");
    }
}

// ---- the test PKI ----

struct BenchPki {
    ca_pem: String,
    leaf_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl BenchPki {
    /// A CA, and a leaf for every bench host name signed by it.
    fn new() -> BenchPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "conform bench CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let names: Vec<String> = (0..HOSTS).map(|h| format!("host{h}.bench.test")).collect();
        let mut params = CertificateParams::new(names).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "host0.bench.test");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().expect("leaf key");
        let leaf = params.signed_by(&key, &ca).expect("leaf certificate");
        BenchPki {
            ca_pem: ca.pem(),
            leaf_der: leaf.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![self.leaf_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .expect("server certificate");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

// ---- the loopback server ----

#[derive(Default)]
struct Stats {
    total: AtomicU64,
    /// TCP connections accepted: with connection reuse, far fewer than requests.
    connections: AtomicU64,
    /// Sum over requests of the time each was really held (the timer's delay as slept).
    held_ns: AtomicU64,
    hosts: Mutex<HashMap<String, HostStats>>,
    versions: Mutex<BTreeMap<String, u64>>,
}

#[derive(Default)]
struct HostStats {
    in_flight: u32,
    peak: u32,
}

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
struct BenchServer {
    port: u16,
    stats: Arc<Stats>,
    task: JoinHandle<()>,
}

impl BenchServer {
    async fn start(
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
    fn stop(self) -> Arc<Stats> {
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

// ---- running conform and measuring it ----

type OsArg = std::ffi::OsString;

/// How the peak RSS of a child is measured (CPU time always comes from getrusage).
enum Timer {
    /// GNU time: `/usr/bin/time -v -o FILE`, per process.
    GnuTime,
    /// getrusage(RUSAGE_CHILDREN): the largest peak of any child waited for so far.
    Rusage,
}

impl Timer {
    fn detect() -> Timer {
        let works = Command::new("/usr/bin/time")
            .args(["-v", "-o", "/dev/null", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works { Timer::GnuTime } else { Timer::Rusage }
    }

    fn describe(&self) -> &'static str {
        match self {
            Timer::GnuTime => "cpu: getrusage(RUSAGE_CHILDREN) difference; RSS: /usr/bin/time -v",
            Timer::Rusage => {
                "getrusage(RUSAGE_CHILDREN) (peak RSS: the max of all children so far)"
            }
        }
    }
}

struct Measured {
    wall: Duration,
    cpu: Option<Duration>,
    rss_kib: Option<u64>,
    /// None: killed at the deadline, or ended by a signal.
    exit: Option<i32>,
}

impl Measured {
    fn exit_text(&self) -> String {
        self.exit
            .map_or("none (killed or signalled)".to_string(), |c| c.to_string())
    }
}

/// Runs conform with `args`; stdout and stderr go to `<dir>/<name>.stdout|.stderr`.
fn run_child(timer: &Timer, args: &[OsArg], dir: &Path, name: &str) -> Measured {
    std::fs::create_dir_all(dir).expect("create the workload folder");
    let stdout = std::fs::File::create(dir.join(format!("{name}.stdout"))).expect("stdout file");
    let stderr = std::fs::File::create(dir.join(format!("{name}.stderr"))).expect("stderr file");
    let time_file: PathBuf = dir.join(format!("{name}.time"));
    let mut command = match timer {
        Timer::GnuTime => {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-v").arg("-o").arg(&time_file).arg(CONFORM);
            c
        }
        Timer::Rusage => Command::new(CONFORM),
    };
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own process group, so that a deadline kill reaches conform under time too.
        .process_group(0);
    let before = children_usage();
    let started = Instant::now();
    let mut child = command.spawn().expect("start conform");
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel::<std::io::Result<ExitStatus>>();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(CHILD_DEADLINE) {
        Ok(status) => status.ok(),
        Err(_) => {
            eprintln!("warning: conform {name} passed the {CHILD_DEADLINE:?} deadline; killing it");
            // SAFETY: signals the process group of the child started above, nothing else.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            rx.recv().ok().and_then(Result::ok)
        }
    };
    let wall = started.elapsed();
    let _ = waiter.join();
    let after = children_usage();
    // CPU from getrusage in both cases (microseconds; time -v rounds to 10 ms): the child's
    // usage, with /usr/bin/time's own few hundred microseconds when it is the wrapper.
    let cpu = Some(after.0.saturating_sub(before.0));
    let rss_kib = match timer {
        Timer::GnuTime => parse_gnu_time(&time_file),
        Timer::Rusage => Some(after.1),
    };
    Measured {
        wall,
        cpu,
        rss_kib,
        exit: status.and_then(|s| s.code()),
    }
}

/// (user + system CPU, max RSS in KiB) of every child waited for so far.
fn children_usage() -> (Duration, u64) {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    (
        tv(usage.ru_utime) + tv(usage.ru_stime),
        usage.ru_maxrss.max(0) as u64,
    )
}

/// "Maximum resident set size (kbytes)" from `time -v` output.
fn parse_gnu_time(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok())
}
