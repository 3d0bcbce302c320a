//! The stand-ins drifted, all at once and one switch at a time: exactly the drifted checks fail.

use super::drift::drift_failures;
use super::standins::{access_login, stand_ins};
use super::{
    Drift, Drifted, NEST, SWITCHES, TRY_URL, WAF, assert_wrong_checks, listed, phenom_project,
    run_standin, wrong_ids,
};
use crate::harness::*;
use std::collections::BTreeSet;

/// The chat certificate's check, failed by `short_cert`.
const SHORT_CERT: &str = "chat/chat-certificate-is-valid-with-more-than-21-days-left";

/// (label, id) of every check of `plan`, sorted by id: `PASS` but for `not_passing`.
pub(super) fn outcomes_of(plan: &[String], not_passing: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = plan
        .iter()
        .map(|id| {
            let label = not_passing
                .iter()
                .find(|(i, _)| i == id)
                .map_or("PASS", |(_, label)| label);
            (label.to_string(), id.clone())
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

/// Every check a switch breaks, with the label it gets: (switch, id, label). The signed-in
/// checks first: a key set without keys fails both sign-ins, so that with every switch on,
/// the other switches' signed-in checks are errors (their sign-in failed), as listed here.
fn broken_by_switch() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v = vec![
        ("jwks_empty", "auth/member-signs-in", "FAIL"),
        ("jwks_empty", "auth/outsider-signs-in", "FAIL"),
        ("jwks_empty", "auth/chat-accepts-the-member-token", "ERROR"),
        ("jwks_empty", "auth/chat-logs-the-member-out", "ERROR"),
        ("jwks_empty", "auth/chat-names-the-member-on-chat", "ERROR"),
        (
            "jwks_empty",
            "auth/hasura-shows-the-member-only-its-own-row",
            "ERROR",
        ),
        ("jwks_empty", "auth/nest-api-answers-the-member", "ERROR"),
        ("jwks_empty", "auth/nest-api-refuses-the-outsider", "ERROR"),
        // Synapse refuses a login type it does not offer: no session to ask about or log out.
        (
            "login_without_jwt",
            "auth/chat-names-the-member-on-chat",
            "ERROR",
        ),
        (
            "login_without_jwt",
            "auth/chat-logs-the-member-out",
            "ERROR",
        ),
    ];
    v.extend(
        drift_failures()
            .into_iter()
            .map(|f| (f.switch, f.id, "FAIL")),
    );
    v.push(("short_cert", SHORT_CERT, "FAIL"));
    v.push(("waf_blocks", WAF, "FIXED"));
    v
}

/// The check of `f` shows its first mismatch, and each mismatch once: its block, no one-line
/// message repeating it.
#[track_caller]
fn assert_first_mismatch(out: &Output, f: &Drifted) {
    let d = out.details_of(f.id);
    let blocks = d.iter().filter(|l| l.starts_with("  expected: ")).count();
    assert_eq!(blocks, f.more + 1, "{}:\n{out}", f.id);
    assert_eq!(
        d[1..4],
        [
            f.field.to_string(),
            format!("  expected: {}", f.expected),
            format!("  actual:   {}", f.actual),
        ],
        "{}:\n{out}",
        f.id
    );
}

/// How many of `outcomes` have `label`.
fn labelled(outcomes: &[(String, String)], label: &str) -> usize {
    outcomes.iter().filter(|(l, _)| l == label).count()
}

/// The same stand-ins with every claim drifted at once: exactly the drifted checks fail
/// (and the pending WAF check is fixed), each with its own first mismatch; the checks of
/// claims that held still pass. Exit 1.
#[tokio::test(flavor = "multi_thread")]
async fn drifted_standins_fail_exactly_the_drifted_claims() {
    let s = stand_ins(Drift::all()).await;
    let p = phenom_project(&s);
    let plan = listed(&p.dir_arg(), &[]).await;
    let out = run_standin(&p, &[]).await;
    out.assert_code_quiet(1);

    let location = |to: &str| format!("\"{to}\"");
    let failures = drift_failures();

    // Exactly these checks do not pass: those the switches break (the WAF's is fixed; a check
    // two switches break gets the first one's label), and the checks that are wrong against
    // the seeds whatever the world does.
    let mut not_passing: Vec<(&str, &str)> = broken_by_switch()
        .into_iter()
        .map(|(_, id, label)| (id, label))
        .collect();
    not_passing.extend(wrong_ids().into_iter().map(|id| (id, "FAIL")));
    let expected = outcomes_of(&plan, &not_passing);
    assert_eq!(out.outcomes(), expected, "{out}");
    let (failed, errors) = (labelled(&expected, "FAIL"), labelled(&expected, "ERROR"));
    out.assert_summary(&format!(
        "{} passed, {failed} failed, {errors} errors, 0 pending, 1 fixed",
        labelled(&expected, "PASS")
    ));

    // Each failure as its switch makes it, but for the signed-in checks whose sign-in failed
    // here (they are errors): the runs of one switch each show theirs.
    for f in &failures {
        let failed = expected.iter().any(|(l, id)| id == f.id && l == "FAIL");
        if failed {
            assert_first_mismatch(&out, f);
        }
    }
    // The locations the drifted redirects name, where the check showed them.
    let spa = out.details_of("nest/the-spa-is-served-with-no-cloudflare-access-in-front");
    let access = location(&access_login(NEST));
    assert!(spa.contains(&format!("  actual:   {access}")), "{out}");
    let root = out.details_of("chat/root-redirect");
    let try_url = location(TRY_URL);
    assert!(root.contains(&format!("  expected: {try_url}")), "{out}");

    // Five days and a half hour left (less the seconds since it was made), on the leaf
    // alone: both `expires_in` and `chain_expires_in` fail.
    let not_after = utc_text(s.edge_cert_end);
    let left = r"5d (29m \d+s|30m)";
    let d = out.details_of(SHORT_CERT);
    assert_eq!(d[1..3], ["cert expires_in", "  expected: > 21d"], "{out}");
    assert_matches(
        &format!(r"^  actual:   {left} \(not after {not_after}\)$"),
        &d[3],
        &out,
    );
    assert_eq!(
        d[4..6],
        ["cert chain_expires_in", "  expected: > 14d"],
        "{out}"
    );
    assert_matches(
        &format!(r"^  actual:   {left} \(the leaf, not after {not_after}\)$"),
        &d[6],
        &out,
    );

    // Fixed: the WAF blocks now, and the run says to remove `pending`.
    assert_eq!(
        out.details_of(WAF)[1],
        "pending check now passes: remove `pending`",
        "{out}"
    );
    assert_wrong_checks(&out);

    // JUnit: the same counts, fixed counted with the failures.
    let xml = p.junit();
    let doc = parse(&xml);
    let mut sums = [0usize; 4];
    for node in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        for (sum, n) in sums.iter_mut().zip(counts(node)) {
            *sum += n.parse::<usize>().expect("a count");
        }
    }
    assert_eq!(sums, [plan.len(), failed + 1, errors, 0], "{xml}");

    // The raw origin let an anonymous client finish its handshake, and still served the
    // identified one.
    assert!(
        s.alb_tls.tls_failures().is_empty(),
        "{:?}",
        s.alb_tls.tls_failures()
    );
    assert_eq!(s.alb_tls.requests().len(), 1);
}

/// Each switch alone, all at once in separate runs: every switch breaks exactly its own
/// checks and no other's, so no drift hides another in the all-at-once run above, and the
/// switches between them break every check that run fails.
#[tokio::test(flavor = "multi_thread")]
async fn each_drift_alone_breaks_only_its_own_checks() {
    const AT_ONCE: usize = 4;
    // A few runs at a time: on a loaded machine a stand-in that answers late looks to the
    // tls probe like one that does not answer (its refusal wait is 300 ms on loopback).
    let mut runs = Vec::new();
    for batch in SWITCHES.chunks(AT_ONCE) {
        runs.extend(
            futures::future::join_all(batch.iter().map(|(name, _)| async move {
                let s = stand_ins(Drift::only(name)).await;
                let p = phenom_project(&s);
                let out = run_standin(&p, &[]).await;
                (*name, out)
            }))
            .await,
        );
    }
    let broken = broken_by_switch();
    let failures = drift_failures();
    let wrong = wrong_ids();
    for (name, out) in &runs {
        out.assert_code(1);
        let mut seen: Vec<(String, String)> = out
            .outcomes()
            .into_iter()
            .filter(|(label, id)| {
                let excused = label == "PENDING" && id == WAF;
                label != "PASS" && !excused && !wrong.contains(id.as_str())
            })
            .collect();
        seen.sort();
        let mut want: Vec<(String, String)> = broken
            .iter()
            .filter(|(switch, _, _)| switch == name)
            .map(|(_, id, label)| (label.to_string(), id.to_string()))
            .collect();
        want.sort();
        assert!(!want.is_empty(), "switch {name} breaks nothing");
        assert_eq!(seen, want, "switch {name} alone:\n{out}");
        for f in failures.iter().filter(|f| f.switch == *name) {
            assert_first_mismatch(out, f);
        }
        assert_eq!(out.stderr, "", "{out}");
    }
    let names: BTreeSet<&str> = broken.iter().map(|(switch, _, _)| *switch).collect();
    let all: BTreeSet<&str> = SWITCHES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, all, "every switch breaks a check of the table");
}
