//! Checks queue for their slots in plan order. Under a small `concurrency` the order in which
//! checks reach the slots' queues decides which start first; left to the scheduler, that
//! order is a race between its worker threads. So the run starts each check's task only once
//! the one before it has queued for its slots (or will not queue: it waits for its needs, or
//! ends at once), and checks start in file order (`--concurrency 1 --fail-fast` stops after
//! the first that fails, not after whichever won the race).

use std::future::Future;
use std::task::Poll;
use tokio::sync::mpsc;

/// The turn a task holds while it queues; handed back to the run (which then starts the next
/// task) when dropped, whatever happened.
pub(super) struct Turn {
    queued: mpsc::UnboundedSender<()>,
}

impl Turn {
    pub(super) fn new(queued: mpsc::UnboundedSender<()>) -> Turn {
        Turn { queued }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let _ = self.queued.send(());
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
