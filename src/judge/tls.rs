//! TLS expectations: the handshake's outcome and alert, version, ALPN, and the certificates;
//! and the cert probe's file.

use super::cert::{SeenCerts, judge_cert};
use super::{Mismatch, check};
use crate::config::model::{CertExpect, HandshakeExpect, TlsExpect};
use crate::matcher::{Actual, Context};
use crate::probe::{CertObservation, HandshakeOutcome, TlsObservation};
use crate::syntax::when::Clock;

pub fn judge_tls(e: &TlsExpect, o: &TlsObservation, clock: &Clock) -> Vec<Mismatch> {
    let ctx = &Context::at(clock.now());
    let mut out = Vec::new();
    let wanted = e.handshake.unwrap_or(HandshakeExpect::Accepted);
    let ok = matches!(
        (&o.outcome, wanted),
        (HandshakeOutcome::Accepted, HandshakeExpect::Accepted)
            | (HandshakeOutcome::Rejected { .. }, HandshakeExpect::Rejected)
    );
    if !ok {
        let expected = match wanted {
            HandshakeExpect::Accepted => "accepted",
            HandshakeExpect::Rejected => "rejected",
        };
        let note = match (&o.outcome, wanted) {
            (HandshakeOutcome::ClientRefused(_), HandshakeExpect::Rejected) => {
                Some("this client gave up before the server could decide; set `verify: false` to test the server's side".to_string())
            }
            _ => None,
        };
        out.push(Mismatch {
            field: "handshake".into(),
            expected: expected.into(),
            actual: o.outcome.to_string(),
            note,
        });
    }
    if let Some(m) = &e.alert {
        let actual = match &o.outcome {
            HandshakeOutcome::Rejected { alert: Some(a), .. } => Actual::text(a),
            _ => Actual::Absent,
        };
        check(&mut out, "alert", m, &actual, ctx);
    }
    if let Some(m) = &e.version {
        check(
            &mut out,
            "version",
            m,
            &o.version.as_deref().map_or(Actual::Absent, Actual::text),
            ctx,
        );
    }
    if let Some(m) = &e.alpn {
        check(
            &mut out,
            "alpn",
            m,
            &o.alpn.as_deref().map_or(Actual::Absent, Actual::text),
            ctx,
        );
    }
    if let Some(c) = &e.cert {
        let seen = SeenCerts {
            chain: o.chain_facts(),
            verified: Some(&o.verified),
        };
        out.extend(judge_cert(c, seen, clock));
    }
    out
}

pub fn judge_cert_file(e: &CertExpect, o: &CertObservation, clock: &Clock) -> Vec<Mismatch> {
    let seen = SeenCerts {
        chain: o.chain_facts(),
        verified: Some(&o.verified),
    };
    judge_cert(e, seen, clock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tls::decode_tls_expect;
    use crate::probe::Rejection;
    use crate::syntax::diag::Diagnostics;
    use crate::syntax::node::Node;
    use std::time::Duration;

    fn expect(yaml: &str) -> TlsExpect {
        let mut d = Diagnostics::new(std::path::Path::new("t.yaml"));
        let e = decode_tls_expect(&Node::parse(yaml).expect("yaml"), &mut d);
        assert!(d.is_empty(), "{:?}", d.list);
        e.expect("expect")
    }

    fn seen(outcome: HandshakeOutcome) -> TlsObservation {
        TlsObservation {
            target: "127.0.0.1:443".into(),
            sni: "chat.test".into(),
            outcome,
            version: Some("1.3".into()),
            cipher_suite: None,
            alpn: Some("h2".into()),
            chain: Vec::new(),
            facts: Default::default(),
            verified: Ok(()),
            upgrade: Vec::new(),
            certificate_requested: false,
            elapsed: Duration::from_millis(5),
        }
    }

    fn run(yaml: &str, o: &TlsObservation) -> Vec<String> {
        judge_tls(&expect(yaml), o, &Clock::Live)
            .iter()
            .map(|m| m.to_string())
            .collect()
    }

    fn rejected(alert: &str) -> HandshakeOutcome {
        HandshakeOutcome::Rejected {
            alert: Some(alert.into()),
            how: Rejection::Alert,
        }
    }

    #[test]
    fn handshake_and_alert() {
        let r = seen(rejected("certificate_required"));
        assert!(run("{handshake: rejected, alert: certificate_required}", &r).is_empty());
        assert_eq!(
            run("{handshake: accepted}", &r),
            ["handshake: expected accepted, got rejected (alert certificate_required)"]
        );
        assert_eq!(
            run("{alert: handshake_failure}", &r),
            [
                "handshake: expected accepted, got rejected (alert certificate_required)",
                "alert: expected \"handshake_failure\", got \"certificate_required\"",
            ]
        );
        let a = seen(HandshakeOutcome::Accepted);
        assert!(run("{}", &a).is_empty(), "accepted is the default");
        assert_eq!(
            run("{handshake: rejected}", &a),
            ["handshake: expected rejected, got accepted"]
        );
        assert_eq!(
            run("{handshake: rejected, alert: certificate_required}", &a),
            [
                "handshake: expected rejected, got accepted",
                "alert: expected \"certificate_required\", got absent",
            ]
        );
        let reset = seen(HandshakeOutcome::Rejected {
            alert: None,
            how: Rejection::Reset,
        });
        assert!(run("{handshake: rejected}", &reset).is_empty());
        let refused = seen(HandshakeOutcome::ClientRefused(
            "certificate verify failed: expired".into(),
        ));
        assert_eq!(
            run("{handshake: rejected}", &refused),
            [
                "handshake: expected rejected, got refused by this client: certificate verify failed: expired (this client gave up before the server could decide; set `verify: false` to test the server's side)",
            ]
        );
    }

    #[test]
    fn version_and_alpn() {
        let a = seen(HandshakeOutcome::Accepted);
        assert!(run("{version: '1.3', alpn: h2}", &a).is_empty());
        assert_eq!(
            run("{version: '1.2', alpn: http/1.1}", &a),
            [
                "version: expected \"1.2\", got \"1.3\"",
                "alpn: expected \"http/1.1\", got \"h2\"",
            ]
        );
        let mut none = seen(HandshakeOutcome::Accepted);
        none.alpn = None;
        assert_eq!(
            run("{alpn: h2}", &none),
            ["alpn: expected \"h2\", got absent"]
        );
    }

    #[test]
    fn no_certificate_presented() {
        let a = seen(HandshakeOutcome::Accepted);
        assert_eq!(
            run("{cert: {expires_in: {gt: 21d}}}", &a),
            ["cert expires_in: expected > 21d, got no certificate was presented"]
        );
    }
}
