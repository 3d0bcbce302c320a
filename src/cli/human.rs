//! The human report on stdout while a run goes on: a line per check as it finishes, the
//! closing summary and what changed since `--baseline`, coloured as `--color` says. Under
//! `--format github` the secrets' masks go out first, and the human lines (which show what
//! servers sent) sit where the runner reads no workflow command.

use super::outputs::Outputs;
use super::{Format, say};
use crate::config::model::Secrets;
use crate::report::escape::{one_line, stop_token};
use crate::report::github::masks;
use crate::report::json::baseline::BaselineDiff;
use crate::report::terminal::TerminalReporter;
use crate::run::{CheckResult, Note, RunReport, StopReason};
use anstream::{AutoStream, ColorChoice};
use std::collections::BTreeMap;
use std::io::Write;

/// The human lines of one run.
pub(super) struct Human {
    terminal: TerminalReporter,
    /// Under `--format github`: the token of the `::stop-commands::` region the human lines
    /// are in, closed by [`Human::close`].
    region: Option<String>,
    /// Whether stdout shows the human lines (`--format human` and `github`).
    shown: bool,
    secrets: Secrets,
    /// Finished checks waiting for an earlier one in the plan, or for a capture, by plan
    /// index. Lines come out in plan order, whatever order the checks finish in.
    held: BTreeMap<usize, Line>,
    /// The plan indices of the checks that capture values and have not finished: until
    /// they all have, a finished check is kept whole and shown later, since its answer may
    /// hold a value captured after it (redacted once captured).
    capturing: std::collections::BTreeSet<usize>,
    /// Checks without a place in the plan that finished while a capture was to come.
    unplaced: Vec<Line>,
    /// How many checks are kept whole (held or unplaced), to be rendered once no capture is
    /// to come: none, and there is nothing to look for.
    later: usize,
    /// The plan index of the next check to show.
    next: usize,
    /// Checks `--fail-fast` left not run: said in one line at the end, not one each.
    stopped: usize,
    /// Under `--format github`: the captured values already masked.
    masked: std::collections::BTreeSet<String>,
    github: bool,
    /// Checks run only because others need them, and which: marked on their lines.
    needed_by: super::NeededBy,
}

/// A finished check waiting to be shown.
enum Line {
    /// Its text (`None`: nothing to show).
    Text(Option<String>),
    /// The check itself, rendered once no value is left to capture.
    Later(Box<CheckResult>),
}

impl Human {
    /// Starts the human report: under `--format github`, the masks first (so that the runner
    /// hides the secrets in every line after them), then the start of a region that ends at a
    /// token no server can guess. Without randomness to draw it from, the human report is left
    /// out rather than written where a server could forge commands.
    pub(super) fn start(outputs: &Outputs, secrets: &Secrets, verbosity: u8) -> Human {
        let format = outputs.format;
        let region = (format == Format::Github).then(stop_token);
        let stdout = AutoStream::new(std::io::stdout(), outputs.color);
        let color = stdout.current_choice() != ColorChoice::Never;
        let out: Box<dyn Write + Send> = match (format, region.as_deref()) {
            (Format::Github, Some("")) => {
                eprintln!("warning: no system randomness: the human report is left out");
                Box::new(std::io::sink())
            }
            (Format::Human | Format::Github, _) => Box::new(stdout),
            (Format::Json | Format::Tap, _) => Box::new(std::io::sink()),
        };
        if format == Format::Github {
            say(&masks(secrets));
        }
        let region = region.filter(|token| !token.is_empty());
        if let Some(token) = &region {
            say(&format!("::stop-commands::{token}\n"));
        }
        Human {
            terminal: TerminalReporter::new(out, color, verbosity, secrets.clone()),
            region,
            shown: matches!(format, Format::Human | Format::Github),
            secrets: secrets.clone(),
            held: BTreeMap::new(),
            capturing: std::collections::BTreeSet::new(),
            unplaced: Vec::new(),
            later: 0,
            next: 0,
            stopped: 0,
            masked: std::collections::BTreeSet::new(),
            github: format == Format::Github,
            needed_by: super::NeededBy::new(),
        }
    }

    /// Every line still held, in plan order (a check that never reported leaves no gap):
    /// the end of a run, or of the first round of `--until-pass`.
    pub(super) fn flush(&mut self) {
        self.capturing.clear();
        self.render_held();
        for line in std::mem::take(&mut self.held).into_values() {
            if let Line::Text(text) = line {
                self.write(text);
            }
        }
    }

    /// The plan about to run, in its order: a check that finishes before every check that
    /// captures values has is shown once they all have.
    pub(super) fn wait_for_captures(
        &mut self,
        checks: &[std::sync::Arc<crate::config::model::Check>],
    ) {
        self.capturing = checks
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.flow.captures.is_empty())
            .map(|(i, _)| i)
            .collect();
    }

    /// A check finished; `index` is its place in the plan. Its line is shown once every
    /// check before it in the plan is shown, and every check that captures values is done.
    pub(super) fn check_finished(&mut self, index: Option<usize>, result: &CheckResult) {
        if let Some(index) = index {
            self.capturing.remove(&index);
        }
        let line = if self.capturing.is_empty() {
            self.render_held();
            Line::Text(self.render(result))
        } else {
            self.later += 1;
            Line::Later(Box::new(result.clone()))
        };
        match index {
            Some(index) => {
                self.held.insert(index, line);
                self.show_in_order();
            }
            None => match line {
                Line::Text(text) => self.write(text),
                later => self.unplaced.push(later),
            },
        }
    }

    /// The held lines that can be shown, in plan order.
    fn show_in_order(&mut self) {
        while let Some(Line::Text(_)) = self.held.get(&self.next) {
            if let Some(Line::Text(text)) = self.held.remove(&self.next) {
                self.write(text);
            }
            self.next += 1;
        }
    }

    /// Renders the checks kept whole: every value they may hold is captured by now.
    fn render_held(&mut self) {
        if self.later == 0 {
            return;
        }
        self.later = 0;
        let (mut held, unplaced) = (
            std::mem::take(&mut self.held),
            std::mem::take(&mut self.unplaced),
        );
        for line in held.values_mut() {
            if let Line::Later(result) = line {
                *line = Line::Text(self.render(result));
            }
        }
        self.held = held;
        for line in unplaced {
            let text = match line {
                Line::Text(text) => text,
                Line::Later(result) => self.render(&result),
            };
            self.write(text);
        }
    }

    /// A check's text, redacted of every value captured so far (`None`: nothing to show).
    fn render(&mut self, result: &CheckResult) -> Option<String> {
        self.mask_captures();
        if result.note == Some(Note::NotRun(StopReason::FailFast)) {
            self.stopped += 1;
            return None;
        }
        Some(self.mark_needed(result, self.terminal.render(result)))
    }

    fn write(&mut self, text: Option<String>) {
        if let Some(text) = text {
            self.terminal.write(&text);
        }
    }

    /// Marks the lines of the checks run only as needs: `(needed by ID, ...)`.
    pub(super) fn set_needed_by(&mut self, needed_by: &super::NeededBy) {
        self.needed_by = needed_by.clone();
    }

    /// `text` with ` (needed by A, B)` at the end of its first line, when the check is run
    /// only because selected checks need it.
    fn mark_needed(&self, result: &CheckResult, mut text: String) -> String {
        if let Some(by) = self.needed_by.get(&result.check.id) {
            let by: Vec<String> = by.iter().map(|id| self.clean_line(id)).collect();
            let mark = format!(" (needed by {})", by.join(", "));
            let end = text.find('\n').unwrap_or(text.len());
            text.insert_str(end, &mark);
        }
        text
    }

    /// Under `--format github`, masks for the values captured since the last line, before
    /// any line that could show one: the region of human lines is closed for them (commands
    /// inside it are not read) and opened again with a new token.
    fn mask_captures(&mut self) {
        if !self.github {
            return;
        }
        let mut fresh = crate::config::model::Secrets::default();
        for (name, value) in self.secrets.captured_values() {
            if self.masked.insert(value.clone()) {
                fresh.insert(&name, &value);
            }
        }
        if fresh.is_empty() {
            return;
        }
        if let Some(token) = &self.region {
            say(&format!("::{token}::\n"));
        }
        say(&masks(&fresh));
        if let Some(old) = &self.region {
            // Without randomness for a new token, the old one (never shown to a server).
            let token = Some(stop_token())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| old.clone());
            say(&format!("::stop-commands::{token}\n"));
            self.region = Some(token);
        }
    }

    /// The lines still held (in plan order), the one line of the checks `--fail-fast` left
    /// not run, the closing summary, and on stderr how many checks a signal left not run.
    pub(super) fn finish(&mut self, report: &RunReport) {
        self.flush();
        if self.stopped > 0 {
            let line = format!(
                "{} not run: stopped by --fail-fast\n",
                crate::syntax::quantity::count(self.stopped, "check")
            );
            self.terminal.write(&line);
        }
        self.summary(report);
        if let Some(signal) = report.interrupted {
            let not_run = report.counts().not_run;
            let not_run = crate::syntax::quantity::count(not_run, "check");
            eprintln!("interrupted by {signal}: {not_run} not run; the reports say so");
        }
    }

    /// Lines of conform's own (`--until-pass`, `--watch`), when the human lines are shown;
    /// what they quote of the checks went through [`Human::clean_line`].
    pub(super) fn line(&self, text: &str) {
        if self.shown {
            say(text);
        }
    }

    /// `text` (a check's id or name) redacted and escaped onto one line.
    pub(super) fn clean_line(&self, text: &str) -> String {
        crate::report::detail::clean_line(&self.secrets, text)
    }

    /// The closing summary alone.
    pub(super) fn summary(&mut self, report: &RunReport) {
        self.terminal.finish(report);
    }

    /// What changed since `--baseline`.
    pub(super) fn baseline(&self, diff: &BaselineDiff) {
        if self.shown {
            let lines: Vec<String> = diff.lines().iter().map(|l| one_line(l)).collect();
            say(&format!("{}\n", lines.join("\n")));
        }
    }

    /// Ends the human lines (and the region they are in).
    pub(super) fn close(self) {
        if let Some(token) = &self.region {
            say(&format!("::{token}::\n"));
        }
    }
}
