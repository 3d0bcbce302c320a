//! A check's task and `needs:`/`capture:`: waiting for the needed checks, filling in their
//! captures, and taking its own.

use super::super::needs;
use super::*;
use std::collections::HashMap;

impl CheckTask {
    /// The kind probed: the check's own, or with its captures filled in.
    pub(super) fn kind(&self) -> &CheckKind {
        self.filled.as_deref().unwrap_or(&self.check.kind)
    }

    /// Waits until every needed check has ended. `Some`: the check is not probed, and this is
    /// its result (a need did not pass, or the run stopped first).
    pub(super) async fn wait_for_needs(&mut self, clock: Instant) -> Option<CheckResult> {
        let mut values: HashMap<String, Arc<BTreeMap<String, String>>> = HashMap::new();
        for (id, rx) in &self.needs {
            let Some(rx) = rx else {
                return Some(self.needs_error(needs::not_passed(id, None)));
            };
            let mut rx = rx.clone();
            // A stopped run wins: under `--fail-fast` the check that stops it does so before
            // it ends, so its dependents are `not run`, as every check that had not started.
            let done = tokio::select! {
                biased;
                () = stopped(self.stop.clone()) => {
                    return Some(self.not_run(Vec::new(), clock.elapsed()));
                }
                done = rx.wait_for(Option::is_some) => done.ok().and_then(|d| d.clone()),
            };
            match done {
                Some(d) if d.passed => {
                    values.insert(id.clone(), Arc::clone(&d.captures));
                }
                other => return Some(self.needs_error(needs::not_passed(id, other.as_ref()))),
            }
        }
        match needs::filled(&self.check, &values) {
            Ok(kind) => {
                self.filled = kind.map(Box::new);
                None
            }
            Err(why) => Some(self.needs_error(format!("not run: {why}"))),
        }
    }

    /// The check's captures from its answer, each added to the run's secrets at once whether
    /// the answer passed or not (a failed sign-in's answer may hold the session all the
    /// same). They are kept, to be sent on, only from an answer that passes: a capture that
    /// finds nothing in one is a mismatch, and then nothing is kept.
    pub(super) fn capture(&self, observation: &Observation, mismatches: &mut Vec<Mismatch>) {
        let captures = &self.check.flow.captures;
        if captures.is_empty() {
            return;
        }
        let Observation::Http(http) = observation else {
            return;
        };
        let taken = crate::judge::take_captures(captures, http);
        for (name, value) in &taken.values {
            self.secrets
                .add_captured(&needs::secret_name(&self.check, name), value);
        }
        if !mismatches.is_empty() {
            return;
        }
        if taken.misses.is_empty() {
            let mut kept = self.captured.lock().unwrap_or_else(|e| e.into_inner());
            kept.extend(taken.values);
        } else {
            mismatches.extend(taken.misses);
        }
    }

    /// The check is an error and not probed: `message` says which need did not pass.
    fn needs_error(&self, message: String) -> CheckResult {
        self.unprobed(ProbeErrorKind::Needs, message)
    }
}
