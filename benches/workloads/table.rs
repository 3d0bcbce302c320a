//! The figures printed: one row per workload, times in ms and memory in KiB.

use super::Row;
use std::time::Duration;

pub(super) fn print_table(rows: &[Row]) {
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
        if let Some(reference) = &row.reference {
            println!(
                "{:<9} reference client (hyper+rustls, no checks) wall {}, ok {}/{}: conform / \
                 reference = {:.2}x, conform - reference = {}",
                "",
                ms(reference.wall),
                reference.ok,
                row.checks,
                row.measured.wall.as_secs_f64() / reference.wall.as_secs_f64(),
                ms(row.measured.wall.saturating_sub(reference.wall))
            );
        }
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

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1000.0)
}

pub(super) fn opt_ms(d: Option<Duration>) -> String {
    d.map_or("?".to_string(), ms)
}

pub(super) fn opt_kib(kib: Option<u64>) -> String {
    kib.map_or("?".to_string(), |k| format!("{:.1}MiB", k as f64 / 1024.0))
}
