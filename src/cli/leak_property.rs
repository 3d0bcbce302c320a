//! Property test: random secrets never leak from any output, in any form.
//!
//! [`CASES`] (300) cases from a fixed seed, so that a failure replays. Each case draws a secret
//! of 1 to 40 characters from an alphabet chosen to break quoting and encoding (quotes,
//! backslashes, `%`, `+`, `/`, `=`, spaces, newlines, tabs, ESC, bidi controls, non-ASCII,
//! emoji), builds a run whose check name (so id), tags, pending reason, URL (userinfo, path,
//! query), request headers (as sent and as HTTP Basic), response headers, body, mismatches,
//! error message and reproduce command carry it, and what a tcp dialogue received, the body and the actual value at random
//! offsets and across the cuts of the reports (300 characters for values, 2048 for bodies),
//! then renders every output: the terminal at -vv, JSON, JUnit, TAP, GitHub annotations and
//! step summary, metrics, `list`, `explain` and `probe --record`. None may contain the secret raw,
//! percent-encoded (any hex case, as the URL parser wrote it, `+` for a space), JSON- or
//! Rust-escaped, shell-quoted, or as base64 (whole `user:secret` Basic credentials, and for
//! values of 4 characters or more the stable middle at each alignment, both alphabets).
//! Values of 1 to 3 characters are checked where they stand as a token of their own, which
//! is where the redaction rule for short values promises to catch them. Every other case,
//! the secret is a value captured during the run (`capture:`), added to a clone.

use crate::config::model::{CheckKind, Environment, HttpExpect, Probe, Secrets};
use crate::matcher::Mismatch;
use crate::probe::{HttpObservation, Observation, ProbeError, ProbeErrorKind};
use crate::report::detail::fixtures::*;
use crate::report::github::{annotations, step_summary};
use crate::report::json::JsonReport;
use crate::report::junit::junit_xml;
use crate::report::metrics::metrics;
use crate::report::tap::tap;
use crate::report::terminal::TerminalReporter;
use crate::run::{Attempt, CheckResult, Outcome};
use base64::Engine as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod tcp;
use tcp::tcp_run;

/// How many random secrets are tried.
const CASES: usize = 300;

const ALPHABET: &[char] = &[
    '"', '\'', '\\', '%', '+', '/', '=', ' ', '\n', '\t', '#', '&', '<', '>', ':', '@', '?', '[',
    ']', '{', '|', '`', '~', 'q', '7', 'é', '€', '😀', '\u{202e}', '\u{1b}', '\r',
];

/// Characters that never occur in the reports' own text: every long secret holds one, so
/// that a form found in an output is a leak and not the report's scaffolding.
const RARE: &[char] = &['q', 'é', '€', '😀', '~'];

/// A xorshift generator: small, seeded, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, set: &[char]) -> char {
        set[self.below(set.len())]
    }
}

fn random_secret(rng: &mut Rng) -> String {
    let len = 1 + rng.below(40);
    let mut s: String = (0..len).map(|_| rng.pick(ALPHABET)).collect();
    if len >= 4 && !s.contains(RARE) {
        let mut chars: Vec<char> = s.chars().collect();
        let at = rng.below(chars.len());
        chars[at] = rng.pick(RARE);
        s = chars.into_iter().collect();
    }
    s
}

/// Plain text to surround the secret: letters, digits and spaces.
fn filler(rng: &mut Rng, len: usize) -> String {
    const PLAIN: &[char] = &['a', 'b', 'c', 'd', 'e', 'f', 'g', '1', '2', ' ', '.', ','];
    (0..len).map(|_| rng.pick(PLAIN)).collect()
}

/// A writer that can be read back once the reporter owns it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A URL with `secret` as its password, a path segment and a query value, encoded by the URL
/// parser as a check's URL would be.
fn secret_url(secret: &str) -> url::Url {
    let mut url = url::Url::parse("https://chat.example/x").unwrap_or_else(|_| unreachable!());
    let _ = url.set_username("user");
    let _ = url.set_password(Some(secret));
    if let Ok(mut path) = url.path_segments_mut() {
        path.push(secret);
    }
    url.query_pairs_mut().append_pair("k", secret);
    url
}

/// The run of one case: a check that carries `secret` everywhere, failing or pending.
fn run_with(secret: &str, rng: &mut Rng) -> CheckResult {
    let pad = |s: &str| format!("[{s}]");
    // Short values are checked as tokens of their own: put them between brackets.
    let shown = if crate::config::model::is_short_secret(secret) {
        pad(secret)
    } else {
        secret.to_string()
    };
    let url = secret_url(secret);
    let mut probe = http_probe(url.as_str());
    probe
        .headers
        .push(("x-token".into(), format!("Bearer {secret}")));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}"));
    probe
        .headers
        .push(("authorization".into(), format!("Basic {basic}")));
    let name = format!("login {shown}");
    let mut check = check(
        "chat",
        &format!("chat/{}", crate::config::model::slug(&name)),
        &name,
    );
    check.tags = vec![format!("t-{shown}")];
    let pending = rng.below(2) == 0;
    if pending {
        check = with_pending(check, &format!("waits for {shown}"));
    }
    let request_headers = probe.headers.clone();
    let reproduce = crate::probe::reproduce::command(
        Probe::Http(&probe),
        &Environment::named("prod"),
        Duration::from_secs(10),
        None,
    );
    check.kind = CheckKind::Http {
        probe,
        expect: HttpExpect::default(),
    };
    // The secret at random offsets, one across the 300-character cut of values (the
    // judge's `{:?}` adds a quote) and one across the 2048-byte cut of bodies.
    let first = 280 + rng.below(20);
    let second = 2030 + rng.below(20);
    let mut body = filler(rng, first);
    body.push_str(&shown);
    let gap = second.saturating_sub(body.len()).max(1);
    body.push_str(&filler(rng, gap));
    body.push_str(&shown);
    let tail = rng.below(50);
    body.push_str(&filler(rng, tail));
    let json_body = serde_json::json!({ "echo": secret }).to_string();
    let observation = HttpObservation {
        method: "GET".into(),
        url: url.to_string(),
        final_url: url.to_string(),
        status: 200,
        version: "HTTP/1.1".into(),
        request_headers,
        headers: vec![
            ("x-echo".into(), format!("Bearer {shown}")),
            ("x-basic".into(), format!("Basic {basic}")),
            ("location".into(), url.to_string()),
        ],
        body: format!("{body}\n{json_body}").into_bytes(),
        ..HttpObservation::default()
    };
    let mismatches = vec![
        Mismatch {
            field: "body".into(),
            expected: format!("contains {:?}", format!("x{shown}")),
            actual: format!("{body:?}"),
            note: Some(format!("the server echoed {json_body}")),
        },
        Mismatch {
            field: "header x-echo".into(),
            expected: format!("{shown:?}"),
            actual: format!("{:?}", format!("Basic {basic}")),
            note: None,
        },
    ];
    let message = format!(
        "{}: expected {}, got {}",
        mismatches[0].field, mismatches[0].expected, mismatches[0].actual
    );
    let attempts = vec![
        Attempt {
            outcome: Outcome::Error,
            mismatches: Vec::new(),
            error: Some(ProbeError {
                kind: ProbeErrorKind::Protocol,
                message: format!("the server said {shown}\nand {body}"),
            }),
            duration: Duration::from_millis(5),
            observation: None,
            addresses: Vec::new(),
        },
        Attempt {
            outcome: Outcome::Fail,
            mismatches,
            error: None,
            duration: Duration::from_millis(5),
            observation: Some(Observation::Http(observation)),
            addresses: Vec::new(),
        },
    ];
    let mut r = result(
        check,
        if pending {
            Outcome::Pending
        } else {
            Outcome::Fail
        },
        attempts,
    );
    r.message = message;
    r.reproduce = Some(reproduce);
    r
}

/// Every output of the run, by name.
fn outputs(
    result: CheckResult,
    tcp: CheckResult,
    secrets: &Secrets,
) -> Vec<(&'static str, String)> {
    let env = Environment::named("prod");
    let list = super::list_line(&result.check, secrets);
    let explain = crate::report::explain::explain(&result.check, &env, secrets);
    let recording = recording(&result, secrets) + &recording(&tcp, secrets);
    let report = report(vec![result, tcp]);
    let captured = Captured::default();
    let mut terminal = TerminalReporter::new(Box::new(captured.clone()), false, 2, secrets.clone());
    for r in &report.results {
        terminal.check_finished(r);
    }
    terminal.finish(&report);
    let terminal =
        String::from_utf8_lossy(&captured.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    let run_json = JsonReport::from_run(&report, secrets);
    let json = run_json.to_string_pretty().unwrap_or_else(|e| e);
    let changed = changed_outputs(&run_json);
    let html = crate::report::html::html_report(&run_json, &[], secrets);
    let junit = junit_xml(&report, secrets).unwrap_or_else(|e| e);
    let github: String = annotations(&report, secrets)
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        ("terminal -vv", terminal),
        ("json", json),
        ("junit", junit),
        ("tap", tap(&report, secrets, &Default::default())),
        ("github annotations", github),
        ("github step summary", step_summary(&report, secrets)),
        ("metrics", metrics(&report, secrets)),
        ("html", html),
        ("list", list),
        ("explain", explain),
        ("probe --record", recording),
        ("baseline changed", changed),
    ]
}

/// What `--baseline` shows of the run's observed facts: against a baseline whose tries saw
/// nothing (`Default`), every fact is a change, shown in the terminal, JUnit and the step
/// summary.
fn changed_outputs(run: &JsonReport) -> String {
    use crate::report::json::JsonObserved;
    use crate::report::json::baseline::compare;
    let mut old = run.clone();
    for attempt in old.checks.iter_mut().flat_map(|c| c.attempts.iter_mut()) {
        attempt.observed = attempt.observed.as_ref().map(|_| JsonObserved::default());
    }
    let diff = compare(&old, run);
    let properties: Vec<String> = diff
        .properties()
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "{}\n{}\n{}",
        diff.lines().join("\n"),
        properties.join("\n"),
        crate::report::github::changed_summary(&diff)
    )
}

/// What `conform probe --record` prints of the run's observation, with the check's URL (which
/// holds the secret) as the probe's key.
fn recording(result: &CheckResult, secrets: &Secrets) -> String {
    use crate::report::record::{Recording, record};
    let Some(observation) = result.last_attempt().and_then(|a| a.observation.as_ref()) else {
        return String::new();
    };
    let mut probe = serde_json::Map::new();
    if let Probe::Http(h) = result.check.kind.probe() {
        probe.insert("url".into(), serde_json::Value::String(h.url.to_string()));
    }
    let recording = Recording {
        name: &result.check.name,
        kind: result.check.kind.probe().kind(),
        probe: &probe,
        observation,
        now: time::OffsetDateTime::now_utc(),
        env: Some("prod"),
    };
    record(&recording, secrets).unwrap_or_else(|e| e)
}

/// The forms of `secret` no output may hold.
fn forms(secret: &str) -> Vec<String> {
    let short = crate::config::model::is_short_secret(secret);
    let percent_upper: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    let url = secret_url(secret);
    let mut forms = vec![
        secret.to_string(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        percent_upper.clone(),
        percent_upper.to_lowercase(),
        url.password().unwrap_or_default().to_string(),
        url.path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or_default()
            .to_string(),
        url.query()
            .unwrap_or_default()
            .trim_start_matches("k=")
            .to_string(),
        serde_json::to_string(secret)
            .unwrap_or_default()
            .trim_matches('"')
            .to_string(),
        format!("{secret:?}").trim_matches('"').to_string(),
        secret.replace('\'', "'\\''"),
        crate::report::escape::html(secret),
    ];
    let standard = base64::engine::general_purpose::STANDARD;
    forms.push(standard.encode(format!("user:{secret}")));
    // The URL parser drops tabs and newlines: a value made of them only is not in the URL.
    forms.retain(|f| !f.is_empty());
    if short {
        // A short value is promised to be caught as a token: in the brackets it was put in.
        forms = forms.into_iter().map(|f| format!("[{f}]")).collect();
    } else {
        for engine in [
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            for shift in 0..3usize {
                let mut bytes = vec![0u8; shift];
                bytes.extend_from_slice(secret.as_bytes());
                let encoded = engine.encode(&bytes);
                let first = (shift * 8).div_ceil(6);
                let last = ((shift + secret.len()) * 8) / 6;
                forms.push(encoded[first..last.min(encoded.len())].to_string());
            }
        }
    }
    forms.retain(|f| !f.is_empty());
    forms.sort();
    forms.dedup();
    forms
}

#[test]
fn random_secrets_never_leak_from_any_output() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..CASES {
        let secret = random_secret(&mut rng);
        // Every other case, the value is one captured during the run, added to a clone.
        let mut secrets = Secrets::default();
        if case % 2 == 0 {
            secrets.insert("S", &secret);
        } else {
            secrets.clone().add_captured("S", &secret);
        }
        let result = run_with(&secret, &mut rng);
        let shown = if crate::config::model::is_short_secret(&secret) {
            format!("[{secret}]")
        } else {
            secret.clone()
        };
        let tcp = tcp_run(&shown, &mut rng);
        let forms = forms(&secret);
        for (what, text) in outputs(result, tcp, &secrets) {
            for form in &forms {
                assert!(
                    !text.contains(form.as_str()),
                    "case {case}: {what} shows {form:?} of the secret {secret:?}:\n{text}"
                );
            }
        }
    }
}
