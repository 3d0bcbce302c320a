//! DNS and TCP expectations.

use super::{Mismatch, check};
use crate::config::model::{ConnectExpect, DnsExpect, TcpExpect};
use crate::matcher::{Actual, Context, Literal, Matcher};
use crate::probe::{ConnectOutcome, DnsObservation, TcpObservation};
use crate::syntax::when::Clock;

/// `clock`: the judgement's moment (a token's `exp` in an answer).
pub fn judge_dns(e: &DnsExpect, o: &DnsObservation, clock: &Clock) -> Vec<Mismatch> {
    let ctx = &Context::at(clock.now());
    let mut out = Vec::new();
    let noerror = Matcher::Equals(Literal::Text("NOERROR".into()));
    let rcode = e.rcode.as_ref().unwrap_or(&noerror);
    let before = out.len();
    check(&mut out, "rcode", rcode, &Actual::text(&o.rcode), ctx);
    // NXDOMAIN at the end of a CNAME chain is the target's: the name asked exists, as a
    // CNAME to a name that does not (dangling: whoever registers the target serves the
    // name). A check that says "this name is gone" must not pass on it, unless it expects
    // the chain (`cnames:`).
    if out.len() == before
        && o.rcode == "NXDOMAIN"
        && e.cnames.is_none()
        && let Some(target) = o.cnames.last()
    {
        out.push(Mismatch {
            field: "rcode".into(),
            expected: rcode.to_string(),
            actual: format!(
                "NXDOMAIN for {target}, which the name is a CNAME to (its chain: {}): the name \
                 itself exists",
                o.cnames.join(" → ")
            ),
            note: Some(
                "a dangling CNAME; to expect one, add cnames: to the expectation".to_string(),
            ),
        });
    }
    if let Some(m) = &e.answers {
        let answers = Actual::list(o.answers.iter().map(Actual::text).collect(), false);
        check(&mut out, "answers", m, &answers, ctx);
    }
    if let Some(m) = &e.cnames {
        let chain = Actual::list(o.cnames.iter().map(Actual::text).collect(), true);
        check(&mut out, "cnames", m, &chain, ctx);
    }
    if let Some(m) = &e.ttl {
        let ttl = o
            .ttls
            .iter()
            .min()
            .map_or(Actual::Absent, |t| Actual::Number(f64::from(*t)));
        check(&mut out, "ttl", m, &ttl, ctx);
    }
    if let Some(m) = &e.time {
        check(
            &mut out,
            "time",
            m,
            &Actual::Seconds(o.elapsed.as_secs_f64()),
            ctx,
        );
    }
    out
}

/// `clock`: the judgement's moment (a token's `exp` in what the server sent).
pub fn judge_tcp(e: &TcpExpect, o: &TcpObservation, clock: &Clock) -> Vec<Mismatch> {
    let ctx = &Context::at(clock.now());
    let mut out = Vec::new();
    let (want, expected) = match e.connect {
        ConnectExpect::Accepted => (ConnectOutcome::Accepted, "accepted"),
        ConnectExpect::Refused => (ConnectOutcome::Refused, "refused"),
        ConnectExpect::Timeout => (ConnectOutcome::Timeout, "timeout"),
    };
    if o.outcome != want {
        out.push(Mismatch {
            field: "connect".into(),
            expected: expected.into(),
            actual: format!("{} ({})", o.outcome, o.target),
            note: None,
        });
    }
    if let Some(m) = &e.time {
        check(
            &mut out,
            "time",
            m,
            &Actual::Seconds(o.elapsed.as_secs_f64()),
            ctx,
        );
    }
    if let Some(m) = &e.received {
        let received = o
            .exchange
            .as_ref()
            .map_or(Actual::Absent, |x| Actual::text(x.received_text()));
        check(&mut out, "received", m, &received, ctx);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::DnsProtocol;
    use crate::matcher::tests::m;
    use std::time::Duration;

    fn dns(rcode: &str, answers: &[&str], cnames: &[&str], ttls: &[u32]) -> DnsObservation {
        DnsObservation {
            server: "127.0.0.1:53".parse().unwrap(),
            protocol: DnsProtocol::Udp,
            rcode: rcode.into(),
            answers: answers.iter().map(|s| s.to_string()).collect(),
            ttls: ttls.to_vec(),
            cnames: cnames.iter().map(|s| s.to_string()).collect(),
            answer_section: Vec::new(),
            retried_over_tcp: false,
            elapsed: Duration::from_millis(3),
        }
    }

    fn shown(out: Vec<Mismatch>) -> Vec<String> {
        out.iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn rcode_defaults_to_noerror() {
        let nx = dns("NXDOMAIN", &[], &[], &[]);
        assert_eq!(
            shown(judge_dns(&DnsExpect::default(), &nx, &Clock::Live)),
            ["rcode: expected \"NOERROR\", got \"NXDOMAIN\""]
        );
        let e = DnsExpect {
            rcode: Some(m("NXDOMAIN")),
            ..DnsExpect::default()
        };
        assert!(judge_dns(&e, &nx, &Clock::Live).is_empty());
    }

    #[test]
    fn answers_cnames_and_ttl() {
        let o = dns(
            "NOERROR",
            &["104.18.2.1", "172.64.1.1"],
            &["phenom.pages.dev."],
            &[300, 60],
        );
        let e = DnsExpect {
            answers: Some(m("{in_cidr: [104.16.0.0/13, 172.64.0.0/13]}")),
            cnames: Some(m("[phenom.pages.dev.]")),
            ttl: Some(m("{lte: 300}")),
            ..DnsExpect::default()
        };
        assert!(judge_dns(&e, &o, &Clock::Live).is_empty());
        let e = DnsExpect {
            answers: Some(m("[172.64.1.1, 104.18.2.1]")),
            ..DnsExpect::default()
        };
        assert!(
            judge_dns(&e, &o, &Clock::Live).is_empty(),
            "answers compare as a set"
        );
        let e = DnsExpect {
            answers: Some(m("{in_cidr: [104.16.0.0/13]}")),
            cnames: Some(m("{empty: true}")),
            ttl: Some(m("{gt: 60}")),
            ..DnsExpect::default()
        };
        assert_eq!(
            shown(judge_dns(&e, &o, &Clock::Live)),
            [
                "answers: expected in 104.16.0.0/13, got [\"104.18.2.1\", \"172.64.1.1\"] (172.64.1.1 is outside every range)",
                "cnames: expected empty, got [\"phenom.pages.dev.\"]",
                "ttl: expected > 60, got 60",
            ]
        );
        let nodata = dns("NOERROR", &[], &[], &[]);
        let e = DnsExpect {
            answers: Some(m("{empty: true}")),
            ttl: Some(m("{lte: 300}")),
            ..DnsExpect::default()
        };
        assert_eq!(
            shown(judge_dns(&e, &nodata, &Clock::Live)),
            ["ttl: expected <= 300, got absent"]
        );
    }

    #[test]
    fn tcp_connect() {
        let o = TcpObservation {
            target: "127.0.0.1:22".into(),
            outcome: ConnectOutcome::Refused,
            elapsed: Duration::from_millis(1),
            exchange: None,
        };
        let refused = TcpExpect {
            connect: ConnectExpect::Refused,
            explicit: true,
            time: None,
            received: None,
        };
        assert!(judge_tcp(&refused, &o, &Clock::Live).is_empty());
        let accepted = TcpExpect {
            connect: ConnectExpect::Accepted,
            explicit: true,
            time: Some(m("{lt: 1s}")),
            received: None,
        };
        assert_eq!(
            shown(judge_tcp(&accepted, &o, &Clock::Live)),
            ["connect: expected accepted, got refused (127.0.0.1:22)"]
        );
    }
}
