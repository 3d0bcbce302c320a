//! Prometheus metrics: up, duration and certificate time left per check.

use super::{IDS, SECRET, fixture, read};
use crate::harness::*;
use regex::Regex;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// --metrics.

#[tokio::test(flavor = "multi_thread")]
async fn metrics_say_up_duration_and_certificate_time_left_per_check() {
    let f = fixture().await;
    let path = f.file("metrics/conform.prom");
    let out = f.run(&["--metrics", &path]).await;
    out.assert_code(1);
    let text = read(&path);
    assert_no_secret(&text, SECRET, "the metrics");

    // Every sample: name{labels} value, the value a number; every family typed as a gauge.
    let sample = Regex::new(r#"^([a-z_]+)\{([^{}]*)\} (\S+)$"#).unwrap();
    let mut samples: BTreeMap<(String, String), f64> = BTreeMap::new();
    for line in text.lines() {
        if let Some(family) = line.strip_prefix("# TYPE ") {
            assert!(family.ends_with(" gauge"), "{line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let c = sample
            .captures(line)
            .unwrap_or_else(|| panic!("not a sample: {line:?}\n{text}"));
        let value: f64 = c[3].parse().unwrap_or_else(|_| panic!("{line}"));
        let key = (c[1].to_string(), c[2].to_string());
        assert!(samples.insert(key, value).is_none(), "twice: {line}");
    }
    let labels = |id: &str| {
        let suite = id.split('/').next().unwrap();
        format!("id=\"{id}\",env=\"prod\",suite=\"{suite}\"")
    };
    let get = |name: &str, id: &str| samples.get(&(name.to_string(), labels(id))).copied();
    for (id, up) in IDS.iter().zip([0.0, 0.0, 0.0, 1.0, 0.0, 1.0]) {
        assert_eq!(get("conform_check_up", id), Some(up), "{id}\n{text}");
        let took = get("conform_check_duration_seconds", id)
            .unwrap_or_else(|| panic!("no duration of {id}\n{text}"));
        assert!(took > 0.0 && took < 5.0, "{id}: {took}");
    }
    assert_eq!(get("conform_check_pending", "api/waf"), Some(1.0));
    assert_eq!(get("conform_check_flaky", "web/flaky"), Some(1.0));
    assert!(get("conform_check_duration_seconds", "web/flaky").unwrap() >= 0.05);
    assert!(
        text.contains(
            "conform_check_outcome{id=\"api/down\",env=\"prod\",suite=\"api\",outcome=\"error\"} 1\n"
        ),
        "{text}"
    );

    // Every check that got an answer saw the server's certificate: 90 days from now.
    let expiry: Vec<(&str, f64)> = IDS
        .iter()
        .filter_map(|id| get("conform_cert_expiry_seconds", id).map(|s| (*id, s)))
        .collect();
    assert_eq!(
        expiry.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ["api/waf", "api/token", "web/ok", "web/broken", "web/flaky"],
        "the refused check saw no certificate\n{text}"
    );
    for (id, left) in expiry {
        assert!(
            left > 89.0 * 86400.0 && left <= 90.0 * 86400.0,
            "{id}: {left}"
        );
    }

    let run = |outcome: &str| {
        samples
            .get(&(
                "conform_checks".to_string(),
                format!("env=\"prod\",outcome=\"{outcome}\""),
            ))
            .copied()
    };
    let counts: Vec<Option<f64>> = ["pass", "fail", "error", "pending", "fixed", "not_run"]
        .iter()
        .map(|o| run(o))
        .collect();
    assert_eq!(counts, [2.0, 2.0, 1.0, 1.0, 0.0, 0.0].map(Some), "{text}");
}
