//! `conform probe --record`: a check file (YAML, one check) that pins what a probe observed,
//! loadable as is. Every value from the network is quoted (a JSON string is a YAML
//! double-quoted scalar), `${` is written `$${` so that nothing observed reads as a variable,
//! and secrets are redacted.

use crate::config::model::Secrets;
use crate::probe::cert_facts::seconds_left;
use crate::probe::{CertFacts, ConnectOutcome, HandshakeOutcome, Observation, ReadCert};
use crate::report::escape::one_line;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// How long a recorded `expires_in` asks the certificate to stay valid: this many days, or
/// half the days it has left when that is less (see [`expires_in_floor`]).
pub const EXPIRY_MARGIN_DAYS: i64 = 21;

/// What `--record` pins of one observation.
pub struct Recording<'a> {
    /// The check's name.
    pub name: &'a str,
    /// The probe's key (`http`, `tls` ...) and its keys, as the check file writes them.
    pub kind: &'a str,
    pub probe: &'a Map<String, Value>,
    pub observation: &'a Observation,
    pub now: OffsetDateTime,
    /// `--env`: the environment whose routes and trust roots the probe borrowed.
    pub env: Option<&'a str>,
}

/// The check file, or why the observation cannot be pinned as a check that passes.
pub fn record(r: &Recording<'_>, secrets: &Secrets) -> Result<String, String> {
    let q = |s: &str| quote(&secrets.redact(s));
    let mut expect: Vec<String> = Vec::new();
    match r.observation {
        Observation::Http(h) => {
            expect.push(format!("status: {}", h.status));
            let mut headers = Vec::new();
            for name in ["location", "content-type"] {
                let values: Vec<&str> = h
                    .headers
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                if !values.is_empty() {
                    headers.push(format!("  {name}: {}", q(&values.join(", "))));
                }
            }
            if !headers.is_empty() {
                expect.push("headers:".into());
                expect.extend(headers);
            }
        }
        Observation::Tls(t) => match &t.outcome {
            HandshakeOutcome::ClientRefused(why) => {
                return Err(format!(
                    "the server's certificate does not verify ({}): a recorded check would \
                     fail; give the trust roots with --env, or probe the fix first",
                    one_line(&secrets.redact(why))
                ));
            }
            HandshakeOutcome::Rejected { alert, .. } => {
                expect.push("handshake: rejected".into());
                if let Some(alert) = alert {
                    expect.push(format!("alert: {}", q(alert)));
                }
            }
            HandshakeOutcome::Accepted => {
                expect.push("handshake: accepted".into());
                if let Some(v) = &t.version {
                    expect.push(format!("version: {}", q(v)));
                }
                if let Some(a) = &t.alpn {
                    expect.push(format!("alpn: {}", q(a)));
                }
                cert_lines(t.chain_facts().first(), r.now, &q, &mut expect);
            }
        },
        Observation::Cert(c) => cert_lines(c.chain_facts().first(), r.now, &q, &mut expect),
        Observation::Dns(d) => {
            expect.push(format!("rcode: {}", q(&d.rcode)));
            if d.answers.is_empty() {
                expect.push("answers: { empty: true }".into());
            } else {
                let answers: Vec<String> = d.answers.iter().map(|a| q(a)).collect();
                expect.push(format!("answers: [{}]", answers.join(", ")));
            }
        }
        Observation::Tcp(t) => {
            let connect = match t.outcome {
                ConnectOutcome::Accepted => "accepted",
                ConnectOutcome::Refused => "refused",
                ConnectOutcome::Timeout => "timeout",
            };
            expect.push(format!("connect: {connect}"));
            // What the server sent first (or answered), read as the recorded check reads it.
            if let Some(exchange) = t.exchange.as_ref().filter(|e| !e.received.is_empty()) {
                let received = q(&exchange.received_text());
                expect.push(format!("received: {{ equals: {received} }}"));
            }
        }
    }
    let probe = redacted(&Value::Object(r.probe.clone()), secrets).to_string();
    let when = r
        .now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let env = r
        .env
        .map(|e| format!(" --env {}", one_line(&secrets.redact(e))))
        .unwrap_or_default();
    let mut out = format!(
        "# recorded by conform probe{env} --record at {when}\nchecks:\n  - name: {}\n    {}: {probe}\n    expect:\n",
        q(r.name),
        r.kind,
    );
    for line in expect {
        out.push_str("      ");
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// `value` with every string (keys too) redacted, before it is written as JSON: a secret
/// escaped by JSON would escape redaction afterwards.
fn redacted(value: &Value, secrets: &Secrets) -> Value {
    match value {
        Value::String(s) => Value::String(secrets.redact(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| redacted(v, secrets)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (secrets.redact(k), redacted(v, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The leaf's `cert:` expectations: `san`, `issuer`, `expires_in`.
fn cert_lines(
    leaf: Option<&ReadCert>,
    now: OffsetDateTime,
    q: &dyn Fn(&str) -> String,
    out: &mut Vec<String>,
) {
    let Some(Ok(facts)) = leaf else { return };
    let facts: &CertFacts = facts;
    out.push("cert:".into());
    if !facts.san.is_empty() {
        let san: Vec<String> = facts.san.iter().map(|s| q(s)).collect();
        out.push(format!("  san: [{}]", san.join(", ")));
    }
    out.push(format!("  issuer: {}", q(&facts.issuer)));
    out.push(format!(
        "  expires_in: {}",
        expires_in_floor(seconds_left(facts, now))
    ));
}

/// The recorded `expires_in` for a certificate with `seconds` left: `{ gt: 21d }`, or half
/// the whole days left when fewer than 42 remain (`{ gt: 0d }` under two days), so that the
/// check passes today and fails well before the certificate expires; an expired one is pinned
/// as expired (`{ lte: 0s }`).
pub fn expires_in_floor(seconds: f64) -> String {
    if seconds <= 0.0 {
        return "{ lte: 0s }".into();
    }
    let days = (seconds / 86_400.0).floor() as i64;
    format!("{{ gt: {}d }}", (days / 2).min(EXPIRY_MARGIN_DAYS))
}

/// A YAML double-quoted scalar, with `${` kept literal, through the one escaping path: what a
/// server sent cannot drive the terminal the recording is printed to.
fn quote(text: &str) -> String {
    crate::report::escape::yaml_quoted(&text.replace("${", "$${"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_floor_keeps_a_margin() {
        assert_eq!(expires_in_floor(89.5 * 86_400.0), "{ gt: 21d }");
        assert_eq!(expires_in_floor(30.0 * 86_400.0), "{ gt: 15d }");
        assert_eq!(expires_in_floor(3600.0), "{ gt: 0d }");
        assert_eq!(expires_in_floor(-5.0), "{ lte: 0s }");
    }

    #[test]
    fn quoting_keeps_text_literal() {
        assert_eq!(quote("a\"b ${x}\n"), r#""a\"b $${x}\n""#);
    }

    /// Why nothing can be recorded quotes the verifier, which quotes the server's names: one
    /// escaped line, secrets redacted.
    #[test]
    fn a_refused_chain_says_why_on_one_escaped_line() {
        use crate::probe::{HandshakeOutcome, Observation, TlsObservation};
        let observation = Observation::Tls(TlsObservation {
            target: "127.0.0.1:443".into(),
            sni: "chat.test".into(),
            outcome: HandshakeOutcome::ClientRefused(
                "not valid for chat.test; it names evil\u{1b}[2J\nEXTRA".into(),
            ),
            version: None,
            cipher_suite: None,
            alpn: None,
            chain: Vec::new(),
            facts: Default::default(),
            verified: Ok(()),
            upgrade: Vec::new(),
            certificate_requested: true,
            elapsed: std::time::Duration::from_millis(5),
        });
        let recording = Recording {
            name: "tls://chat.test",
            kind: "tls",
            probe: &Map::new(),
            observation: &observation,
            now: time::OffsetDateTime::UNIX_EPOCH,
            env: None,
        };
        let why = record(&recording, &Secrets::default()).unwrap_err();
        assert_eq!(
            why,
            "the server's certificate does not verify (not valid for chat.test; it names \
             evil\\x1b[2J\\nEXTRA): a recorded check would fail; give the trust roots with --env, \
             or probe the fix first"
        );
    }

    /// Network text a terminal would act on (an escape sequence, a bidi override, a line
    /// separator, a C1 control, `##[`) is written as YAML escapes, and loads back as itself.
    #[test]
    fn hostile_text_is_escaped_and_loads_back_whole() {
        let hostile = "\u{1b}[2J\u{202e}gnp.exe\u{2028}\u{85}\u{7f}##[error]x\u{e0001}\\";
        let quoted = quote(hostile);
        assert_eq!(
            quoted,
            r#""\x1b[2J\u202egnp.exe\u2028\u0085\x7f#\x23[error]x\U000e0001\\""#
        );
        assert!(
            quoted.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
            "{quoted}"
        );
        let node = crate::syntax::node::Node::parse(&format!("v: {quoted}")).expect("loads");
        let value = node.get("v").and_then(|n| n.scalar_text());
        assert_eq!(value.as_deref(), Some(hostile));
    }
}
