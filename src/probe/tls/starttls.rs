//! The plain-text upgrade a tls probe with `starttls:` speaks before its handshake: the
//! protocol's greeting, its request to start TLS and the server's go-ahead. Every answer is
//! read within [`REPLY_LIMIT`] bytes; the caller bounds the whole by the check's timeout.
//! Whatever the server sent after its go-ahead is dropped, never handed to TLS.

use super::super::{ProbeError, ProbeErrorKind};
use crate::config::model::Starttls;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most one answer of the upgrade may take (a greeting, an EHLO reply).
pub const REPLY_LIMIT: usize = 16 * 1024;

/// How many lines of the upgrade the transcript keeps, and how long each may be.
const TRANSCRIPT_LINES: usize = 24;
const TRANSCRIPT_WIDTH: usize = 200;

/// PostgreSQL's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// The step of the upgrade in progress, for a message when the time runs out.
pub struct Step(pub &'static str);

/// Speaks `protocol`'s upgrade on `tcp`; `place`: where it is connected, for messages.
/// Returns the transcript: `> ` what was sent, `< ` what the server answered, raw (the
/// reports escape it).
pub async fn upgrade(
    tcp: &mut TcpStream,
    protocol: Starttls,
    place: &str,
    step: &mut Step,
) -> Result<Vec<String>, ProbeError> {
    let mut talk = Talk {
        tcp,
        buf: Vec::new(),
        taken: 0,
        protocol,
        place,
        transcript: Vec::new(),
    };
    match protocol {
        Starttls::Smtp => {
            step.0 = "waiting for the 220 greeting";
            talk.coded_reply("the greeting", "220").await?;
            step.0 = "waiting for the answer to EHLO";
            talk.send(b"EHLO conform\r\n", "EHLO conform").await?;
            talk.coded_reply("the answer to EHLO", "250").await?;
            step.0 = "waiting for the answer to STARTTLS";
            talk.send(b"STARTTLS\r\n", "STARTTLS").await?;
            talk.coded_reply("the answer to STARTTLS", "220").await?;
        }
        Starttls::Ftp => {
            step.0 = "waiting for the 220 greeting";
            talk.coded_reply("the greeting", "220").await?;
            step.0 = "waiting for the answer to AUTH TLS";
            talk.send(b"AUTH TLS\r\n", "AUTH TLS").await?;
            talk.coded_reply("the answer to AUTH TLS", "234").await?;
        }
        Starttls::Imap => {
            step.0 = "waiting for the * OK greeting";
            let line = talk.line().await?;
            if !starts_with_word(&line, "* OK") {
                return Err(talk.refused("the greeting", "* OK", &line));
            }
            step.0 = "waiting for the answer to STARTTLS";
            talk.send(b"a1 STARTTLS\r\n", "a1 STARTTLS").await?;
            // Untagged lines (`* CAPABILITY ...`) may come before the tagged answer.
            let line = loop {
                let line = talk.line().await?;
                if !line.starts_with("* ") {
                    break line;
                }
            };
            if !starts_with_word(&line, "a1 OK") {
                return Err(talk.refused("the answer to STARTTLS", "a1 OK", &line));
            }
        }
        Starttls::Pop3 => {
            step.0 = "waiting for the +OK greeting";
            let line = talk.line().await?;
            if !starts_with_word(&line, "+OK") {
                return Err(talk.refused("the greeting", "+OK", &line));
            }
            step.0 = "waiting for the answer to STLS";
            talk.send(b"STLS\r\n", "STLS").await?;
            let line = talk.line().await?;
            if !starts_with_word(&line, "+OK") {
                return Err(talk.refused("the answer to STLS", "+OK", &line));
            }
        }
        Starttls::Postgres => {
            step.0 = "waiting for the answer to SSLRequest";
            talk.send(&SSL_REQUEST, "SSLRequest").await?;
            let mut answer = [0u8; 1];
            talk.read_exact(&mut answer).await?;
            match answer[0] {
                b'S' => talk.note("< S".into()),
                b'N' => {
                    return Err(talk.error(
                        "the server answered N to SSLRequest: it does not accept TLS on this port"
                            .into(),
                    ));
                }
                other => {
                    // An error message may follow: show what came with the first byte.
                    let mut rest = vec![other];
                    rest.append(&mut talk.buf);
                    let what = format!(
                        "the server's answer to SSLRequest is not S (go ahead) or N (no TLS): \
                         it begins {}",
                        shown(&rest)
                    );
                    return Err(talk.error(what));
                }
            }
        }
    }
    Ok(talk.transcript)
}

/// Whether `line` begins with `word` followed by a space or nothing.
fn starts_with_word(line: &str, word: &str) -> bool {
    line.get(..word.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(word))
        && line[word.len()..].chars().next().is_none_or(|c| c == ' ')
}

/// Text from the network for a message: quoted, escaped, at most 120 characters.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end_matches(['\r', '\n']);
    let mut cut: String = text.chars().take(120).collect();
    if cut.len() < text.len() {
        cut.push_str("...");
    }
    format!("{cut:?}")
}

struct Talk<'a> {
    tcp: &'a mut TcpStream,
    /// What has been read and not yet taken as a line.
    buf: Vec<u8>,
    /// The bytes of the current answer already taken as lines: with `buf`, the answer is
    /// held to [`REPLY_LIMIT`] however many lines it has.
    taken: usize,
    protocol: Starttls,
    place: &'a str,
    transcript: Vec<String>,
}

impl Talk<'_> {
    /// Keeps one line of the transcript, within its bounds.
    fn note(&mut self, line: String) {
        if self.transcript.len() < TRANSCRIPT_LINES {
            // A line cut says so (`…`), so that the reports see where a secret may be cut.
            let mut kept: String = line.chars().take(TRANSCRIPT_WIDTH).collect();
            if kept.len() < line.len() {
                kept.push('…');
            }
            self.transcript.push(kept);
        } else if self.transcript.len() == TRANSCRIPT_LINES {
            self.transcript.push("< ...".into());
        }
    }

    fn error(&self, what: String) -> ProbeError {
        ProbeError {
            kind: ProbeErrorKind::Protocol,
            message: format!(
                "STARTTLS ({}) with {} failed: {what}",
                self.protocol.as_str(),
                self.place
            ),
        }
    }

    fn refused(&self, what: &str, expected: &str, line: &str) -> ProbeError {
        self.error(format!(
            "{what} is {} where {expected} was expected",
            shown(line.as_bytes())
        ))
    }

    fn broken(&self, e: std::io::Error) -> ProbeError {
        ProbeError {
            kind: ProbeErrorKind::Connect,
            message: format!(
                "the connection to {} broke during the STARTTLS ({}) upgrade: {e}",
                self.place,
                self.protocol.as_str()
            ),
        }
    }

    async fn send(&mut self, bytes: &[u8], what: &str) -> Result<(), ProbeError> {
        // Anything the server sent unasked is dropped: only answers to this request count.
        self.buf.clear();
        self.taken = 0;
        self.note(format!("> {what}"));
        self.tcp.write_all(bytes).await.map_err(|e| {
            let mut err = self.broken(e);
            err.message.push_str(&format!(" (sending {what})"));
            err
        })
    }

    async fn read_more(&mut self) -> Result<(), ProbeError> {
        let answer = self.taken + self.buf.len();
        if answer >= REPLY_LIMIT {
            let what = format!(
                "the server sent more than {} KiB without ending its answer",
                REPLY_LIMIT / 1024
            );
            return Err(self.error(what));
        }
        let mut chunk = [0u8; 2048];
        let room = (REPLY_LIMIT - answer).min(chunk.len());
        let n = self
            .tcp
            .read(&mut chunk[..room])
            .await
            .map_err(|e| self.broken(e))?;
        if n == 0 {
            let mut what = "the server closed the connection".to_string();
            if !self.buf.is_empty() {
                what.push_str(&format!(" after {}", shown(&self.buf)));
            }
            return Err(self.error(what));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn read_exact(&mut self, out: &mut [u8]) -> Result<(), ProbeError> {
        while self.buf.len() < out.len() {
            self.read_more().await?;
        }
        out.copy_from_slice(&self.buf[..out.len()]);
        self.buf.drain(..out.len());
        Ok(())
    }

    /// One line, without its line end.
    async fn line(&mut self) -> Result<String, ProbeError> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                self.taken += line.len();
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\r', '\n']).to_string();
                self.note(format!("< {text}"));
                return Ok(text);
            }
            self.read_more().await?;
        }
    }

    /// A reply of SMTP and FTP: `250-...` lines, then `250 ...`; it must have `code`.
    async fn coded_reply(&mut self, what: &str, code: &str) -> Result<(), ProbeError> {
        let first = self.line().await?;
        let sep = first.as_bytes().get(3).copied();
        if first.get(..3) != Some(code) || !matches!(sep, Some(b'-' | b' ') | None) {
            return Err(self.refused(what, code, &first));
        }
        if sep != Some(b'-') {
            return Ok(());
        }
        // Lines of a multi-line reply go on until one begins with the code and a space.
        loop {
            let line = self.line().await?;
            if line == code || line.strip_prefix(code).is_some_and(|r| r.starts_with(' ')) {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{shown, starts_with_word};

    #[test]
    fn a_status_word_is_matched_whole() {
        assert!(starts_with_word("+OK ready", "+OK"));
        assert!(starts_with_word("+OK", "+OK"));
        assert!(starts_with_word("a1 ok begin", "a1 OK"));
        assert!(!starts_with_word("+OKAY", "+OK"));
        assert!(!starts_with_word("-ERR no", "+OK"));
        assert!(!starts_with_word("+O", "+OK"));
        assert!(!starts_with_word("é", "+OK"));
    }

    #[test]
    fn network_text_is_quoted_escaped_and_cut() {
        assert_eq!(shown(b"454 no\r\n"), "\"454 no\"");
        assert_eq!(shown(b"\x1b[2J\x00"), "\"\\u{1b}[2J\\0\"");
        let long = shown(&[b'a'; 300]);
        assert_eq!(long, format!("\"{}...\"", "a".repeat(120)));
    }
}
