//! A YAML scalar's value: the core schema for plain scalars, and the few tags conform reads.

use crate::syntax::node::{NodeValue, ParseError, Pos};
use granit_parser::{ScalarStyle, Tag};
use std::borrow::Cow;

/// A scalar's value under the rules in the module's comment.
pub(super) fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    at: Pos,
) -> Result<NodeValue, ParseError> {
    let Some(tag) = tag else {
        return Ok(if style == ScalarStyle::Plain {
            plain(&text)
        } else {
            NodeValue::Str(text.into_owned())
        });
    };
    let wanted = match tag.core_suffix() {
        Some("str") => return Ok(NodeValue::Str(text.into_owned())),
        None if tag.original() == "!" => return Ok(NodeValue::Str(text.into_owned())),
        Some(core @ ("int" | "float" | "bool" | "null")) => core,
        _ => return Err(unknown_tag(tag, at)),
    };
    let value = plain(&text);
    let fits = matches!(
        (&value, wanted),
        (NodeValue::Int(_), "int" | "float")
            | (NodeValue::Float(_), "float")
            | (NodeValue::Bool(_), "bool")
            | (NodeValue::Null, "null")
    );
    if !fits {
        return Err(error(
            at,
            format!(
                "`{text}` is not {}, as its tag `{}` says",
                match wanted {
                    "int" => "an integer",
                    "float" => "a number",
                    "bool" => "a boolean",
                    _ => "null",
                },
                tag.original()
            ),
            "expected the tag's type, or no tag",
        ));
    }
    Ok(match value {
        NodeValue::Int(i) if wanted == "float" => NodeValue::Float(i as f64),
        value => value,
    })
}

/// `!!map` on a mapping and `!!seq` on a sequence are allowed; nothing else is.
pub(super) fn collection_tag(tag: Option<&Tag>, kind: &str, at: Pos) -> Result<(), ParseError> {
    match tag {
        None => Ok(()),
        Some(t) if t.core_suffix() == Some(kind) => Ok(()),
        Some(t) => Err(unknown_tag(t, at)),
    }
}

fn unknown_tag(tag: &Tag, at: Pos) -> ParseError {
    error(
        at,
        format!("the tag `{}` is not supported here", tag.original()),
        "expected no tag (or `!!str` to keep a value as text)",
    )
}

/// A plain scalar's value: null, boolean, integer, number or string.
fn plain(text: &str) -> NodeValue {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return NodeValue::Null;
    };
    // Only text that starts like a number is tried as one.
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return NodeValue::Str(text.to_string());
    }
    if let Some(value) = integer(text) {
        return value;
    }
    if is_float(bytes)
        && let Ok(f) = text.parse::<f64>()
    {
        return NodeValue::Float(f);
    }
    NodeValue::Str(text.to_string())
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`; a decimal too large for 64 bits is a number.
fn integer(text: &str) -> Option<NodeValue> {
    let radix = |digits: &str, radix: u32| {
        (!digits.is_empty() && digits.bytes().all(|b| (b as char).is_digit(radix)))
            .then(|| i64::from_str_radix(digits, radix).ok().map(NodeValue::Int))
            .flatten()
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return radix(octal, 8);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match text.parse::<i64>() {
        Ok(i) => NodeValue::Int(i),
        Err(_) => NodeValue::Float(text.parse::<f64>().unwrap_or(f64::NAN)),
    })
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's number.
fn is_float(b: &[u8]) -> bool {
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let whole = digits(&mut i);
    let mut fraction = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        fraction = digits(&mut i);
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A YAML error at `pos`.
pub(super) fn error(pos: Pos, message: String, expected: &str) -> ParseError {
    ParseError {
        pos,
        message: format!("invalid YAML: {message}"),
        expected: expected.to_string(),
    }
}
