//! The tls workload: one `tls:` check (a TLS 1.3 handshake with the bench server, which asks
//! for no client certificate), run by conform from process start to exit.

use super::child::{OsArg, Timer, run_child};
use super::project::{BenchPki, write_project};
use super::server::BenchServer;
use super::table::{ms, opt_kib, opt_ms};
use bytes::Bytes;
use std::path::Path;
use std::time::Duration;

pub(super) async fn run_tls_probe(limits: &str, pki: &BenchPki, timer: &Timer, dir: &Path) {
    let server = BenchServer::start(
        Some(pki.server_config()),
        Duration::ZERO,
        Bytes::from_static(b"ok"),
    )
    .await;
    write_project(dir, 0, "https", server.port, Some(&pki.ca_pem), limits);
    let check = format!(
        "suite: tls\nchecks:\n  - name: one handshake\n    tls: {{ host: host0.bench.test, port: {} }}\n    expect: {{ version: \"1.3\" }}\n",
        server.port
    );
    std::fs::write(dir.join("checks").join("tls.yaml"), check).expect("write checks/tls.yaml");
    let report = dir.join("report.json");
    let args = [
        OsArg::from("run"),
        OsArg::from("--env"),
        OsArg::from("bench"),
        OsArg::from("--dir"),
        OsArg::from(dir.as_os_str()),
        OsArg::from("--json"),
        OsArg::from(report.as_os_str()),
    ];
    let measured = tokio::task::block_in_place(|| run_child(timer, &args, dir, "run"));
    drop(server.stop());
    let json: serde_json::Value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let probe = json["checks"][0]["duration_seconds"]
        .as_f64()
        .map(Duration::from_secs_f64);
    println!(
        "tls probe (1 tls check, TLS 1.3, no client certificate asked): wall {}, the probe {}, \
         cpu {}, peak RSS {}, passed {}, exit {}",
        ms(measured.wall),
        opt_ms(probe),
        opt_ms(measured.cpu),
        opt_kib(measured.rss_kib),
        json["summary"]["passed"]
            .as_u64()
            .map_or("?".to_string(), |p| p.to_string()),
        measured.exit_text()
    );
}
