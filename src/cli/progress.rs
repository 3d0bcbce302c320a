//! The progress line of a run watched on a terminal.

use std::io::IsTerminal;
use std::time::Duration;

/// Runs shorter than this show no progress line.
pub(super) const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// A progress line on stderr for a person watching a terminal, never in CI logs: shown once a
/// run has lasted [`PROGRESS_AFTER`], and only when stderr is a terminal and `CI` is unset. It
/// names the check that has been running longest: checks take their slots in plan order, so
/// that is the first one in the plan not finished yet.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// The checks' ids in plan order, and which have finished.
    ids: Vec<String>,
    done: Vec<bool>,
}

/// The message of the progress line: the first check of the plan not finished yet.
fn slowest_running<'a>(ids: &'a [String], done: &[bool]) -> Option<&'a str> {
    ids.iter()
        .zip(done)
        .find(|(_, done)| !**done)
        .map(|(id, _)| id.as_str())
}

impl Progress {
    pub(super) fn new(ids: Vec<String>) -> Progress {
        let total = ids.len();
        let wanted = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} checks  {elapsed}  {msg}",
            ) {
                bar.set_style(style);
            }
            if let Some(first) = ids.first() {
                bar.set_message(format!("slowest still running: {first}"));
            }
            bar
        });
        Progress {
            bar,
            done: vec![false; total],
            ids,
        }
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

    /// Prints around the line, so that the two never mix, and counts the check at `index` of
    /// the plan done.
    pub(super) fn suspend(&mut self, index: Option<usize>, print: impl FnOnce()) {
        if let Some(done) = index.and_then(|i| self.done.get_mut(i)) {
            *done = true;
        }
        match &self.bar {
            Some(bar) => {
                bar.suspend(print);
                bar.inc(1);
                match slowest_running(&self.ids, &self.done) {
                    Some(id) => bar.set_message(format!("slowest still running: {id}")),
                    None => bar.set_message(""),
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_first_check_of_the_plan_still_running() {
        let ids: Vec<String> = ["a/1", "a/2", "a/3"].map(String::from).to_vec();
        assert_eq!(slowest_running(&ids, &[false, false, false]), Some("a/1"));
        assert_eq!(slowest_running(&ids, &[true, false, true]), Some("a/2"));
        assert_eq!(slowest_running(&ids, &[true, true, true]), None);
    }
}
