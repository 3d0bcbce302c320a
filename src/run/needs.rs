//! `needs:` at run time: a check waits for the checks it needs, takes their captures, and is
//! not probed when one of them did not pass.

use super::result::Outcome;
use crate::config::model::{Check, CheckKind, capture_var, fill_http};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::watch;

/// How a needed check ended, for the checks that wait on it.
#[derive(Clone, Debug)]
pub(super) struct Done {
    pub(super) outcome: Outcome,
    /// Its last attempt passed (`pass`, or `fixed`): its captures are there.
    pub(super) passed: bool,
    /// Capture name → value.
    pub(super) captures: Arc<BTreeMap<String, String>>,
}

pub(super) type DoneTx = watch::Sender<Option<Done>>;
pub(super) type DoneRx = watch::Receiver<Option<Done>>;
/// A check's needs: each id, with how that check ends (`None`: it is not in the run).
pub(super) type NeedRxs = Vec<(String, Option<DoneRx>)>;

/// One watch per check of the run that another needs (in order; `None` for the others: a run
/// of 10,000 checks without needs makes none), and for each check, its needs with the watch
/// of each (`None`: the needed check is not in this run).
pub(super) fn wire(checks: &[Arc<Check>]) -> (Vec<Option<DoneTx>>, Vec<NeedRxs>) {
    let needed: std::collections::HashSet<&str> =
        checks.iter().flat_map(|c| c.flow.need_ids()).collect();
    if needed.is_empty() {
        return (
            checks.iter().map(|_| None).collect(),
            checks.iter().map(|_| Vec::new()).collect(),
        );
    }
    let (txs, rxs): (Vec<Option<DoneTx>>, Vec<Option<DoneRx>>) = checks
        .iter()
        .map(|c| match needed.contains(c.id.as_str()) {
            true => {
                let (tx, rx) = watch::channel(None);
                (Some(tx), Some(rx))
            }
            false => (None, None),
        })
        .unzip();
    let index: HashMap<&str, usize> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let needs = checks
        .iter()
        .map(|c| {
            c.flow
                .need_ids()
                .map(|id| (id.to_string(), index.get(id).and_then(|&i| rxs[i].clone())))
                .collect()
        })
        .collect();
    (txs, needs)
}

/// Why a check is not probed: a need that did not pass.
pub(super) fn not_passed(id: &str, done: Option<&Done>) -> String {
    let why = match done.map(|d| d.outcome) {
        None => "which is not in this run".to_string(),
        Some(Outcome::Fail) => "which failed".into(),
        Some(Outcome::Error) => "which errored".into(),
        Some(Outcome::Pending) => "which failed (pending)".into(),
        Some(Outcome::NotRun) => "which was not run".into(),
        Some(other) => format!("which ended {}", other.as_str()),
    };
    format!("not run: needs {id}, {why}")
}

/// The check's kind with every `${capture:..}` filled from `values` (needed id → its
/// captures); `None` when it uses none.
pub(super) fn filled(
    check: &Check,
    values: &HashMap<String, Arc<BTreeMap<String, String>>>,
) -> Result<Option<CheckKind>, String> {
    if check.flow.uses.is_empty() {
        return Ok(None);
    }
    match &check.kind {
        CheckKind::Http { probe, expect } => {
            let probe = fill_http(probe, &check.flow.uses, &|u| {
                values.get(&u.id).and_then(|c| c.get(&u.name)).cloned()
            })?;
            Ok(Some(CheckKind::Http {
                probe,
                expect: expect.clone(),
            }))
        }
        // Refused at load: only http checks use captures.
        _ => Ok(None),
    }
}

/// The name a captured value is redacted under (and the shell variable reproduce commands
/// refer to it by).
pub(super) fn secret_name(check: &Check, capture: &str) -> String {
    capture_var(&check.id, capture)
}
