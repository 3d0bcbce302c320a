use super::*;
use crate::probe::tcp_dialogue::{ReadEnd, TcpExchange};
use crate::probe::{ConnectOutcome, TcpObservation};

fn tcp(received: &[u8]) -> Observation {
    Observation::Tcp(TcpObservation {
        target: "127.0.0.1:25".into(),
        outcome: ConnectOutcome::Accepted,
        elapsed: std::time::Duration::from_millis(1),
        exchange: Some(TcpExchange {
            sent: Vec::new(),
            received: received.to_vec(),
            ended: ReadEnd::Found,
        }),
    })
}

/// What the server sent is one escaped line, its secrets redacted, cut at 300 characters
/// (never inside a redaction marker).
#[test]
fn received_is_escaped_redacted_and_capped() {
    let mut secrets = Secrets::default();
    secrets.insert("TOKEN", "s3cr3t-token");
    let seen = JsonObserved::of(&tcp(b"220 s3cr3t-token \x1b[2J\xff ready\r\n"), &secrets);
    assert_eq!(
        seen,
        Some(JsonObserved {
            connect: Some("accepted".into()),
            received: Some("220 [redacted:TOKEN] \\x1b[2J\u{fffd} ready\\r\\n".into()),
            ..JsonObserved::default()
        })
    );
    let long = format!("{}\n", "x".repeat(400));
    let seen = JsonObserved::of(&tcp(long.as_bytes()), &secrets).and_then(|o| o.received);
    assert_eq!(seen, Some(format!("{}… (402 characters)", "x".repeat(300))));
}

/// A connect without a dialogue has no `received`; the field is left out of the JSON.
#[test]
fn a_connect_alone_has_no_received() {
    let seen = Observation::Tcp(TcpObservation {
        target: "127.0.0.1:22".into(),
        outcome: ConnectOutcome::Refused,
        elapsed: std::time::Duration::from_millis(1),
        exchange: None,
    });
    let json = JsonObserved::of(&seen, &Secrets::default()).map(serde_json::to_value);
    assert_eq!(
        json.and_then(Result::ok),
        Some(serde_json::json!({ "connect": "refused" }))
    );
}

/// The dns facts: answers sorted, the smallest TTL, secrets redacted in the data.
#[test]
fn dns_answers_are_sorted_and_ttl_is_the_smallest() {
    let mut secrets = Secrets::default();
    secrets.insert("TOKEN", "s3cr3t-token");
    let seen = Observation::Dns(DnsObservation {
        server: "127.0.0.1:53".parse().unwrap(),
        protocol: crate::config::model::DnsProtocol::Udp,
        rcode: "NOERROR".into(),
        answers: vec![
            "127.0.0.9".into(),
            "127.0.0.1".into(),
            "s3cr3t-token".into(),
        ],
        ttls: vec![300, 60, 120],
        cnames: Vec::new(),
        answer_section: Vec::new(),
        retried_over_tcp: false,
        elapsed: std::time::Duration::from_millis(1),
    });
    let json = JsonObserved::of(&seen, &secrets).map(|o| serde_json::to_value(o).unwrap());
    assert_eq!(
        json,
        Some(serde_json::json!({
            "rcode": "NOERROR",
            "answers": ["127.0.0.1", "127.0.0.9", "[redacted:TOKEN]"],
            "ttl": 60,
        }))
    );
}

/// The compared facts have dotted names and leave out `ttl` and `received`.
#[test]
fn compared_facts_are_dotted_and_leave_out_what_changes_by_nature() {
    let observed = JsonObserved {
        rcode: Some("NOERROR".into()),
        answers: Some(vec!["127.0.0.1".into()]),
        ttl: Some(60),
        connect: Some("accepted".into()),
        received: Some("220 ready Fri, 4 Dec 2026".into()),
        leaf: Some(Box::new(JsonLeaf {
            subject: "CN=a".into(),
            issuer: "CN=ca".into(),
            san: vec!["a".into()],
            not_after: "2027-01-01T00:00:00Z".into(),
            fingerprint_sha256: "3f9a".into(),
            serial: "01".into(),
        })),
        ..JsonObserved::default()
    };
    let names: Vec<String> = facts::compared(&observed).into_keys().collect();
    assert_eq!(
        names,
        [
            "answers",
            "connect",
            "leaf.fingerprint_sha256",
            "leaf.issuer",
            "leaf.not_after",
            "leaf.san",
            "leaf.serial",
            "leaf.subject",
            "rcode",
        ]
    );
}
