//! The tcp case of the property test: what a dialogue received.

use super::*;

/// A tcp dialogue whose server sent `shown` across the 300-character cut of the JSON
/// report's `received`, and the 2048-byte cut of the exchange.
pub(super) fn tcp_run(shown: &str, rng: &mut Rng) -> CheckResult {
    use crate::config::model::{AddressMode, ConnectExpect, IpFamily, TcpExpect, TcpProbe};
    use crate::probe::{ConnectOutcome, ReadEnd, TcpExchange, TcpObservation};
    let mut check = check("mail", "mail/banner", "banner");
    check.kind = CheckKind::Tcp {
        probe: TcpProbe {
            host: "mail.example".into(),
            port: 25,
            dialogue: Some(Default::default()),
            ip: IpFamily::Any,
            addresses: AddressMode::One,
        },
        expect: TcpExpect {
            connect: ConnectExpect::Accepted,
            explicit: false,
            time: None,
            received: None,
        },
    };
    let head = 280 + rng.below(20);
    let mut received = filler(rng, head);
    received.push_str(shown);
    received.push_str("\r\n");
    let attempts = vec![Attempt {
        outcome: Outcome::Pass,
        mismatches: Vec::new(),
        error: None,
        duration: Duration::from_millis(5),
        observation: Some(Observation::Tcp(TcpObservation {
            target: "127.0.0.1:25".into(),
            outcome: ConnectOutcome::Accepted,
            elapsed: Duration::from_millis(1),
            exchange: Some(TcpExchange {
                sent: Vec::new(),
                received: received.into_bytes(),
                ended: ReadEnd::Found,
            }),
        })),
        addresses: Vec::new(),
    }];
    result(check, Outcome::Pass, attempts)
}
