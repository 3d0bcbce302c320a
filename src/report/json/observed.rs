//! `observed` of an attempt in the JSON report: what the probe saw, beside what the judge
//! made of it, so that a reader sees what came back. Today the tcp probe's: the connect
//! outcome and, after a dialogue, what the server sent.

use super::super::detail::excerpt_line;
use crate::config::model::Secrets;
use crate::probe::Observation;
use serde::{Deserialize, Serialize};

/// What one try saw; absent for the kinds that have none here yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonObserved {
    /// tcp: `accepted`, `refused` or `timeout`.
    pub connect: String,
    /// tcp with a dialogue: what the server sent (its banner when nothing was sent), on one
    /// line (`\r`, `\n` and control characters escaped), secrets redacted, at most 300
    /// characters; absent without a dialogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
}

impl JsonObserved {
    /// What `observation` shows a reader, or None for a kind with nothing here.
    pub fn of(observation: &Observation, secrets: &Secrets) -> Option<JsonObserved> {
        match observation {
            Observation::Tcp(t) => Some(JsonObserved {
                connect: t.outcome.to_string(),
                received: t
                    .exchange
                    .as_ref()
                    .map(|e| excerpt_line(secrets, &e.received_text())),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
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
                connect: "accepted".into(),
                received: Some("220 [redacted:TOKEN] \\x1b[2J\u{fffd} ready\\r\\n".into()),
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
}
