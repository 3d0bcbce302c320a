//! A compact JWS (`header.payload.signature`, each base64url) decoded without trusting it,
//! and the one way a token is shown: never whole, since it is a bearer credential.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// A token longer than this is refused before decoding (a real one is a few KiB).
const MAX_TOKEN: usize = 64 * 1024;

/// A decoded token: what its header and payload say, and what its signature covers.
#[derive(Debug)]
pub struct Token {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `header.payload` as sent: the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

impl Token {
    /// Decodes `text`; the error says what is wrong with it, without quoting it.
    pub fn parse(text: &str) -> Result<Token, String> {
        let text = text.trim();
        if text.len() > MAX_TOKEN {
            return Err(format!("longer than {MAX_TOKEN} characters"));
        }
        let parts: Vec<&str> = text.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(format!(
                "{} parts separated by dots, not 3 (header.payload.signature)",
                parts.len()
            ));
        };
        let header_json = object(header, "header")?;
        let claims = object(payload, "payload")?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "its signature is not base64url".to_string())?;
        Ok(Token {
            header: header_json,
            claims,
            signing_input: format!("{header}.{payload}"),
            signature,
        })
    }

    /// The header's `alg`, when it is text.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`, when it is text.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }
}

fn object(part: &str, what: &str) -> Result<Map<String, Value>, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| format!("its {what} is not base64url"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("its {what} is not a JSON object")),
        Err(_) => Err(format!("its {what} is not JSON")),
    }
}

/// How a token appears in any message: its first 10 characters (the start of the encoded
/// header, which says nothing secret) and its length, as `eyJhbGciOi…(812 chars)`.
pub fn shown(text: &str) -> String {
    let count = text.chars().count();
    let head: String = text.chars().take(10).collect();
    format!("{head}…({count} chars)")
}

#[cfg(test)]
pub(crate) fn encode(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// `text` with every compact JWS in it (`eyJ…` header, payload, signature), and every compact
/// JWE (header, encrypted key, IV, ciphertext, tag: a refresh token), shown as [`shown`] does:
/// every output runs it, through `Secrets::redact`.
pub fn hide_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    // Both forms start with `eyJ`: text without it holds no token, and needs no regex.
    if !text.contains("eyJ") {
        return std::borrow::Cow::Borrowed(text);
    }
    static TOKEN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        // A JWE first (its encrypted key may be empty), then a JWS.
        regex::Regex::new(concat!(
            r"eyJ[A-Za-z0-9_-]{2,}(\.[A-Za-z0-9_-]*){4}",
            r"|eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
        ))
        .ok()
    });
    match TOKEN.as_ref() {
        Some(re) => re.replace_all(text, |c: &regex::Captures| shown(&c[0])),
        // The pattern is fixed and valid; should it not build, nothing is shown.
        None => std::borrow::Cow::Borrowed("(hidden: it may hold tokens)"),
    }
}
