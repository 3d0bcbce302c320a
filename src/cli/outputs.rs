//! Every report a command writes, from one description of where and in which form
//! ([`Outputs`]): the files (JUnit, JSON, `--metrics`), written as one set under their folders'
//! lock, then what stdout carries for `--format` (the JSON report, TAP, GitHub annotations) and
//! the GitHub step summary. `run`, `merge` and the refusal of both write through it.

use super::refusal::{Refusal, refusal_annotations, refusal_tap};
use super::{Color, Format, MergeArgs, RunArgs, say, write_reports};
use crate::config::model::Secrets;
use crate::report::detail::clean;
use crate::report::github::{changed_summary, check_annotations, step_summary};
use crate::report::html::html_report;
use crate::report::json::JsonReport;
use crate::report::junit::{JunitFlavor, JunitSource};
use crate::report::metrics::{metrics, refused_metrics};
use crate::report::tap::tap;
use crate::report::write::{Contents, ReportFile};
use crate::run::RunReport;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a command's reports go and in which form, resolved once from its arguments.
#[derive(Debug)]
pub(super) struct Outputs {
    pub(super) junit: PathBuf,
    pub(super) flavor: JunitFlavor,
    pub(super) json: PathBuf,
    /// `--metrics`: a run's Prometheus text; a refused run replaces it too, so that no stale
    /// `conform_check_up` stays behind.
    pub(super) metrics: Option<PathBuf>,
    /// What stdout carries besides the human lines.
    pub(super) format: Format,
    /// `--color`, for the human lines.
    pub(super) color: anstream::ColorChoice,
    /// `$GITHUB_STEP_SUMMARY` under `--format github`: a run appends its summary there.
    pub(super) step_summary: Option<PathBuf>,
    /// `--html`: the HTML report, written with the other files.
    pub(super) html: Option<PathBuf>,
    /// `--history`'s earlier reports, for the HTML report's grid: read before the command's
    /// work by [`read_history`](super::history::read_history).
    pub(super) history: Vec<JsonReport>,
}

/// What the reports are made of.
pub(super) enum Source<'a> {
    /// A run that probed: its results, its JSON report (selection and baseline filled in), and
    /// the secrets every text is redacted of.
    Run {
        report: &'a RunReport,
        json: &'a JsonReport,
        secrets: &'a Secrets,
    },
    /// A command that stopped before probing or merging (exit 2): a report of its errors.
    Refused { json: &'a JsonReport, env: &'a str },
    /// Shard reports merged into one, with the JUnit properties that name missing shards.
    Merged {
        json: &'a JsonReport,
        properties: &'a [(String, String)],
    },
}

impl Outputs {
    /// `conform run`'s: `--junit` and `--json` (defaults under `--dir`), `--metrics`,
    /// `--format`, `--color`.
    pub(super) fn for_run(args: &RunArgs, color: Color) -> Outputs {
        let reports = args.location.dir.join("reports");
        Outputs {
            junit: args
                .junit
                .clone()
                .unwrap_or_else(|| reports.join("junit.xml")),
            flavor: args.junit_flavor,
            json: args
                .json
                .clone()
                .unwrap_or_else(|| reports.join("report.json")),
            metrics: args.metrics.clone(),
            format: args.format,
            color: color.into(),
            step_summary: match args.format {
                Format::Github => std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from),
                _ => None,
            },
            html: args.html.html.clone(),
            history: Vec::new(),
        }
    }

    /// `conform merge`'s: its two files, the rich flavor, nothing on stdout but its line.
    pub(super) fn for_merge(args: &MergeArgs) -> Outputs {
        Outputs {
            junit: args.junit.clone(),
            flavor: JunitFlavor::Rich,
            json: args.json.clone(),
            metrics: None,
            format: Format::Human,
            color: anstream::ColorChoice::Never,
            step_summary: None,
            html: args.html.html.clone(),
            history: Vec::new(),
        }
    }

    /// Two reports asked to the same file would leave only one of them, silently.
    pub(super) fn clash(&self) -> Option<String> {
        let mut outputs = vec![("--junit", &self.junit), ("--json", &self.json)];
        if let Some(m) = &self.metrics {
            outputs.push(("--metrics", m));
        }
        if let Some(h) = &self.html {
            outputs.push(("--html", h));
        }
        let same = |a: &Path, b: &Path| one_place(a) == one_place(b);
        for (i, (flag, path)) in outputs.iter().enumerate() {
            if let Some((other, _)) = outputs[..i].iter().find(|(_, p)| same(p, path)) {
                return Some(format!(
                    "{other} and {flag} name the same file, {}: one report would replace the \
                     other; give each its own file",
                    path.display()
                ));
            }
        }
        None
    }

    /// Writes every report asked for, files first (one set, under the lock: the JUnit and
    /// JSON reports always come from the same run), then stdout's; returns every problem.
    pub(super) fn write(&self, source: Source<'_>) -> Vec<String> {
        // Written suite by suite as it is serialized.
        let (report, extra) = self.junit_source(&source);
        let junit = JunitSource {
            report,
            flavor: self.flavor,
            extra: &extra,
        };
        let mut files = vec![
            ReportFile {
                path: self.junit.clone(),
                contents: Ok(Contents::Junit(&junit)),
                what: "the JUnit report",
            },
            ReportFile {
                path: self.json.clone(),
                contents: Ok(Contents::Json(source.json())),
                what: "the JSON report",
            },
        ];
        // Made only when asked for: the metrics read every certificate's facts.
        let metrics = self.metrics.as_ref().and_then(|path| {
            let text = metrics_text(&source)?;
            Some((path, text))
        });
        if let Some((path, text)) = &metrics {
            files.push(ReportFile {
                path: path.to_path_buf(),
                contents: Ok(Contents::Text(text)),
                what: "the metrics",
            });
        }
        let html = self.html.as_ref().map(|path| {
            let none = Secrets::default();
            let secrets = match &source {
                Source::Run { secrets, .. } => secrets,
                _ => &none,
            };
            (path, html_report(source.json(), &self.history, secrets))
        });
        if let Some((path, page)) = &html {
            files.push(ReportFile {
                path: path.to_path_buf(),
                contents: Ok(Contents::Text(page)),
                what: "the HTML report",
            });
        }
        let mut problems = write_reports(files);
        problems.extend(self.print(&source));
        problems
    }

    /// Stops a command before its work: reports that carry `refusal`'s errors (JUnit: one
    /// `<error>` per error, classname `conform.load`) replace the last ones, so that no
    /// earlier green report survives a broken commit.
    pub(super) fn refuse(&self, env: &str, refusal: Refusal) -> super::Exit {
        let report = JsonReport::refused(env, &crate::run::hostname(), refusal.errors);
        let source = Source::Refused { json: &report, env };
        for e in self.write(source) {
            eprintln!("error: {e}");
        }
        super::Exit::Usage
    }

    /// What the JUnit report is made from: the JSON report and the suites' extra properties.
    /// From the run's own JSON report, as `junit_xml_with` would make it from the run (JUnit
    /// reads nothing the selection, the baseline or the rounds add to it): a second copy of
    /// every check's JSON form is never made.
    fn junit_source<'s>(&self, source: &'s Source<'_>) -> (&'s JsonReport, Vec<(String, String)>) {
        match source {
            Source::Run { json, secrets, .. } => {
                let extra = baseline_properties(json)
                    .into_iter()
                    .map(|(name, value)| (name, clean(secrets, &value)))
                    .collect();
                (json, extra)
            }
            Source::Refused { json, .. } => (json, Vec::new()),
            Source::Merged { json, properties } => (json, properties.to_vec()),
        }
    }

    /// What stdout carries for `--format`, after the files; a problem, if any.
    fn print(&self, source: &Source<'_>) -> Option<String> {
        match (self.format, source) {
            (Format::Human, _) => None,
            // Written as it is made, as its file is; a reader that went away is not an error.
            (Format::Json, _) => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let _ = source
                    .json()
                    .write_pretty(&mut out)
                    .and_then(|()| out.flush());
                None
            }
            (
                Format::Tap,
                Source::Run {
                    report,
                    secrets,
                    json,
                    ..
                },
            ) => {
                let needed_by = json
                    .checks
                    .iter()
                    .filter(|c| !c.needed_by.is_empty())
                    .map(|c| (c.id.clone(), c.needed_by.clone()))
                    .collect();
                say(&tap(report, secrets, &needed_by));
                None
            }
            (Format::Tap, other) => {
                say(&refusal_tap(&other.json().load_errors));
                None
            }
            (Format::Github, _) => self.github(source),
        }
    }

    /// `--format github`: an annotation per check (the masks went out before the run) and the
    /// step summary; or, for a refusal, an `::error` per error at its file and line.
    fn github(&self, source: &Source<'_>) -> Option<String> {
        let Source::Run {
            report, secrets, ..
        } = source
        else {
            say(&refusal_annotations(&source.json().load_errors));
            return None;
        };
        say(&check_annotations(report, secrets));
        let path = self.step_summary.as_ref()?;
        let mut summary = step_summary(report, secrets);
        if let Some(diff) = &source.json().baseline {
            summary.push_str(&changed_summary(diff));
        }
        append(path, &summary)
            .err()
            .map(|e| format!("cannot append to $GITHUB_STEP_SUMMARY: {e}"))
    }
}

impl Source<'_> {
    fn json(&self) -> &JsonReport {
        match self {
            Source::Run { json, .. }
            | Source::Refused { json, .. }
            | Source::Merged { json, .. } => json,
        }
    }
}

/// The Prometheus text of a run, or of a refusal (how many errors, no check series).
fn metrics_text(source: &Source<'_>) -> Option<String> {
    match source {
        Source::Run {
            report, secrets, ..
        } => Some(metrics(report, secrets)),
        Source::Refused { json, env } => Some(refused_metrics(
            env,
            json.load_errors.len(),
            time::OffsetDateTime::now_utc(),
        )),
        Source::Merged { .. } => None,
    }
}

/// What changed since `--baseline`, as JUnit properties.
fn baseline_properties(json: &JsonReport) -> Vec<(String, String)> {
    json.baseline
        .as_ref()
        .map(|diff| diff.properties())
        .unwrap_or_default()
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// Where a path really points: absolute, `.` and `..` resolved, and its folder's symbolic
/// links followed when the folder exists.
fn one_place(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    match (clean.parent(), clean.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(clean),
        _ => clean,
    }
}
