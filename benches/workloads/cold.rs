//! The cold start: one HTTPS check against a server that answers at once, from process start
//! to exit, beside `/bin/true` (the floor of any process start here) and `conform --version`
//! (conform's own start). One start on a shared machine says little, so each is made
//! `CONFORM_BENCH_COLD_RUNS` times (default 15), interleaved, and the median and the range
//! are printed.

use super::child::{OsArg, Timer, run_child, run_direct};
use super::project::BenchPki;
use super::table::{ms, opt_kib};
use super::workload::run_workload;
use super::{CONFORM, Row, Workload, env_number};
use std::path::Path;
use std::time::Duration;

const DEFAULT_RUNS: usize = 15;

/// Runs the cold workload; returns its row: the run of median wall (conform started directly,
/// nothing between the benchmark and it), its reference wall replaced by the reference's
/// median, its peak RSS from one more run under the timer.
pub(super) fn run_cold(
    runtime: &tokio::runtime::Runtime,
    limits: &str,
    pki: &BenchPki,
    timer: &Timer,
    scratch: &Path,
    (concurrency, host_concurrency): (usize, usize),
) -> Row {
    let runs = env_number("CONFORM_BENCH_COLD_RUNS").unwrap_or(DEFAULT_RUNS);
    let spec = Workload {
        label: "cold",
        checks: 1,
        delay: Duration::ZERO,
        tls: true,
        concurrency,
        host_concurrency,
        body: 0,
    };
    let (mut floor, mut version, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    let dir = scratch.join("cold");
    let conform = Path::new(CONFORM);
    let version_args = [OsArg::from("--version")];
    for _ in 0..runs {
        floor.push(run_direct(Path::new("/bin/true"), &[], scratch, "true").wall);
        version.push(run_direct(conform, &version_args, scratch, "version").wall);
        rows.push(runtime.block_on(run_workload(&spec, limits, pki, None, &dir)));
    }
    // Once more under the timer, for the peak RSS alone.
    let version_rss = run_child(timer, &version_args, scratch, "version").rss_kib;
    let rss = runtime.block_on(run_workload(&spec, limits, pki, Some(timer), &dir));
    println!(
        "process start ({runs} runs, median [min-max]): /bin/true {}; conform --version {} \
         (peak RSS {})",
        spread(&mut floor),
        spread(&mut version),
        opt_kib(version_rss)
    );
    let mut walls: Vec<Duration> = rows.iter().map(|r| r.measured.wall).collect();
    let mut references: Vec<Duration> = rows
        .iter()
        .filter_map(|r| r.reference.as_ref().map(|r| r.wall))
        .collect();
    let mut own: Vec<Duration> = rows
        .iter()
        .filter_map(|r| r.run_seconds.map(Duration::from_secs_f64))
        .collect();
    let mut probe: Vec<Duration> = rows
        .iter()
        .filter_map(|r| r.probe_seconds.map(Duration::from_secs_f64))
        .collect();
    let mut differences: Vec<Duration> = rows
        .iter()
        .filter_map(|r| {
            let reference = r.reference.as_ref()?;
            Some(r.measured.wall.saturating_sub(reference.wall))
        })
        .collect();
    println!(
        "cold start (1 HTTPS check, 0 ms; {runs} runs, median [min-max]): conform wall {}, \
         conform's own run {}, the probe {}; reference {}; conform - reference {}",
        spread(&mut walls),
        spread(&mut own),
        spread(&mut probe),
        spread(&mut references),
        spread(&mut differences)
    );
    let reference_median = median(&references);
    rows.sort_by_key(|r| r.measured.wall);
    let mut row = rows.swap_remove(rows.len() / 2);
    row.measured.rss_kib = rss.measured.rss_kib;
    if let (Some(reference), Some(wall)) = (row.reference.as_mut(), reference_median) {
        reference.wall = wall;
    }
    row
}

fn median(sorted: &[Duration]) -> Option<Duration> {
    sorted.get(sorted.len() / 2).copied()
}

/// `median [min-max]` of `values` (sorted here).
fn spread(values: &mut [Duration]) -> String {
    values.sort();
    match (median(values), values.first(), values.last()) {
        (Some(m), Some(lo), Some(hi)) => format!("{} [{}-{}]", ms(m), ms(*lo), ms(*hi)),
        _ => "?".to_string(),
    }
}
