//! `host_rate`: the probes of one host spaced evenly in time.

use std::time::Duration;

/// Spaces the probes of one host `interval` apart (`host_rate`), so that a run never trips an
/// edge's rate limit: each caller is given the next free moment and sleeps until it.
pub(super) struct Pacer {
    interval: Duration,
    next: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Pacer {
    pub(super) fn new(interval: Duration) -> Pacer {
        Pacer {
            interval,
            next: std::sync::Mutex::new(None),
        }
    }

    pub(super) async fn wait_turn(&self) {
        let turn = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = tokio::time::Instant::now();
            let turn = next.map_or(now, |n| n.max(now));
            *next = Some(turn + self.interval);
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}
