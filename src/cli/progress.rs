//! The progress line of a run watched on a terminal.

use std::io::IsTerminal;
use std::time::Duration;

/// Runs shorter than this show no progress line.
pub(super) const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// A progress line on stderr for a person watching a terminal, never in CI logs: shown once a
/// run has lasted [`PROGRESS_AFTER`], and only when stderr is a terminal and `CI` is unset.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub(super) fn new(total: usize) -> Progress {
        let wanted = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} checks  {elapsed}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    /// Starts drawing after `delay`, from a task of the run's runtime.
    pub(super) fn show_after(&self, delay: Duration) {
        if let Some(bar) = self.bar.clone() {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if !bar.is_finished() {
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            });
        }
    }

    /// Prints around the line, so that the two never mix, and counts one check done.
    pub(super) fn suspend(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => {
                bar.suspend(print);
                bar.inc(1);
            }
            None => print(),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
