//! The human report: one line per check as it finishes, details under the ones that did not
//! pass, and a closing summary. Every string goes through the run's secret redaction.

use super::detail::{clean, detail_lines, exchange_lines, flaky_note};
use crate::config::model::Secrets;
use crate::run::{CheckResult, Outcome, RunReport};
use anstyle::{AnsiColor, Style};
use std::io::Write;

/// Width of the outcome column: the longest label (`PENDING`, `NOT RUN`) and a space.
const LABEL_WIDTH: usize = 8;

/// How many failed checks the closing summary names before it says "and N more".
const SUMMARY_NAMES: usize = 20;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();

/// Streams results to a terminal (or any writer) as the runner finishes them.
pub struct TerminalReporter {
    out: Box<dyn Write + Send>,
    /// Whether to style the text: the command line decides (`--color`, the stream, the
    /// environment) and hands a stream that keeps the styles or strips them.
    color: bool,
    /// 0: details of checks that did not pass; 1 (-v): and their HTTP exchange; 2 (-vv):
    /// details and exchange of every check.
    verbosity: u8,
    secrets: Secrets,
}

impl TerminalReporter {
    pub fn new(out: Box<dyn Write + Send>, color: bool, verbosity: u8, secrets: Secrets) -> Self {
        TerminalReporter {
            out,
            color,
            verbosity,
            secrets,
        }
    }

    /// Prints the line of a finished check, and its details when it did not pass.
    pub fn check_finished(&mut self, result: &CheckResult) {
        let text = self.render(result);
        self.emit(&text);
    }

    /// Writes text rendered by [`TerminalReporter::render`] (or any other line).
    pub fn write(&mut self, text: &str) {
        self.emit(text);
    }

    /// The line of a finished check, and its details when it did not pass.
    pub fn render(&self, result: &CheckResult) -> String {
        let mut text = self.headline(result);
        let passed = result.outcome == Outcome::Pass;
        let details = match result.outcome {
            Outcome::NotRun => false,
            _ => !passed || result.flaky || self.verbosity >= 2,
        };
        if details {
            let mut lines = detail_lines(result, &self.secrets);
            let exchange = self.verbosity >= 2 || (self.verbosity >= 1 && !passed);
            if let (true, Some(observation)) = (
                exchange,
                result.last_attempt().and_then(|a| a.observation.as_ref()),
            ) {
                lines.extend(exchange_lines(observation, &self.secrets));
            }
            for line in lines {
                text.push_str("    ");
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    }

    /// Prints the closing summary: the checks that failed the run, then the counts.
    pub fn finish(&mut self, report: &RunReport) {
        let mut text = String::from("\n");
        let failing: Vec<&CheckResult> = report
            .results
            .iter()
            .filter(|r| r.outcome.fails_run())
            .collect();
        for r in failing.iter().take(SUMMARY_NAMES) {
            let what = r.outcome.past_tense();
            text.push_str(&format!("{what}: {}\n", clean(&self.secrets, &r.check.id)));
        }
        if failing.len() > SUMMARY_NAMES {
            text.push_str(&format!("and {} more\n", failing.len() - SUMMARY_NAMES));
        }
        if let Some(as_of) = &report.as_of {
            text.push_str(&self.clean_line(&as_of.line()));
            text.push('\n');
        }
        let color = if report.exit_code() == 0 { GREEN } else { RED };
        text.push_str(&self.paint(color, &summary_line(report)));
        text.push('\n');
        self.emit(&text);
    }

    fn headline(&self, result: &CheckResult) -> String {
        let color = match result.outcome {
            outcome if outcome.fails_run() => RED,
            Outcome::Pending => YELLOW,
            Outcome::NotRun => DIM,
            _ => GREEN,
        };
        let label = result.outcome.label().to_ascii_uppercase();
        let check = &result.check;
        let mut line = self.paint(color, &label);
        line.push_str(&" ".repeat(LABEL_WIDTH - label.len()));
        line.push_str(&self.paint(BOLD, &self.clean_line(&check.id)));
        if check.name != check.id {
            line.push_str("  ");
            line.push_str(&self.clean_line(&check.name));
        }
        if let Some(note) = flaky_note(result) {
            line.push_str(&self.paint(YELLOW, &format!(" ({note})")));
        }
        line.push_str(&format!(" {:>7}\n", seconds(result.duration)));
        line
    }

    fn clean_line(&self, text: &str) -> String {
        clean(&self.secrets, text).replace('\n', " ")
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// A closed pipe or full disk must not stop the run: the other reports still matter.
    fn emit(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// `3 passed, 1 failed, 0 errors, 1 pending, 1 fixed in 0.42s`.
pub fn summary_line(report: &RunReport) -> String {
    format!("{} in {}", report.counts().text(), seconds(report.duration))
}

fn seconds(duration: std::time::Duration) -> String {
    format!("{:.2}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests;
