//! Watching for the signals that stop a run.

/// SIGINT and SIGTERM, watched from the moment this is made until it is dropped (the default
/// action, ending the process, no longer applies meanwhile).
pub(super) struct Signals {
    #[cfg(unix)]
    watched: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Starts watching; inside a runtime.
    pub(super) fn watch() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let watched = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                _ => None,
            };
            Signals { watched }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    /// The next SIGINT or SIGTERM, by name; never returns where signals cannot be watched.
    pub(super) async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            match &mut self.watched {
                Some((int, term)) => tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                },
                None => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => "interrupt",
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// The first signal a run received (0: none, else its number), for the parts of `conform run`
/// that wait after the run itself ended (the reports' lock).
static RECEIVED: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Records the first signal received.
pub(super) fn record(signal: &str) {
    let number = if signal == "SIGTERM" { 15 } else { 2 };
    let _ = RECEIVED.compare_exchange(
        0,
        number,
        std::sync::atomic::Ordering::SeqCst,
        std::sync::atomic::Ordering::SeqCst,
    );
}

/// The first SIGINT or SIGTERM the run received, if any, even after the checks ended.
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        15 => Some("SIGTERM"),
        _ => Some("SIGINT"),
    }
}

/// The exit code of a process a signal ended, as shells report it: 128 + its number.
pub fn exit_code(signal: &str) -> i32 {
    match signal {
        "SIGTERM" => 143,
        _ => 130,
    }
}
