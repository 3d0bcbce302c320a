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
//! - tls: one `tls:` check (a TLS 1.3 handshake), 0 ms delay;
//! - W5: 300 HTTP checks whose answers carry 1 MiB bodies: conform's peak RSS, whose target
//!   is < 96 MiB (bodies are let go once judged);
//! - W6: `run` on 10,000 HTTP checks, 0 ms delay: wall, CPU and peak RSS, whose target is
//!   < 64 MiB.
//!
//! Every HTTP(S) workload but W5 is also made by a minimal reference client (tokio, hyper,
//! rustls; same concurrency and connection reuse; no checks, no reports) against a fresh
//! server of its own, and conform's wall is printed as a ratio to the reference's.
//!
//! `CONFORM_BENCH_ONLY=W5` (a prefix of the labels: cold, tls, W1 ... W6) runs only those.
//!
//! Everything listens on 127.0.0.1 only; every child process has a deadline, after which its
//! process group is killed; every server stops when its workload ends.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

mod child;
mod cold;
mod project;
mod reference;
mod server;
mod table;
mod tls_probe;
mod workload;

use self::child::{OsArg, Timer, run_child};
use self::project::{BenchPki, write_project};
use self::reference::Reference;
use self::table::{ms, opt_kib, opt_ms, print_table};
use self::workload::run_workload;

/// The release binary; cargo builds it (bench profile = release) before any bench target.
const CONFORM: &str = env!("CARGO_BIN_EXE_conform");
/// Host names the environment's `resolve:` sends to 127.0.0.1.
const HOSTS: usize = 10;

/// conform's built-in `concurrency` and `host_concurrency`, which the benchmark runs at unless
/// CONFORM_BENCH_CONCURRENCY / CONFORM_BENCH_HOST_CONCURRENCY ask for others.
const DEFAULT_CONCURRENCY: usize = 32;
const DEFAULT_HOST_CONCURRENCY: usize = 4;
/// W5: the size of each answer's body, and the peak RSS conform should stay under.
const W5_BODY: usize = 1 << 20;
const W5_RSS_TARGET_MIB: f64 = 96.0;
/// W6: `run` on this many plain HTTP checks, and the peak RSS conform should stay under.
const W6_CHECKS: usize = 10_000;
const W6_RSS_TARGET_MIB: f64 = 64.0;

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

    // Process start alone, then one check, repeated (see cold.rs).
    if wanted("cold") {
        let limits_of = (concurrency, host_concurrency);
        let cold = cold::run_cold(&runtime, &limits, &pki, &timer, scratch.path(), limits_of);
        rows.push(cold);
    }

    // One tls check: a TLS 1.3 handshake, start to exit.
    if wanted("tls") {
        let dir = scratch.path().join("tls");
        runtime.block_on(tls_probe::run_tls_probe(&limits, &pki, &timer, &dir));
    }

    for spec in [
        Workload {
            label: "W1 https",
            checks: 1_000,
            delay: Duration::from_millis(25),
            tls: true,
            concurrency,
            host_concurrency,
            body: 0,
        },
        Workload {
            label: "W2 http",
            checks: 1_000,
            delay: Duration::from_millis(25),
            tls: false,
            concurrency,
            host_concurrency,
            body: 0,
        },
        Workload {
            label: "W3 https",
            checks: 100,
            delay: Duration::from_millis(200),
            tls: true,
            concurrency,
            host_concurrency,
            body: 0,
        },
        Workload {
            label: "W6 10k run",
            checks: W6_CHECKS,
            delay: Duration::ZERO,
            tls: false,
            concurrency,
            host_concurrency,
            body: 0,
        },
        Workload {
            label: "W5 bodies",
            checks: 300,
            delay: Duration::ZERO,
            tls: false,
            concurrency,
            host_concurrency,
            body: W5_BODY,
        },
    ] {
        if !wanted(spec.label) {
            continue;
        }
        let dir = scratch.path().join(spec.label.replace(' ', "-"));
        let row = runtime.block_on(run_workload(&spec, &limits, &pki, Some(&timer), &dir));
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
        if spec.checks == W6_CHECKS {
            println!(
                "W6 run, 10,000 HTTP checks: wall {}, cpu {}, peak RSS {} (target < \
                 {W6_RSS_TARGET_MIB} MiB), passed {}, exit {}",
                ms(row.measured.wall),
                opt_ms(row.measured.cpu),
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
    host_concurrency: usize,
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
    /// The reference client on the same workload (not for W5).
    reference: Option<Reference>,
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
