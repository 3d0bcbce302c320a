//! `conform merge`: shards combined into one report.

use super::*;

#[test]
fn merge_combines_shards() {
    let mut flaky = pass("nest", "nest/up", 4);
    flaky.flaky = true;
    let error = result(
        check("nest", "nest/api", "api"),
        Outcome::Error,
        vec![errored(ProbeErrorKind::Refused, "refused")],
    );
    let one = shard(
        vec![pass("chat", "chat/b", 9), error, pending_waf()],
        5,
        900,
    );
    let two = shard(vec![flaky, pass("chat", "chat/a", 12)], 2, 1500);
    let merged = merge(vec![one, two]).unwrap();
    let ids: Vec<&str> = merged.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["chat/waf", "chat/b", "chat/a", "nest/api", "nest/up"]);
    assert_eq!(
        merged.summary,
        JsonSummary {
            passed: 3,
            pending: 1,
            errors: 1,
            flaky: 1,
            exit_code: 3,
            ..JsonSummary::default()
        }
    );
    assert_eq!(rfc3339::text(merged.started), "2026-05-01T12:02:00Z");
    assert_eq!(merged.duration_seconds, 1.5);
    assert_eq!(merged.hostname, "runner-5, runner-2");
    assert_eq!(merged.conform_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(merged.env, "prod");

    let fixed = shard(vec![fixed_new()], 1, 1);
    assert_eq!(merge(vec![merged, fixed]).unwrap().summary.exit_code, 1);
}

#[test]
fn merge_refuses_overlaps_other_environments_and_nothing() {
    let one = shard(vec![pass("chat", "chat/a", 1)], 1, 1);
    let two = shard(vec![pass("chat", "chat/b", 2)], 1, 1);
    let again = shard(
        vec![pass("dns", "dns/a", 2), pass("chat", "chat/a", 1)],
        1,
        1,
    );
    assert_eq!(
        merge(vec![one.clone(), two.clone(), again]).unwrap_err(),
        "check chat/a is in report 1 and report 3: were the shards' --shard K/N \
         different, or a report given twice?"
    );
    let mut staging = two;
    staging.env = "staging".into();
    assert_eq!(
        merge(vec![one, staging]).unwrap_err(),
        "cannot merge reports of different environments: report 1 is prod, report 2 is \
         staging"
    );
    assert_eq!(merge(vec![]).unwrap_err(), "no reports to merge");
}

#[test]
fn merge_drops_shard_baselines() {
    let mut one = shard(vec![pass("chat", "chat/a", 1)], 1, 1);
    one.baseline = Some(super::baseline::compare(&one, &one));
    assert_eq!(merge(vec![one]).unwrap().baseline, None);
}

#[test]
fn merge_keeps_the_earliest_evaluation_time_and_takes_shards_without_one() {
    let mut one = shard(vec![pass("chat", "chat/b", 9)], 5, 900);
    let mut two = shard(vec![pass("chat", "chat/a", 12)], 2, 900);
    one.evaluated_at = None;
    two.at = Some("+30d".into());
    let merged = merge(vec![one.clone(), two.clone()]).unwrap();
    assert_eq!(merged.evaluated_at, two.evaluated_at);
    assert_eq!(merged.at.as_deref(), Some("+30d"));
    one.evaluated_at = Some(one.started);
    assert_eq!(merge(vec![one, two]).unwrap().evaluated_at, two_started());
}

fn two_started() -> Option<time::OffsetDateTime> {
    Some(time::macros::datetime!(2026-05-01 12:02:00 UTC))
}
