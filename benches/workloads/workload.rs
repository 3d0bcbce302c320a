//! One workload: its project written, its server started, conform run on it, and its report read.

use super::child::{OsArg, Timer, run_child, run_direct};
use super::project::{BenchPki, write_project};
use super::reference::run_reference;
use super::server::BenchServer;
use super::{Row, Workload};
use bytes::Bytes;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Runs one workload: conform on it (under `timer`, or started directly when `None`), then the
/// reference client on the same workload.
pub(super) async fn run_workload(
    spec: &Workload,
    limits: &str,
    pki: &BenchPki,
    timer: Option<&Timer>,
    dir: &Path,
) -> Row {
    let tls = spec.tls.then(|| pki.server_config());
    let body = match spec.body {
        0 => Bytes::from_static(b"ok"),
        n => Bytes::from((0..n).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>()),
    };
    let server = BenchServer::start(tls.clone(), spec.delay, body.clone()).await;
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
    // Under the timer for the peak RSS; without one, conform is started directly (the wall
    // alone, see child.rs).
    let measured = tokio::task::block_in_place(|| match timer {
        Some(timer) => run_child(timer, &args, dir, "run"),
        None => run_direct(Path::new(super::CONFORM), &args, dir, "run"),
    });
    let (passed, run_seconds, probe_seconds) = read_report(&report);
    let stats = server.stop();
    // The reference client on the same workload, against a fresh server of its own.
    let reference = if spec.body == 0 {
        let server = BenchServer::start(tls.clone(), spec.delay, body.clone()).await;
        let (port, ca) = (server.port, pki.ca_pem.as_str());
        let (n, hc) = (spec.concurrency, spec.host_concurrency);
        let made =
            tokio::task::block_in_place(|| run_reference(spec.checks, spec.tls, port, ca, n, hc));
        drop(server.stop());
        Some(made)
    } else {
        None
    };
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
        reference,
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
