use super::from_run::target;
use super::*;
use crate::config::model::{
    CertExpect, CheckKind, ConnectExpect, DnsExpect, DnsProtocol, HttpExpect, Secrets, TcpExpect,
    TlsExpect,
};
use crate::config::model::{CertProbe, ConnectTo, DnsProbe, TcpProbe, TlsProbe};
use crate::probe::ProbeErrorKind;
use crate::report::detail::fixtures::*;
use crate::run::{CheckResult, RunReport};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// A failure after a timed-out try, a flaky pass, an error, a pending, a fixed and a
/// not-run check, over three suites (the JUnit tests' run too).
pub(crate) fn sample() -> RunReport {
    let mut fail_check = check("chat", "chat/root", "root redirects");
    fail_check.tags = vec!["gate".into(), "nightly".into()];
    fail_check.retries = 1;
    let mut fail = result(
        fail_check,
        Outcome::Fail,
        vec![
            errored(ProbeErrorKind::Timeout, "no answer within 5s"),
            failed(vec![mismatch("status", "302", "200")]),
        ],
    );
    fail.message = "status: expected 302, got 200".into();
    let mut flaky = result(
        check("nest", "nest/up", "nest up"),
        Outcome::Pass,
        vec![failed(vec![mismatch("status", "200", "503")]), passed()],
    );
    flaky.flaky = true;
    flaky.check = Arc::new({
        let mut c = check("nest", "nest/up", "nest up");
        c.retries = 1;
        c
    });
    let error = result(
        check("nest", "nest/api", "api"),
        Outcome::Error,
        vec![errored(ProbeErrorKind::Refused, "connect: refused")],
    );
    let (pending, fixed) = (pending_waf(), fixed_new());
    let not_run = result(check("dns", "dns/mx", "mx"), Outcome::NotRun, vec![]);
    report(vec![fail, flaky, error, pending, fixed, not_run])
}

fn json_of(report: &RunReport) -> JsonReport {
    JsonReport::from_run(report, &Secrets::default())
}

#[test]
fn from_run_writes_every_field() {
    let mut m = mismatch("status", "302", "200");
    m.note = Some("no redirect".into());
    let mut r = result(
        check("chat", "chat/root", "root redirects"),
        Outcome::Fail,
        vec![
            errored(ProbeErrorKind::Timeout, "no answer within 5s"),
            failed(vec![m]),
        ],
    );
    r.message = "status: expected 302, got 200".into();
    let value = serde_json::to_value(json_of(&report(vec![r, pending_waf()]))).unwrap();
    let seen = json!({ "status": 200, "content_type": "text/plain",
                       "final_url": "https://chat.example/" });
    let attempt_failed = json!({
        "outcome": "fail", "duration_seconds": 0.05, "error": null,
        "mismatches": [{ "field": "status", "expected": "403", "actual": "200", "note": "" }],
        "observed": seen,
    });
    assert_eq!(
        value,
        json!({
            "schema_version": 3,
            "conform_version": env!("CARGO_PKG_VERSION"),
            "env": "prod",
            "started": "2026-05-01T12:00:00Z",
            "evaluated_at": "2026-05-01T12:00:00Z",
            "duration_seconds": 0.42,
            "hostname": "ci-runner-1",
            "summary": { "passed": 0, "failed": 1, "errors": 0, "pending": 1, "fixed": 0,
                         "not_run": 0, "flaky": 0, "exit_code": 1 },
            "checks": [
                { "id": "chat/root", "name": "root redirects", "suite": "chat",
                  "file": "checks/chat.yaml", "line": 3, "tags": [], "probe": "http",
                  "target": "GET https://chat.example/", "outcome": "fail", "flaky": false,
                  "retries": 0, "duration_seconds": 0.12,
                  "message": "status: expected 302, got 200", "pending_reason": null,
                  "reproduce": "curl -sS -i https://chat.example/",
                  "attempts": [
                      { "outcome": "error", "duration_seconds": 0.05,
                        "error": { "kind": "timeout", "message": "no answer within 5s" },
                        "mismatches": [] },
                      { "outcome": "fail", "duration_seconds": 0.05, "error": null,
                        "mismatches": [{ "field": "status", "expected": "302",
                                         "actual": "200", "note": "no redirect" }],
                        "observed": seen },
                  ] },
                { "id": "chat/waf", "name": "waf", "suite": "chat",
                  "file": "checks/chat.yaml", "line": 3, "tags": [], "probe": "http",
                  "target": "GET https://chat.example/", "outcome": "pending",
                  "flaky": false, "retries": 0, "duration_seconds": 0.12, "message": "",
                  "pending_reason": "WAF rule in COUNT mode",
                  "reproduce": "curl -sS -i https://chat.example/",
                  "attempts": [attempt_failed] },
            ],
            "baseline": null,
            "selection": null,
            "load_errors": [],
        })
    );
}

#[test]
fn summary_outcomes_and_flaky_match_the_run() {
    let run = sample();
    let json = json_of(&run);
    let c = run.counts();
    assert_eq!(
        json.summary,
        JsonSummary {
            passed: c.passed,
            failed: c.failed,
            errors: c.errors,
            pending: c.pending,
            fixed: c.fixed,
            not_run: c.not_run,
            flaky: c.flaky,
            exit_code: run.exit_code(),
        }
    );
    assert_eq!((c.passed, c.failed, c.fixed, c.flaky), (1, 1, 1, 1));
    let outcomes: Vec<_> = serde_json::to_value(&json).unwrap()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["outcome"].clone(), c["flaky"].clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (json!("fail"), json!(false)),
            (json!("pass"), json!(true)),
            (json!("error"), json!(false)),
            (json!("pending"), json!(false)),
            (json!("fixed"), json!(false)),
            (json!("not_run"), json!(false)),
        ]
    );
    assert_eq!(json.checks[0].tags, ["gate", "nightly"]);
    assert_eq!(json.checks[0].retries, 1);
    assert_eq!(
        json.checks[2].attempts[0].error,
        Some(JsonError {
            kind: ProbeErrorKind::Refused,
            message: "connect: refused".into()
        })
    );
    assert_eq!(
        json.checks[4].message,
        "pending check now passes: remove `pending`"
    );
    assert_eq!(json.checks[4].pending_reason.as_deref(), Some("not live"));
    assert!(json.checks[5].attempts.is_empty());
    assert_eq!(json.exit_code(), 1);
}

#[test]
fn targets_say_what_each_probe_reached() {
    let with = |kind: CheckKind| {
        let mut c = check("x", "x/y", "y");
        c.kind = kind;
        (c.kind.probe().kind(), target(&c))
    };
    let mut http = http_probe("https://chat.example/a?b=1");
    http.method = reqwest::Method::POST;
    http.connect_to = Some(ConnectTo {
        host: "alb.example".into(),
        port: Some(8443),
    });
    assert_eq!(
        with(CheckKind::Http {
            probe: http,
            expect: HttpExpect::default()
        }),
        (
            "http",
            "POST https://chat.example/a?b=1 via alb.example:8443".into()
        )
    );
    let tls = || TlsProbe {
        host: "10.0.0.1".into(),
        port: 443,
        sni: "chat.example".into(),
        alpn: vec![],
        tls: Default::default(),
        starttls: None,
        ip: crate::config::model::IpFamily::Any,
        addresses: crate::config::model::AddressMode::One,
    };
    assert_eq!(
        with(CheckKind::Tls {
            probe: tls(),
            expect: TlsExpect::default()
        }),
        ("tls", "10.0.0.1:443 (sni chat.example)".into())
    );
    assert_eq!(
        with(CheckKind::Tls {
            probe: TlsProbe {
                port: 587,
                starttls: Some(crate::config::model::Starttls::Smtp),
                ..tls()
            },
            expect: TlsExpect::default()
        }),
        (
            "tls",
            "10.0.0.1:587 (sni chat.example) starttls smtp".into()
        )
    );
    let dns = DnsProbe {
        name: "nest.example.".into(),
        record_type: hickory_proto::rr::RecordType::CNAME,
        server: Some("1.1.1.1:53".parse().unwrap()),
        protocol: DnsProtocol::Tcp,
    };
    assert_eq!(
        with(CheckKind::Dns {
            probe: dns,
            expect: DnsExpect::default()
        }),
        ("dns", "nest.example. CNAME @1.1.1.1:53 over tcp".into())
    );
    let tcp = TcpProbe {
        host: "::1".into(),
        port: 22,
        dialogue: None,
        ip: crate::config::model::IpFamily::Any,
        addresses: crate::config::model::AddressMode::One,
    };
    let expect = TcpExpect {
        connect: ConnectExpect::Accepted,
        explicit: false,
        time: None,
        received: None,
    };
    assert_eq!(
        with(CheckKind::Tcp { probe: tcp, expect }),
        ("tcp", "[::1]:22".into())
    );
    let cert = CertProbe {
        file: "pki/client.pem".into(),
        tls: Default::default(),
    };
    let expect = CertExpect::default();
    assert_eq!(
        with(CheckKind::Cert {
            probe: cert,
            expect: Box::new(expect),
        }),
        ("cert", "pki/client.pem".into())
    );
}

#[test]
fn round_trip() {
    let json = json_of(&sample());
    let text = json.to_string_pretty().unwrap();
    assert!(text.ends_with("}\n"));
    let back = JsonReport::parse(&text, Path::new("reports/report.json")).unwrap();
    assert_eq!(back, json);

    let mut with_baseline = json.clone();
    with_baseline.baseline = Some(super::baseline::compare(&json, &json));
    let text = with_baseline.to_string_pretty().unwrap();
    assert_eq!(
        JsonReport::parse(&text, Path::new("r.json")).unwrap(),
        with_baseline
    );
}

/// The report streamed into its file is the text `to_string_pretty` makes, byte for byte.
#[test]
fn written_as_made_is_the_same_text() {
    let json = json_of(&sample());
    let mut streamed = Vec::new();
    json.write_pretty(&mut streamed).unwrap();
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        json.to_string_pretty().unwrap()
    );
}

#[test]
fn a_minimal_hand_written_report_parses() {
    let text = r#"{"schema_version": 1, "conform_version": "0.1.0", "env": "prod",
        "started": "2026-11-24T02:00:00+01:00", "duration_seconds": 1,
        "summary": {"passed": 1, "failed": 0, "errors": 0, "pending": 0, "fixed": 0,
                    "not_run": 0, "flaky": 0, "exit_code": 0},
        "checks": [{"id": "a/b", "name": "b", "suite": "a", "outcome": "pass",
                    "some_later_field": true}]}"#;
    let report = JsonReport::parse(text, Path::new("old.json")).unwrap();
    assert_eq!(report.checks[0].outcome, Outcome::Pass);
    assert_eq!(report.baseline, None);
    // Written before the evaluation time was: unknown, not the start.
    assert_eq!((report.evaluated_at, report.at), (None, None));
    assert_eq!(
        rfc3339::text(report.started),
        "2026-11-24T01:00:00Z",
        "times are written in UTC"
    );
}

#[test]
fn parse_errors_say_what_is_wrong() {
    let err = |text: &str| JsonReport::parse(text, Path::new("reports/x.json")).unwrap_err();
    let garbage = err("<testsuites/>");
    assert!(
        garbage.starts_with("reports/x.json: not a conform JSON report: not JSON ("),
        "{garbage}"
    );
    assert_eq!(
        err("[1]"),
        "reports/x.json: not a conform JSON report: expected an object, found an array"
    );
    assert_eq!(
        err(r#"{"env": "prod"}"#),
        "reports/x.json: not a conform JSON report: it has no schema_version"
    );
    assert_eq!(
        err(r#"{"schema_version": 4, "whatever": []}"#),
        "reports/x.json was written by a newer conform (schema 4); this conform reads \
         schema 3"
    );
    assert_eq!(
        err(r#"{"schema_version": "1"}"#),
        "reports/x.json: schema_version must be a whole number, found \"1\""
    );
    assert_eq!(
        err(r#"{"schema_version": 0}"#),
        "reports/x.json: unknown schema_version 0; this conform reads schema 1 to 3"
    );
    let mut value = serde_json::to_value(json_of(&sample())).unwrap();
    value["checks"][0]["outcome"] = json!("exploded");
    let bad = err(&value.to_string());
    assert!(
        bad.starts_with(
            "reports/x.json: not a valid conform JSON report: unknown variant `exploded`"
        ),
        "{bad}"
    );
    value["checks"][0]["outcome"] = json!("fail");
    value["started"] = json!("yesterday");
    let bad = err(&value.to_string());
    assert!(bad.contains("`yesterday` is not an RFC 3339 time"), "{bad}");
}

pub(crate) fn shard(results: Vec<CheckResult>, started_minute: u8, millis: u64) -> JsonReport {
    let mut run = report(results);
    run.started = run.started.replace_minute(started_minute).unwrap();
    run.duration = Duration::from_millis(millis);
    run.hostname = format!("runner-{started_minute}");
    json_of(&run)
}

pub(crate) fn pass(suite: &str, id: &str, line: u32) -> CheckResult {
    let mut c = check(suite, id, id);
    c.line = line;
    result(c, Outcome::Pass, vec![passed()])
}

mod merge;

/// Made while letting go of observations, the report is the same, and only checks that
/// passed at once lose theirs (a flaky pass keeps its tries for the reports that show them).
#[test]
fn releasing_makes_the_same_report_and_keeps_what_later_reports_read() {
    let mut run = sample();
    let mut quick = result(check("web", "web/ok", "ok"), Outcome::Pass, vec![passed()]);
    quick.attempts[0].observation = Some(crate::probe::Observation::Http(Default::default()));
    run.results.push(quick);
    for r in &mut run.results {
        for a in &mut r.attempts {
            a.observation
                .get_or_insert_with(|| crate::probe::Observation::Http(Default::default()));
        }
    }
    let whole = json_of(&run);
    let released = JsonReport::from_run_made(&mut run, &Secrets::default(), Vec::new(), true);
    assert_eq!(whole, released);
    let kept: Vec<(&str, bool)> = run
        .results
        .iter()
        .filter(|r| !r.attempts.is_empty())
        .map(|r| {
            let any = r.attempts.iter().any(|a| a.observation.is_some());
            (r.check.id.as_str(), any)
        })
        .filter(|(_, any)| !any)
        .collect();
    assert_eq!(kept, [("web/ok", false)]);
}
