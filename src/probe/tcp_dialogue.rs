//! The tcp probe's dialogue: send what the check says once connected, then read the answer
//! until the awaited text, the read limit, the end of the connection or the deadline.

use super::{ProbeError, ProbeErrorKind};
use crate::config::model::TcpDialogue;
use crate::syntax::escape::one_line;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most characters of the answer quoted in an error message.
const QUOTED: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpExchange {
    pub sent: Vec<u8>,
    pub received: Vec<u8>,
    pub ended: ReadEnd,
}

impl TcpExchange {
    /// What the server sent as text: invalid UTF-8 replaced, control bytes kept.
    pub fn received_text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }
}

/// Why the reading stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadEnd {
    /// The awaited text arrived.
    Found,
    /// `read_limit` bytes were read.
    Limit,
    /// The server closed the connection.
    Closed,
}

impl std::fmt::Display for ReadEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ReadEnd::Found => "the awaited text arrived",
            ReadEnd::Limit => "the read limit was reached",
            ReadEnd::Closed => "the server closed the connection",
        })
    }
}

/// Sends, then reads, all before `deadline`; running out of time is an error that quotes
/// what was received so far.
pub async fn converse(
    mut tcp: TcpStream,
    dialogue: &TcpDialogue,
    deadline: Instant,
    timeout: Duration,
    target: &str,
) -> Result<TcpExchange, ProbeError> {
    let wait = crate::syntax::quantity::format_seconds(timeout.as_secs_f64());
    let left = || deadline.saturating_duration_since(Instant::now());
    if !dialogue.send.is_empty() {
        match tokio::time::timeout(left(), tcp.write_all(&dialogue.send)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(ProbeError {
                    kind: ProbeErrorKind::Connect,
                    message: format!("sending to {target} failed: {e}"),
                });
            }
            Err(_) => {
                return Err(ProbeError {
                    kind: ProbeErrorKind::Timeout,
                    message: format!("{target} did not take what was sent within {wait} (timeout)"),
                });
            }
        }
    }
    let until = dialogue.until();
    let limit = usize::try_from(dialogue.read_limit).unwrap_or(usize::MAX);
    let mut received = Vec::with_capacity(limit.min(8 << 10));
    let mut chunk = vec![0u8; limit.min(8 << 10)];
    let ended = loop {
        let room = (limit - received.len()).min(chunk.len());
        let read = tokio::time::timeout(left(), tcp.read(&mut chunk[..room])).await;
        let n = match read {
            Ok(Ok(0)) => break ReadEnd::Closed,
            Ok(Ok(n)) => n,
            Ok(Err(e)) if received.is_empty() => {
                return Err(ProbeError {
                    kind: ProbeErrorKind::Connect,
                    message: format!("reading from {target} failed: {e}"),
                });
            }
            // A reset after some text: judge the text.
            Ok(Err(_)) => break ReadEnd::Closed,
            Err(_) => {
                return Err(ProbeError {
                    kind: ProbeErrorKind::Timeout,
                    message: format!(
                        "{target} did not send {} within {wait} (timeout); received so far: {}",
                        match &dialogue.read_until {
                            Some(u) => quoted(u),
                            None => "the end of a line".into(),
                        },
                        so_far(&received)
                    ),
                });
            }
        };
        let from = received.len().saturating_sub(until.len().saturating_sub(1));
        received.extend_from_slice(&chunk[..n]);
        if !until.is_empty() && received[from..].windows(until.len()).any(|w| w == until) {
            break ReadEnd::Found;
        }
        if received.len() >= limit {
            break ReadEnd::Limit;
        }
    };
    // The text the check waits for never came: what came is not the whole answer, and an
    // expectation judged on it could hold on what the server never said. (Without
    // `read_until`, the answer ends at the first line's end, the limit or the close.)
    if let Some(awaited) = &dialogue.read_until
        && ended != ReadEnd::Found
    {
        let why = match ended {
            ReadEnd::Limit => format!(
                "sent {} (the read_limit) without {}",
                crate::syntax::quantity::format_size(received.len() as u64),
                quoted(awaited)
            ),
            _ => format!("closed the connection before sending {}", quoted(awaited)),
        };
        return Err(ProbeError {
            kind: ProbeErrorKind::Protocol,
            message: format!("{target} {why}; received: {}", so_far(&received)),
        });
    }
    Ok(TcpExchange {
        sent: dialogue.send.clone(),
        received,
        ended,
    })
}

/// Bytes as a quoted text on one line, its line ends and control characters escaped
/// (`"220 ready\r\n"`): a message holding it is one line whatever the server sent.
pub fn quoted(bytes: &[u8]) -> String {
    format!("\"{}\"", one_line(&String::from_utf8_lossy(bytes)))
}

fn so_far(received: &[u8]) -> String {
    if received.is_empty() {
        return "nothing".into();
    }
    let text = String::from_utf8_lossy(received);
    let shown: String = text.chars().take(QUOTED).collect();
    let more = if shown.len() < text.len() { "…" } else { "" };
    format!(
        "\"{}\"{more} ({})",
        one_line(&shown),
        crate::syntax::quantity::format_size(received.len() as u64)
    )
}
