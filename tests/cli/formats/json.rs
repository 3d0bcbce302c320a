//! The JSON report (`--json`, `--format json`): every check and attempt, the exit code kept.

use super::{
    Fixture, IDS, REDACTED, SECRET, assert_no_human_lines, check, fixture, ids_of, keys,
    parse_json, read,
};
use crate::harness::*;
use regex::Regex;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The summary of a run of the six checks.
fn six_summary() -> Value {
    json!({"passed": 2, "failed": 2, "errors": 1, "pending": 1, "fixed": 0, "not_run": 0,
           "flaky": 1, "exit_code": 1})
}

// ---------------------------------------------------------------------------------------------
// The JSON report file.

/// The report of a run of the six checks, field by field.
#[track_caller]
fn assert_six_report(f: &Fixture, text: &str) {
    assert_no_secret(text, SECRET, "the JSON report");
    assert!(text.contains(REDACTED), "{text}");
    assert!(text.ends_with("}\n"), "{text}");
    let r = parse_json(text);
    assert_eq!(
        keys(&r),
        BTreeSet::from([
            "schema_version",
            "conform_version",
            "env",
            "started",
            "evaluated_at",
            "duration_seconds",
            "hostname",
            "summary",
            "checks",
            "baseline",
            "selection",
            "load_errors",
        ]),
        "{r:#}"
    );
    assert_eq!(r["schema_version"], 3);
    assert_eq!(r["load_errors"], json!([]));
    assert_eq!(r["selection"]["shard"], Value::Null);
    assert_eq!(r["selection"]["checks"], IDS.len());
    assert_eq!(r["conform_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["env"], "prod");
    let started = r["started"].as_str().expect("started");
    assert!(started.ends_with('Z'), "UTC: {started}");
    time::OffsetDateTime::parse(started, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("started {started:?} is not RFC 3339: {e}"));
    assert_eq!(
        r["evaluated_at"], r["started"],
        "judged as of the start without --at"
    );
    assert!(r["duration_seconds"].as_f64().expect("duration") > 0.0);
    assert!(!r["hostname"].as_str().expect("hostname").is_empty());
    assert_eq!(r["summary"], six_summary());
    assert_eq!(r["baseline"], Value::Null);
    assert_eq!(ids_of(&r), IDS);

    let check_keys = BTreeSet::from([
        "id",
        "name",
        "suite",
        "file",
        "line",
        "tags",
        "probe",
        "target",
        "outcome",
        "flaky",
        "retries",
        "duration_seconds",
        "message",
        "pending_reason",
        "reproduce",
        "attempts",
    ]);
    for c in r["checks"].as_array().unwrap() {
        assert_eq!(keys(c), check_keys, "{c:#}");
        assert_eq!(c["probe"], "http", "{c:#}");
        assert_eq!(c["tags"], json!([]), "{c:#}");
        let id = c["id"].as_str().unwrap();
        let (suite, name) = id.split_once('/').unwrap();
        assert_eq!(
            (c["suite"].as_str(), c["name"].as_str()),
            (Some(suite), Some(name))
        );
        let file = f.file(&format!("checks/{suite}.yaml"));
        assert_eq!(c["file"], file.as_str(), "{c:#}");
        for a in c["attempts"].as_array().unwrap() {
            // What the try saw, when it got an answer.
            let mut attempt_keys =
                BTreeSet::from(["outcome", "duration_seconds", "error", "mismatches"]);
            if a["error"].is_null() {
                attempt_keys.insert("observed");
            }
            assert_eq!(keys(a), attempt_keys, "{a:#}");
        }
    }

    // What the probe saw: the final response and the server's certificate.
    let port = f.server.port();
    let observed = |id: &str| check(&r, id)["attempts"][0]["observed"].clone();
    let leaf = observed("web/ok")["leaf"].clone();
    let fingerprint = leaf["fingerprint_sha256"].as_str().unwrap_or_default();
    assert!(
        fingerprint.len() == 64 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
        "{leaf:#}"
    );
    let not_after = leaf["not_after"].as_str().unwrap_or_default();
    assert_eq!(
        leaf,
        json!({ "subject": "CN=chat.test", "issuer": "CN=conform test CA", "san": ["chat.test"],
                "not_after": not_after, "fingerprint_sha256": fingerprint,
                "serial": leaf["serial"] })
    );
    assert_eq!(
        observed("web/ok"),
        json!({ "status": 200, "final_url": format!("https://chat.test:{port}/ok"),
                "leaf": leaf })
    );
    // The secret in the URL is redacted here too.
    assert_eq!(
        observed("api/token"),
        json!({ "status": 200, "leaf": leaf,
                "final_url": format!("https://chat.test:{port}/token?key={REDACTED}") })
    );

    // What each check did, attempt by attempt.
    let shape: Vec<Value> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let attempts: Vec<Value> = c["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    json!({"outcome": a["outcome"], "error": a["error"]["kind"],
                           "mismatches": a["mismatches"]})
                })
                .collect();
            json!({"id": c["id"], "line": c["line"], "outcome": c["outcome"],
                   "flaky": c["flaky"], "retries": c["retries"],
                   "pending_reason": c["pending_reason"], "attempts": attempts})
        })
        .collect();
    let status = |expected: &str, actual: &str| json!([{"field": "status", "expected": expected, "actual": actual, "note": ""}]);
    assert_eq!(
        shape,
        [
            json!({"id": "api/down", "line": 3, "outcome": "error", "flaky": false,
                   "retries": 0, "pending_reason": null,
                   "attempts": [{"outcome": "error", "error": "refused", "mismatches": []}]}),
            json!({"id": "api/waf", "line": 6, "outcome": "pending", "flaky": false,
                   "retries": 0, "pending_reason": "WAF rule in COUNT mode",
                   "attempts": [{"outcome": "fail", "error": null,
                                 "mismatches": status("403", "200")}]}),
            json!({"id": "api/token", "line": 10, "outcome": "fail", "flaky": false,
                   "retries": 0, "pending_reason": null,
                   "attempts": [{"outcome": "fail", "error": null, "mismatches": [
                       {"field": "header x-echo", "expected": "\"50%, a:b\"",
                        "actual": "\"Bearer [redacted:TEST_TOKEN]\"", "note": ""}]}]}),
            json!({"id": "web/ok", "line": 3, "outcome": "pass", "flaky": false,
                   "retries": 0, "pending_reason": null,
                   "attempts": [{"outcome": "pass", "error": null, "mismatches": []}]}),
            json!({"id": "web/broken", "line": 6, "outcome": "fail", "flaky": false,
                   "retries": 0, "pending_reason": null,
                   "attempts": [{"outcome": "fail", "error": null,
                                 "mismatches": status("200", "500")}]}),
            json!({"id": "web/flaky", "line": 9, "outcome": "pass", "flaky": true,
                   "retries": 2, "pending_reason": null,
                   "attempts": [{"outcome": "fail", "error": null,
                                 "mismatches": status("200", "503")},
                                {"outcome": "pass", "error": null, "mismatches": []}]}),
        ],
        "{r:#}"
    );

    // Messages, targets and reproduce commands.
    let (port, closed) = (f.server.port(), f.closed);
    let down = check(&r, "api/down");
    let refused = format!("GET https://chat.test:{closed}/: connection refused");
    assert!(
        down["message"].as_str().unwrap().starts_with(&refused),
        "{down:#}"
    );
    let error_message = down["attempts"][0]["error"]["message"].as_str().unwrap();
    assert!(error_message.starts_with(&refused), "{down:#}");
    assert_eq!(down["target"], format!("GET https://chat.test:{closed}/"));
    assert_eq!(
        check(&r, "api/waf")["message"],
        "pending: WAF rule in COUNT mode"
    );
    let token = check(&r, "api/token");
    assert_eq!(
        token["message"],
        "header x-echo: expected \"50%, a:b\", got \"Bearer [redacted:TEST_TOKEN]\""
    );
    assert_eq!(
        token["target"],
        format!("GET https://chat.test:{port}/token?key={REDACTED}")
    );
    assert_eq!(
        token["reproduce"],
        format!(
            "curl -sS -i -H 'authorization: Bearer '\"${{TEST_TOKEN}}\" --resolve \
             chat.test:{port}:127.0.0.1 --cacert {} --max-time 2 \
             'https://chat.test:{port}/token?key='\"${{TEST_TOKEN}}\"",
            f.file("environments/ca.pem")
        )
    );
    assert_eq!(
        check(&r, "web/broken")["message"],
        "status: expected 200, got 500"
    );
    assert_eq!(check(&r, "web/ok")["message"], "", "empty on pass");
    assert_eq!(check(&r, "web/ok")["reproduce"], f.curl("/ok"));
    let flaky = check(&r, "web/flaky");
    assert_eq!(flaky["message"], "");
    // Both attempts and the 50 ms retry delay between them.
    let took = flaky["duration_seconds"].as_f64().unwrap();
    let tries: f64 = flaky["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["duration_seconds"].as_f64().unwrap())
        .sum();
    assert!(took >= tries + 0.05, "{took} < {tries} + 50ms: {flaky:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_report_holds_every_check_attempt_and_no_secret() {
    let f = fixture().await;
    let custom = f.file("out/deep/run.json");
    let out = f.run(&["--json", &custom]).await;
    out.assert_code(1);
    out.assert_summary("2 passed, 2 failed, 1 error, 1 pending, 1 flaky");
    assert_eq!(out.stderr, "", "{out}");
    assert_six_report(&f, &read(&custom));
    assert!(
        !f.p.path().join("reports/report.json").exists(),
        "--json replaces the default path"
    );
    // The server got the real secret, in the header and the query.
    let token = f
        .server
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/token"))
        .expect("a /token request");
    assert_eq!(
        token.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(token.path, format!("/token?key={SECRET}"));

    // Without --json: reports/report.json under --dir.
    let out = f.run(&[]).await;
    out.assert_code(1);
    assert_six_report(&f, &f.p.read("reports/report.json"));
}

// ---------------------------------------------------------------------------------------------
// --format json.

#[tokio::test(flavor = "multi_thread")]
async fn format_json_prints_exactly_the_report_and_keeps_the_exit_code() {
    let f = fixture().await;
    let out = f.run(&["--format", "json"]).await;
    out.assert_code_quiet(1);
    assert_no_human_lines(&out);
    assert_eq!(
        out.stdout,
        f.p.read("reports/report.json"),
        "stdout is the report file, byte for byte"
    );
    assert_six_report(&f, &out.stdout);

    // Each exit code is the one the human run gives: 0, 3 and 1.
    for (only, code) in [("web/ok", 0), ("api/down", 3), ("api/*", 1)] {
        let human = f.run(&["--only", only]).await;
        human.assert_code(code);
        let machine = f.run(&["--only", only, "--format", "json"]).await;
        machine.assert_code(code);
        assert_no_human_lines(&machine);
        let r = parse_json(&machine.stdout);
        assert_eq!(r["summary"]["exit_code"], code, "{only}: {r:#}");
        let wanted: Vec<&str> = IDS
            .iter()
            .copied()
            .filter(|id| regex_glob(only).is_match(id))
            .collect();
        assert_eq!(ids_of(&r), wanted, "{only}");
    }
}

fn regex_glob(glob: &str) -> Regex {
    Regex::new(&format!("^{}$", regex::escape(glob).replace("\\*", ".*"))).unwrap()
}
