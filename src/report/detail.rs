//! What people read about one check, shared by the terminal and JUnit reports: the detail
//! block (mismatches, errors, attempts, the reproduce command) and the HTTP exchange.
//!
//! Every line is built from redacted, printable text: secrets are replaced before anything is
//! cut or split, so a secret is never shown in part, and control characters a server sent
//! are escaped so that it cannot drive the reader's terminal or break the XML.

use crate::config::model::{DnsProtocol, Secrets};
use crate::matcher::Mismatch;
use crate::probe::{HttpObservation, Observation, ReadCert, TlsObservation};
use crate::run::{Attempt, CheckResult, Note, Outcome};
use crate::syntax::quantity::format_size;
use std::fmt::Write as _;

pub use super::escape::{GUTTER, one_line, printable};

/// How much of a response body the verbose exchange shows.
const BODY_SHOWN: usize = 2048;

/// How long a one-line attempt summary may grow before it is cut.
const SUMMARY_MAX: usize = 300;

/// How many characters of an expected or actual value, a message or an error the reports
/// show.
pub const EXCERPT: usize = 300;

/// `text` with secrets redacted and made printable, its lines kept.
pub fn clean(secrets: &Secrets, text: &str) -> String {
    printable(&secrets.redact(text))
}

/// `text` with secrets redacted, on one line: newlines shown as `\n`.
pub fn clean_line(secrets: &Secrets, text: &str) -> String {
    one_line(&secrets.redact(text))
}

/// `text` redacted, made printable, then cut to [`EXCERPT`] characters: in that order, so
/// that no part of a secret survives the cut.
pub fn excerpt(secrets: &Secrets, text: &str) -> String {
    capped(clean(secrets, text))
}

/// [`excerpt`] on one line: line ends shown as `\r` and `\n`, as a protocol's bytes are.
pub fn excerpt_line(secrets: &Secrets, text: &str) -> String {
    capped(clean_line(secrets, text))
}

/// `text` cut to [`EXCERPT`] characters, never inside a `[redacted:NAME]` marker.
fn capped(text: String) -> String {
    let count = text.chars().count();
    if count <= EXCERPT {
        return text;
    }
    let cut = text
        .char_indices()
        .nth(EXCERPT)
        .map_or(text.len(), |(i, _)| i);
    format!(
        "{}… ({count} characters)",
        &text[..past_markers(&text, cut)]
    )
}

/// `cut`, or the end of the `[redacted:NAME]` marker it falls in: a cut inside a marker would
/// read as if part of a value were shown.
fn past_markers(text: &str, mut cut: usize) -> usize {
    for (open, _) in text.match_indices("[redacted:") {
        if open >= cut {
            break;
        }
        if let Some(close) = text[open..].find(']')
            && open + close >= cut
        {
            cut = open + close + 1;
        }
    }
    cut
}

/// ` (flaky: passed on attempt 2 of 3)` text for a check that passed only after a retry.
pub fn flaky_note(result: &CheckResult) -> Option<String> {
    result.flaky.then(|| {
        format!(
            "flaky: passed on attempt {} of {}",
            result.attempts.len(),
            result.check.retries + 1
        )
    })
}

/// The detail block of a check, one line each, indented relative to the block: where the
/// check is, why it did not pass, expected vs actual, earlier attempts, how to reproduce.
pub fn detail_lines(result: &CheckResult, secrets: &Secrets) -> Vec<String> {
    let check = &result.check;
    let mut lines = vec![format!(
        "at {}",
        clean(secrets, &format!("{}:{}", check.file.display(), check.line))
    )];
    let last = result.last_attempt();
    let error_message = last.and_then(|a| a.error.as_ref()).map(|e| &e.message);
    // The one-line message of a mismatch says what its block below says: shown once, and
    // only what the message adds (a pending check's expiry, say) is kept.
    let message = match last.and_then(|a| a.mismatches.first().map(|m| (m, a.mismatches.len()))) {
        Some((first, count)) => beyond_mismatches(
            &result.message,
            (&first.field, &first.expected, &first.actual),
            count,
        ),
        None => result.message.as_str(),
    };
    if !message.is_empty()
        && Some(&result.message) != error_message
        && result.note != Some(Note::Fixed)
        && result.outcome != Outcome::Pending
    {
        push_text(&mut lines, "", &excerpt(secrets, message));
    }
    if let Some(last) = last {
        for mismatch in &last.mismatches {
            push_mismatch(&mut lines, mismatch, secrets);
        }
        if let Some(error) = &last.error {
            let head = format!("{} ({}): ", last.outcome.label(), error.kind);
            push_text(&mut lines, &head, &excerpt(secrets, &error.message));
        }
    }
    if result.outcome == Outcome::Pending {
        let reason = check.pending.as_ref().map(|p| p.reason.as_str());
        push_text(
            &mut lines,
            "pending: ",
            &clean(secrets, reason.unwrap_or("")),
        );
    }
    if let Some(note @ Note::Fixed) = result.note {
        lines.push(note.to_string());
    }
    let earlier = result.attempts.len().saturating_sub(1);
    let last_why = result.attempts.last().map(attempt_why);
    for (i, attempt) in result.attempts[..earlier].iter().enumerate() {
        // An earlier attempt that failed the same way as the last one shown above is said
        // in a word, not repeated.
        if last_why == Some(attempt_why(attempt)) && result.outcome != Outcome::Pass {
            lines.push(format!(
                "attempt {}: {}, the same as the last attempt",
                i + 1,
                attempt.outcome.label()
            ));
        } else {
            lines.push(attempt_summary(i + 1, attempt, secrets));
        }
    }
    if let Some(command) = &result.reproduce {
        push_text(
            &mut lines,
            "reproduce: ",
            &clean(secrets, &command.to_shell(secrets)),
        );
    }
    lines
}

/// What a check's one-line `message` says beyond its mismatches (`first` as field, expected,
/// actual; `count` of them): the message starts with the first, one line, and `(+N more)`,
/// and what follows in parentheses is returned without them (`pending expired on ...`);
/// empty when nothing follows. A message that does not start so is returned whole.
pub fn beyond_mismatches<'a>(message: &'a str, first: (&str, &str, &str), count: usize) -> &'a str {
    let (field, expected, actual) = first;
    let head = format!("{field}: expected {expected}, got {actual}");
    let Some(mut rest) = message.strip_prefix(&head) else {
        return message;
    };
    if count > 1 {
        rest = rest
            .strip_prefix(&format!(" (+{} more)", count - 1))
            .unwrap_or(rest);
    }
    rest.strip_prefix(" (")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim()
}

/// One line for an attempt: `attempt 1: fail (status: expected 302, got 200)`.
pub fn attempt_summary(number: usize, attempt: &Attempt, secrets: &Secrets) -> String {
    let mut line = format!("attempt {number}: {}", attempt.outcome.label());
    if let Some(why) = attempt_why(attempt) {
        let why = clean_line(secrets, &why);
        let _ = write!(line, " ({})", cut(&why, SUMMARY_MAX));
    }
    line
}

/// Why an attempt did not pass, in one line; `None` when there is nothing to say (a pass).
fn attempt_why(attempt: &Attempt) -> Option<String> {
    if let Some(error) = &attempt.error {
        Some(format!("{}: {}", error.kind, error.message))
    } else if attempt.mismatches.is_empty() {
        None
    } else {
        let parts: Vec<String> = attempt.mismatches.iter().map(Mismatch::to_string).collect();
        Some(parts.join("; "))
    }
}

/// The request sent and the response received, for verbose reports.
pub fn exchange_lines(observation: &Observation, secrets: &Secrets) -> Vec<String> {
    match observation {
        Observation::Http(http) => http_exchange_lines(http, secrets),
        Observation::Tls(tls) => tls_exchange_lines(tls, secrets),
        Observation::Cert(cert) => chain_lines(cert.chain_facts(), &cert.verified, secrets),
        Observation::Dns(dns) => {
            let over = match dns.protocol {
                DnsProtocol::Udp => "UDP",
                DnsProtocol::Tcp => "TCP",
            };
            let mut lines = vec![format!("> asked {} over {over}", dns.server)];
            lines.push(format!(
                "< {}{}",
                dns.rcode,
                if dns.retried_over_tcp {
                    " (truncated over UDP, asked again over TCP)"
                } else {
                    ""
                }
            ));
            lines.extend(
                dns.answer_section
                    .iter()
                    .map(|r| clean_line(secrets, &format!("< {r}"))),
            );
            lines
        }
        Observation::Tcp(tcp) => {
            let mut lines = vec![
                format!("> connect {}", tcp.target),
                format!("< {} after {:.3}s", tcp.outcome, tcp.elapsed.as_secs_f64()),
            ];
            if let Some(x) = &tcp.exchange {
                if !x.sent.is_empty() {
                    let sent = String::from_utf8_lossy(&x.sent);
                    lines.push(clean_line(secrets, &format!("> \"{sent}\"")));
                }
                let received = clean_line(secrets, &x.received_text());
                let count = received.chars().count();
                lines.push(if count <= EXCERPT {
                    format!("< \"{received}\"")
                } else {
                    let cut: String = received.chars().take(EXCERPT).collect();
                    format!("< \"{cut}\"… ({count} characters)")
                });
                lines.push(format!(
                    "< {} received; stopped: {}",
                    crate::syntax::quantity::format_size(x.received.len() as u64),
                    x.ended
                ));
            }
            lines
        }
    }
}

/// The handshake as seen: with whom, how it ended, what was negotiated, the chain.
fn tls_exchange_lines(o: &TlsObservation, secrets: &Secrets) -> Vec<String> {
    let mut lines: Vec<String> = o.upgrade.iter().map(|l| clean_line(secrets, l)).collect();
    lines.push(clean_line(
        secrets,
        &match o.sni.parse::<std::net::IpAddr>() {
            // rustls sends no SNI for an address.
            Ok(_) => format!("> TLS handshake with {} (no sni)", o.target),
            Err(_) => format!("> TLS handshake with {} (sni {})", o.target, o.sni),
        },
    ));
    lines.push(clean_line(secrets, &format!("< {}", o.outcome)));
    let negotiated: Vec<String> = [
        o.version.as_ref().map(|v| format!("TLS {v}")),
        o.cipher_suite.clone(),
        o.alpn.as_ref().map(|a| format!("alpn {a}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !negotiated.is_empty() {
        lines.push(clean_line(secrets, &format!("< {}", negotiated.join(", "))));
    }
    lines.extend(chain_lines(o.chain_facts(), &o.verified, secrets));
    lines
}

/// A certificate in one line: subject, issuer, not after.
fn cert_summary(read: &ReadCert) -> String {
    match read {
        Ok(f) => format!(
            "{} (issuer {}; not after {})",
            f.subject,
            f.issuer,
            f.not_after.date()
        ),
        Err(unreadable) => format!("not a certificate: {}", unreadable.why),
    }
}

/// One line per certificate (subject, issuer, not after), then the verification verdict.
fn chain_lines(
    chain: &[ReadCert],
    verified: &Result<(), String>,
    secrets: &Secrets,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, read) in chain.iter().enumerate() {
        let text = format!("{}. {}", i + 1, cert_summary(read));
        lines.push(clean_line(secrets, &format!("< cert {text}")));
    }
    if !chain.is_empty() {
        lines.push(match verified {
            Ok(()) => "< chain verified".to_string(),
            Err(why) => clean_line(secrets, &format!("< chain not verified: {why}")),
        });
    }
    lines
}

fn http_exchange_lines(o: &HttpObservation, secrets: &Secrets) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(clean_line(secrets, &format!("> {} {}", o.method, o.url)));
    // The way each request went: the first's here, a later one's where it changed.
    let ways: Vec<&Option<String>> = o
        .redirects
        .iter()
        .map(|hop| &hop.proxy)
        .chain([&o.proxy])
        .collect();
    if let Some(proxy) = ways[0] {
        lines.push(clean_line(secrets, &format!("> through the proxy {proxy}")));
    }
    for (name, value) in &o.request_headers {
        lines.push(clean_line(secrets, &format!("> {name}: {value}")));
    }
    for (i, hop) in o.redirects.iter().enumerate() {
        let line = format!("< redirect: {} {} -> {}", hop.status, hop.url, hop.location);
        lines.push(clean_line(secrets, &line));
        let next_url = o.redirects.get(i + 1).map_or(&o.final_url, |h| &h.url);
        if ways[i + 1] != ways[i] {
            let way = match ways[i + 1] {
                Some(proxy) => format!("> {next_url} through the proxy {proxy}"),
                None => format!("> {next_url} straight to the server"),
            };
            lines.push(clean_line(secrets, &way));
        }
    }
    if let Some(why) = &o.not_followed {
        push_text(&mut lines, "< redirect ", &clean(secrets, why));
    }
    let mut status = format!("{} {}", o.version, o.status);
    if !o.redirects.is_empty() {
        let _ = write!(status, " ({})", o.final_url);
    }
    lines.push(clean_line(secrets, &format!("< {status}")));
    for (name, value) in &o.headers {
        lines.push(clean_line(secrets, &format!("< {name}: {value}")));
    }
    if let Some(read) = o.peer_facts() {
        lines.push(clean_line(
            secrets,
            &format!("< cert {}", cert_summary(read)),
        ));
    }
    // A token in a body (a sign-in's answer) is a credential: redaction shows it by its start
    // only, as in every output.
    let body = clean(secrets, &String::from_utf8_lossy(&o.body));
    // The run lets bodies go once judged: a passing check keeps the size and SHA-256 only,
    // one that did not pass the start of its body.
    let size = o.body_size();
    let not_kept = size.saturating_sub(o.body.len());
    match (&o.body_digest, body.is_empty()) {
        _ if size == 0 => lines.push("body: empty".to_string()),
        (Some(digest), true) => lines.push(format!(
            "body: {} ({size} bytes), sha256 {}; not kept, the check passed",
            format_size(size as u64),
            digest.sha256
        )),
        _ => {
            let shown = cut_at_boundary(&body, BODY_SHOWN);
            lines.push(format!("body ({size} bytes):"));
            // Behind a gutter: no line of the body starts where a line of conform's own does.
            lines.extend(
                shown
                    .split('\n')
                    .map(|l| format!("  {GUTTER}{l}").trim_end().to_string()),
            );
            let more = body.len() - shown.len() + not_kept;
            if more > 0 {
                lines.push(format!("  … {more} more bytes"));
            }
        }
    }
    if let Some(seen) = o.body_exceeded {
        lines.push(format!(
            "the body was longer than its limit: reading stopped after {seen} bytes"
        ));
    }
    lines
}

/// The field name, then expected and actual aligned under it, then the note.
fn push_mismatch(lines: &mut Vec<String>, mismatch: &Mismatch, secrets: &Secrets) {
    lines.push(clean_line(secrets, &mismatch.field));
    push_text(lines, "  expected: ", &excerpt(secrets, &mismatch.expected));
    push_text(lines, "  actual:   ", &excerpt(secrets, &mismatch.actual));
    if let Some(note) = &mismatch.note {
        push_text(lines, "  note:     ", &excerpt(secrets, note));
    }
}

/// `head` then `text`, whose further lines are aligned under its first.
fn push_text(lines: &mut Vec<String>, head: &str, text: &str) {
    let pad = " ".repeat(head.chars().count());
    for (i, line) in text.split('\n').enumerate() {
        let prefix = if i == 0 { head } else { &pad };
        lines.push(format!("{prefix}{line}").trim_end().to_string());
    }
}

fn cut_at_boundary(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}

fn cut(text: &str, max: usize) -> String {
    let shown = &text[..past_markers(text, cut_at_boundary(text, max).len())];
    if shown.len() < text.len() {
        format!("{shown}…")
    } else {
        shown.to_string()
    }
}

/// Hand-built checks and results for the report tests.
#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;
