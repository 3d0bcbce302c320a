//! The machine formats of a run, end to end: the JSON report (`--json`, `--format json`), TAP,
//! GitHub workflow commands and step summary, Prometheus metrics, `--baseline`, and
//! `--shard K/N` with `conform merge`. Every test runs the same six checks (a pass, a failure,
//! an error on a closed port, a failing pending check, a flaky pass and a failure that
//! carries a secret) against one HTTPS server, and no secret may leak into any output.

use crate::harness::*;
use crate::support::*;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

mod baseline;
mod github;
mod json;
mod metrics;
mod secrets;
mod shards;
mod tap;

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

struct Fixture {
    server: TestServer,
    /// `/broken` answers 200 while set.
    good: Arc<AtomicBool>,
    /// Where nothing listens: `api/down` is refused.
    closed: u16,
    p: Project,
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

/// The closing summary of a human run, the part before " in ", wherever it is in stdout.
#[track_caller]
fn closing_counts(out: &Output) -> String {
    let re = Regex::new(r"^(\d+ passed, \d+ failed, \d+ errors?, \d+ pending.*) in \d+\.\d\ds$")
        .unwrap();
    let found: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| re.captures(l).map(|c| c[1].to_string()))
        .collect();
    assert_eq!(found.len(), 1, "one closing summary in:\n{out}");
    found[0].clone()
}
