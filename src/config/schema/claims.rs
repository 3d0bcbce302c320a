//! The schema of `claims.yaml`: sections of claims, each with its text and either checks
//! (which name it) or a `not_checkable` reason.

use super::{doc, object, pattern, r};
use serde_json::{Value, json};

/// A claim id, as `config::claims::valid_id` accepts it.
pub(super) const CLAIM_ID: &str = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$";

/// `claims.yaml` itself.
pub(super) fn claims_file() -> Value {
    object(
        json!({
            "title": doc(pattern(r"\S"), "The title of the markdown `conform coverage` prints."),
            "intro": doc(pattern(r"\S"), "Text under the title."),
            "sections": doc(json!({ "type": "array", "items": r("claims_section") }), "The claims, in sections; the markdown has one table per section."),
        }),
        &["sections"],
    )
}

/// The `$defs` `claims_file` refers to.
pub(super) fn claims_defs() -> Vec<(&'static str, Value)> {
    let section = object(
        json!({
            "title": doc(pattern(r"\S"), "The section's heading."),
            "intro": doc(pattern(r"\S"), "Text above the section's table."),
            "claims": doc(json!({ "type": "array", "items": r("claim") }), "The section's claims, in order."),
            "outro": doc(pattern(r"\S"), "Text below the section's table."),
        }),
        &["title", "claims"],
    );
    let mut claim = object(
        json!({
            "id": doc(pattern(CLAIM_ID), "A unique id that checks name in `claims:`: letters, digits, - _ . /."),
            "text": doc(pattern(r"\S"), "What must be true, in the documents' words."),
            "envs": doc(r("env_names"), "The environments the claim is about; default: all."),
            "not_checkable": doc(pattern(r"\S"), "Why no check can verify the claim; a claim has checks or this, never both."),
            "note": doc(pattern(r"\S"), "Said of the claim's checks as a whole."),
            "notes": doc(json!({ "type": "object", "additionalProperties": pattern(r"\S") }), "Said of one check: check id -> note."),
        }),
        &["id", "text"],
    );
    claim["not"] = json!({ "required": ["not_checkable", "notes"] });
    vec![("claims_section", section), ("claim", claim)]
}
