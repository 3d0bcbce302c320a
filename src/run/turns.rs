//! Checks queue for their slots in plan order. Every check's task starts at once, and under
//! a small `concurrency` the order in which they reach the slots' queues decides which start
//! first; left to the scheduler, that order is a race between its worker threads. A check
//! waits for its turn (the one before it has queued, or will not), queues, and hands the turn
//! on, so that checks start in file order (`--concurrency 1 --fail-fast` stops after the
//! first that fails, not after whichever won the race).

use std::future::Future;
use std::task::Poll;
use tokio::sync::oneshot;

/// A check's place in the line: the signal that its turn came (none for the first), and how
/// to give the next check its turn.
pub(super) struct Place {
    wait: Option<oneshot::Receiver<()>>,
    next: Option<oneshot::Sender<()>>,
}

/// The turn, held while the check queues; handed on when dropped, whatever happened.
pub(super) struct Turn {
    next: Option<oneshot::Sender<()>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(next) = self.next.take() {
            let _ = next.send(());
        }
    }
}

/// The places of `n` checks, in plan order.
pub(super) fn line(n: usize) -> Vec<Place> {
    let mut places = Vec::with_capacity(n);
    let mut wait = None;
    for _ in 0..n {
        let (tx, rx) = oneshot::channel();
        places.push(Place {
            wait: wait.take(),
            next: Some(tx),
        });
        wait = Some(rx);
    }
    places
}

impl Place {
    /// Waits for the turn (a check before that ended without handing it on, a panic, hands
    /// it on too: its sender is gone).
    pub(super) async fn turn(mut self) -> Turn {
        if let Some(wait) = self.wait.take() {
            let _ = wait.await;
        }
        Turn {
            next: self.next.take(),
        }
    }
}

/// Queues with `acquire` while holding `turn`: it is polled once, which puts it in the
/// semaphore's queue (or takes the permit), before the turn goes on. When it must wait, the
/// turn is handed on first: a check waiting for its host's slot does not hold up the others.
/// Returns the permit and the turn when it is still held (the permit came at once).
pub(super) async fn queue<F: Future>(acquire: F, turn: Option<Turn>) -> (F::Output, Option<Turn>) {
    let mut acquire = std::pin::pin!(acquire);
    match turn {
        Some(turn) => match futures::poll!(acquire.as_mut()) {
            Poll::Ready(permit) => (permit, Some(turn)),
            Poll::Pending => {
                drop(turn);
                (acquire.await, None)
            }
        },
        None => (acquire.await, None),
    }
}
