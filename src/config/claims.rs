//! `claims.yaml`, beside `checks/`: the claims a project's checks verify, grouped in sections,
//! each with its text and either the checks that name it (`claims:` on a check) or the reason
//! it cannot be checked (`not_checkable`). Every mistake is located at file:line:column.

use crate::syntax::decode::string;
use crate::syntax::diag::{Diagnostic, Diagnostics, suggest};
use crate::syntax::file::parse_file;
use crate::syntax::node::{Node, NodeValue, Pos};
use std::path::{Path, PathBuf};

mod decode;
#[cfg(test)]
mod tests;

pub use decode::{decode_book, valid_id};

pub const FILE_NAME: &str = "claims.yaml";
pub const FILE_KEYS: &[&str] = &["title", "intro", "sections"];
pub const SECTION_KEYS: &[&str] = &["title", "intro", "claims", "outro"];
pub const CLAIM_KEYS: &[&str] = &["id", "text", "envs", "not_checkable", "note", "notes"];

/// The whole of `claims.yaml`.
#[derive(Clone, Debug, Default)]
pub struct ClaimBook {
    pub file: PathBuf,
    pub title: Option<String>,
    pub intro: Option<String>,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, Default)]
pub struct Section {
    pub title: String,
    pub intro: Option<String>,
    pub claims: Vec<Claim>,
    /// Text after the section's table.
    pub outro: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Claim {
    pub id: String,
    /// Where the claim starts in `claims.yaml`.
    pub pos: Pos,
    pub text: String,
    /// The environments the claim is about (None: every environment).
    pub envs: Option<Vec<String>>,
    /// Why no check can verify it; a claim has checks or this, never both.
    pub not_checkable: Option<String>,
    /// Said of the claim's checks as a whole (how far they go, what they cannot see).
    pub note: Option<String>,
    /// Said of one check of the claim: (check id, where it is written, the note).
    pub notes: Vec<(String, Pos, String)>,
}

impl ClaimBook {
    pub fn claims(&self) -> impl Iterator<Item = &Claim> {
        self.sections.iter().flat_map(|s| s.claims.iter())
    }

    pub fn get(&self, id: &str) -> Option<&Claim> {
        self.claims().find(|c| c.id == id)
    }
}

/// What the check files need to know of `claims.yaml`: where it is (or would be) and, when it
/// exists, its claims.
#[derive(Clone, Debug, Default)]
pub struct KnownClaims {
    pub file: PathBuf,
    pub book: Option<ClaimBook>,
    /// The file has errors of its own: a claim it fails to define is not reported again at
    /// each check that names it.
    pub broken: bool,
}

impl KnownClaims {
    /// No `claims.yaml`: a check that names claims is told to create one.
    pub fn nowhere() -> KnownClaims {
        KnownClaims {
            file: PathBuf::from(FILE_NAME),
            ..KnownClaims::default()
        }
    }

    /// Checks a check's `claims:` node and returns the ids it names; errors at each id's place.
    pub fn decode(&self, node: &Node, d: &mut Diagnostics) -> Vec<String> {
        let Some(book) = &self.book else {
            d.error(
                node.pos,
                format!(
                    "`claims` names claims, but there is no {}",
                    self.file.display()
                ),
                format!(
                    "create {} beside checks/ listing each claim (sections: [{{ title, claims: [{{ id, text }}] }}]), or remove `claims:`",
                    self.file.display()
                ),
            );
            return Vec::new();
        };
        let items: Vec<&Node> = match &node.value {
            NodeValue::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let ids: Vec<&str> = book.claims().map(|c| c.id.as_str()).collect();
        let mut out: Vec<String> = Vec::new();
        for item in items {
            let Some(id) = string(item, "a claim id in `claims`", d) else {
                continue;
            };
            match book.get(&id) {
                None if self.broken => {}
                None => {
                    let hint = suggest(&id, &ids)
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    d.error(
                        item.pos,
                        format!(
                            "`claims` names `{id}`, which is not a claim of {}",
                            self.file.display()
                        ),
                        format!("{hint}expected the id of a claim listed there, or add it there"),
                    );
                }
                Some(claim) if claim.not_checkable.is_some() => d.error(
                    item.pos,
                    format!(
                        "`claims` names `{id}`, which {}:{} says is not checkable",
                        self.file.display(),
                        claim.pos
                    ),
                    format!(
                        "expected either a check or a reason: remove `not_checkable` from claim `{id}`, or `{id}` from this check's `claims`"
                    ),
                ),
                Some(_) if out.contains(&id) => d.error(
                    item.pos,
                    format!("`claims` names `{id}` twice"),
                    "expected each claim once",
                ),
                Some(_) => out.push(id),
            }
        }
        out
    }
}

/// Reads `dir/claims.yaml` (no book when there is none), with every error found in it; the
/// book keeps the claims that decoded. `envs` gives the environments a claim's `envs:` may name
/// (any when empty).
pub fn load_claims(
    dir: &Path,
    envs: impl FnOnce() -> Vec<String>,
) -> (KnownClaims, Vec<Diagnostic>) {
    let file = if dir.as_os_str().is_empty() {
        PathBuf::from(FILE_NAME)
    } else {
        dir.join(FILE_NAME)
    };
    if !file.exists() {
        let known = KnownClaims {
            file,
            book: None,
            broken: false,
        };
        return (known, Vec::new());
    }
    let mut d = Diagnostics::new(&file);
    let book = parse_file(&file, &mut d)
        .map(|root| decode_book(&root, &file, &envs(), &mut d))
        .or_else(|| {
            // A file that does not parse still exists: checks naming claims are not told to
            // create it.
            Some(ClaimBook {
                file: file.clone(),
                ..ClaimBook::default()
            })
        });
    let known = KnownClaims {
        file,
        book,
        broken: !d.list.is_empty(),
    };
    let mut errors = d.list;
    errors.sort_by_key(|e| e.pos);
    (known, errors)
}

/// The notes of `book` that name a check which does not name their claim: `claims` holds every
/// check of the files (also those kept out of the environment) with the claims it names.
pub fn stray_notes(book: &ClaimBook, claims: &[(&str, &[String])]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for claim in book.claims() {
        let verifying: Vec<&str> = claims
            .iter()
            .filter(|(_, names)| names.contains(&claim.id))
            .map(|(id, _)| *id)
            .collect();
        for (check, pos, _) in &claim.notes {
            if verifying.contains(&check.as_str()) {
                continue;
            }
            let hint = suggest(check, &verifying)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            let expected = if verifying.is_empty() {
                format!(
                    "{hint}expected the id of a check that names `{}` in its `claims:`; none does",
                    claim.id
                )
            } else {
                format!(
                    "{hint}expected one of the checks that name it: {}",
                    verifying.join(", ")
                )
            };
            out.push(Diagnostic {
                file: book.file.clone(),
                pos: *pos,
                message: format!(
                    "`notes` of claim `{}` names `{check}`, which is not a check of this claim",
                    claim.id
                ),
                expected,
            });
        }
    }
    out
}
