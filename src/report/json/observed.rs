//! `observed` of an attempt in the JSON report: a small, stable set of facts the probe saw,
//! beside what the judge made of it, so that a reader sees what came back and `--baseline`
//! can tell what changed while the outcome did not (see [`facts`]). Every string is redacted,
//! on one line (control characters escaped) and capped at 300 characters.
//!
//! Facts read from a certificate come from the observation's [`ChainFacts`]
//! (`crate::probe::cert_facts`): read once, whoever asks first.

use super::super::detail::excerpt_line;
use crate::config::model::Secrets;
use crate::probe::cert_facts::ReadCert;
use crate::probe::{
    CertObservation, DnsObservation, HandshakeOutcome, HttpObservation, Observation, TlsObservation,
};
use serde::{Deserialize, Serialize};

pub mod facts;
mod leaf;
#[cfg(test)]
mod tests;

pub use leaf::JsonLeaf;

/// What one try saw. Each kind fills its own fields; a field the try did not see (no
/// `location` on a 200, no certificate on plain http) is left out of the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonObserved {
    /// http: the final response's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// http: the final response's `Location` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// http: the final response's `Content-Type` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// http: the final response's `Server` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// http: the URL of the final response (after the redirects followed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    /// tls: the protocol version (`1.2`, `1.3`), when the handshake got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// tls: the application protocol the server chose (`h2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// tls: `accepted`, `rejected` (by the server) or `refused` (by this client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake: Option<String>,
    /// tls: the alert the server rejected the handshake with (`certificate_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// tls, cert, and http over https: the leaf certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf: Option<Box<JsonLeaf>>,
    /// tls and cert: the earliest `notAfter` of the chain, RFC 3339 in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_not_after: Option<String>,
    /// dns: `NOERROR`, `NXDOMAIN` ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    /// dns: the records of the asked type, as dig prints their data, sorted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<String>>,
    /// dns: the smallest TTL of those records; absent without any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// tcp: `accepted`, `refused` or `timeout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<String>,
    /// tcp with a dialogue: what the server sent (its banner when nothing was sent), on one
    /// line (`\r`, `\n` and control characters escaped), secrets redacted, at most 300
    /// characters; absent without a dialogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
}

impl JsonObserved {
    /// What `observation` shows a reader.
    pub fn of(observation: &Observation, secrets: &Secrets) -> Option<JsonObserved> {
        let text = |raw: &str| excerpt_line(secrets, raw);
        Some(match observation {
            Observation::Http(h) => http(h, &text),
            Observation::Tls(t) => tls(t, &text),
            Observation::Cert(c) => cert(c, &text),
            Observation::Dns(d) => dns(d, &text),
            Observation::Tcp(t) => JsonObserved {
                connect: Some(t.outcome.to_string()),
                received: t.exchange.as_ref().map(|e| text(&e.received_text())),
                ..JsonObserved::default()
            },
        })
    }
}

fn http(h: &HttpObservation, text: &dyn Fn(&str) -> String) -> JsonObserved {
    let header = |name: &str| {
        h.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| text(v))
    };
    JsonObserved {
        status: Some(h.status),
        location: header("location"),
        content_type: header("content-type"),
        server: header("server"),
        final_url: Some(text(&h.final_url)),
        leaf: h
            .peer_facts()
            .and_then(|c| JsonLeaf::of(c, text))
            .map(Box::new),
        ..JsonObserved::default()
    }
}

fn tls(t: &TlsObservation, text: &dyn Fn(&str) -> String) -> JsonObserved {
    let (handshake, alert) = match &t.outcome {
        HandshakeOutcome::Accepted => ("accepted", None),
        HandshakeOutcome::Rejected { alert, .. } => ("rejected", alert.as_deref().map(text)),
        HandshakeOutcome::ClientRefused(_) => ("refused", None),
    };
    JsonObserved {
        version: t.version.as_deref().map(text),
        alpn: t.alpn.as_deref().map(text),
        handshake: Some(handshake.to_string()),
        alert,
        ..chain(t.chain_facts(), text)
    }
}

fn cert(c: &CertObservation, text: &dyn Fn(&str) -> String) -> JsonObserved {
    chain(c.chain_facts(), text)
}

/// The leaf and the earliest expiry of a chain; the certificates that do not parse are left out.
fn chain(facts: &[ReadCert], text: &dyn Fn(&str) -> String) -> JsonObserved {
    JsonObserved {
        leaf: facts
            .first()
            .and_then(|c| JsonLeaf::of(c, text))
            .map(Box::new),
        chain_not_after: facts
            .iter()
            .filter_map(|c| c.as_ref().ok())
            .map(|c| c.not_after)
            .min()
            .map(super::rfc3339::text),
        ..JsonObserved::default()
    }
}

fn dns(d: &DnsObservation, text: &dyn Fn(&str) -> String) -> JsonObserved {
    let mut answers: Vec<String> = d.answers.iter().map(|a| text(a)).collect();
    answers.sort();
    JsonObserved {
        rcode: Some(text(&d.rcode)),
        answers: Some(answers),
        ttl: d.ttls.iter().copied().min(),
        ..JsonObserved::default()
    }
}
