//! The machine formats of a run, end to end: the JSON report (`--json`, `--format json`), TAP,
//! GitHub workflow commands and step summary, Prometheus metrics, `--baseline`, and
//! `--shard K/N` with `conform merge`. Every test runs the same six checks (a pass, a failure,
//! an error on a closed port, a failing pending check, a flaky pass and a failure that
//! carries a secret) against one HTTPS server, and no secret may leak into any output.

use crate::harness::*;
use crate::support::*;
use regex::Regex;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The value of `TEST_TOKEN`: mixed case, so that no id or path can contain it by chance.
const SECRET: &str = "tok-9f3Qz7Lw2Xv";
const SECRET_ENV: [(&str, &str); 1] = [("TEST_TOKEN", SECRET)];
const REDACTED: &str = "[redacted:TEST_TOKEN]";

/// Every check of the project, in plan order (files by name, then line).
const IDS: [&str; 6] = [
    "api/down",
    "api/waf",
    "api/token",
    "web/ok",
    "web/broken",
    "web/flaky",
];

const WEB: &str = r#"suite: web
checks:
  - name: ok
    http: { url: "https://chat.test:${port}/ok" }
    expect: { status: 200 }
  - name: broken
    http: { url: "https://chat.test:${port}/broken" }
    expect: { status: 200 }
  - name: flaky
    retries: 2
    http: { url: "https://chat.test:${port}/flaky" }
    expect: { status: 200 }
"#;

/// A check `web/added`, appended to [`WEB`] by the baseline test.
const WEB_ADDED: &str = r#"  - name: added
    http: { url: "https://chat.test:${port}/ok" }
    expect: { status: 200 }
"#;

const API: &str = r#"suite: api
checks:
  - name: down
    http: { url: "https://chat.test:${closed}/" }
    expect: { status: 200 }
  - name: waf
    pending: "WAF rule in COUNT mode"
    http: { url: "https://chat.test:${port}/admin" }
    expect: { status: 403 }
  - name: token
    http:
      url: "https://chat.test:${port}/token?key=${secret:TEST_TOKEN}"
      headers: { authorization: "Bearer ${secret:TEST_TOKEN}" }
    expect:
      headers: { x-echo: { equals: "50%, a:b" } }
      status: 200
"#;

/// A check whose id and expectation hold `%`, `:` and `,`, for the GitHub escaping.
const ODD: &str = r#"suite: odd
checks:
  - name: "odd: 50%, a:b"
    id: "odd:50%,a"
    http: { url: "https://chat.test:${port}/ok" }
    expect:
      headers: { x-app: { equals: "50%, a:b" } }
      status: 200
"#;

struct Fixture {
    server: TestServer,
    /// `/broken` answers 200 while set.
    good: Arc<AtomicBool>,
    /// Where nothing listens: `api/down` is refused.
    closed: u16,
    p: Project,
}

/// The HTTPS server and the project of six checks. `/flaky` fails every other request, so a
/// check with retries is flaky in every run that is the only one asking it at the time.
async fn fixture() -> Fixture {
    let pki = Pki::new();
    let good = Arc::new(AtomicBool::new(false));
    let flaky_calls = Arc::new(AtomicUsize::new(0));
    let is_good = Arc::clone(&good);
    let server = https(&pki, move |r| {
        match r.path.split('?').next().unwrap_or_default() {
            "/ok" => TestResponse::ok("fine").header("x-app", "conform"),
            "/broken" if is_good.load(Ordering::SeqCst) => TestResponse::ok("fine"),
            "/broken" => TestResponse::status(500),
            "/flaky" if flaky_calls.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) => {
                TestResponse::status(503)
            }
            "/flaky" => TestResponse::ok("fine"),
            "/admin" => TestResponse::ok("open"),
            "/token" => {
                // Echoes the secret back, in a header and the body.
                let auth = r.header("authorization").unwrap_or("none").to_string();
                TestResponse::ok(format!("you sent: {auth} to {}", r.path)).header("x-echo", &auth)
            }
            _ => TestResponse::status(404),
        }
    })
    .await;
    let closed = closed_port();
    let p = Project::new();
    p.prod_env_vars(
        &[("port", server.port()), ("closed", closed)],
        Some(&pki),
        "defaults: { timeout: 2s, retries: 0, retry_delay: 50ms }\n",
    );
    p.write("checks/web.yaml", WEB);
    p.write("checks/api.yaml", API);
    Fixture {
        server,
        good,
        closed,
        p,
    }
}

impl Fixture {
    async fn run(&self, args: &[&str]) -> Output {
        self.p.run_with_env(args, &SECRET_ENV).await
    }

    /// A path under the project, as a string for the command line.
    fn file(&self, rel: &str) -> String {
        self.p.shown(rel)
    }

    /// The curl command the reports give for a GET of `path` on the server.
    fn curl(&self, path: &str) -> String {
        let port = self.server.port();
        format!(
            "curl -sS -i --resolve chat.test:{port}:127.0.0.1 --cacert {} --max-time 2 \
             https://chat.test:{port}{path}",
            self.file("environments/ca.pem")
        )
    }
}

#[track_caller]
fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

#[track_caller]
fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

fn ids_of(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

#[track_caller]
fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// The summary of a run of the six checks.
fn six_summary() -> Value {
    json!({"passed": 2, "failed": 2, "errors": 1, "pending": 1, "fixed": 0, "not_run": 0,
           "flaky": 1, "exit_code": 1})
}

/// No line a human run prints: no check line and no closing summary.
#[track_caller]
fn assert_no_human_lines(out: &Output) {
    assert_eq!(out.checks(), Vec::new(), "check lines in:\n{out}");
    let closing = Regex::new(r"^\d+ passed, \d+ failed, \d+ errors").unwrap();
    assert!(
        !out.stdout.lines().any(|l| closing.is_match(l)),
        "a closing summary in:\n{out}"
    );
    for prefix in ["errored: ", "failed: ", "changed since the baseline"] {
        assert!(
            !out.stdout.lines().any(|l| l.starts_with(prefix)),
            "{prefix:?} in:\n{out}"
        );
    }
}

/// `conform merge <reports> --junit <junit> --json <json>`.
async fn merge(reports: &[&str], junit: &str, json: &str) -> Output {
    let mut args = vec!["merge"];
    args.extend_from_slice(reports);
    args.extend(["--junit", junit, "--json", json]);
    conform(&args, &[], None).await
}

/// The closing summary of a human run, the part before " in ", wherever it is in stdout.
#[track_caller]
fn closing_counts(out: &Output) -> String {
    let re =
        Regex::new(r"^(\d+ passed, \d+ failed, \d+ errors, \d+ pending.*) in \d+\.\d\ds$").unwrap();
    let found: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| re.captures(l).map(|c| c[1].to_string()))
        .collect();
    assert_eq!(found.len(), 1, "one closing summary in:\n{out}");
    found[0].clone()
}

// ---------------------------------------------------------------------------------------------
// 1. The JSON report file.

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
    assert_eq!(r["schema_version"], 2);
    assert_eq!(r["load_errors"], json!([]));
    assert_eq!(r["selection"]["shard"], Value::Null);
    assert_eq!(r["selection"]["checks"], IDS.len());
    assert_eq!(r["conform_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["env"], "prod");
    let started = r["started"].as_str().expect("started");
    assert!(started.ends_with('Z'), "UTC: {started}");
    time::OffsetDateTime::parse(started, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("started {started:?} is not RFC 3339: {e}"));
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
            assert_eq!(
                keys(a),
                BTreeSet::from(["outcome", "duration_seconds", "error", "mismatches"])
            );
        }
    }

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
            "curl -sS -i -H 'authorization: Bearer {REDACTED}' --resolve \
             chat.test:{port}:127.0.0.1 --cacert {} --max-time 2 \
             'https://chat.test:{port}/token?key={REDACTED}'",
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
    out.assert_summary("2 passed, 2 failed, 1 errors, 1 pending, 1 flaky");
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
// 2. --format json.

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

// ---------------------------------------------------------------------------------------------
// 3. --format tap.

#[tokio::test(flavor = "multi_thread")]
async fn format_tap_is_tap_14_with_a_todo_for_the_pending_check() {
    let f = fixture().await;
    let out = f.run(&["--format", "tap"]).await;
    out.assert_code_quiet(1);
    assert_no_human_lines(&out);
    assert_no_secret(&out.stdout, SECRET, "TAP");
    assert!(out.stdout.contains(REDACTED), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[..2], ["TAP version 14", "1..6"], "{out}");
    let points: Vec<&str> = lines[2..]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("  "))
        .collect();
    assert_eq!(
        points,
        [
            "not ok 1 - api/down",
            "not ok 2 - api/waf # TODO pending: WAF rule in COUNT mode",
            "not ok 3 - api/token",
            "ok 4 - web/ok",
            "not ok 5 - web/broken",
            "ok 6 - web/flaky",
        ],
        "{out}"
    );

    // A YAML block under every point but the plain pass, each of them valid YAML.
    let mut blocks: Vec<(String, Value)> = Vec::new();
    let mut current: Option<String> = None;
    let mut point = "";
    for line in &lines[2..] {
        match (*line, current.as_mut()) {
            ("  ---", None) => current = Some(String::new()),
            ("  ...", Some(_)) => {
                let text = current.take().unwrap();
                let value: Value = serde_saphyr::from_str(&text)
                    .unwrap_or_else(|e| panic!("block of {point}: {e}\n{text}"));
                blocks.push((point.to_string(), value));
            }
            (l, Some(block)) => {
                block.push_str(l.strip_prefix("  ").expect("indented"));
                block.push('\n');
            }
            (l, None) => point = l,
        }
    }
    assert!(current.is_none(), "an unclosed block: {out}");
    let outcomes: Vec<(&str, &str)> = blocks
        .iter()
        .map(|(p, v)| (p.as_str(), v["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("not ok 1 - api/down", "error"),
            (
                "not ok 2 - api/waf # TODO pending: WAF rule in COUNT mode",
                "pending"
            ),
            ("not ok 3 - api/token", "fail"),
            ("not ok 5 - web/broken", "fail"),
            ("ok 6 - web/flaky", "flaky"),
        ]
    );
    let token = &blocks[2].1;
    assert_eq!(
        token["mismatches"],
        json!([{"field": "header x-echo", "expected": "\"50%, a:b\"",
                "actual": "\"Bearer [redacted:TEST_TOKEN]\""}])
    );
    assert_eq!(
        token["at"],
        format!("{}:10", f.file("checks/api.yaml")).as_str()
    );
    assert_eq!(blocks[1].1["pending"], "WAF rule in COUNT mode");
    assert_eq!(blocks[0].1["error"]["kind"], "connection refused");
    assert_eq!(
        blocks[4].1["attempts"],
        json!(["attempt 1: fail (status: expected 200, got 503)"])
    );
    assert_eq!(blocks[3].1["reproduce"], f.curl("/broken").as_str());
}

// ---------------------------------------------------------------------------------------------
// 4. --format github.

/// A workflow command property value, escaped as GitHub's toolkit does.
fn property(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// `::error file=..,line=..,title=..::` of a workflow command line: up to its data.
fn command_head(line: &str) -> &str {
    if line.starts_with("::add-mask::") {
        return "::add-mask::";
    }
    let end = line[2..]
        .find("::")
        .unwrap_or_else(|| panic!("no data in {line:?}"));
    &line[..end + 4]
}

#[tokio::test(flavor = "multi_thread")]
async fn format_github_masks_annotates_and_writes_the_step_summary() {
    let f = fixture().await;
    f.p.write("checks/odd.yaml", ODD);
    let summary = f.file("step-summary.md");
    std::fs::write(&summary, "# an earlier step\n").unwrap();
    let out =
        f.p.run_with_env(
            &["--format", "github"],
            &[("TEST_TOKEN", SECRET), ("GITHUB_STEP_SUMMARY", &summary)],
        )
        .await;
    out.assert_code_quiet(1);

    // The human lines, all of them.
    let label = |l: &str, id: &str| (l.to_string(), id.to_string());
    assert_eq!(
        out.outcomes(),
        [
            label("ERROR", "api/down"),
            label("FAIL", "api/token"),
            label("PENDING", "api/waf"),
            label("FAIL", "odd:50%,a"),
            label("FAIL", "web/broken"),
            label("PASS", "web/flaky"),
            label("PASS", "web/ok"),
        ],
        "{out}"
    );
    assert_eq!(
        closing_counts(&out),
        "2 passed, 3 failed, 1 errors, 1 pending, 1 flaky"
    );

    // The human lines stand in a stop-commands region with a random token, right after the
    // mask; the region ends before the annotations.
    let lines: Vec<&str> = out.stdout.lines().collect();
    let token = lines[1]
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("no stop-commands region: {out}"));
    assert_eq!(token.len(), 32, "{out}");
    let end = format!("::{token}::");
    let region_end = lines
        .iter()
        .position(|l| *l == end)
        .expect("the region ends");
    // The workflow commands: the mask first, then errors, warnings and notices.
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::") && !l.starts_with("::stop-commands::") && *l != end)
        .collect();
    let (api, web, odd) = (
        property(&f.file("checks/api.yaml")),
        property(&f.file("checks/web.yaml")),
        property(&f.file("checks/odd.yaml")),
    );
    assert_eq!(
        commands.iter().map(|l| command_head(l)).collect::<Vec<_>>(),
        [
            "::add-mask::".to_string(),
            format!("::error file={api},line=3,title=api/down (error)::"),
            format!("::error file={api},line=10,title=api/token (fail)::"),
            format!("::error file={odd},line=3,title=odd%3A50%25%2Ca (fail)::"),
            format!("::error file={web},line=6,title=web/broken (fail)::"),
            format!("::warning file={web},line=9,title=web/flaky (flaky)::"),
            format!("::notice file={api},line=6,title=api/waf (pending)::"),
        ],
        "{out}"
    );
    assert_eq!(commands[0], format!("::add-mask::{SECRET}"));
    // Every workflow command comes after the human lines, on lines of its own.
    let first_command = out
        .stdout
        .lines()
        .position(|l| l.starts_with("::") && !l.starts_with("::add-mask::") && l != lines[1])
        .unwrap();
    assert_eq!(first_command, region_end, "{out}");
    // The mask goes out first of all, before any line that could carry the secret.
    assert!(out.stdout.starts_with("::add-mask::"), "{out}");
    let closing = Regex::new(r"^\d+ passed, .* in \d+\.\d\ds$").unwrap();
    let last_human = out
        .stdout
        .lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|l| closing.is_match(l))
        .unwrap();
    assert!(last_human < first_command, "{out}");

    // `%`, `:` and `,` escaped as GitHub requires: all three in properties, `%` in data.
    assert_eq!(
        commands[3],
        format!(
            "::error file={odd},line=3,title=odd%3A50%25%2Ca (fail)::\
             header x-app: expected \"50%25, a:b\", got \"conform\"%0A\
             header x-app%0A  expected: \"50%25, a:b\"%0A  actual:   \"conform\"%0A\
             reproduce: {}",
            f.curl("/ok")
        )
    );
    assert!(
        commands[2].contains(
            "::header x-echo: expected \"50%25, a:b\", got \"Bearer [redacted:TEST_TOKEN]\"%0A"
        ),
        "{}",
        commands[2]
    );
    assert!(
        commands[1].contains(&format!(
            "::GET https://chat.test:{}/: connection refused",
            f.closed
        )),
        "{}",
        commands[1]
    );
    assert!(
        commands[5].ends_with(&format!(
            "::flaky: passed on attempt 2 of 3%0A\
             attempt 1: fail (status: expected 200, got 503)%0Areproduce: {}",
            f.curl("/flaky")
        )),
        "{}",
        commands[5]
    );
    assert!(
        commands[6].ends_with(&format!(
            "::pending: WAF rule in COUNT mode%0Astatus%0A  expected: 403%0A  actual:   200%0A\
             reproduce: {}",
            f.curl("/admin")
        )),
        "{}",
        commands[6]
    );
    let escapes = Regex::new(r"%(25|0A|0D|3A|2C)").unwrap();
    for line in &commands[1..] {
        let head = command_head(line);
        let (name, properties) = head[2..head.len() - 2].split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&name), "{line}");
        for property in properties.split(',') {
            let (key, value) = property.split_once('=').unwrap();
            assert!(["file", "line", "title"].contains(&key), "{line}");
            assert!(!value.contains(':'), "{line}");
        }
        // Every `%` starts an escape.
        assert_eq!(
            line.matches('%').count(),
            escapes.find_iter(line).count(),
            "{line}"
        );
    }

    // The secret is on stdout only in the mask.
    let unmasked: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert_no_secret(&unmasked.join("\n"), SECRET, "stdout without the mask");

    // The step summary: appended, a heading and a Markdown table of what did not pass.
    let md = read(&summary);
    assert_no_secret(&md, SECRET, "the step summary");
    let rest = md
        .strip_prefix("# an earlier step\n")
        .unwrap_or_else(|| panic!("appended to what was there:\n{md}"));
    let heading = Regex::new(
        r"^## ❌ conform prod: 2 passed, 3 failed, 1 errors, 1 pending, 1 flaky in \d+\.\d\ds\n\n",
    )
    .unwrap();
    assert!(heading.is_match(rest), "{md}");
    let table: Vec<&str> = rest.lines().filter(|l| l.starts_with('|')).collect();
    let (api, web, odd) = (
        f.file("checks/api.yaml"),
        f.file("checks/web.yaml"),
        f.file("checks/odd.yaml"),
    );
    assert_eq!(table.len(), 8, "{md}");
    assert_eq!(
        table[..2],
        [
            "| outcome | check | message | where |",
            "| --- | --- | --- | --- |"
        ]
    );
    assert!(
        table[2].starts_with(&format!(
            "| error | api/down | GET https://chat.test:{}/: connection refused",
            f.closed
        )) && table[2].ends_with(&format!(" | {api}:3 |")),
        "{md}"
    );
    assert_eq!(
        table[3..],
        [
            format!("| pending | api/waf | pending: WAF rule in COUNT mode | {api}:6 |"),
            format!(
                "| fail | api/token | header x-echo: expected \"50%, a:b\", got \
                 \"Bearer \\[redacted:TEST\\_TOKEN\\]\" | {api}:10 |"
            ),
            format!(
                "| fail | odd:50%,a | header x-app: expected \"50%, a:b\", got \"conform\" | \
                 {odd}:3 |"
            ),
            format!("| fail | web/broken | status: expected 200, got 500 | {web}:6 |"),
            format!("| flaky | web/flaky | flaky: passed on attempt 2 of 3 | {web}:9 |"),
        ],
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "# web/broken\n{}\n\n# web/flaky\n{}\n```\n\n</details>\n",
            f.curl("/broken"),
            f.curl("/flaky")
        )),
        "{md}"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. --metrics.

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

// ---------------------------------------------------------------------------------------------
// 6. --baseline.

#[tokio::test(flavor = "multi_thread")]
async fn baseline_names_what_changed_and_a_bad_baseline_probes_nothing() {
    let f = fixture().await;
    let a = f.file("a.json");
    f.good.store(true, Ordering::SeqCst);
    let out = f.run(&["--json", &a]).await;
    out.assert_code(1);
    let old = parse_json(&read(&a));
    assert_eq!(check(&old, "web/broken")["outcome"], "pass");

    // One check now fails, one is new.
    f.good.store(false, Ordering::SeqCst);
    f.p.write("checks/web.yaml", &format!("{WEB}{WEB_ADDED}"));
    let b = f.file("b.json");
    let out = f.run(&["--baseline", &a, "--json", &b]).await;
    out.assert_code(1);
    let started = old["started"].as_str().unwrap();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[lines.len() - 4..],
        [
            format!(
                "changed since the baseline ({a}, {started}): 1 newly failing, 0 newly \
                 passing, 0 newly flaky, 1 new, 0 removed"
            ),
            "  newly failing: web/broken".to_string(),
            "  new: web/added".to_string(),
            "  2 still failing, as in the baseline".to_string(),
        ],
        "{out}"
    );
    let diff = json!({
        "file": a,
        "started": started,
        "newly_failing": ["web/broken"],
        "newly_passing": [],
        "newly_flaky": [],
        "new_checks": ["web/added"],
        "removed_checks": [],
        "still_failing": 2,
    });
    assert_eq!(parse_json(&read(&b))["baseline"], diff);
    // The same in the JUnit report, as properties of every suite.
    let junit = f.p.junit();
    assert!(
        junit.contains(r#"<property name="baseline.newly_failing" value="web/broken"/>"#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"<property name="baseline.new_checks" value="web/added"/>"#),
        "{junit}"
    );

    // --format json: the comparison is in the report on stdout, not in words.
    let out = f.run(&["--baseline", &a, "--format", "json"]).await;
    out.assert_code(1);
    assert_no_human_lines(&out);
    assert_eq!(parse_json(&out.stdout)["baseline"], diff);

    // A baseline that cannot be read is a usage error before anything is probed.
    let asked = f.server.requests().len();
    let missing = f.file("missing.json");
    let c = f.file("c.json");
    let out = f.run(&["--baseline", &missing, "--json", &c]).await;
    out.assert_code(2);
    out.assert_stderr_starts_with(&format!("error: cannot read the report {missing}: "));
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(f.server.requests().len(), asked, "nothing probed");
    // The report written says why (see `fail_closed_reports`).
    assert_eq!(parse_json(&read(&c))["summary"]["exit_code"], 2);

    // A report of a newer schema.
    let mut newer = old.clone();
    newer["schema_version"] = json!(3);
    let future = f.file("future.json");
    std::fs::write(&future, newer.to_string()).unwrap();
    let out = f.run(&["--baseline", &future, "--json", &c]).await;
    out.assert_code(2);
    let why =
        format!("{future} was written by a newer conform (schema 3); this conform reads schema 2");
    assert_eq!(out.stderr, format!("error: {why}\n"), "{out}");
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(f.server.requests().len(), asked, "nothing probed");
    assert_eq!(
        parse_json(&read(&c))["load_errors"][0]["message"],
        why.as_str()
    );
}

// ---------------------------------------------------------------------------------------------
// 7. --shard K/N and conform merge.

/// Per suite: the testcases by name, each with its counts and what its children say.
type JunitShape = BTreeMap<String, ([String; 4], BTreeMap<String, Vec<String>>)>;

fn junit_shape(xml: &str) -> JunitShape {
    let doc = parse(xml);
    let mut shape = JunitShape::new();
    for s in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        let cases = s
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|c| {
                let children: Vec<String> = c
                    .children()
                    .filter(|n| n.is_element())
                    .map(|n| {
                        format!(
                            "{} type={:?} message={:?}",
                            n.tag_name().name(),
                            n.attribute("type"),
                            n.attribute("message")
                        )
                    })
                    .collect();
                (c.attribute("name").unwrap().to_string(), children)
            })
            .collect();
        let name = s.attribute("name").unwrap().to_string();
        let before = shape.insert(name.clone(), (counts(s).map(String::from), cases));
        assert!(before.is_none(), "suite {name} twice:\n{xml}");
    }
    shape
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_run_every_check_once_and_merge_into_the_unsharded_reports() {
    let f = fixture().await;
    let (full_json, full_xml) = (f.file("full.json"), f.file("full.xml"));
    let full = f.run(&["--json", &full_json, "--junit", &full_xml]).await;
    full.assert_code(1);
    let full_report = parse_json(&read(&full_json));
    let full_shape = junit_shape(&read(&full_xml));
    assert_eq!(
        full_shape.keys().collect::<Vec<_>>(),
        ["api", "web"],
        "{full_shape:?}"
    );

    let fixture = &f;
    for n in 1..=4usize {
        // The shards of one split run at once, as CI machines would.
        let runs = (1..=n).map(|k| {
            let f = fixture;
            let (json_path, xml_path) = (
                f.file(&format!("s{n}/{k}.json")),
                f.file(&format!("s{n}/{k}.xml")),
            );
            let shard = format!("{k}/{n}");
            async move {
                let out = f
                    .run(&[
                        "--shard", &shard, "--json", &json_path, "--junit", &xml_path,
                    ])
                    .await;
                (json_path, out)
            }
        });
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut files = Vec::new();
        for (k, (path, out)) in futures::future::join_all(runs)
            .await
            .into_iter()
            .enumerate()
        {
            let report = parse_json(&read(&path));
            assert_eq!(out.code, report["summary"]["exit_code"], "{out}");
            let ids = ids_of(&report);
            assert_eq!(
                ids.len(),
                IDS.len() / n + usize::from(k < IDS.len() % n),
                "shard {}/{n}: {ids:?}",
                k + 1
            );
            for id in ids {
                *seen.entry(id).or_default() += 1;
            }
            files.push(path);
        }
        let every_once: BTreeMap<String, usize> =
            IDS.iter().map(|id| (id.to_string(), 1)).collect();
        assert_eq!(seen, every_once, "{n} shards");

        let (m_json, m_xml) = (f.file(&format!("m{n}.json")), f.file(&format!("m{n}.xml")));
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let merged = merge(&files, &m_xml, &m_json).await;
        merged.assert_code(full.code);
        // (The flaky count is missing from this line: see `merge_says_every_count_the_run_says`.)
        assert!(
            merged.stdout.starts_with(&format!(
                "merged {n} reports: 6 checks; 2 passed, 2 failed, 1 errors, 1 pending"
            )) && merged.stdout.lines().count() == 1,
            "{merged}"
        );
        assert_eq!(merged.stderr, "", "{merged}");
        let m = parse_json(&read(&m_json));
        assert_eq!(m["summary"], full_report["summary"], "{n} shards");
        assert_eq!(ids_of(&m), IDS, "sorted by suite, file and line");
        assert_eq!(m["env"], "prod");
        assert_eq!(m["baseline"], Value::Null);
        for id in IDS {
            let (a, b) = (check(&m, id), check(&full_report, id));
            for key in ["outcome", "flaky", "file", "line", "retries", "message"] {
                assert_eq!(a[key], b[key], "{id} {key}, {n} shards");
            }
        }
        assert_eq!(junit_shape(&read(&m_xml)), full_shape, "{n} shards");
        let doc_text = read(&m_xml);
        let doc = parse(&doc_text);
        assert_eq!(doc.root_element().attribute("tests"), Some("6"));
    }

    // The same report twice: refused, and the reports written say why (more in
    // `fail_closed_reports`).
    let s21 = f.file("s2/1.json");
    let (x_json, x_xml) = (f.file("x.json"), f.file("x.xml"));
    let twice = merge(&[&s21, &s21], &x_xml, &x_json).await;
    twice.assert_code(2);
    assert_eq!(
        twice.stderr,
        format!(
            "error: shard 1/2 is given more than once: {s21}, {s21}\n\
             error: shard 2/2 is missing\n\
             2 problems with the reports given; nothing was merged\n"
        ),
        "{twice}"
    );
    assert_eq!(parse_json(&read(&x_json))["summary"]["exit_code"], 2);

    // Reports of two environments: refused.
    f.p.write(
        "environments/staging.yaml",
        &f.p.read("environments/prod.yaml"),
    );
    let staging = f.file("staging.json");
    let out = f
        .run(&["--env", "staging", "--only", "web/ok", "--json", &staging])
        .await;
    out.assert_code(0);
    let s22 = f.file("s2/2.json");
    let mixed = merge(&[&s22, &staging], &x_xml, &x_json).await;
    mixed.assert_code(2);
    mixed.assert_stderr_starts_with(&format!(
        "error: {staging} is not of the same selection as {s22}: env staging, not prod; "
    ));
    assert_eq!(parse_json(&read(&x_json))["summary"]["exit_code"], 2);
}

// ---------------------------------------------------------------------------------------------
// 8. No secret in any format.

#[tokio::test(flavor = "multi_thread")]
async fn no_format_shows_the_secret_even_with_vv() {
    let f = fixture().await;
    let summary = f.file("step-summary.md");
    let metrics = f.file("metrics.prom");
    for format in ["human", "json", "tap", "github"] {
        for stale in [&summary, &metrics] {
            let _ = std::fs::remove_file(stale);
        }
        let _ = std::fs::remove_dir_all(f.p.path().join("reports"));
        let out =
            f.p.run_with_env(
                &["-vv", "--format", format, "--metrics", &metrics],
                &[("TEST_TOKEN", SECRET), ("GITHUB_STEP_SUMMARY", &summary)],
            )
            .await;
        out.assert_code(1);
        let what = |file: &str| format!("{file} of --format {format}");
        let stdout: Vec<&str> = if format == "github" {
            let masks: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| l.starts_with("::add-mask::"))
                .collect();
            assert_eq!(masks, [format!("::add-mask::{SECRET}")], "{out}");
            out.stdout
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect()
        } else {
            out.stdout.lines().collect()
        };
        assert_no_secret(&stdout.join("\n"), SECRET, &what("stdout"));
        assert_no_secret(&out.stderr, SECRET, &what("stderr"));
        assert!(out.stdout.contains(REDACTED), "{out}");
        if matches!(format, "human" | "github") {
            // -vv shows the exchange, redacted.
            let details = out.details_of("api/token");
            for line in [
                format!("> authorization: Bearer {REDACTED}"),
                format!("< x-echo: Bearer {REDACTED}"),
            ] {
                assert!(details.contains(&line), "{line:?} in {out}");
            }
        }
        for (file, text) in [
            ("junit.xml", f.p.read("reports/junit.xml")),
            ("report.json", f.p.read("reports/report.json")),
            ("metrics", read(&metrics)),
        ] {
            assert_no_secret(&text, SECRET, &what(file));
        }
        assert!(f.p.read("reports/junit.xml").contains(REDACTED));
        assert!(f.p.read("reports/report.json").contains(REDACTED));
        if format == "github" {
            let md = read(&summary);
            assert_no_secret(&md, SECRET, &what("the step summary"));
            assert!(md.contains(REDACTED), "{md}");
        } else {
            assert!(
                !Path::new(&summary).exists(),
                "only github writes the step summary"
            );
        }
    }
    // The server was sent the real value every time.
    let sent: Vec<String> = f
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/token"))
        .map(|r| format!("{} {}", r.path, r.header("authorization").unwrap_or("-")))
        .collect();
    assert_eq!(
        sent,
        vec![format!("/token?key={SECRET} Bearer {SECRET}"); 4]
    );
}

// ---------------------------------------------------------------------------------------------
// Bugs found on the way.

/// `conform merge` closes with the counts of the merged report, as `run` does: fixed, not run
/// and flaky included when there are any.
#[tokio::test(flavor = "multi_thread")]
async fn merge_says_every_count_the_run_says() {
    let f = fixture().await;
    f.p.write(
        "checks/fixed.yaml",
        r#"suite: fixed
checks:
  - name: now live
    pending: "not deployed yet"
    http: { url: "https://chat.test:${port}/ok" }
    expect: { status: 200 }
"#,
    );
    let full = f.file("full.json");
    let out = f.run(&["--json", &full]).await;
    out.assert_code(1);
    let counts = closing_counts(&out);
    assert_eq!(
        counts,
        "2 passed, 2 failed, 1 errors, 1 pending, 1 fixed, 1 flaky"
    );
    let merged = merge(&[&full], &f.file("m.xml"), &f.file("m.json")).await;
    merged.assert_code(1);
    assert_eq!(
        merged.stdout,
        format!("merged 1 reports: 7 checks; {counts}\n"),
        "{merged}"
    );

    // Only the fixed check: the merge fails the build, and must say why.
    let only = f.file("fixed.json");
    let out = f.run(&["--only", "fixed/*", "--json", &only]).await;
    out.assert_code(1);
    let merged = merge(&[&only], &f.file("n.xml"), &f.file("n.json")).await;
    merged.assert_code(1);
    assert_eq!(
        merged.stdout,
        "merged 1 reports: 1 checks; 0 passed, 0 failed, 0 errors, 0 pending, 1 fixed\n",
        "{merged}"
    );
}

/// A secret in a check's name: the id made from the name lower-cases the value, which
/// redaction (and GitHub's `::add-mask::`, case-sensitive too) no longer recognises.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_in_a_check_name_does_not_leak_through_its_id() {
    let p = Project::with_prod_env(closed_port(), None, "");
    p.write(
        "checks/keys.yaml",
        r#"checks:
  - name: "key ${secret:TEST_TOKEN} closed"
    tcp: { host: 127.0.0.1, port: "${port}" }
    expect: { connect: refused }
"#,
    );
    let lower = SECRET.to_lowercase();
    let windows: Vec<String> = lower
        .chars()
        .collect::<Vec<_>>()
        .windows(6)
        .map(|w| w.iter().collect())
        .collect();
    let clean = |text: &str, what: &str| {
        let text = text.to_lowercase();
        for part in &windows {
            assert!(
                !text.contains(part.as_str()),
                "{what} shows {part:?}:\n{text}"
            );
        }
    };
    let summary = p.path().join("summary.md").display().to_string();
    let metrics = p.path().join("m.prom").display().to_string();
    for format in ["tap", "github"] {
        let out = p
            .run_with_env(
                &["--format", format, "--metrics", &metrics],
                &[("TEST_TOKEN", SECRET), ("GITHUB_STEP_SUMMARY", &summary)],
            )
            .await;
        out.assert_code(0);
        let stdout: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        clean(&stdout.join("\n"), &format!("stdout of {format}"));
        clean(&p.read("reports/report.json"), "report.json");
        clean(&p.junit(), "junit.xml");
        clean(&read(&metrics), "metrics");
    }
    // The secret-bearing check still ran (and passed).
    let r = parse_json(&p.read("reports/report.json"));
    assert_eq!(r["summary"]["passed"], 1);
}
