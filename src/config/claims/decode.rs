//! The decoder of `claims.yaml`: its sections and claims, every mistake located.

use super::{CLAIM_KEYS, Claim, ClaimBook, FILE_KEYS, SECTION_KEYS, Section};
use crate::syntax::decode::{MapReader, string, strings};
use crate::syntax::diag::{Diagnostics, suggest};
use crate::syntax::node::{Node, NodeValue, Pos};
use std::path::Path;

/// Decodes the text of a `claims.yaml` named `file`: the book, and its errors in `d`.
pub fn decode_book(root: &Node, file: &Path, envs: &[String], d: &mut Diagnostics) -> ClaimBook {
    let mut book = ClaimBook {
        file: file.to_path_buf(),
        ..ClaimBook::default()
    };
    let Some(mut r) = MapReader::new(root, "claims file", d) else {
        return book;
    };
    book.title = r.take("title").and_then(|n| text(n, "`title`", d));
    book.intro = r.take("intro").and_then(|n| text(n, "`intro`", d));
    let sections = r.require("sections", d);
    r.finish(FILE_KEYS, d);
    let Some(sections) = sections else {
        return book;
    };
    let NodeValue::Seq(items) = &sections.value else {
        d.error(
            sections.pos,
            format!("`sections` is {}", sections.kind()),
            "expected a list of sections, each `- title: ...` with its `claims:`",
        );
        return book;
    };
    let mut seen: Vec<(String, Pos)> = Vec::new();
    for item in items {
        if let Some(section) = decode_section(item, envs, &mut seen, d) {
            book.sections.push(section);
        }
    }
    book
}

/// A text that is not blank.
fn text(node: &Node, what: &str, d: &mut Diagnostics) -> Option<String> {
    let t = string(node, what, d)?;
    if t.trim().is_empty() {
        d.error(node.pos, format!("{what} is empty"), "expected some text");
        return None;
    }
    Some(t.trim_end().to_string())
}

fn decode_section(
    node: &Node,
    envs: &[String],
    seen: &mut Vec<(String, Pos)>,
    d: &mut Diagnostics,
) -> Option<Section> {
    let mut r = MapReader::new(node, "section", d)?;
    let title = r
        .require("title", d)
        .and_then(|n| text(n, "`title`", d))
        .unwrap_or_default();
    let intro = r.take("intro").and_then(|n| text(n, "`intro`", d));
    let outro = r.take("outro").and_then(|n| text(n, "`outro`", d));
    let claims_node = r.require("claims", d);
    r.finish(SECTION_KEYS, d);
    let mut claims = Vec::new();
    match claims_node.map(|n| (n, &n.value)) {
        Some((_, NodeValue::Seq(items))) => {
            for item in items {
                if let Some(claim) = decode_claim(item, envs, seen, d) {
                    claims.push(claim);
                }
            }
        }
        Some((n, _)) => d.error(
            n.pos,
            format!("`claims` is {}", n.kind()),
            "expected a list of claims, each `- id: ...` with its `text`",
        ),
        None => {}
    }
    Some(Section {
        title,
        intro,
        claims,
        outro,
    })
}

/// A claim id: letters, digits and `-_./`, starting with a letter or a digit.
pub fn valid_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn decode_claim(
    node: &Node,
    envs: &[String],
    seen: &mut Vec<(String, Pos)>,
    d: &mut Diagnostics,
) -> Option<Claim> {
    let mut r = MapReader::new(node, "claim", d)?;
    let id_node = r.require("id", d);
    let id = id_node.and_then(|n| {
        let id = string(n, "`id`", d)?;
        if !valid_id(&id) {
            d.error(
                n.pos,
                format!("claim id `{id}` is not a valid id"),
                "expected letters, digits and - _ . / only, starting with a letter or a digit, e.g. chat-root-redirects",
            );
            return None;
        }
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
            d.error(
                n.pos,
                format!("claim id `{id}` is used twice (first at line {first})"),
                "expected a unique `id` for each claim",
            );
            return None;
        }
        seen.push((id.clone(), n.pos));
        Some(id)
    });
    let text_ = r.require("text", d).and_then(|n| text(n, "`text`", d));
    let claim_envs = r.take("envs").and_then(|n| decode_envs(n, envs, d));
    let not_checkable = r.take("not_checkable").and_then(|n| {
        let reason = string(n, "`not_checkable`", d)?;
        if reason.trim().is_empty() {
            d.error(
                n.pos,
                "`not_checkable` has no reason",
                "expected why no check can verify the claim from outside",
            );
            return None;
        }
        Some(reason.trim_end().to_string())
    });
    let note = r.take("note").and_then(|n| text(n, "`note`", d));
    let notes = r
        .take("notes")
        .map(|n| decode_notes(n, d))
        .unwrap_or_default();
    if not_checkable.is_some()
        && !notes.is_empty()
        && let Some(p) = r.key_pos("notes")
    {
        d.error(
            p,
            "a claim that is `not_checkable` has `notes` on its checks",
            "expected either checks (with their notes) or a `not_checkable` reason, not both",
        );
    }
    r.finish(CLAIM_KEYS, d);
    Some(Claim {
        id: id?,
        pos: node.pos,
        text: text_?,
        envs: claim_envs,
        not_checkable,
        note,
        notes,
    })
}

fn decode_envs(node: &Node, known: &[String], d: &mut Diagnostics) -> Option<Vec<String>> {
    let names = strings(node, "`envs`", d)?;
    if names.is_empty() {
        d.error(
            node.pos,
            "`envs` is empty: the claim would be about no environment",
            "expected the environments it is about, e.g. envs: [prod], or no `envs` for all",
        );
        return None;
    }
    let candidates: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut ok = true;
    for (i, name) in names.iter().enumerate() {
        if known.is_empty() || known.contains(name) {
            continue;
        }
        ok = false;
        let pos = match &node.value {
            NodeValue::Seq(items) => items.get(i).map_or(node.pos, |n| n.pos),
            _ => node.pos,
        };
        let hint = suggest(name, &candidates)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        d.error(
            pos,
            format!("`envs` names `{name}`, which is not an environment"),
            format!("{hint}expected one of: {}", known.join(", ")),
        );
    }
    ok.then_some(names)
}

fn decode_notes(node: &Node, d: &mut Diagnostics) -> Vec<(String, Pos, String)> {
    let Some(map) = node.as_map() else {
        d.error(
            node.pos,
            format!("`notes` is {}", node.kind()),
            "expected a map of check id to a note, e.g. notes: { chat/root-redirect: \"prod only\" }",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let (Some(id), Some(note)) = (
            string(k, "a check id in `notes`", d),
            text(v, "a note in `notes`", d),
        ) else {
            continue;
        };
        out.push((id, k.pos, note));
    }
    out
}
