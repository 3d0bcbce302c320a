//! `conform coverage`: each claim of `claims.yaml` with the checks that verify it, or the
//! reason it cannot be checked, per environment; as markdown (the look of `docs/claims.md`) or
//! JSON.
//!
//! # The coverage JSON, version 1
//!
//! ```json
//! {
//!   "coverage_version": 1,
//!   "envs": ["dev", "prod", "staging"],
//!   "summary": { "claims": 3, "covered": 1, "not_checkable": 1, "uncovered": 1 },
//!   "claims": [
//!     { "id": "chat-root-redirects", "section": "Chat edge", "text": "the root redirects",
//!       "envs": ["prod"], "status": "covered",
//!       "checks": [ { "id": "chat/root-redirect", "envs": ["prod"], "note": null } ],
//!       "note": null, "not_checkable": null, "missing_envs": [] }
//!   ],
//!   "unclaimed_checks": [ { "id": "chat/health", "envs": ["prod"], "note": null } ]
//! }
//! ```
//!
//! - `envs`: the environments looked at (`--env`, or every one that runs).
//! - `claims`: in the order of `claims.yaml`; a claim about none of `envs` is left out.
//!   `envs`: those of `envs` the claim is about. `status`: `covered` (a check that names it
//!   runs in each of its environments), `not_checkable` (its reason is `not_checkable`) or
//!   `uncovered` (`missing_envs` lists where no check verifies it). `checks`: every check that
//!   names it and runs in one of its environments, in file order, with the environments it
//!   runs in and its note from `claims.yaml`. `note`: said of the checks as a whole.
//! - `unclaimed_checks`: the checks (running in one of `envs`) that name no claim, in file
//!   order; the markdown lists them last, under "Checks that verify no claim". They do not
//!   change the exit code.

use crate::config::claims::{Claim, ClaimBook};
use serde::Serialize;
use std::path::PathBuf;

/// One check as coverage sees it: where it is written, where it runs, what it claims.
#[derive(Clone, Debug)]
pub struct CheckRef {
    pub id: String,
    pub file: PathBuf,
    pub line: u32,
    pub envs: Vec<String>,
    pub claims: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Covered,
    NotCheckable,
    Uncovered,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::NotCheckable => "not_checkable",
            Status::Uncovered => "uncovered",
        }
    }
}

/// One claim's coverage.
#[derive(Debug)]
pub struct Row<'a> {
    pub claim: &'a Claim,
    pub section: usize,
    /// The environments looked at that the claim is about.
    pub envs: Vec<String>,
    /// The checks that name it and run in one of `envs`, with those they run in, in file
    /// order.
    pub checks: Vec<(&'a CheckRef, Vec<String>)>,
    /// Those of `envs` where no check verifies it (empty for a `not_checkable` claim).
    pub missing_envs: Vec<String>,
    pub status: Status,
}

/// The coverage of a whole book.
#[derive(Debug)]
pub struct Coverage<'a> {
    pub book: &'a ClaimBook,
    pub envs: Vec<String>,
    /// `--env`: the one environment asked for.
    pub only_env: Option<String>,
    pub rows: Vec<Row<'a>>,
    /// The checks that name no claim, in file order: each is either a claim not written down
    /// yet or a check with no stated purpose.
    pub unclaimed: Vec<&'a CheckRef>,
}

impl Coverage<'_> {
    pub fn uncovered(&self) -> impl Iterator<Item = &Row<'_>> {
        self.rows.iter().filter(|r| r.status == Status::Uncovered)
    }

    fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

/// Which checks verify which claims in `envs`.
pub fn coverage<'a>(
    book: &'a ClaimBook,
    envs: &[String],
    only_env: Option<&str>,
    checks: &'a [CheckRef],
) -> Coverage<'a> {
    let mut sorted: Vec<&CheckRef> = checks.iter().collect();
    sorted.sort_by(|a, b| (&a.file, a.line, &a.id).cmp(&(&b.file, b.line, &b.id)));
    let mut rows = Vec::new();
    for (section, s) in book.sections.iter().enumerate() {
        for claim in &s.claims {
            let about: Vec<String> = envs
                .iter()
                .filter(|e| claim.envs.as_ref().is_none_or(|own| own.contains(e)))
                .cloned()
                .collect();
            if about.is_empty() {
                continue;
            }
            let verifying: Vec<(&CheckRef, Vec<String>)> = sorted
                .iter()
                .filter(|c| c.claims.contains(&claim.id))
                .map(|c| {
                    let there = c
                        .envs
                        .iter()
                        .filter(|e| about.contains(e))
                        .cloned()
                        .collect::<Vec<_>>();
                    (*c, there)
                })
                .filter(|(_, there)| !there.is_empty())
                .collect();
            let missing_envs: Vec<String> = if claim.not_checkable.is_some() {
                Vec::new()
            } else {
                about
                    .iter()
                    .filter(|e| !verifying.iter().any(|(_, there)| there.contains(e)))
                    .cloned()
                    .collect()
            };
            let status = if claim.not_checkable.is_some() {
                Status::NotCheckable
            } else if missing_envs.is_empty() {
                Status::Covered
            } else {
                Status::Uncovered
            };
            rows.push(Row {
                claim,
                section,
                envs: about,
                checks: verifying,
                missing_envs,
                status,
            });
        }
    }
    Coverage {
        book,
        envs: envs.to_vec(),
        only_env: only_env.map(str::to_string),
        rows,
        unclaimed: sorted.into_iter().filter(|c| c.claims.is_empty()).collect(),
    }
}

/// The coverage JSON (see the module's documentation), fields in this order.
#[derive(Debug, Serialize)]
pub struct JsonCoverage<'a> {
    pub coverage_version: u32,
    pub envs: &'a [String],
    pub summary: JsonSummary,
    pub claims: Vec<JsonClaim<'a>>,
    pub unclaimed_checks: Vec<JsonClaimCheck<'a>>,
}

#[derive(Debug, Serialize)]
pub struct JsonSummary {
    pub claims: usize,
    pub covered: usize,
    pub not_checkable: usize,
    pub uncovered: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonClaim<'a> {
    pub id: &'a str,
    pub section: &'a str,
    pub text: &'a str,
    pub envs: &'a [String],
    pub status: &'static str,
    pub checks: Vec<JsonClaimCheck<'a>>,
    pub note: Option<&'a str>,
    pub not_checkable: Option<&'a str>,
    pub missing_envs: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct JsonClaimCheck<'a> {
    pub id: &'a str,
    pub envs: &'a [String],
    pub note: Option<&'a str>,
}

/// The stable JSON of [`coverage`].
pub fn to_json<'a>(c: &'a Coverage) -> JsonCoverage<'a> {
    let claims = c
        .rows
        .iter()
        .map(|row| JsonClaim {
            id: &row.claim.id,
            section: c
                .book
                .sections
                .get(row.section)
                .map_or("", |s| s.title.as_str()),
            text: &row.claim.text,
            envs: &row.envs,
            status: row.status.as_str(),
            checks: row
                .checks
                .iter()
                .map(|(check, envs)| JsonClaimCheck {
                    id: &check.id,
                    envs,
                    note: note_of(row.claim, &check.id),
                })
                .collect(),
            note: row.claim.note.as_deref(),
            not_checkable: row.claim.not_checkable.as_deref(),
            missing_envs: &row.missing_envs,
        })
        .collect();
    JsonCoverage {
        coverage_version: 1,
        envs: &c.envs,
        summary: JsonSummary {
            claims: c.rows.len(),
            covered: c.count(Status::Covered),
            not_checkable: c.count(Status::NotCheckable),
            uncovered: c.count(Status::Uncovered),
        },
        claims,
        unclaimed_checks: c
            .unclaimed
            .iter()
            .map(|check| JsonClaimCheck {
                id: &check.id,
                envs: &check.envs,
                note: None,
            })
            .collect(),
    }
}

fn note_of<'a>(claim: &'a Claim, check: &str) -> Option<&'a str> {
    claim
        .notes
        .iter()
        .find(|(id, _, _)| id == check)
        .map(|(_, _, note)| note.as_str())
}

/// Text inside a table cell: on one line, its `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The markdown of [`coverage`]: a comment saying how it is generated, the title, the intro, then
/// each section with its table of claim | check or reason.
pub fn to_markdown(c: &Coverage) -> String {
    let command = match &c.only_env {
        Some(env) => format!("conform coverage --env {env} --format markdown"),
        None => "conform coverage --format markdown".to_string(),
    };
    let mut out = format!(
        "<!-- Generated by `{command}` from claims.yaml and the checks' `claims:`; edit those, not this file. -->\n"
    );
    let title = c
        .book
        .title
        .as_deref()
        .unwrap_or("Claims and the checks that verify them");
    out.push_str(&format!("# {title}\n\n"));
    if let Some(intro) = &c.book.intro {
        out.push_str(&format!("{intro}\n\n"));
    }
    for (i, section) in c.book.sections.iter().enumerate() {
        let rows: Vec<&Row> = c.rows.iter().filter(|r| r.section == i).collect();
        if rows.is_empty() && !section.claims.is_empty() {
            continue;
        }
        out.push_str(&format!("## {}\n\n", section.title));
        if let Some(intro) = &section.intro {
            out.push_str(&format!("{intro}\n\n"));
        }
        if !rows.is_empty() {
            out.push_str("| claim | check or reason |\n|---|---|\n");
            for row in rows {
                out.push_str(&format!(
                    "| {} | {} |\n",
                    cell(&row.claim.text),
                    cell(&verified_by(row))
                ));
            }
            out.push('\n');
        }
        if let Some(outro) = &section.outro {
            out.push_str(&format!("{outro}\n\n"));
        }
    }
    if !c.unclaimed.is_empty() {
        out.push_str("## Checks that verify no claim\n\n");
        for check in &c.unclaimed {
            out.push_str(&format!("- `{}`\n", check.id));
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The second column of a claim's row.
fn verified_by(row: &Row) -> String {
    if let Some(reason) = &row.claim.not_checkable {
        return reason.clone();
    }
    let mut parts: Vec<String> = row
        .checks
        .iter()
        .map(|(check, _)| match note_of(row.claim, &check.id) {
            Some(note) => format!("`{}` ({note})", check.id),
            None => format!("`{}`", check.id),
        })
        .collect();
    if !row.missing_envs.is_empty() {
        parts.push(format!(
            "**no check in {}**",
            row.missing_envs
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut text = parts.join(", ");
    if let Some(note) = &row.claim.note {
        text.push_str(&format!(" — {note}"));
    }
    text
}
