//! The `needs:` graph across every check of a plan: each need names a check that exists here,
//! each `${capture:ID.NAME}` a capture that check declares, and no check needs itself, however
//! far round.

use super::model::{Check, KeptOut};
use crate::syntax::diag::{Diagnostic, suggest};
use crate::syntax::node::Pos;
use std::collections::HashMap;
use std::sync::Arc;

/// Every mistake of the graph, at the place it is written.
pub fn flow_errors(checks: &[Arc<Check>], kept_out: &[KeptOut], env: &str) -> Vec<Diagnostic> {
    let by_id: HashMap<&str, &Check> = checks.iter().map(|c| (c.id.as_str(), &**c)).collect();
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    let mut out = Vec::new();
    let at = |c: &Check, pos: Pos, message: String, expected: String| Diagnostic {
        file: c.file.clone(),
        pos,
        message,
        expected,
    };
    for c in checks {
        for need in &c.flow.needs {
            if by_id.contains_key(need.id.as_str()) {
                continue;
            }
            let (message, expected) = match kept_out.iter().find(|k| k.id == need.id) {
                Some(k) => (
                    format!(
                        "`needs` names `{}`, whose `envs: [{}]` keep it out of env `{env}`",
                        need.id,
                        k.envs.join(", ")
                    ),
                    "expected the needed check to run in every environment its dependent runs in"
                        .to_string(),
                ),
                None => (
                    format!("`needs` names `{}`, which is not a check id", need.id),
                    match suggest(&need.id, &ids) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "expected the `id` of a check (written or made of its suite and name, as `conform list` shows)".into(),
                    },
                ),
            };
            out.push(at(c, need.pos, message, expected));
        }
        for u in &c.flow.uses {
            let Some(needed) = by_id.get(u.id.as_str()) else {
                continue;
            };
            if !c.flow.needs.iter().any(|n| n.id == u.id)
                || needed.flow.captures.iter().any(|k| k.name == u.name)
            {
                continue;
            }
            let names: Vec<&str> = needed
                .flow
                .captures
                .iter()
                .map(|k| k.name.as_str())
                .collect();
            let expected = match (suggest(&u.name, &names), names.is_empty()) {
                (Some(s), _) => format!("did you mean `${{capture:{}.{s}}}`?", u.id),
                (None, true) => format!("check `{}` captures nothing; add `capture:` to it", u.id),
                (None, false) => format!("check `{}` captures: {}", u.id, names.join(", ")),
            };
            out.push(at(
                c,
                u.pos,
                format!(
                    "`${{capture:{}.{}}}`: check `{}` has no capture `{}`",
                    u.id, u.name, u.id, u.name
                ),
                expected,
            ));
        }
    }
    out.extend(cycles(checks, &by_id));
    out
}

/// One error per cycle, at the `needs` of its first check in plan order.
fn cycles(checks: &[Arc<Check>], by_id: &HashMap<&str, &Check>) -> Vec<Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks: HashMap<&str, Mark> =
        checks.iter().map(|c| (c.id.as_str(), Mark::New)).collect();
    let mut out = Vec::new();
    for start in checks {
        if marks.get(start.id.as_str()) != Some(&Mark::New) {
            continue;
        }
        // Depth first, without recursion: (check, index of its next need).
        let mut stack: Vec<(&Check, usize)> = vec![(start, 0)];
        marks.insert(&start.id, Mark::Open);
        while let Some((c, i)) = stack.last().copied() {
            let Some(need) = c.flow.needs.get(i) else {
                marks.insert(&c.id, Mark::Done);
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let Some(next) = by_id.get(need.id.as_str()).copied() else {
                continue;
            };
            match marks.get(next.id.as_str()) {
                Some(Mark::New) => {
                    marks.insert(&next.id, Mark::Open);
                    stack.push((next, 0));
                }
                Some(Mark::Open) => {
                    let from = stack.iter().position(|(s, _)| s.id == next.id).unwrap_or(0);
                    let mut path: Vec<&str> =
                        stack[from..].iter().map(|(s, _)| s.id.as_str()).collect();
                    path.push(&next.id);
                    let (first, _) = stack[from];
                    let pos = first
                        .flow
                        .needs
                        .iter()
                        .find(|n| path.get(1) == Some(&n.id.as_str()))
                        .map_or(need.pos, |n| n.pos);
                    out.push(Diagnostic {
                        file: first.file.clone(),
                        pos,
                        message: format!("`needs` go round in a cycle: {}", path.join(" → ")),
                        expected: "expected each check to need only checks that do not need it back; remove one of these needs".into(),
                    });
                }
                _ => {}
            }
        }
    }
    out
}
