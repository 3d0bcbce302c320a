//! The forms a secret value takes in text: one regex of its character-level forms, base64
//! stable middles, and the plain forms that stand in when the regex is too large.

use super::droppable;
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The value as a regex that matches it in every character-level form, mixed freely. URL
/// parsers drop tabs and newlines, so those may be missing (unless they are all there is;
/// [`super::is_short`] counts without them).
pub(super) fn char_forms(value: &str) -> String {
    let may_drop = !value.chars().all(droppable);
    value
        .chars()
        .map(|c| {
            let form = char_form(c);
            if droppable(c) && may_drop {
                format!("{form}?")
            } else {
                form
            }
        })
        .collect()
}

/// One character in every form an output may give it.
fn char_form(c: char) -> String {
    let mut alts: Vec<String> = Vec::new();
    // As written (any case), possibly behind backslashes (Markdown, shell, nested escapes).
    let literal = if c.is_ascii_alphabetic() {
        format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
    } else {
        regex::escape(&c.to_string())
    };
    alts.push(format!(r"\\*{literal}"));
    // Percent-encoded, byte by byte.
    let mut utf8 = [0u8; 4];
    let percent: String = c
        .encode_utf8(&mut utf8)
        .bytes()
        .map(|b| format!("%{}{}", hex_digit(b >> 4), hex_digit(b & 0xf)))
        .collect();
    alts.push(percent);
    let code = c as u32;
    // Backslash escapes: \u{1b} \x1b \u001b, JSON surrogate pairs, the named ones.
    let mut escapes = vec![format!(r"u\{{0*{}\}}", hex(code))];
    if code < 0x100 {
        escapes.push(format!("x{}", hex_width(code, 2)));
    }
    if code < 0x10000 {
        escapes.push(format!("u{}", hex_width(code, 4)));
    } else {
        let mut units = [0u16; 2];
        let pair: Vec<String> = c
            .encode_utf16(&mut units)
            .iter()
            .map(|u| format!("u{}", hex_width(u32::from(*u), 4)))
            .collect();
        escapes.push(pair.join(r"\\+"));
    }
    let named = match c {
        '\n' => Some("n"),
        '\r' => Some("r"),
        '\t' => Some("t"),
        '\u{8}' => Some("b"),
        '\u{c}' => Some("f"),
        '\0' => Some("0"),
        '\u{b}' => Some("v"),
        '\u{7}' => Some("a"),
        '\u{1b}' => Some("e"),
        _ => None,
    };
    escapes.extend(named.map(String::from));
    alts.push(format!(r"\\+(?:{})", escapes.join("|")));
    // Entities (XML, HTML).
    alts.push(format!("&#0*{code};"));
    alts.push(format!("&#[xX]0*{};", hex(code)));
    let entity = match c {
        '<' => Some("lt"),
        '>' => Some("gt"),
        '&' => Some("amp"),
        '"' => Some("quot"),
        '\'' => Some("apos"),
        _ => None,
    };
    alts.extend(entity.map(|e| format!("&{e};")));
    match c {
        ' ' => alts.push(r"\+".into()),
        '\'' => {
            alts.push(r"'\\''".into());
            alts.push(r#"'"'"'"#.into());
        }
        '\n' => alts.push("<br>".into()),
        _ => {}
    }
    format!("(?:{})", alts.join("|"))
}

/// A hex digit that matches either case.
fn hex_digit(n: u8) -> String {
    let d = format!("{n:x}");
    if n >= 10 {
        format!("[{}{}]", d, d.to_uppercase())
    } else {
        d
    }
}

/// `n` in hex, any case, no fixed width.
fn hex(n: u32) -> String {
    format!("{n:x}")
        .bytes()
        .map(|b| hex_digit((b as char).to_digit(16).unwrap_or(0) as u8))
        .collect()
}

/// `n` in hex, any case, zero-padded to `width`.
fn hex_width(n: u32, width: usize) -> String {
    format!("{n:0width$x}")
        .bytes()
        .map(|b| hex_digit((b as char).to_digit(16).unwrap_or(0) as u8))
        .collect()
}

/// The plain forms, for a value too large to compile into a regex.
pub(super) fn literal_forms(value: &str) -> Vec<String> {
    let mut forms = vec![
        value.to_string(),
        value.replace('\'', "'\\''"),
        value.to_lowercase(),
        super::super::slug(value),
    ];
    if let Ok(json) = serde_json::to_string(value) {
        forms.push(json.trim_matches('"').to_string());
    }
    forms.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    forms.extend(base64_forms(value));
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms.retain(|f| !f.is_empty());
    forms
}

fn engine(alphabet: &base64::alphabet::Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

/// The base64 characters that only `value` decides, wherever it starts in a longer encoded
/// text: at each of the three byte alignments, in both alphabets.
pub(super) fn base64_forms(value: &str) -> Vec<String> {
    let bytes = value.as_bytes();
    let mut forms = Vec::new();
    for alphabet in [&base64::alphabet::STANDARD, &base64::alphabet::URL_SAFE] {
        let engine = engine(alphabet);
        for shift in 0..3usize {
            let mut padded = vec![0u8; shift];
            padded.extend_from_slice(bytes);
            let encoded = engine.encode(&padded);
            let first = (shift * 8).div_ceil(6);
            let last = ((shift + bytes.len()) * 8) / 6;
            if let Some(stable) = encoded.get(first..last.min(encoded.len()))
                && !stable.is_empty()
            {
                forms.push(stable.to_string());
            }
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// The value's bytes in hex, lower and upper case (a server that echoes what it was sent as
/// a hex dump).
pub(super) fn hex_forms(value: &str) -> Vec<String> {
    let lower: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    let upper = lower.to_uppercase();
    vec![lower, upper]
}

/// A base64 token's bytes, in either alphabet, padded or not.
pub(super) fn decode_base64(token: &str) -> Option<Vec<u8>> {
    [&base64::alphabet::STANDARD, &base64::alphabet::URL_SAFE]
        .into_iter()
        .find_map(|alphabet| engine(alphabet).decode(token).ok())
}
