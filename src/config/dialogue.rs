//! The tcp probe's dialogue keys: `send:`, `read_until:` and `read_limit:`, with the escapes
//! `\r \n \t \\ \xNN` decoded at load.

use super::model::TcpDialogue;
use crate::syntax::decode::{MapReader, string};
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;

/// The dialogue written in a tcp probe, None when it has none of its keys.
pub fn decode_dialogue(r: &mut MapReader<'_>, d: &mut Diagnostics) -> Option<TcpDialogue> {
    let send = r.take("send");
    let until = r.take("read_until");
    let limit = r.take("read_limit");
    if send.is_none() && until.is_none() && limit.is_none() {
        return None;
    }
    let mut dialogue = TcpDialogue::default();
    if let Some(n) = send {
        dialogue.send = escaped(n, "send", d).unwrap_or_default();
    }
    if let Some(n) = until {
        dialogue.read_until = escaped(n, "read_until", d);
        if dialogue.read_until.as_ref().is_some_and(Vec::is_empty) {
            d.error(
                n.pos,
                "`read_until` is empty",
                "expected the text whose arrival ends the reading, e.g. \"250 \"",
            );
        }
    }
    if let Some(n) = limit {
        let size = match &n.value {
            crate::syntax::node::NodeValue::Int(i) => u64::try_from(*i).ok(),
            _ => string(n, "`read_limit`", d)
                .and_then(|t| crate::syntax::quantity::parse_size(&t).ok()),
        };
        match size {
            Some(b) if b > 0 => dialogue.read_limit = b,
            _ => d.error(
                n.pos,
                format!(
                    "`read_limit` {} is not a size",
                    n.scalar_text()
                        .map_or(n.kind().to_string(), |t| format!("`{t}`"))
                ),
                "expected a size such as 4KiB or 64KiB (the default)",
            ),
        }
    }
    Some(dialogue)
}

/// The bytes of a text with its escapes decoded; a bad escape is an error at the text.
fn escaped(n: &Node, key: &str, d: &mut Diagnostics) -> Option<Vec<u8>> {
    let text = string(n, &format!("`{key}`"), d)?;
    match unescape(&text) {
        Ok(bytes) => Some(bytes),
        Err(why) => {
            d.error(
                n.pos,
                format!("`{key}` has {why}"),
                "expected the escapes \\r, \\n, \\t, \\\\ or \\xNN (two hex digits); write \\\\ for a backslash",
            );
            None
        }
    }
}

/// `\r \n \t \\ \xNN` decoded; any other backslash is an error that does not quote the text
/// (a variable's value may stand in it).
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some((_, 'r')) => out.push(b'\r'),
            Some((_, 'n')) => out.push(b'\n'),
            Some((_, 't')) => out.push(b'\t'),
            Some((_, '\\')) => out.push(b'\\'),
            Some((i, 'x')) => {
                let hex = text.get(i + 1..i + 3).unwrap_or_default();
                match u8::from_str_radix(hex, 16) {
                    Ok(b) if hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                        out.push(b);
                        chars.next();
                        chars.next();
                    }
                    _ => return Err("`\\x` without two hex digits after it".into()),
                }
            }
            // The character is not named: the text may hold a variable's value.
            Some(_) => return Err("a backslash that starts no known escape".into()),
            None => return Err("a lone backslash at its end".into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(unescape(r"EHLO a\r\n").unwrap(), b"EHLO a\r\n");
        assert_eq!(unescape(r"\x00\xffA\t\\").unwrap(), b"\x00\xffA\t\\");
        assert_eq!(unescape("é").unwrap(), "é".as_bytes());
    }

    #[test]
    fn bad_escapes_are_refused_without_quoting_the_text() {
        let unknown = "a backslash that starts no known escape";
        assert_eq!(unescape(r"a\q").unwrap_err(), unknown);
        let short = "`\\x` without two hex digits after it";
        assert_eq!(unescape(r"a\xg1").unwrap_err(), short);
        assert_eq!(unescape(r"a\x4").unwrap_err(), short);
        assert_eq!(unescape("a\\").unwrap_err(), "a lone backslash at its end");
    }
}
