//! The undrifted stand-ins: the whole prod suite passes, the gate runs only gate checks, and the
//! repository validates in every environment.

use super::accounts::ACCOUNT_VALUES;
use super::drifted::outcomes_of;
use super::standins::stand_ins;
use super::{
    ALB, API, CHAT, COGNITO, Drift, NEST, NEST_FIREBASE, PROD_VALUES, WAF, assert_wrong_checks,
    listed, phenom_project, phenom_with, repository, run_standin, wrong_ids,
};
use crate::harness::*;
use crate::support::*;
use regex::Regex;
use std::collections::BTreeSet;

// ---- helpers --------------------------------------------------------------------------------

/// The hosts the edge was asked for, each once.
fn hosts_seen(server: &TestServer) -> BTreeSet<String> {
    server
        .requests()
        .into_iter()
        .filter_map(|r| r.host)
        .collect()
}

/// The suite of a check id of the form `<suite>/<slug>`.
fn suite_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(suite, _)| suite)
}

// ---- the tests ------------------------------------------------------------------------------

/// The whole prod suite against stand-ins that behave as the seeds say: every check passes
/// but the WAF's, which is pending (COUNT mode), and those `WRONG_AGAINST_THE_SEEDS` lists;
/// the JUnit report agrees suite by suite, and each stand-in saw what it should have.
#[tokio::test(flavor = "multi_thread")]
async fn the_whole_prod_suite_passes_against_standins() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let dir = p.dir_arg();
    let plan = listed(&dir, &[]).await;
    assert!(plan.iter().any(|id| id == WAF), "{plan:?}");
    let wrong = wrong_ids();

    let out = run_standin(&p, &[]).await;
    out.assert_code(if wrong.is_empty() { 0 } else { 1 });
    assert_eq!(out.stderr, "", "{out}");
    let mut not_passing = vec![(WAF, "PENDING")];
    not_passing.extend(wrong.iter().map(|id| (*id, "FAIL")));
    assert_eq!(out.outcomes(), outcomes_of(&plan, &not_passing), "{out}");
    out.assert_summary(&format!(
        "{} passed, {} failed, 0 errors, 1 pending",
        plan.len() - 1 - wrong.len(),
        wrong.len()
    ));
    assert_wrong_checks(&out);
    // Pending: the WAF counts, Hasura itself answers 400.
    let d = out.details_of(WAF);
    assert_eq!(
        d[1..4],
        ["status", "  expected: 403", "  actual:   400"],
        "{out}"
    );
    assert!(d[4].starts_with("pending: "), "{out}");

    // JUnit: each suite holds the checks `list --suite` names; the WAF's case is skipped.
    let xml = p.junit();
    let doc = parse(&xml);
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    let mut sorted = suites.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["auth", "chat", "cognito", "dns", "hasura", "nest", "origin"],
        "{xml}"
    );
    let mut total = 0;
    for name in suites {
        let tests = listed(&dir, &["--suite", name]).await.len();
        total += tests;
        let failures = wrong.iter().filter(|id| suite_of(id) == name).count();
        let skipped = usize::from(name == suite_of(WAF));
        let want = [tests, failures, 0, skipped].map(|n| n.to_string());
        assert_eq!(counts(suite(&doc, name)), want, "suite {name}:\n{xml}");
    }
    assert_eq!(total, plan.len(), "{xml}");
    let skipped: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && has_child(*n, "skipped"))
        .collect();
    assert_eq!(skipped.len(), 1, "{xml}");
    let message = child(skipped[0], "skipped").attribute("message");
    assert!(message.is_some_and(|m| m.starts_with("pending: ")), "{xml}");

    // What the stand-ins saw: every host of the edge, each over TLS with its own name; the
    // raw origin one request, with the origin identity, and one refused handshake; port 80
    // one request for the ALB's own name.
    let hosts: BTreeSet<String> = [API, CHAT, COGNITO, NEST, NEST_FIREBASE]
        .map(String::from)
        .into();
    assert_eq!(hosts_seen(&s.edge), hosts);
    for r in s.edge.requests() {
        assert_eq!(r.sni, r.host, "{r:?}");
    }
    let origin_requests = s.alb_tls.requests();
    assert_eq!(origin_requests.len(), 1, "{origin_requests:?}");
    let r = &origin_requests[0];
    assert_eq!(
        (r.path.as_str(), r.host.as_deref(), r.sni.as_deref()),
        ("/_matrix/client/versions", Some(CHAT), Some(CHAT))
    );
    assert_eq!(r.client_cert, Some(cert_der(&s.origin_cert.0)));
    assert_eq!(
        s.alb_tls.tls_failures().len(),
        1,
        "one anonymous handshake refused"
    );
    let plain = s.alb_http.requests();
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert_eq!(plain[0].host.as_deref(), Some(ALB));
}

/// The deploy gate: `--tag gate` runs exactly the checks `list --tag gate` names, all pass,
/// and nothing else is probed (no nightly path reaches a stand-in).
#[tokio::test(flavor = "multi_thread")]
async fn the_gate_runs_only_gate_checks_and_passes() {
    let s = stand_ins(Drift::default()).await;
    let p = phenom_project(&s);
    let dir = p.dir_arg();
    let gate = listed(&dir, &["--tag", "gate"]).await;
    let all = listed(&dir, &[]).await;
    assert!(!gate.is_empty() && gate.len() < all.len(), "{gate:?}");
    assert!(!gate.iter().any(|id| id == WAF), "{gate:?}");
    let wrong = wrong_ids();

    let out = run_standin(&p, &["--tag", "gate"]).await;
    let failing: Vec<(&str, &str)> = gate
        .iter()
        .filter_map(|id| wrong.get(id.as_str()).map(|id| (*id, "FAIL")))
        .collect();
    out.assert_code(if failing.is_empty() { 0 } else { 1 });
    assert_eq!(out.stderr, "", "{out}");
    assert_eq!(out.outcomes(), outcomes_of(&gate, &failing), "{out}");
    out.assert_summary(&format!(
        "{} passed, {} failed, 0 errors, 0 pending",
        gate.len() - failing.len(),
        failing.len()
    ));

    // Nightly-only probes never ran: no /mcp, no admin API, no room lookups, and the raw
    // origin saw only the anonymous handshake the gate tries (refused), no request.
    let paths = paths(&s.edge);
    for nightly in [
        "/mcp",
        "/_synapse/admin/v1/server_version",
        "/_synapse/client/oidc/callback",
    ] {
        assert!(!paths.iter().any(|p| p == nightly), "{paths:?}");
    }
    assert!(
        !paths.iter().any(|p| p.contains("/directory/room/")),
        "{paths:?}"
    );
    assert!(s.alb_tls.requests().is_empty());
    assert_eq!(s.alb_tls.tls_failures().len(), 1);
}

/// `validate --all-envs` on the repository itself, with none of the values prod takes from
/// the process environment (the origin's, the test accounts'): every runnable environment is
/// valid (exit 0), and the only warnings are about those values.
#[tokio::test(flavor = "multi_thread")]
async fn the_repository_validates_in_every_environment_without_the_origin_values() {
    let dir = repository().display().to_string();
    let unset = ACCOUNT_VALUES.map(|(name, _)| (name, None));
    let out = phenom_with(&["validate", "--all-envs", "--dir", &dir], &unset).await;
    out.assert_code(0);

    // The runnable environments: every file of environments/ but the abstract ones.
    let mut runnable: Vec<String> = std::fs::read_dir(repository().join("environments"))
        .expect("environments/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).expect("a text file");
            !text.lines().any(|l| l.trim() == "abstract: true")
        })
        .map(|p| {
            p.file_stem()
                .expect("a stem")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    runnable.sort();
    assert!(runnable.iter().any(|e| e == "prod"), "{runnable:?}");
    let line = Regex::new(r"^env (\S+): \d+ checks in \d+ suites are valid(.*)$").unwrap();
    let mut seen = Vec::new();
    for l in out.stdout.lines() {
        let caps = line
            .captures(l)
            .unwrap_or_else(|| panic!("unexpected line {l:?}\n{out}"));
        let (env, rest) = (caps[1].to_string(), &caps[2]);
        if env == "prod" {
            assert_matches(
                r"^ \((1 value is|\d+ values are) not set here; `run` needs (it|them)\)$",
                rest,
                &out,
            );
        }
        seen.push(env);
    }
    assert_eq!(seen, runnable, "{out}");

    // Warnings only, each about one of prod's values from the process environment.
    assert!(!out.stderr.is_empty(), "{out}");
    for l in out.stderr.lines() {
        assert!(l.starts_with("warning: env prod: "), "{l:?}\n{out}");
        assert!(
            PROD_VALUES
                .iter()
                .chain(ACCOUNT_VALUES.iter().map(|(name, _)| name))
                .any(|v| l.contains(&format!("`{v}` is not set"))),
            "{l:?}\n{out}"
        );
    }
}
