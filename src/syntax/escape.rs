//! The one escaping path for text that may have come from the network (headers, bodies, DNS
//! data, certificate fields, alerts, error messages that quote a server): every report runs
//! it, after redaction, so that no server can drive the reader's terminal, start a line of its
//! own, or have a CI runner read its bytes as a command.
//!
//! - Control characters (C0 including CR, LF and tab, DEL, C1), the characters that reorder
//!   text on screen (bidi controls), invisible format characters, line and paragraph
//!   separators and non-characters are written as escapes: `\n`, `\r`, `\t`, `\x1b`,
//!   `\u{202e}`.
//! - Multi-line text keeps its lines, each escaped, and is shown behind a gutter
//!   ([`GUTTER`]), so that no line a server wrote starts at the beginning of an output line.
//! - `##[`, which GitHub's runner reads as a command anywhere in a line, is written `#\x23[`
//!   (the CI log of a human report is read by the runner too).
//! - Under `--format github`, everything that may carry network text is printed between
//!   `::stop-commands::TOKEN` and `::TOKEN::`, with a token drawn at random for each run
//!   ([`stop_token`]), and annotation text has `##[` broken up ([`github_data`]).

use std::fmt::Write as _;

/// What stands before each line of a multi-line text a server sent (a body).
pub const GUTTER: &str = "| ";

/// `text` on one line: every character listed in the module documentation escaped,
/// newlines included.
pub fn one_line(text: &str) -> String {
    escape(text, false)
}

/// `text` with its lines kept (a lone CR and CRLF end a line too): each escaped as
/// [`one_line`] does. Joined with `\n`, ready to be split again.
pub fn printable(text: &str) -> String {
    escape(text, true)
}

/// The lines of `text`, each escaped.
pub fn lines(text: &str) -> Vec<String> {
    printable(text).split('\n').map(String::from).collect()
}

fn escape(text: &str, keep_lines: bool) -> String {
    // Most text is printable ASCII without `##[`: nothing to escape, and a byte scan says so.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) && !text.contains("##[") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // `##[` anywhere in a line is a command to GitHub's runner, whatever the format.
            '#' if out.ends_with('#') && chars.peek() == Some(&'[') => out.push_str("\\x23"),
            '\r' if keep_lines && chars.peek() == Some(&'\n') => {}
            '\n' if keep_lines => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as a YAML double-quoted scalar that shows as it loads: every character the escaping
/// above would not show as itself (controls, bidi and format characters, separators,
/// non-characters) and the `#` that would make `##[` is a YAML escape (`\x7f`, `\u202e`), so a
/// recorded check file or a TAP diagnostic block is safe to print and reads back as the same
/// text.
pub fn yaml_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '#' if out.ends_with('#') && chars.peek() == Some(&'[') => out.push_str("\\x23"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if hidden(c) && (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if hidden(c) => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that are not shown as themselves: C1 controls, bidi controls and other
/// format characters, line and paragraph separators, non-characters.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        )
        || (c as u32 & 0xfffe) == 0xfffe
        || ('\u{fdd0}'..='\u{fdef}').contains(&c)
}

/// Text for HTML, in an element's content or a quoted attribute value: `&`, `<`, `>`, `"`
/// and `'` written as character references, so that no text a server sent (a body holding
/// `<script>`) is read as markup. The HTML report runs it after [`printable`] or [`one_line`].
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An unguessable token for `::stop-commands::`: 128 random bits from the system's
/// generator, in hex. A server cannot predict it, so it cannot end the region early.
pub fn stop_token() -> String {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 16];
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        // No system randomness: a token from the clock and the process would be guessable,
        // so the region is not opened at all; the caller then writes nothing that needs it.
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Text for a GitHub workflow command's data: `%`, CR and LF percent-encoded as the runner
/// expects, and `##[` (the runner's older command syntax) broken up as `#\x23[`.
pub fn github_data(text: &str) -> String {
    github_mask(text).replace("##[", "#\\x23[")
}

/// A value for `::add-mask::`: only `%`, CR and LF percent-encoded, so that the runner masks
/// the value exactly as it is.
pub fn github_mask(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_format_characters_are_escaped() {
        assert_eq!(one_line("a\u{1b}[2Jb\u{0}c"), "a\\x1b[2Jb\\x00c");
        assert_eq!(one_line("x\r\ny\tz\n::error::"), "x\\r\\ny\\tz\\n::error::");
        assert_eq!(
            one_line("\u{9b}31m\u{202e}\u{fffe}\u{200b}\u{2028}é"),
            "\\u{9b}31m\\u{202e}\\u{fffe}\\u{200b}\\u{2028}é"
        );
        assert_eq!(printable("line\r\nnext\rx\ty"), "line\nnext\\rx\\ty");
        assert_eq!(lines("a\n\u{7f}b"), ["a", "\\x7fb"]);
        assert_eq!(one_line("##[error]x ###[y"), "#\\x23[error]x ##\\x23[y");
    }

    #[test]
    fn html_text_cannot_be_markup() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn github_data_cannot_start_a_command() {
        assert_eq!(
            github_data("50% ##[error]x\n::stop-commands::t"),
            "50%25 #\\x23[error]x%0A::stop-commands::t"
        );
        // A mask is the value itself: only what the runner decodes is encoded.
        assert_eq!(github_mask("a##[b%\r\n"), "a##[b%25%0D%0A");
    }

    #[test]
    fn stop_tokens_differ() {
        let (a, b) = (stop_token(), stop_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
