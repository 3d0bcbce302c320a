use crate::config::model::{Check, CheckKind, HttpExpect, HttpProbe, Pending, Secrets};
use crate::matcher::Mismatch;
use crate::probe::reproduce::ShellCommand;
use crate::probe::{HttpObservation, Observation, ProbeError, ProbeErrorKind};
use crate::run::{Attempt, CheckResult, Note, Outcome, RunReport};
use std::sync::Arc;
use std::time::Duration;

pub fn check(suite: &str, id: &str, name: &str) -> Check {
    Check {
        id: id.to_string(),
        name: name.to_string(),
        suite: suite.to_string(),
        file: format!("checks/{suite}.yaml").into(),
        line: 3,
        tags: Vec::new(),
        claims: Vec::new(),
        pending: None,
        timeout: Duration::from_secs(10),
        retries: 0,
        retry_delay: Duration::from_secs(1),
        kind: CheckKind::Http {
            probe: http_probe("https://chat.example/"),
            expect: HttpExpect::default(),
        },
        flow: Default::default(),
        unresolved: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A plain GET of `url`, every option at its default.
pub fn http_probe(url: &str) -> HttpProbe {
    HttpProbe::get(url.parse().unwrap())
}

pub fn with_pending(mut check: Check, reason: &str) -> Check {
    check.pending = Some(Pending {
        reason: reason.to_string(),
        until: None,
    });
    check
}

/// `chat/waf`: pending, and failing as the reason says it will.
pub fn pending_waf() -> CheckResult {
    result(
        with_pending(check("chat", "chat/waf", "waf"), "WAF rule in COUNT mode"),
        Outcome::Pending,
        vec![failed(vec![mismatch("status", "403", "200")])],
    )
}

/// `chat/new`: pending, but passing.
pub fn fixed_new() -> CheckResult {
    let mut fixed = result(
        with_pending(check("chat", "chat/new", "new"), "not live"),
        Outcome::Fixed,
        vec![passed()],
    );
    fixed.note = Some(Note::Fixed);
    fixed.message = Note::Fixed.to_string();
    fixed
}

pub fn mismatch(field: &str, expected: &str, actual: &str) -> Mismatch {
    Mismatch {
        field: field.to_string(),
        expected: expected.to_string(),
        actual: actual.to_string(),
        note: None,
    }
}

pub fn passed() -> Attempt {
    Attempt {
        outcome: Outcome::Pass,
        mismatches: Vec::new(),
        error: None,
        duration: Duration::from_millis(50),
        observation: Some(Observation::Http(observation(200, b"ok"))),
        addresses: Vec::new(),
    }
}

pub fn failed(mismatches: Vec<Mismatch>) -> Attempt {
    Attempt {
        outcome: Outcome::Fail,
        mismatches,
        error: None,
        duration: Duration::from_millis(50),
        observation: Some(Observation::Http(observation(200, b"hello"))),
        addresses: Vec::new(),
    }
}

pub fn errored(kind: ProbeErrorKind, message: &str) -> Attempt {
    Attempt {
        outcome: Outcome::Error,
        mismatches: Vec::new(),
        error: Some(ProbeError {
            kind,
            message: message.to_string(),
        }),
        duration: Duration::from_millis(50),
        observation: None,
        addresses: Vec::new(),
    }
}

pub fn observation(status: u16, body: &[u8]) -> HttpObservation {
    HttpObservation {
        method: "GET".into(),
        url: "https://chat.example/".into(),
        final_url: "https://chat.example/".into(),
        status,
        version: "HTTP/1.1".into(),
        headers: vec![("content-type".into(), "text/plain".into())],
        body: body.to_vec(),
        ..HttpObservation::default()
    }
}

pub fn result(check: Check, outcome: Outcome, attempts: Vec<Attempt>) -> CheckResult {
    CheckResult {
        check: Arc::new(check),
        outcome,
        attempts,
        flaky: false,
        duration: Duration::from_millis(120),
        message: String::new(),
        note: None,
        reproduce: command(&["curl", "-sS", "-i", "https://chat.example/"]),
    }
}

/// The command of `words`: the program, then its arguments.
pub fn command(words: &[&str]) -> Option<ShellCommand> {
    let (program, args) = words.split_first()?;
    Some(
        args.iter()
            .fold(ShellCommand::new(*program), |command, word| {
                command.arg(*word)
            }),
    )
}

pub fn report(results: Vec<CheckResult>) -> RunReport {
    RunReport {
        interrupted: None,
        env: "prod".to_string(),
        started: time::macros::datetime!(2026-05-01 12:00:00 UTC),
        as_of: None,
        duration: Duration::from_millis(420),
        hostname: "ci-runner-1".to_string(),
        results,
    }
}

pub fn secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.insert("TOKEN", "s3cr3t-t0ken");
    secrets
}
