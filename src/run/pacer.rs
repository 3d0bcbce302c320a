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
        if let Some(turn) = self.book(None) {
            tokio::time::sleep_until(turn).await;
        }
    }

    /// The next free moment, booked and waited for, if it comes by `latest`; `false`, and
    /// nothing booked (the turn is left to others), when it would come later.
    pub(super) async fn wait_turn_by(&self, latest: tokio::time::Instant) -> bool {
        match self.book(Some(latest)) {
            Some(turn) => {
                tokio::time::sleep_until(turn).await;
                true
            }
            None => false,
        }
    }

    /// Books the next free moment (none after `latest`).
    fn book(&self, latest: Option<tokio::time::Instant>) -> Option<tokio::time::Instant> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let now = tokio::time::Instant::now();
        let turn = next.map_or(now, |n| n.max(now));
        if latest.is_some_and(|latest| turn > latest) {
            return None;
        }
        *next = Some(turn + self.interval);
        Some(turn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_turn_past_the_latest_is_not_booked() {
        let pacer = Pacer::new(Duration::from_secs(60));
        let first = pacer.book(None).expect("the first turn is now");
        // The next free moment is a minute on: not by `first`, so nothing is booked...
        assert_eq!(pacer.book(Some(first)), None);
        // ...and the turn after the first is still the next one given.
        assert_eq!(pacer.book(None), Some(first + Duration::from_secs(60)));
        assert_eq!(
            pacer.book(Some(first + Duration::from_secs(180))),
            Some(first + Duration::from_secs(120))
        );
    }
}
