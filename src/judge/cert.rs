//! Certificate expectations, shared by every probe that sees a certificate: the http probe's
//! leaf, the tls probe's presented chain and the cert probe's file.
//!
//! The probe has read each certificate into [`CertFacts`], plain text and times, so that each
//! expectation is a matcher test on one fact and new expectations (eku, key, chain) only pick
//! another fact.

use super::Mismatch;
use crate::config::model::CertExpect;
use crate::matcher::{Actual, Matcher};
use crate::probe::cert_facts::{CertFacts, ReadCert, seconds_left};
use crate::syntax::quantity::format_seconds;
use crate::syntax::when::Clock;
use time::OffsetDateTime;
use time::macros::format_description;

/// What a probe saw of certificates.
#[derive(Clone, Copy, Debug)]
pub struct SeenCerts<'a> {
    /// The certificates as read, leaf first; empty when none was presented.
    pub chain: &'a [ReadCert],
    /// What verification made of the chain, when the probe verified it.
    pub verified: Option<&'a Result<(), String>>,
}

impl<'a> SeenCerts<'a> {
    /// The http probe sees the leaf only.
    pub fn leaf(leaf: Option<&'a ReadCert>) -> SeenCerts<'a> {
        SeenCerts {
            chain: leaf.map(std::slice::from_ref).unwrap_or_default(),
            verified: None,
        }
    }
}

/// Judges the certificates a probe saw against `expect`. No certificate (plain http, a
/// server that sent none) fails every certificate expectation.
pub fn judge_cert(expect: &CertExpect, seen: SeenCerts<'_>, clock: &Clock) -> Vec<Mismatch> {
    let wanted: Vec<(CertField, &Matcher)> = CertField::ALL
        .into_iter()
        .filter_map(|field| Some((field, field.matcher(expect)?)))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    if seen.chain.is_empty() {
        return wanted
            .into_iter()
            .map(|(field, matcher)| Mismatch {
                field: field.label(),
                expected: matcher.to_string(),
                actual: "no certificate was presented".into(),
                note: None,
            })
            .collect();
    }
    let mut chain = Vec::with_capacity(seen.chain.len());
    for (i, read) in seen.chain.iter().enumerate() {
        match read {
            Ok(facts) => chain.push(&**facts),
            Err(unreadable) => {
                let which = if i == 0 {
                    "the leaf".to_string()
                } else {
                    format!("certificate {} of the chain", i + 1)
                };
                return vec![Mismatch {
                    field: "cert".into(),
                    expected: "an X.509 certificate (DER)".into(),
                    actual: format!("{which}: {} bytes that do not parse as one", unreadable.len),
                    note: Some(unreadable.why.clone()),
                }];
            }
        }
    }
    wanted
        .into_iter()
        .filter_map(|(field, matcher)| {
            let (actual, shown) = field.observe(&chain, seen.verified, clock);
            let miss = matcher.test(&actual).err()?;
            Some(Mismatch {
                field: field.label(),
                expected: matcher.to_string(),
                actual: shown,
                note: miss.why,
            })
        })
        .collect()
}

/// One certificate expectation: which matcher it uses and which fact it tests.
#[derive(Clone, Copy)]
enum CertField {
    ExpiresIn,
    ChainExpiresIn,
    San,
    Subject,
    Issuer,
    Eku,
    Key,
    ChainValid,
    Fingerprint,
    Serial,
}

impl CertField {
    const ALL: [CertField; 10] = [
        CertField::ExpiresIn,
        CertField::ChainExpiresIn,
        CertField::San,
        CertField::Subject,
        CertField::Issuer,
        CertField::Eku,
        CertField::Key,
        CertField::ChainValid,
        CertField::Fingerprint,
        CertField::Serial,
    ];

    fn label(self) -> String {
        let name = match self {
            CertField::ExpiresIn => "expires_in",
            CertField::ChainExpiresIn => "chain_expires_in",
            CertField::San => "san",
            CertField::Subject => "subject",
            CertField::Issuer => "issuer",
            CertField::Eku => "eku",
            CertField::Key => "key",
            CertField::ChainValid => "chain_valid",
            CertField::Fingerprint => "fingerprint_sha256",
            CertField::Serial => "serial",
        };
        format!("cert {name}")
    }

    fn matcher(self, expect: &CertExpect) -> Option<&Matcher> {
        match self {
            CertField::ExpiresIn => expect.expires_in.as_ref(),
            CertField::ChainExpiresIn => expect.chain_expires_in.as_ref(),
            CertField::San => expect.san.as_ref(),
            CertField::Subject => expect.subject.as_ref(),
            CertField::Issuer => expect.issuer.as_ref(),
            CertField::Eku => expect.eku.as_ref(),
            CertField::Key => expect.key.as_ref(),
            CertField::ChainValid => expect.chain_valid.as_ref(),
            CertField::Fingerprint => expect.fingerprint_sha256.as_ref(),
            CertField::Serial => expect.serial.as_ref(),
        }
    }

    /// The fact as matchers test it, and as a mismatch shows it. `chain` is not empty.
    fn observe(
        self,
        chain: &[&CertFacts],
        verified: Option<&Result<(), String>>,
        clock: &Clock,
    ) -> (Actual, String) {
        let leaf = chain[0];
        let actual = match self {
            CertField::ExpiresIn => return time_left(leaf, "", clock),
            CertField::ChainExpiresIn => {
                let (i, first) = chain
                    .iter()
                    .copied()
                    .enumerate()
                    .min_by_key(|(_, c)| c.not_after)
                    .unwrap_or((0, leaf));
                let whose = match i {
                    0 => "the leaf, ".to_string(),
                    _ => format!("{}, ", first.subject),
                };
                return time_left(first, &whose, clock);
            }
            CertField::San => Actual::list(leaf.san.iter().map(Actual::text).collect(), false),
            CertField::Subject => Actual::text(&leaf.subject),
            CertField::Issuer => Actual::text(&leaf.issuer),
            CertField::Eku => Actual::list(leaf.eku.iter().map(Actual::text).collect(), false),
            CertField::Key => Actual::text(&leaf.key),
            CertField::ChainValid => {
                return match verified {
                    Some(Ok(())) => (Actual::Bool(true), "true".into()),
                    Some(Err(why)) => (Actual::Bool(false), format!("false ({why})")),
                    None => (Actual::Absent, "not verified by this probe".into()),
                };
            }
            CertField::Fingerprint => Actual::text(&leaf.fingerprint_sha256),
            CertField::Serial => Actual::text(&leaf.serial),
        };
        let shown = actual.to_string();
        (actual, shown)
    }
}

/// Time left on `cert` at the clock's moment as matchers test it, and as shown:
/// `12d 3h (not after ...)`, and `, as of ...` under `--at`.
fn time_left(cert: &CertFacts, whose: &str, clock: &Clock) -> (Actual, String) {
    let left = seconds_left(cert, clock.now());
    let when = if left < 0.0 { "expired" } else { "not after" };
    let shown = format!(
        "{} ({whose}{when} {}{})",
        format_seconds(left),
        utc_text(cert.not_after),
        clock.as_of_suffix()
    );
    (Actual::Seconds(left), shown)
}

/// `2026-12-07 10:00:00 UTC`.
fn utc_text(t: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests;
