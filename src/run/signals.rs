//! Watching for the signals that stop a run.

/// A signal that stops a run: the first one stops it, a second one ends the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// SIGINT (Ctrl-C; on Windows, the console's Ctrl-C).
    Int,
    /// SIGTERM.
    Term,
}

impl Signal {
    /// Its name, as reports and messages give it: `SIGINT`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }

    /// Its number on Unix.
    pub fn number(self) -> u8 {
        match self {
            Signal::Int => 2,
            Signal::Term => 15,
        }
    }

    fn from_number(number: u8) -> Option<Signal> {
        [Signal::Int, Signal::Term]
            .into_iter()
            .find(|s| s.number() == number)
    }

    /// The exit code of a process this signal ended, as shells report it: 128 + its number.
    pub fn exit_code(self) -> i32 {
        128 + i32::from(self.number())
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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

    /// The next SIGINT or SIGTERM; never returns where signals cannot be watched.
    pub(super) async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            match &mut self.watched {
                Some((int, term)) => tokio::select! {
                    _ = int.recv() => Signal::Int,
                    _ = term.recv() => Signal::Term,
                },
                None => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Signal::Int,
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// SIGINT and SIGTERM watched across several runs (the rounds of `run --until-pass` and
/// `run --watch`, and the waits between them): the first signal is recorded and stops every run
/// given this, a second one ends the process at once, as for a single run.
pub struct Interrupts {
    first: tokio::sync::watch::Receiver<Option<Signal>>,
}

impl Interrupts {
    /// Starts watching; inside a runtime. The watch lasts as long as the process.
    pub fn watch() -> Interrupts {
        let (tx, first) = tokio::sync::watch::channel(None);
        let mut signals = Signals::watch();
        tokio::spawn(async move {
            let signal = signals.next().await;
            record(signal);
            let _ = tx.send(Some(signal));
            let again = signals.next().await;
            eprintln!("interrupted again by {again}: exiting now");
            std::process::exit(again.exit_code());
        });
        Interrupts { first }
    }

    /// The first signal, if one came.
    pub fn received(&self) -> Option<Signal> {
        *self.first.borrow()
    }

    /// Resolves with the first signal, at once if it came already.
    pub async fn next(&self) -> Signal {
        first_of(self.first.clone()).await
    }

    pub(super) fn clone_receiver(&self) -> tokio::sync::watch::Receiver<Option<Signal>> {
        self.first.clone()
    }
}

/// Resolves with the first signal `first` carries; never if none comes.
pub(super) async fn first_of(mut first: tokio::sync::watch::Receiver<Option<Signal>>) -> Signal {
    let signal = match first.wait_for(Option::is_some).await {
        Ok(signal) => *signal,
        Err(_) => None,
    };
    match signal {
        Some(signal) => signal,
        None => std::future::pending().await,
    }
}

/// The first signal a run received (0: none, else its number), for the parts of `conform run`
/// that wait after the run itself ended (the reports' lock).
static RECEIVED: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Records the first signal received.
pub(super) fn record(signal: Signal) {
    let _ = RECEIVED.compare_exchange(
        0,
        signal.number(),
        std::sync::atomic::Ordering::SeqCst,
        std::sync::atomic::Ordering::SeqCst,
    );
}

/// The first SIGINT or SIGTERM the run received, if any, even after the checks ended.
pub fn received() -> Option<Signal> {
    Signal::from_number(RECEIVED.load(std::sync::atomic::Ordering::SeqCst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_has_its_name_number_and_exit_code() {
        assert_eq!(Signal::Int.name(), "SIGINT");
        assert_eq!(Signal::Term.name(), "SIGTERM");
        assert_eq!(Signal::Int.to_string(), "SIGINT");
        assert_eq!(Signal::Term.to_string(), "SIGTERM");
        assert_eq!(Signal::Int.number(), 2);
        assert_eq!(Signal::Term.number(), 15);
        assert_eq!(Signal::Int.exit_code(), 130);
        assert_eq!(Signal::Term.exit_code(), 143);
        for signal in [Signal::Int, Signal::Term] {
            assert_eq!(Signal::from_number(signal.number()), Some(signal));
        }
        assert_eq!(Signal::from_number(0), None);
        assert_eq!(Signal::from_number(9), None);
    }
}
